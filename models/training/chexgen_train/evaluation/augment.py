"""Strong classic augmentation for segmentation training (the baseline any synthetic data has to beat): a random
affine map per image (rotation, scale, shift, shear; masks follow it, nearest-neighbour), then gamma, contrast,
brightness, blur and noise on the image only."""
import math

import torch
import torch.nn.functional as F


def _uniform(gen: torch.Generator, n: int, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def strong_augment(x: torch.Tensor, masks: torch.Tensor, gen: torch.Generator):
    """x [B,1,S,S] in [0,1], masks [B,K,S,S] in {0,1} -> augmented (x, masks)."""
    b = x.shape[0]
    angle = _uniform(gen, b, -10, 10) * math.pi / 180
    scale = _uniform(gen, b, 0.85, 1.15)
    shear = _uniform(gen, b, -0.08, 0.08)
    tx, ty = _uniform(gen, b, -0.16, 0.16), _uniform(gen, b, -0.16, 0.16)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin + shear, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    masks = F.grid_sample(masks, grid, mode="nearest", padding_mode="zeros", align_corners=False)
    gamma = _uniform(gen, b, 0.7, 1.4).view(b, 1, 1, 1)
    x = x.clamp(1e-4, 1) ** gamma
    contrast = _uniform(gen, b, 0.75, 1.25).view(b, 1, 1, 1)
    bright = _uniform(gen, b, -0.1, 0.1).view(b, 1, 1, 1)
    x = (x - 0.5) * contrast + 0.5 + bright
    soft = (torch.rand(b, generator=gen) < 0.3).view(b, 1, 1, 1).float()
    x = soft * F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1) + (1 - soft) * x
    x = x + torch.randn(x.shape, generator=gen) * _uniform(gen, b, 0, 0.03).view(b, 1, 1, 1)
    return x.clamp(0, 1), masks
