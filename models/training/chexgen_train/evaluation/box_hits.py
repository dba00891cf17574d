"""box_hit_rate: does a finding requested in a box (nodule, mass, opacity) show up there?

Measured with the patch classifier (trained on train-split patches around real finding boxes vs the same windows in
normal train images). For every finding box of an eval record, the same seed is generated with the box and without it
(all other conditions equal). A hit is a patch probability > 0.5 at the box. Reported: the hit rate with the box,
the hit rate at the same place without the box (what the model draws there anyway), the share of pairs where the box
raised the score, and the real reference: hit rate on real eval images at their true boxes, and at the same windows
on real normal eval images.
"""
from typing import Dict, List, Tuple

import numpy as np
import torch

from ..data import FINDING_BOX_CLASSES
from .carve_out import source_of
from .patches import crop_patches, patch_window
from .reference_nets import predict_batched
from .stats import paired_effect, proportion, sign_test_p

SIZE_BUCKETS = (("small <15 px", 0, 15), ("medium 15-30 px", 15, 30), ("large >=30 px", 30, 1e9))


@torch.no_grad()
def patch_scores(model, images: np.ndarray, boxes: List) -> np.ndarray:
    """images [N,256,256], boxes [N] (x0,y0,x1,y1) -> probabilities [N]."""
    if len(boxes) == 0:
        return np.zeros(0)
    x = crop_patches(images, [patch_window(tuple(b)) for b in boxes])
    return torch.sigmoid(predict_batched(model, x)).numpy()


def _finding_boxes(entry_or_record_boxes) -> List:
    out = []
    for b in entry_or_record_boxes:
        if isinstance(b, dict):
            if b["label"] in FINDING_BOX_CLASSES:
                out.append((b["x0"], b["y0"], b["x1"], b["y1"]))
        elif b[0] in FINDING_BOX_CLASSES:
            out.append(tuple(b[1:]))
    return out


def box_pairs(generated: List[Dict]) -> List[Tuple[Dict, Dict, Tuple]]:
    """(image generated with the box, same seed and conditions without it, the box) for every finding box."""
    off = {(e["record"], e["seed"]): e for e in generated if e["group"] == "box_off"}
    return [(e, off[(e["record"], e["seed"])], b) for e in generated
            if e["group"] == "fid" and (e["record"], e["seed"]) in off for b in _finding_boxes(e["boxes"])]


def box_hit_report(model, generated: List[Dict], real_eval, rng: np.random.Generator) -> Dict:
    """generated: entries with `image`; real_eval: reference_data.Split of the eval split."""
    pairs = box_pairs(generated)
    boxes = [b for _, _, b in pairs]
    empty = np.zeros((0, 256, 256))
    s_with = patch_scores(model, np.stack([a["image"] for a, _, _ in pairs]) if pairs else empty, boxes)
    s_without = patch_scores(model, np.stack([b["image"] for _, b, _ in pairs]) if pairs else empty, boxes)
    r_idx, r_boxes = [], []
    for i, r in enumerate(real_eval.records):
        for b in _finding_boxes(r.boxes):
            r_idx.append(i)
            r_boxes.append(b)
    r_pos = patch_scores(model, real_eval.images[r_idx], r_boxes) if r_idx else np.zeros(0)
    n_idx = same_source_normals(real_eval.records, r_idx, rng)
    r_neg = patch_scores(model, real_eval.images[n_idx], r_boxes) if len(n_idx) else np.zeros(0)

    def rate(s):
        return float((s > 0.5).mean()) if len(s) else float("nan")

    return {
        "box_hit_rate": rate(s_with), "box_hit_rate_without_box": rate(s_without),
        "box_raised_score_fraction": float((s_with > s_without).mean()) if len(s_with) else float("nan"),
        "mean_score_with_box": float(s_with.mean()) if len(s_with) else float("nan"),
        "mean_score_without_box": float(s_without.mean()) if len(s_without) else float("nan"),
        "boxes": len(boxes), "real_hit_rate": rate(r_pos), "real_false_hit_rate_normal_images": rate(r_neg),
        "real_boxes": len(r_boxes),
        "box_test": box_test(s_with, s_without, boxes, r_pos, r_neg),
    }


def same_source_normals(records, positive_idx: List[int], rng: np.random.Generator) -> np.ndarray:
    """For each positive, a random normal image of the same source (JSRT has normals; a patch classifier that keys on
    the source would otherwise look good), else of any source."""
    normals = [i for i, r in enumerate(records) if r.findings == ["normal"]]
    by_source: Dict[str, List[int]] = {}
    for i in normals:
        by_source.setdefault(source_of(records[i].id), []).append(i)
    out = []
    for i in positive_idx:
        pool = by_source.get(source_of(records[i].id)) or normals
        if pool:
            out.append(int(rng.choice(pool)))
    return np.array(out, int)


def box_test(s_with: np.ndarray, s_without: np.ndarray, boxes: List, real_pos: np.ndarray,
             real_neg: np.ndarray) -> Dict:
    """Paired score change with vs without the box (sign test), overall and by box size; the real reference is the
    same classifier on real boxes vs the same windows on same-source normal images."""
    d = s_with - s_without
    out = paired_effect(d)
    out["sign_test_p"] = sign_test_p(d)
    out["hit_rate_with_box"] = proportion(int((s_with > 0.5).sum()), len(s_with))
    out["hit_rate_without_box"] = proportion(int((s_without > 0.5).sum()), len(s_without))
    sides = np.array([max(b[2] - b[0], b[3] - b[1]) for b in boxes]) if boxes else np.zeros(0)
    out["by_size"] = {}
    for name, lo, hi in SIZE_BUCKETS:
        m = (sides >= lo) & (sides < hi)
        if m.any():
            out["by_size"][name] = {**paired_effect(d[m]), "sign_test_p": sign_test_p(d[m])}
    out["real_reference"] = {"hit_rate_real_boxes": proportion(int((real_pos > 0.5).sum()), len(real_pos)),
                             "false_hit_rate_same_source_normals": proportion(int((real_neg > 0.5).sum()), len(real_neg)),
                             "mean_score_difference": float(real_pos.mean() - real_neg.mean()) if len(real_pos) and len(real_neg) else float("nan")}
    return out
