import os

import numpy as np
import onnx
import torch

from chexgen_train import checkpoint
from chexgen_train.config import preset
from chexgen_train.export_onnx import export_model
from chexgen_train.flow import euler_sample, noisy, timesteps
from chexgen_train.onnx_weights import load_modules
from chexgen_train.train import random_weights


def test_when_tiny_is_exported_then_graphs_meet_the_runtime_limits_and_weights_round_trip(tmp_path):
    run = tmp_path / "run"
    random_weights(preset("tiny"), str(run), "")
    manifest = export_model(str(run), str(tmp_path / "model"), "tiny-test")
    for graph in manifest["graphs"].values():
        model = onnx.load(os.path.join(tmp_path, "model", graph["file"]))
        assert model.ir_version <= 13
        assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [17]
        big = [i for i in model.graph.initializer if np.prod(i.dims) >= 16]
        assert big and all(i.data_type == onnx.TensorProto.FLOAT16 for i in big)
    _, _, _, text, dit, _ = checkpoint.load(str(run))
    _, _, _, _, text2, dit2 = load_modules(str(tmp_path / "model"))
    for a, b in ((text, text2), (dit, dit2)):
        sa, sb = a.state_dict(), b.state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert {f["file"] for f in manifest["files"]} >= {"denoiser.onnx", "tokenizer.json"}


def test_when_the_path_is_straight_then_euler_recovers_x0_exactly():
    x0, eps = torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 8)
    xt, v = noisy(x0, eps, torch.ones(2))
    assert torch.allclose(xt, eps)
    out = euler_sample(lambda x, t: v, eps, steps=7)
    assert torch.allclose(out, x0, atol=1e-5)


def test_when_timesteps_are_shifted_then_they_still_run_from_one_to_zero():
    t = timesteps(20, shift=3.0)
    assert t[0] == 1.0 and t[-1] == 0.0 and len(t) == 21
    assert bool((t[1:] < t[:-1]).all())
    assert t[10] > 0.5  # shift > 1 spends more steps at high noise


def test_when_resuming_from_a_model_folder_then_its_weights_come_back_and_another_vocabulary_is_refused(tmp_path):
    import json

    import pytest

    from chexgen_train.train import resume_modules

    run = tmp_path / "run"
    random_weights(preset("tiny"), str(run), "")
    export_model(str(run), str(tmp_path / "model"), "tiny-test")
    tokenizer = (tmp_path / "model" / "tokenizer.json").read_text(encoding="utf-8")
    cfg, vae, text, dit = resume_modules(str(tmp_path / "model"), tokenizer)
    _, _, _, _, _, dit_saved = load_modules(str(tmp_path / "model"))
    assert all(torch.equal(a, b) for a, b in zip(dit.state_dict().values(), dit_saved.state_dict().values()))
    assert cfg.resolution == preset("tiny").resolution
    other = json.loads(tokenizer)
    other["vocab"] = other["vocab"][:3] + list(reversed(other["vocab"][3:]))
    with pytest.raises(SystemExit, match="tokenizer differs"):
        resume_modules(str(tmp_path / "model"), json.dumps(other))


def test_when_a_graph_is_over_the_file_limit_then_its_weights_go_to_parts_that_load_back_exactly(tmp_path, monkeypatch):
    from chexgen_train import export_onnx

    monkeypatch.setattr(export_onnx, "MAX_FILE_BYTES", 40_000)
    monkeypatch.setattr(export_onnx, "PART_BYTES", 30_000)
    run = tmp_path / "run"
    random_weights(preset("tiny"), str(run), "")
    manifest = export_model(str(run), str(tmp_path / "model"), "tiny-split")
    parts = manifest["graphs"]["denoiser"]["external_data"]
    assert len(parts) >= 2 and all(p.startswith("denoiser.onnx.data") for p in parts)
    listed = {f["file"]: f["bytes"] for f in manifest["files"]}
    assert set(parts) <= set(listed)
    assert all(os.path.getsize(tmp_path / "model" / p) <= 30_000 + 4096 for p in parts)  # + one tensor's alignment
    graph = onnx.load(str(tmp_path / "model" / "denoiser.onnx"), load_external_data=False)
    big = [i for i in graph.graph.initializer if np.prod(i.dims) * 2 >= 1024]
    assert big and all(i.data_location == onnx.TensorProto.EXTERNAL for i in big)
    _, _, _, _, dit, _ = checkpoint.load(str(run))
    _, _, _, _, _, dit2 = load_modules(str(tmp_path / "model"))
    sa, sb = dit.state_dict(), dit2.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
