"""mask_dice: the reference segmenter on images vs the masks they should show (generated: the conditioning masks;
real: the true masks), per image averaged over the structures it has, at the segmenter's 64 px."""
from typing import Dict

import numpy as np
import torch

from ..config import MASK_CLASSES
from .reference_data import seg_inputs
from .reference_nets import predict_batched
from .scores import dice


def segment(model, images: np.ndarray) -> np.ndarray:
    """images [N,256,256] -> predicted masks bool [N,3,64,64]."""
    x, _ = seg_inputs(images, np.zeros((len(images), 3, 256, 256), np.uint8))
    return (predict_batched(model, x) > 0).numpy()


def dice_report(pred: np.ndarray, masks: np.ndarray, present: np.ndarray) -> Dict:
    """pred bool [N,3,S,S], masks [N,3,256,256], present [N,3] -> mean per-image Dice + per structure + count."""
    _, target = seg_inputs(np.zeros((len(masks), 256, 256), np.float32), masks)
    target = target.numpy() > 0.5
    per_image, per_class = [], {c: [] for c in MASK_CLASSES}
    for i in range(len(pred)):
        ks = np.flatnonzero(present[i])
        if len(ks) == 0:
            continue
        d = [dice(pred[i, k], target[i, k]) for k in ks]
        per_image.append(float(np.mean(d)))
        for k, v in zip(ks, d):
            per_class[MASK_CLASSES[k]].append(v)
    return {"dice": float(np.mean(per_image)) if per_image else float("nan"), "images": len(per_image),
            "per_image": per_image,
            "per_structure": {c: round(float(np.mean(v)), 4) for c, v in per_class.items() if v}}


@torch.no_grad()
def mask_dice(model, images: np.ndarray, masks: np.ndarray, present: np.ndarray) -> Dict:
    return dice_report(segment(model, images), masks, present)
