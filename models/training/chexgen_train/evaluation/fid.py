"""Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017), in any feature space.

No scipy here: the matrix square root goes through symmetric eigen-decompositions. For PSD S1, S2,
tr((S1 S2)^1/2) = tr((S1^1/2 S2 S1^1/2)^1/2), and the inner matrix is symmetric PSD, so it is the sum of the square
roots of its eigenvalues.
"""
from typing import Tuple

import numpy as np


def gaussian_fit(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """features [N, D] -> (mean [D], covariance [D, D]) in float64 (unbiased, N - 1)."""
    x = np.asarray(features, np.float64)
    assert x.ndim == 2 and x.shape[0] >= 2, f"need [N>=2, D] features, got {x.shape}"
    return x.mean(0), np.cov(x, rowvar=False)


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^1/2)."""
    r1 = _psd_sqrt(s1)
    inner = r1 @ s2 @ r1
    tr_covmean = float(np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0, None)).sum())
    diff = mu1 - mu2
    return float(max(0.0, diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr_covmean))


def fid(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """FID between two feature sets [N, D] and [M, D]."""
    return frechet_distance(*gaussian_fit(features_a), *gaussian_fit(features_b))
