"""Privacy check: for each generated image, its nearest training image and their SSIM.

Search: every image is shrunk to 64 px, mean-centred and unit-normed; the `candidates` training images with the highest
correlation are the candidates; SSIM at 128 px picks the nearest among them (SSIM against all 2,010 training images
would cost ~400x more; the correlation shortlist finds the near-copies this check is for).
"""
from typing import Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .msssim import ssim
from .stats import mean_with_ci, proportion


def _signature(images: np.ndarray, size: int = 64) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(images, np.float32))[:, None]
    x = F.interpolate(x, size=(size, size), mode="area").flatten(1)
    x = x - x.mean(1, keepdim=True)
    return x / x.norm(dim=1, keepdim=True).clamp(min=1e-8)


def _shrink(images: np.ndarray, size: int) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(images, np.float32))
    return x if x.shape[-1] <= size else F.interpolate(x[:, None], size=(size, size), mode="area")[:, 0]


def nearest_neighbours(queries: np.ndarray, references: np.ndarray, candidates: int = 5,
                       ssim_size: int = 128) -> Dict[str, np.ndarray]:
    """queries [N,H,W], references [M,H,W] in [0,1] -> {'index': [N] nearest reference, 'ssim': [N] its SSIM}."""
    q, r = _signature(queries), _signature(references)
    qs, rs = _shrink(queries, ssim_size), _shrink(references, ssim_size)
    top = (q @ r.T).topk(min(candidates, len(references)), dim=1).indices.numpy()  # [N, C]
    best_i = np.zeros(len(queries), np.int64)
    best_s = np.full(len(queries), -1.0)
    for c in range(top.shape[1]):
        s = torch.cat([ssim(qs[i:i + 256], rs[top[i:i + 256, c]]) for i in range(0, len(qs), 256)]).numpy()
        better = s > best_s
        best_s[better], best_i[better] = s[better], top[better, c]
    return {"index": best_i, "ssim": best_s}


def memorization_report(generated_nn_ssim: Sequence[float], real_nn_ssim: Sequence[float],
                        percentile: float = 99.0) -> Dict[str, float]:
    """Threshold = the `percentile` of real held-out images' nearest-training SSIM (other patients: not copies);
    reports the share of generated images closer to a training image than that."""
    g, r = np.asarray(generated_nn_ssim, np.float64), np.asarray(real_nn_ssim, np.float64)
    threshold = float(np.percentile(r, percentile))
    return {
        "memorization_max_ssim": float(g.max()),
        "memorization_mean_nn_ssim": float(g.mean()),
        "memorization_threshold_ssim": threshold,
        "memorization_fraction_above_threshold": float((g > threshold).mean()),
        "real_eval_max_nn_ssim": float(r.max()),
        "real_eval_mean_nn_ssim": float(r.mean()),
        "real_eval_fraction_above_threshold": float((r > threshold).mean()),
    }


def source_copy_report(generated: np.ndarray, source_index: np.ndarray, train_images: np.ndarray,
                       threshold: float, ssim_size: int = 128) -> Dict:
    """Images generated from TRAINING records' own prompt, masks and boxes (the strongest invitation to copy): their
    SSIM to that very training image, whether their nearest training image is it, and the share above the real-data
    threshold of memorization_report."""
    g = _shrink(generated, ssim_size)
    s = _shrink(train_images[source_index], ssim_size)
    to_source = torch.cat([ssim(g[i:i + 256], s[i:i + 256]) for i in range(0, len(g), 256)]).numpy()
    nn = nearest_neighbours(generated, train_images)
    return {
        "ssim_to_source": mean_with_ci(to_source), "ssim_to_source_max": float(to_source.max()),
        "nearest_is_source": proportion(int((nn["index"] == source_index).sum()), len(source_index)),
        "nearest_ssim_max": float(nn["ssim"].max()),
        "above_threshold": proportion(int((np.maximum(to_source, nn["ssim"]) > threshold).sum()), len(to_source)),
        "threshold_ssim": threshold, "images": int(len(source_index)),
    }
