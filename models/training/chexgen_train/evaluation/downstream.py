"""Downstream use: does adding synthetic image-mask pairs help a segmenter trained on little real data?

Two segmenters, same architecture, steps and batch size, trained from scratch: (a) on a fixed 10% of the train-split
images with masks, (b) on the same 10% plus the synthetic pairs (images generated from TRAIN-split masks, each paired
with its conditioning masks). Both are scored by Dice on every real eval image with masks; each arm is trained with
3 seeds (initialisation and batches) and the mean is reported with the per-seed values."""
import random
from typing import Dict, List

import numpy as np
import torch

from .images import conditioning_masks
from .reference_data import Split, seg_inputs
from .reference_nets import Segmenter
from .segmentation_metrics import mask_dice
from .train_reference import train_segmenter

REAL_FRACTION = 0.10
STEPS, BATCH = 300, 16
QUICK_STEPS, QUICK_BATCH = 5, 4
SEEDS = (5, 6, 7)  # each arm is trained from 3 initialisations: 50 real images give a noisy segmenter


def downstream_report(train: Split, evals: Split, synthetic: List[Dict], cache_dir: str, quick: bool,
                      log=print) -> Dict:
    with_masks = list(train.with_masks())
    subset = sorted(random.Random(11).sample(with_masks, max(2, round(REAL_FRACTION * len(with_masks)))))
    steps, batch = (QUICK_STEPS, QUICK_BATCH) if quick else (STEPS, BATCH)
    x_real, m_real = seg_inputs(train.images[subset], train.masks[subset])
    p_real = torch.as_tensor(train.present[subset])
    syn = [conditioning_masks(e, cache_dir) for e in synthetic]
    if syn:
        x_syn, m_syn = seg_inputs(np.stack([e["image"] for e in synthetic]), np.stack([m for m, _ in syn]))
        p_syn = torch.as_tensor(np.stack([p for _, p in syn]))
    ev = evals.with_masks()
    out: Dict = {"downstream_real_train_images": len(subset), "downstream_synthetic_images": len(synthetic),
                 "downstream_steps": steps, "downstream_batch": batch, "downstream_eval_images": len(ev)}
    runs = {"real": (x_real, m_real, p_real)}
    if syn:
        runs["augmented"] = (torch.cat([x_real, x_syn]), torch.cat([m_real, m_syn]), torch.cat([p_real, p_syn]))
    for name, (x, m, p) in runs.items():
        dices, per_structure, seconds = [], [], 0.0
        for seed in SEEDS[:1] if quick else SEEDS:
            torch.manual_seed(seed)
            model = Segmenter()
            info = train_segmenter(model, x, m, p, steps, batch, log, name=f"downstream-{name}-seed{seed}", seed=seed)
            rep = mask_dice(model, evals.images[ev], evals.masks[ev], evals.present[ev])
            dices.append(rep["dice"])
            per_structure.append(rep["per_structure"])
            seconds += info["seconds"]
        out[f"downstream_dice_{name}"] = float(np.mean(dices))
        out[f"downstream_dice_{name}_per_seed"] = [round(d, 4) for d in dices]
        out[f"downstream_dice_{name}_per_structure"] = {
            k: round(float(np.mean([ps[k] for ps in per_structure if k in ps])), 4) for k in per_structure[0]}
        out[f"downstream_{name}_train_seconds"] = round(seconds, 1)
    return out
