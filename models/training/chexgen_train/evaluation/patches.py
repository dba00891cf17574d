"""Square patches around boxes, for the patch classifier (box_hit_rate).

A patch is centred on the box, side = max(MIN_SIDE, 1.5 x the box's longer side) in 256-px image coordinates, and
resampled to PATCH_SIZE px (bilinear). Coordinates outside the image read as 0."""
from typing import Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .reference_nets import PATCH_SIZE

MIN_SIDE = 40.0

Box = Tuple[float, float, float, float]


def patch_window(box: Box, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> Tuple[float, float, float]:
    """box (x0, y0, x1, y1) -> (centre x, centre y, side) of its patch; dx, dy shift the centre by that share of the side."""
    x0, y0, x1, y1 = box
    side = max(MIN_SIDE, 1.5 * max(x1 - x0, y1 - y0)) * scale
    return (x0 + x1) / 2 + dx * side, (y0 + y1) / 2 + dy * side, side


def crop_patches(images: np.ndarray, windows: Sequence[Tuple[float, float, float]], size: int = 256) -> torch.Tensor:
    """images [N,H,W] in [0,1], one window per image -> [N,1,PATCH_SIZE,PATCH_SIZE]."""
    x = torch.as_tensor(np.asarray(images, np.float32))[:, None]
    theta = torch.zeros(len(windows), 2, 3)
    for i, (cx, cy, side) in enumerate(windows):
        theta[i, 0, 0] = theta[i, 1, 1] = side / size
        theta[i, 0, 2] = cx / size * 2 - 1
        theta[i, 1, 2] = cy / size * 2 - 1
    grid = F.affine_grid(theta, [len(windows), 1, PATCH_SIZE, PATCH_SIZE], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
