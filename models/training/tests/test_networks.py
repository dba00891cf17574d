import torch

from chexgen_train.checkpoint import build_models
from chexgen_train.config import BOX_CLASSES, MASK_CLASSES, preset

K = len(MASK_CLASSES) + len(BOX_CLASSES)


def tiny_models():
    torch.manual_seed(0)
    return build_models(preset("tiny"), vocab_size=50)


def test_when_tiny_models_run_then_shapes_follow_the_contract():
    vae, text, dit = tiny_models()
    image = torch.rand(2, 1, 256, 256) * 2 - 1
    mean, logvar = vae.encode_normalised(image)
    assert mean.shape == logvar.shape == (2, 4, 32, 32)
    assert vae.decode_normalised(mean).shape == (2, 1, 256, 256)
    ids = torch.randint(3, 50, (2, 64))
    mask = torch.ones(2, 64, dtype=torch.int64)
    emb = text(ids, mask)
    assert emb.shape == (2, 64, 32)
    v = dit(mean, torch.rand(2), emb, mask, torch.zeros(2, K, 256, 256), torch.zeros(2, K))
    assert v.shape == (2, 4, 32, 32)


def test_when_a_channel_is_not_given_then_its_plane_content_is_ignored():
    _, text, dit = tiny_models()
    for p in dit.parameters():  # zero-initialised layers would hide the effect
        torch.nn.init.normal_(p, std=0.05)
    x, t = torch.randn(1, 4, 32, 32), torch.rand(1)
    ids, mask = torch.randint(3, 50, (1, 64)), torch.ones(1, 64, dtype=torch.int64)
    emb = text(ids, mask)
    a = torch.zeros(1, K, 256, 256)
    b = torch.zeros(1, K, 256, 256)
    b[:, 0, 50:150, 50:150] = 1
    absent = torch.zeros(1, K)
    assert torch.allclose(dit(x, t, emb, mask, a, absent), dit(x, t, emb, mask, b, absent))
    present = torch.zeros(1, K)
    present[0, 0] = 1
    # "given and empty" differs from "not given", and the plane content matters once given
    assert not torch.allclose(dit(x, t, emb, mask, a, present), dit(x, t, emb, mask, a, absent))
    assert not torch.allclose(dit(x, t, emb, mask, a, present), dit(x, t, emb, mask, b, present))


def test_when_padding_tokens_change_then_text_embeddings_of_real_tokens_do_not():
    _, text, _ = tiny_models()
    ids = torch.randint(3, 50, (1, 64))
    mask = torch.zeros(1, 64, dtype=torch.int64)
    mask[:, :10] = 1
    ids2 = ids.clone()
    ids2[:, 10:] = 7
    assert torch.allclose(text(ids, mask)[:, :10], text(ids2, mask)[:, :10], atol=1e-6)
