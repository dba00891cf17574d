"""Radially averaged power spectra: where in frequency generated images lack (haze, blur) or add (noise) energy.

Each image is mean-centred, multiplied by a 2-D Hann window (so the image border adds no spurious lines) and
Fourier-transformed; its power is averaged over rings of spatial frequency. Bands are in cycles per image at 256 px
(128 is the Nyquist limit): 2-8 the large anatomy, 8-16 and 16-32 ribs and vessels, 32-64 and 64-128 fine texture,
edges and noise. The ratio generated/real per band is 1 for a generator whose images carry the real power there.
"""
from typing import Dict, Sequence, Tuple

import numpy as np

from .stats import bootstrap_ci

BANDS: Tuple[Tuple[int, int], ...] = ((2, 8), (8, 16), (16, 32), (32, 64), (64, 128))


def band_name(band: Tuple[int, int]) -> str:
    return f"{band[0]}-{band[1]}"


def band_powers(images: np.ndarray, bands: Sequence[Tuple[int, int]] = BANDS) -> np.ndarray:
    """images [N, S, S] in [0, 1] -> mean power per band [N, len(bands)] (frequencies scaled to a 256-px image)."""
    x = np.asarray(images, np.float64)
    n, h, w = x.shape
    x = x - x.mean(axis=(1, 2), keepdims=True)
    x = x * np.outer(np.hanning(h), np.hanning(w))[None]
    power = np.abs(np.fft.fft2(x)) ** 2 / (h * w)
    fy, fx = np.meshgrid(np.fft.fftfreq(h) * 256, np.fft.fftfreq(w) * 256, indexing="ij")
    radius = np.sqrt(fx ** 2 + fy ** 2)
    out = np.zeros((n, len(bands)))
    for k, (lo, hi) in enumerate(bands):
        ring = (radius >= lo) & (radius < hi)
        out[:, k] = power[:, ring].mean(axis=1)
    return out


def spectral_ratio(generated: np.ndarray, real: np.ndarray, reps: int = 1000, seed: int = 0) -> Dict[str, Dict]:
    """Per band: mean power of `generated` / mean power of `real` (both [N, S, S]) with a bootstrap interval."""
    g, r = band_powers(generated), band_powers(real)
    out = {}
    for k, band in enumerate(BANDS):
        gk, rk = g[:, k], r[:, k]
        out[band_name(band)] = {"value": float(gk.mean() / rk.mean()),
                                "ci": bootstrap_ci(lambda a, b: a.mean() / b.mean(), gk, rk, reps=reps, seed=seed + k)}
    return out


def log_error(ratios: Dict[str, Dict]) -> float:
    """Mean |log2 ratio| over the bands: 0 for real-like spectra, 1 for a factor of 2 off on average."""
    return float(np.mean([abs(np.log2(v["value"])) for v in ratios.values()]))
