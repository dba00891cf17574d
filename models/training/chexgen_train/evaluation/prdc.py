"""Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019): each set's manifold is the union of balls
around its points with radius = distance to the k-th nearest neighbour in the same set.

precision: share of generated points inside the real manifold (fidelity); recall: share of real points inside the
generated manifold (coverage).
"""
from typing import Dict

import numpy as np


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[N, D], [M, D] -> Euclidean distances [N, M] (float64)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.clip(d2, 0, None))


def knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """distance from each point to its k-th nearest neighbour in the same set (itself excluded)."""
    assert len(x) > k, f"need more than k={k} points, got {len(x)}"
    d = pairwise_distances(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def coverage_share(points: np.ndarray, manifold: np.ndarray, k: int) -> float:
    """share of `points` inside the k-NN manifold of `manifold`."""
    radii = knn_radii(manifold, k)
    d = pairwise_distances(points, manifold)
    return float((d <= radii[None, :]).any(1).mean())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> Dict[str, float]:
    return {"precision": coverage_share(fake, real, k), "recall": coverage_share(real, fake, k)}
