"""Trains (or loads from the cache) the three reference networks on the TRAIN split; see reference_nets.py.

Weights live under models/training/.cache/eval/nets (ignored by git) with a JSON of how they were trained; they are
retrained only when missing or when their NETS_VERSION changes.
"""
import json
import os
import random
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..data import FINDING_BOX_CLASSES, Record
from .patches import crop_patches, patch_window
from .reference_nets import (Classifier, PatchClassifier, Segmenter, classifier_loss, fit, jitter,
                             segmenter_loss)

NETS_VERSION = {"classifier": 3, "segmenter": 2, "patch": 1}  # segmenter 2: empty declared planes are unknown;
# classifier 2: trained without the train carve-out (carve_out.py), the real reference its features are tested on;
# 3: the carve-out matches eval per manifest source
# (steps, batch) per network; --quick trains for a few steps only
BUDGET = {"classifier": (600, 32), "segmenter": (500, 16), "patch": (300, 64)}
QUICK_BUDGET = {"classifier": (10, 8), "segmenter": (10, 4), "patch": (10, 16)}


def _cached(nets_dir: str, name: str, build: Callable[[], torch.nn.Module],
            train: Callable[[torch.nn.Module], Dict], log: Callable[[str], None]) -> Tuple[torch.nn.Module, Dict]:
    path = os.path.join(nets_dir, f"{name}.pt")
    meta_path = os.path.join(nets_dir, f"{name}.json")
    model = build()
    if os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("version") == NETS_VERSION[name]:
            model.load_state_dict(torch.load(path, map_location="cpu"))
            model.eval()
            log(f"{name}: loaded from {path}")
            return model, {**meta, "cached": True}
    log(f"{name}: training on the train split")
    torch.manual_seed(0)
    meta = {"version": NETS_VERSION[name], **train(model)}
    os.makedirs(nets_dir, exist_ok=True)
    torch.save(model.state_dict(), path)
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return model, {**meta, "cached": False}


def classifier(nets_dir: str, x: torch.Tensor, lab: Dict[str, np.ndarray], quick: bool, log=print):
    """x [N,1,128,128] train images; lab from images.labels."""
    steps, batch = (QUICK_BUDGET if quick else BUDGET)["classifier"]
    findings, sex, view = (torch.as_tensor(lab[k]) for k in ("findings", "sex", "view"))
    gen = torch.Generator().manual_seed(1)

    def train(model):
        def loss(_: int) -> torch.Tensor:
            idx = torch.randint(0, len(x), (batch,), generator=gen)
            return classifier_loss(model, jitter(x[idx], gen=gen), findings[idx], sex[idx], view[idx])

        return {**fit(model, loss, steps, log=log, name="classifier"), "batch": batch, "train_images": len(x)}

    return _cached(nets_dir, "classifier", Classifier, train, log)


def train_segmenter(model: Segmenter, x: torch.Tensor, masks: torch.Tensor, present: torch.Tensor, steps: int,
                    batch: int, log=print, name: str = "segmenter", seed: int = 2) -> Dict:
    """x [N,1,S,S], masks [N,3,S,S], present [N,3]; trains in place."""
    gen = torch.Generator().manual_seed(seed)

    def loss(_: int) -> torch.Tensor:
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        xb, mb = jitter(x[idx], masks[idx], gen=gen)
        return segmenter_loss(model(xb), mb, present[idx].float())

    torch.manual_seed(seed)
    return {**fit(model, loss, steps, log=log, name=name), "batch": batch, "train_images": len(x)}


def segmenter(nets_dir: str, x: torch.Tensor, masks: torch.Tensor, present: torch.Tensor, quick: bool, log=print):
    steps, batch = (QUICK_BUDGET if quick else BUDGET)["segmenter"]
    return _cached(nets_dir, "segmenter", Segmenter,
                   lambda m: train_segmenter(m, x, masks, present, steps, batch, log), log)


def patch_training_set(records: List[Record], images: np.ndarray, rng: random.Random, per_box: int = 8):
    """Positives: jittered patches around every finding box; negatives: the same windows in random normal images
    (same place, no finding) -> (patches [N,1,48,48], labels [N])."""
    normals = [i for i, r in enumerate(records) if r.findings == ["normal"]]
    wins_pos, idx_pos, wins_neg, idx_neg = [], [], [], []
    for i, r in enumerate(records):
        for c, x0, y0, x1, y1 in r.boxes:
            if c not in FINDING_BOX_CLASSES:
                continue
            for _ in range(per_box):
                w = patch_window((x0, y0, x1, y1), rng.uniform(0.85, 1.2), rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12))
                wins_pos.append(w)
                idx_pos.append(i)
                wins_neg.append(w)
                idx_neg.append(rng.choice(normals))
    patches = torch.cat([crop_patches(images[idx_pos], wins_pos), crop_patches(images[idx_neg], wins_neg)])
    y = torch.cat([torch.ones(len(idx_pos)), torch.zeros(len(idx_neg))])
    return patches, y


def patch_classifier(nets_dir: str, records: List[Record], images: np.ndarray, quick: bool, log=print):
    """images [N,256,256] train images in [0,1]."""
    steps, batch = (QUICK_BUDGET if quick else BUDGET)["patch"]
    gen = torch.Generator().manual_seed(3)

    def train(model):
        patches, y = patch_training_set(records, images, random.Random(3))

        def loss(_: int) -> torch.Tensor:
            idx = torch.randint(0, len(patches), (batch,), generator=gen)
            return F.binary_cross_entropy_with_logits(model(jitter(patches[idx], shift=2, gen=gen)), y[idx])

        return {**fit(model, loss, steps, log=log, name="patch"), "batch": batch, "patches": len(patches),
                "positive_patches": int(y.sum())}

    return _cached(nets_dir, "patch", PatchClassifier, train, log)
