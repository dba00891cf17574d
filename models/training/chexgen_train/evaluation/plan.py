"""The evaluation plan: which images to generate, each with its conditions (prompt fields, masks, boxes) and seed.

Groups (one JSON list, written before any image is generated, so the TypeScript generator and the evaluator agree):
- `fid`: `count` images whose conditions come from the EVAL split, record i % n_eval with seed 1000 + i. Each gets
  the record's demographics, a findings prompt, its anatomy masks when it has them and its finding boxes (nodule, mass,
  opacity) when it has them. Records used twice give same-condition pairs with two seeds (the diversity metric). The
  first image of each record is the generated side of the realism tests (C2ST, spectra).
- `box_off`: every `fid` image with a finding box again, same seed and conditions, without the finding boxes (the
  paired box test).
- `paired`: counterfactual pairs, text and demographics only (where the text has to do the work): for PAIRED_SEEDS
  eval records' demographics, one seed each, the same image asked for as normal, as each finding of
  PAIRED_FINDINGS, and as normal with the other sex. Only the prompt changes inside a pair.
- `train_copy`: `train_copy_count` TRAIN records with masks, generated from their own prompt, masks and boxes (the
  strongest memorisation probe: is the training image itself reproduced?).
- `downstream`: synthetic image-mask pairs for the JSRT segmentation experiment (downstream.py): for every JSRT train
  record that any of its real subsets can draw, DEFORMATIONS randomly deformed copies of its own lung and heart masks,
  each generated with the record's prompt. A subset's generator arm uses only pairs made from its own records' masks.

The guidance sweep (`sweep_plan`) is a separate plan on the train carve-out (carve_out.py), never on eval records.
"""
import json
import os
import random
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..config import MASK_CLASSES
from ..data import FINDING_BOX_CLASSES, Record, load_mask_planes, read_manifest
from ..pngio import write_png_gray
from ..prompts import findings_text
from .carve_out import carve_out_ids
from .deform import deform_planes
from .downstream_design import DEFORMATIONS, jsrt_pool, subset_orders, MAX_REAL

RESOLUTION = 256
PLAN_VERSION = 2
PAIRED_SEEDS = 30
# findings whose paired effect is measured: each has a phrase the model was trained on and a reference-classifier head
PAIRED_FINDINGS = ("cardiomegaly", "effusion", "edema", "pneumonia", "covid-19", "nodule")
PAIRED_TEXT = {"normal": "No acute cardiopulmonary abnormality.", "cardiomegaly": "Cardiomegaly.",
               "effusion": "Pleural effusion.", "edema": "Pulmonary edema.", "pneumonia": "Pneumonia.",
               "covid-19": "Covid-19 pneumonia.", "nodule": "Pulmonary nodule."}
# the guidance grid (text scale, spatial scale) swept on the train carve-out
SWEEP_TEXT = (1.5, 2.5, 4.0)
SWEEP_SPATIAL = (1.5, 2.5, 4.0)
SWEEP_RECORDS = 40


def prompt_body(rec: Record) -> str:
    """A deterministic findings text for a record (templated phrases, seeded by the record id)."""
    return findings_text(rec.findings, random.Random(rec.id)) or "Chest radiograph."


def _write_planes(planes: np.ndarray, present: np.ndarray, stem: str, mask_dir: str) -> List[Dict]:
    out = []
    for k, name in enumerate(MASK_CLASSES):
        if not present[k]:
            continue
        path = os.path.join(mask_dir, f"{stem}-{name}.png")
        if not os.path.exists(path):
            write_png_gray(path, (planes[k] * 255).astype(np.uint8))
        out.append({"label": name, "file": os.path.relpath(path, os.path.dirname(mask_dir))})
    return out


def _mask_entries(rec: Record, mask_dir: str) -> List[Dict]:
    if not (rec.mask_file and rec.mask_bits):
        return []
    planes, present = load_mask_planes(rec, RESOLUTION)
    return _write_planes(planes, present, rec.id, mask_dir)


def _demographics(rec: Record) -> Dict:
    out: Dict = {}
    for key in ("sex", "age", "view"):
        value: Optional[object] = getattr(rec, key)
        if value is not None and not (key == "age" and not 0 <= int(value) <= 120):
            out[key] = value
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
    entry.update(_demographics(rec))
    return entry


def paired_entries(evals: Sequence[Record], seeds: int = PAIRED_SEEDS) -> List[Dict]:
    """Counterfactual pairs: per base record (demographics known, frontal view) one seed; arms differ in the prompt only."""
    bases = [r for r in evals if r.sex in ("F", "M") and r.age is not None and r.view in ("PA", "AP")]
    bases = random.Random(17).sample(bases, min(seeds, len(bases)))
    out, index = [], 0
    for j, rec in enumerate(bases):
        demo = _demographics(rec)
        arms = [("normal", "normal", demo["sex"])] + [(f, f, demo["sex"]) for f in PAIRED_FINDINGS]
        arms.append(("other_sex", "normal", "F" if demo["sex"] == "M" else "M"))
        for arm, finding, sex in arms:
            out.append({"id": f"paired-{index:04d}", "group": "paired", "record": rec.id, "split": rec.split,
                        "seed": 20000 + j, "pair": j, "arm": arm, "text": PAIRED_TEXT[finding], "findings": [finding],
                        "boxes": [], "masks": [], **demo, "sex": sex})
            index += 1
    return out


