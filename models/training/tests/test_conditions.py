import torch

from chexgen_train.conditions import drop_conditions, drop_text, rasterize_boxes, unpack_masks
from chexgen_train.config import BOX_CLASSES
import numpy as np


def test_when_a_box_is_rasterized_then_pixel_centres_decide_membership():
    nodule = BOX_CLASSES.index("nodule")
    boxes = torch.tensor([[[nodule, 10.0, 20.0, 12.6, 21.5], [-1, 0, 0, 0, 0]]])
    planes = rasterize_boxes(boxes, 32)
    on = torch.nonzero(planes[0, nodule]).tolist()
    # columns 10, 11 (centres 10.5, 11.5 < 12.6; 12.5 < 12.6 too), rows 20 (20.5 < 21.5) only
    assert on == [[20, 10], [20, 11], [20, 12]]
    assert planes.sum() == 3  # padding rows (class -1) draw nothing


def test_when_masks_are_bit_packed_little_endian_then_unpacking_restores_them():
    m = (np.random.default_rng(0).random((2, 3, 16, 16)) > 0.5).astype(np.uint8)
    bits = torch.from_numpy(np.packbits(m, axis=-1, bitorder="little"))
    assert torch.equal(unpack_masks(bits), torch.from_numpy(m).float())


def test_when_dropout_is_applied_then_rates_match_and_dropped_text_is_the_empty_prompt():
    torch.manual_seed(0)
    ids = torch.randint(3, 100, (20000, 8))
    out = drop_text(ids, 0.15)
    dropped = (out[:, 1:] == 0).all(1) & (out[:, 0] == 2)
    assert abs(dropped.float().mean().item() - 0.15) < 0.01
    present = drop_conditions(torch.ones(20000, 9), 0.15, 0.3)
    assert abs(((present.sum(1) == 0).float().mean().item()) - (0.15 + 0.85 * 0.3 ** 9)) < 0.01
    assert abs(present.mean().item() - 0.85 * 0.7) < 0.01
