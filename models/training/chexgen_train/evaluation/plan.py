"""The evaluation plan: which images to generate, each with its conditions (prompt fields, masks, boxes) and seed.

Groups (one JSON list, written before any image is generated, so the TypeScript generator and the evaluator agree):
- `fid`: `count` images whose conditions come from the EVAL split, record i % n_eval with seed 1000 + i. Each gets
  the record's demographics, a findings prompt, its anatomy masks when it has them and its finding boxes (nodule, mass,
  opacity) when it has them. Records used twice give same-condition pairs with two seeds (the diversity metric).
- `box_off`: for every eval record with a finding box, the first `fid` image's conditions and seed without the
  finding boxes (the reference for box_hit_rate).
- `downstream`: `downstream_count` images conditioned on TRAIN-split masks (never eval masks) for the downstream
  segmentation experiment; prompt from the same train record.
"""
import json
import os
import random
from typing import Dict, List, Optional

import numpy as np

from ..config import MASK_CLASSES
from ..data import FINDING_BOX_CLASSES, Record, load_mask_planes, read_manifest
from ..pngio import write_png_gray
from ..prompts import findings_text

RESOLUTION = 256


def prompt_body(rec: Record) -> str:
    """A deterministic findings text for a record (templated phrases, seeded by the record id)."""
    return findings_text(rec.findings, random.Random(rec.id)) or "Chest radiograph."


def _mask_entries(rec: Record, mask_dir: str) -> List[Dict]:
    if not (rec.mask_file and rec.mask_bits):
        return []
    planes, present = load_mask_planes(rec, RESOLUTION)
    out = []
    for k, name in enumerate(MASK_CLASSES):
        if not present[k]:
            continue
        path = os.path.join(mask_dir, f"{rec.id}-{name}.png")
        if not os.path.exists(path):
            write_png_gray(path, (planes[k] * 255).astype(np.uint8))
        out.append({"label": name, "file": os.path.relpath(path, os.path.dirname(mask_dir))})
    return out


def _entry(rec: Record, group: str, index: int, seed: int, mask_dir: str, finding_boxes: bool = True,
           masks: bool = True) -> Dict:
    boxes = [{"label": c, "x0": x0, "y0": y0, "x1": x1, "y1": y1}
             for c, x0, y0, x1, y1 in rec.boxes if finding_boxes and c in FINDING_BOX_CLASSES]
    entry: Dict = {
        "id": f"{group}-{index:04d}", "group": group, "record": rec.id, "split": rec.split, "seed": seed,
        "text": prompt_body(rec), "findings": rec.findings, "boxes": boxes,
        "masks": _mask_entries(rec, mask_dir) if masks else [],
    }
    for key in ("sex", "age", "view"):
        value: Optional[object] = getattr(rec, key)
        if value is not None and not (key == "age" and not 0 <= int(value) <= 120):
            entry[key] = value
    return entry


def build_plan(data_dir: str, cache_dir: str, count: int, downstream_count: int) -> List[Dict]:
    """-> the list of images to generate (also writes the conditioning mask PNGs under cache_dir/masks)."""
    mask_dir = os.path.join(cache_dir, "masks")
    os.makedirs(mask_dir, exist_ok=True)
    evals = read_manifest(data_dir, split="eval")
    trains = read_manifest(data_dir, split="train")
    assert evals and trains, "the data folder needs both splits"
    plan = [_entry(evals[i % len(evals)], "fid", i, 1000 + i, mask_dir) for i in range(count)]
    box_records = [(i, r) for i, r in enumerate(evals[: min(count, len(evals))])
                   if any(b[0] in FINDING_BOX_CLASSES for b in r.boxes)]
    plan += [_entry(r, "box_off", j, 1000 + i, mask_dir, finding_boxes=False) for j, (i, r) in enumerate(box_records)]
    with_masks = [r for r in trains if r.mask_file and r.mask_bits]
    picked = random.Random(7).sample(with_masks, min(downstream_count, len(with_masks)))
    for j, r in enumerate(picked):
        e = _entry(r, "downstream", j, 50000 + j, mask_dir, finding_boxes=False)
        plan.append(e)
    return plan


def write_plan(data_dir: str, cache_dir: str, count: int, downstream_count: int) -> str:
    """Writes cache_dir/plan.json (unless one with the same settings exists) and returns its path."""
    path = os.path.join(cache_dir, "plan.json")
    settings = {"count": count, "downstream_count": downstream_count, "data": os.path.abspath(data_dir)}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
        if old.get("settings") == settings:
            return path
    plan = build_plan(data_dir, cache_dir, count, downstream_count)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"settings": settings, "images": plan}, f, indent=1)
        f.write("\n")
    return path
