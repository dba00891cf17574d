"""The model's VAE on real images: reconstructions (a degradation the feature-space check must see) and PSNR.

The PSNR printed at training time is measured on the first 32 images of the training pack, all JSRT films that the
VAE reconstructs best; this one is on every real eval image, with its interval and per source.
"""
import math
from typing import Dict, List

import numpy as np
import torch

from ..onnx_weights import load_modules
from .carve_out import source_of
from .stats import mean_with_ci


def load_vae(model_dir: str):
    return load_modules(model_dir)[3]


@torch.no_grad()
def reconstruct(vae, images: np.ndarray, batch: int = 32) -> np.ndarray:
    """[N, 256, 256] in [0, 1] -> VAE round trip (posterior mean), same shape and range, 8-bit quantised like a PNG."""
    out = []
    for i in range(0, len(images), batch):
        x = torch.as_tensor(np.asarray(images[i:i + batch], np.float32))[:, None] * 2 - 1
        z, _ = vae.encode_normalised(x)
        r = (vae.decode_normalised(z).clamp(-1, 1) + 1) / 2
        out.append(torch.round(r[:, 0] * 255) / 255)
    return torch.cat(out).numpy()


def psnr_report(real: np.ndarray, recon: np.ndarray, record_ids: List[str]) -> Dict:
    mse = ((np.asarray(real, np.float64) - recon) ** 2).mean(axis=(1, 2))
    psnr = np.array([10 * math.log10(1.0 / max(m, 1e-12)) for m in mse])
    sources = np.array([source_of(r) for r in record_ids])
    return {**mean_with_ci(psnr), "per_source": {s: mean_with_ci(psnr[sources == s]) for s in sorted(set(sources))}}
