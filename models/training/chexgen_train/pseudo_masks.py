"""Pseudo-labels: lung and heart masks for every training image that lacks them, from a segmenter trained on the
manual masks only (JSRT/SCR and V7 Labs), so the denoiser sees anatomy conditions on all 2,010 images instead of
~500. Packs (pack.py, version 4) mark each mask plane's origin, so training can weight or exclude these.

  npm run model:pseudo-masks            # -> models/training/.cache/pseudo-masks.npz + pseudo-masks.json (its Dice)

The segmenter is the evaluation's small U-Net at 64 px (logits upsampled to 256 px, so the planes are smooth), trained
on the train split's manual masks; its Dice on the eval split's manual masks is written beside the masks and must
reach MIN_DICE for the masks to be written at all. Planes a record already has from a manual mask are never
replaced; lungVAE lungs (model-made by the data's authors) are kept, and their missing heart is filled in.
"""
import argparse
import json
import os
import sys
import time
from typing import Dict, List

import numpy as np
import torch
from scipy import ndimage
import torch.nn.functional as F

from .config import MASK_CLASSES
from .data import Record, load_gray, load_mask_planes, read_manifest
from .evaluation.reference_nets import SEG_SIZE, Segmenter, predict_batched
from .evaluation.segmentation_metrics import dice_report
from .evaluation.train_reference import train_segmenter
from .train import DEFAULT_DATA, ROOT, log

VERSION = 2  # 2: largest component per structure
MIN_DICE = 0.85
STEPS, BATCH = 1500, 16
DEFAULT_OUT = os.path.join(ROOT, "models", "training", ".cache", "pseudo-masks.npz")


def _inputs(records: List[Record]):
    images = np.stack([load_gray(r.file, 256) for r in records]).astype(np.float32) / 255.0
    pairs = [load_mask_planes(r, 256, require_pixels=True) for r in records]
    planes = np.stack([p for p, _ in pairs])
    present = np.stack([q for _, q in pairs])
    return images, planes, present


def _small(images: np.ndarray, planes: np.ndarray):
    x = F.interpolate(torch.as_tensor(images)[:, None], size=(SEG_SIZE, SEG_SIZE), mode="area")
    m = (F.interpolate(torch.as_tensor(planes, dtype=torch.float32), size=(SEG_SIZE, SEG_SIZE), mode="area") >= 0.5).float()
    return x, m


def largest_component(plane: np.ndarray) -> np.ndarray:
    """The largest 4-connected component of a binary plane, holes filled: one lung, one heart, no specks."""
    labels, n = ndimage.label(plane)
    if n == 0:
        return plane.astype(np.uint8)
    sizes = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, n + 1))
    return ndimage.binary_fill_holes(labels == 1 + int(np.argmax(sizes))).astype(np.uint8)


@torch.no_grad()
def predict_planes(model: Segmenter, images: np.ndarray) -> np.ndarray:
    """images [N,256,256] in [0,1] -> planes uint8 [N,3,256,256] (logits upsampled bilinearly, > 0, then the largest
    component of each structure)."""
    x = F.interpolate(torch.as_tensor(images)[:, None], size=(SEG_SIZE, SEG_SIZE), mode="area")
    logits = predict_batched(model, x)
    planes = (F.interpolate(logits, size=(256, 256), mode="bilinear", align_corners=False) > 0).numpy()
    return np.stack([[largest_component(p) for p in image] for image in planes])


def main(args: argparse.Namespace) -> Dict:
    t0 = time.time()
    torch.manual_seed(0)
    trains, evals = read_manifest(args.data, "train"), read_manifest(args.data, "eval")
    manual_train = [r for r in trains if r.manual_masks]
    manual_eval = [r for r in evals if r.manual_masks]
    x_img, x_planes, x_present = _inputs(manual_train)
    x, m = _small(x_img, x_planes)
    model = Segmenter()
    info = train_segmenter(model, x, m, torch.as_tensor(x_present), args.steps, BATCH, log, name="pseudo-masks")
    e_img, e_planes, e_present = _inputs(manual_eval)
    quality = dice_report(predict_planes(model, e_img)[:, :, ::4, ::4] > 0, e_planes, e_present)
    quality.pop("per_image")
    log(f"pseudo-mask segmenter: Dice {quality['dice']:.3f} on {quality['images']} eval images with manual masks "
        f"{quality['per_structure']}")
    if quality["dice"] < MIN_DICE:
        raise SystemExit(f"pseudo-mask segmenter Dice {quality['dice']:.3f} < {MIN_DICE}: masks not written")
    ids, bits, present = [], [], []
    for i in range(0, len(trains), 64):
        chunk = trains[i:i + 64]
        images, planes, have = _inputs(chunk)
        predicted = predict_planes(model, images)
        for j, rec in enumerate(chunk):
            fill = have[j] == 0  # never replace a plane the data gives
            if not fill.any():
                continue
            ids.append(rec.id)
            bits.append(np.packbits(predicted[j], axis=-1, bitorder="little"))
            present.append(fill.astype(np.uint8))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez_compressed(args.out, ids=np.array(ids), masks_bits=np.stack(bits), present=np.stack(present))
    report = {"version": VERSION, "segmenter": {**info, "size_px": SEG_SIZE}, "trained_on": len(manual_train),
              "eval_dice": quality, "images_with_pseudo_planes": len(ids),
              "planes_filled": {c: int(np.stack(present)[:, k].sum()) for k, c in enumerate(MASK_CLASSES)},
              "seconds": round(time.time() - t0, 1)}
    with open(os.path.splitext(args.out)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    log(f"wrote {args.out}: {len(ids)} images, planes {report['planes_filled']}")
    return report


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="npm run model:pseudo-masks --", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--steps", type=int, default=STEPS)
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
