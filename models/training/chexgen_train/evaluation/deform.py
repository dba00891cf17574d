"""Random smooth deformations of anatomy masks: new but plausible lung and heart layouts made from a real one, for the
synthetic image-mask pairs of the downstream experiment (the generator draws an image for the deformed masks)."""
import math

import numpy as np
import torch
import torch.nn.functional as F


def deform_planes(planes: np.ndarray, rng: np.random.Generator, max_rotation_deg: float = 8.0,
                  scale_range: float = 0.08, max_shift: float = 0.06, elastic: float = 0.05, grid: int = 5) -> np.ndarray:
    """planes uint8 [K, H, W] in {0,1} -> the same planes under one random affine map plus a smooth elastic field
    (a `grid` x `grid` lattice of displacements, bicubically interpolated; sizes are shares of the image side), so
    all structures move together and keep their relative layout. Nearest-neighbour: output stays binary."""
    k, h, w = planes.shape
    angle = math.radians(rng.uniform(-max_rotation_deg, max_rotation_deg))
    sx, sy = 1 + rng.uniform(-scale_range, scale_range), 1 + rng.uniform(-scale_range, scale_range)
    tx, ty = rng.uniform(-max_shift, max_shift) * 2, rng.uniform(-max_shift, max_shift) * 2  # [-1,1] coords
    cos, sin = math.cos(angle), math.sin(angle)
    theta = torch.tensor([[[cos / sx, -sin / sx, tx], [sin / sy, cos / sy, ty]]], dtype=torch.float32)
    base = F.affine_grid(theta, [1, k, h, w], align_corners=False)  # [1,H,W,2]
    coarse = torch.as_tensor(rng.uniform(-elastic, elastic, (1, 2, grid, grid)) * 2, dtype=torch.float32)
    field = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    x = torch.as_tensor(planes[None].astype(np.float32))
    out = F.grid_sample(x, base + field, mode="nearest", padding_mode="zeros", align_corners=False)
    return (out[0].numpy() > 0.5).astype(np.uint8)