def downstream_entries(trains: Sequence[Record], mask_dir: str, limit: Optional[int] = None) -> List[Dict]:
    """DEFORMATIONS deformed mask sets for every JSRT train record in reach of a real subset (downstream_design);
    `limit`: only the first records in reach (smoke runs)."""
    pool = jsrt_pool(trains)
    reach = sorted({i for order in subset_orders(len(pool)) for i in order[:MAX_REAL]})[:limit]
    out = []
    for i in reach:
        rec = pool[i]
        planes, present = load_mask_planes(rec, RESOLUTION)
        for k in range(DEFORMATIONS):
            index = len(out)
            stem = f"{rec.id}-deformed{k}"
            deformed = deform_planes(planes, np.random.default_rng([i, k, 91]))
            entry = {"id": f"downstream-{index:04d}", "group": "downstream", "record": rec.id, "split": rec.split,
                     "seed": 50000 + index, "deformation": k, "text": prompt_body(rec), "findings": rec.findings,
                     "boxes": [], "masks": _write_planes(deformed, present, stem, mask_dir)}
            entry.update(_demographics(rec))
            out.append(entry)
    return out


def build_plan(data_dir: str, cache_dir: str, count: int, train_copy_count: int, quick: bool = False) -> List[Dict]:
    """-> the list of images to generate (also writes the conditioning mask PNGs under cache_dir/masks); `quick`: a
    few paired seeds and downstream records only (smoke runs)."""
    mask_dir = os.path.join(cache_dir, "masks")
    os.makedirs(mask_dir, exist_ok=True)
    evals = read_manifest(data_dir, split="eval")
    trains = read_manifest(data_dir, split="train")
    assert evals and trains, "the data folder needs both splits"
    plan = [_entry(evals[i % len(evals)], "fid", i, 1000 + i, mask_dir) for i in range(count)]
    with_box = [(i, e) for i, e in enumerate(plan) if e["boxes"]]
    by_id = {r.id: r for r in evals}
    plan += [_entry(by_id[e["record"]], "box_off", j, e["seed"], mask_dir, finding_boxes=False)
             for j, (_, e) in enumerate(with_box)]
    plan += paired_entries(evals, 2 if quick else PAIRED_SEEDS)
    with_masks = [r for r in trains if r.mask_file and r.mask_bits]
    picked = random.Random(13).sample(with_masks, min(train_copy_count, len(with_masks)))
    plan += [_entry(r, "train_copy", j, 30000 + j, mask_dir) for j, r in enumerate(picked)]
    plan += downstream_entries(trains, mask_dir, 3 if quick else None)
    return plan


def sweep_plan(data_dir: str, cache_dir: str, records: int = SWEEP_RECORDS) -> List[Dict]:
    """The guidance grid on train carve-out records (half of them with masks), one seed per record, every setting."""
    mask_dir = os.path.join(cache_dir, "masks")
    os.makedirs(mask_dir, exist_ok=True)
    trains = read_manifest(data_dir, split="train")
    held = carve_out_ids(trains, read_manifest(data_dir, split="eval"))
    pool = [r for r in trains if r.id in held]
    masked = [r for r in pool if r.mask_file and r.mask_bits]
    plain = [r for r in pool if not (r.mask_file and r.mask_bits)]
    rng = random.Random(23)
    chosen = rng.sample(masked, min(records // 2, len(masked)))
    chosen += rng.sample(plain, min(records - len(chosen), len(plain)))
    out = []
    for g_text in SWEEP_TEXT:
        for g_spatial in SWEEP_SPATIAL:
            for j, rec in enumerate(chosen):
                e = _entry(rec, "sweep", len(out), 40000 + j, mask_dir)
                e.update(guidance=g_text, spatialGuidance=g_spatial)
                out.append(e)
    return out


def _write(path: str, settings: Dict, build) -> str:
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
        if old.get("settings") == settings:
            return path
    plan = build()
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"settings": settings, "images": plan}, f, indent=1)
        f.write("\n")
    return path


def write_plan(data_dir: str, cache_dir: str, count: int, train_copy_count: int, quick: bool = False) -> str:
    """Writes cache_dir/plan.json (unless one with the same settings exists) and returns its path."""
    settings = {"version": PLAN_VERSION, "count": count, "train_copy_count": train_copy_count, "quick": quick,
                "data": os.path.abspath(data_dir)}
    return _write(os.path.join(cache_dir, "plan.json"), settings,
                  lambda: build_plan(data_dir, cache_dir, count, train_copy_count, quick))


def write_sweep_plan(data_dir: str, cache_dir: str, quick: bool = False) -> str:
    """Writes cache_dir/plan.json for the guidance sweep (cache_dir is the sweep's own folder); `quick`: 2 records."""
    records = 2 if quick else SWEEP_RECORDS
    settings = {"version": PLAN_VERSION, "sweep": {"text": SWEEP_TEXT, "spatial": SWEEP_SPATIAL, "records": records},
                "data": os.path.abspath(data_dir)}
    settings = json.loads(json.dumps(settings))  # tuples as lists, as they read back
    return _write(os.path.join(cache_dir, "plan.json"), settings, lambda: sweep_plan(data_dir, cache_dir, records))
