"""SSIM and MS-SSIM (Wang et al. 2003/2004) for grayscale images in [0, 1]: 11-tap Gaussian window (sigma 1.5),
K1 = 0.01, K2 = 0.03, data range 1, 'valid' filtering, 5 scales with the standard weights (2x2 average pooling between
scales). 256-px images go down to 16 px at the coarsest scale."""
from typing import Tuple

import torch
import torch.nn.functional as F

MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
C1, C2 = 0.01 ** 2, 0.03 ** 2


def _window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    return (g / g.sum()).float()


def _filter(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """separable Gaussian, valid padding: [B,1,H,W] -> [B,1,H-10,W-10]. Written as weighted sums of shifted slices:
    torch 1.13's CPU conv2d with one channel is ~100x slower than this."""
    n = len(g)
    w = x.shape[-1] - n + 1
    x = sum(g[k] * x[..., :, k:k + w] for k in range(n))
    h = x.shape[-2] - n + 1
    return sum(g[k] * x[..., k:k + h, :] for k in range(n))


def _ssim_terms(a: torch.Tensor, b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """-> (SSIM, contrast-structure term), each averaged per image [B]."""
    g = _window().to(a.dtype)
    mu_a, mu_b = _filter(a, g), _filter(b, g)
    var_a = _filter(a * a, g) - mu_a ** 2
    var_b = _filter(b * b, g) - mu_b ** 2
    cov = _filter(a * b, g) - mu_a * mu_b
    cs = (2 * cov + C2) / (var_a + var_b + C2)
    lum = (2 * mu_a * mu_b + C1) / (mu_a ** 2 + mu_b ** 2 + C1)
    return (lum * cs).mean((1, 2, 3)), cs.mean((1, 2, 3))


def _as_batch(x: torch.Tensor) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.dim() == 2:
        x = x[None, None]
    elif x.dim() == 3:
        x = x[:, None]
    return x


def ssim(a, b) -> torch.Tensor:
    """a, b [B,H,W] (or [H,W]) in [0, 1] -> SSIM per image [B]."""
    return _ssim_terms(_as_batch(a), _as_batch(b))[0]


def ms_ssim(a, b) -> torch.Tensor:
    """a, b [B,H,W] in [0, 1], H, W >= 176 -> MS-SSIM per image [B] (negative cs values clipped to 0)."""
    a, b = _as_batch(a), _as_batch(b)
    assert a.shape == b.shape and min(a.shape[-2:]) >= 11 * 16, f"MS-SSIM needs >= 176 px, got {tuple(a.shape)}"
    out = torch.ones(a.shape[0])
    for i, w in enumerate(MS_WEIGHTS):
        s, cs = _ssim_terms(a, b)
        out = out * (s if i == len(MS_WEIGHTS) - 1 else cs).clamp(min=0) ** w
        a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
    return out
