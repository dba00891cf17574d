"""Is the feature space of `fid` fit to gate a release? A Frechet distance can only show a failure its feature space
sees. So real images are degraded in ways a radiologist sees at once (Gaussian blur with sigma 1 and 2 px, a round
trip through the model's own VAE) and measured exactly like generated images: each must come out clearly worse than
the floor (real images the feature network never saw, with the eval split's source mix), i.e. its bootstrap interval
must lie above the floor's. If one does not, the feature space is blind to that fault and `fid` must not gate a
release on its own.
"""
from typing import Callable, Dict

import numpy as np
import torch
import torch.nn.functional as F

from .fid import fid
from .prdc import precision_recall
from .stats import bootstrap_ci


def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """[N, S, S] -> separable Gaussian blur (replicate borders)."""
    r = max(1, int(3 * sigma + 0.5))
    k = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma ** 2))
    k = (k / k.sum()).float()
    x = torch.as_tensor(np.asarray(images, np.float32))[:, None]
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    return x[:, 0].numpy()


def fid_with_ci(a: np.ndarray, b: np.ndarray, reps: int = 200, seed: int = 0) -> Dict:
    return {"value": fid(a, b), "ci": bootstrap_ci(fid, a, b, reps=reps, seed=seed)}


def feature_space_sensitivity(features: Callable[[np.ndarray], np.ndarray], eval_features: np.ndarray,
                              floor_images: np.ndarray, degraded: Dict[str, np.ndarray], reps: int = 200) -> Dict:
    """features: images [N, S, S] -> [N, D]; degraded: name -> images (each a degraded copy of floor_images)."""
    floor_f = features(floor_images)
    floor = {**fid_with_ci(floor_f, eval_features, reps), **precision_recall(eval_features, floor_f)}
    out: Dict = {"floor": floor, "degraded": {}}
    for i, (name, images) in enumerate(degraded.items()):
        f = features(images)
        d = {**fid_with_ci(f, eval_features, reps, seed=i + 1), **precision_recall(eval_features, f)}
        d["clearly_worse_than_floor"] = bool(d["ci"][0] > floor["ci"][1])
        out["degraded"][name] = d
    out["fit_to_gate"] = all(d["clearly_worse_than_floor"] for d in out["degraded"].values())
    blind = [k for k, d in out["degraded"].items() if not d["clearly_worse_than_floor"]]
    out["verdict"] = ("every degradation scores clearly worse than the floor: fid can see these faults"
                      if not blind else f"fid is NOT fit to gate a release: it cannot tell {', '.join(blind)} from "
                                         "real images")
    return out
