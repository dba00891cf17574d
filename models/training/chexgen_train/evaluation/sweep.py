"""Scores the guidance sweep (plan.sweep_plan: text x spatial guidance scales on train carve-out records, never eval)
and picks the model's default scales by a rule fixed before any score was seen:

1. realism: one C2ST detector at 64 px (c2st.SCALES; at 128 px cxr256-gpu-v1 was caught 99.8% of the time, which
   would leave nothing to rank) trained on the carve-out's real images vs all sweep images (k-fold, a record's real
   and generated images in one fold); a setting's `detected` is the share of its held-out images called generated
   (lower = more realistic); its spectral log2 error vs the carve-out images breaks ties;
2. conditioning must hold: a setting qualifies only if its mask Dice is within DICE_TOLERANCE of the best setting's
   and its sex accuracy within SEX_TOLERANCE of the current default's (2.5 / 2.5);
3. among qualifying settings the lowest `detected` wins; settings whose intervals overlap the winner's are reported as
   "not distinguishable" so nobody reads more into the choice than the data holds.
"""
import json
import os
from typing import Dict, List

import numpy as np

from . import images as im
from .c2st import c2st
from .evaluate import classify, load_reference
from .reference_data import timed
from .segmentation_metrics import mask_dice
from .spectrum import log_error, spectral_ratio
from .stats import proportion

DICE_TOLERANCE = 0.02
SEX_TOLERANCE = 0.05
BASELINE = (2.5, 2.5)
SWEEP_SCALE = 64


def choose(rows: List[Dict]) -> Dict:
    """The selection rule above, on rows {text, spatial, detected{value,ci}, spectral_log2_error, mask_dice, sex}."""
    best_dice = max(r["mask_dice"] for r in rows)
    base = next((r for r in rows if (r["text"], r["spatial"]) == BASELINE), rows[0])
    ok = [r for r in rows if r["mask_dice"] >= best_dice - DICE_TOLERANCE
          and r["sex_accuracy"]["value"] >= base["sex_accuracy"]["value"] - SEX_TOLERANCE]
    pool = ok or rows
    winner = min(pool, key=lambda r: (r["detected"]["value"], r["spectral_log2_error"]))
    lo, hi = winner["detected"]["ci"]
    tied = [(r["text"], r["spatial"]) for r in pool if r is not winner and r["detected"]["ci"][0] <= hi]
    return {"text": winner["text"], "spatial": winner["spatial"], "qualifying": [(r["text"], r["spatial"]) for r in ok],
            "not_distinguishable_from_winner": tied}


def score_sweep(args) -> Dict:
    stages: Dict[str, float] = {}
    log = lambda s: print(s, flush=True)  # noqa: E731
    train, evals, carve, clf, seg, _, _ = load_reference(args, stages, log)
    generated = [e for e in im.load_generated(args.cache) if e["group"] == "sweep"]
    assert generated, f"no sweep images in {args.cache}: run npm run model:eval -- --sweep first"
    settings = sorted({(e["guidance"], e["spatialGuidance"]) for e in generated})
    carve_ids = [train.records[i].id for i in carve]
    with timed(stages, "sweep_c2st", log):
        names = [f"{e['guidance']}/{e['spatialGuidance']}" for e in generated]
        det = c2st(train.images[carve], np.stack([e["image"] for e in generated]), carve_ids,
                   [e["record"] for e in generated], ["real"] * len(carve), names, size=SWEEP_SCALE, detail=False,
                   log=log, **({"steps": 20} if args.quick else {}))
    rows = []
    with timed(stages, "sweep_metrics", log):
        for text, spatial in settings:
            es = [e for e in generated if (e["guidance"], e["spatialGuidance"]) == (text, spatial)]
            x = np.stack([e["image"] for e in es])
            masked = [e for e in es if e["masks"]]
            cms = [im.conditioning_masks(e, args.cache) for e in masked]
            dice = mask_dice(seg, np.stack([e["image"] for e in masked]), np.stack([m for m, _ in cms]),
                             np.stack([p for _, p in cms]))["dice"] if masked else float("nan")
            out = classify(clf, x)
            req = np.array([{"F": 1, "M": 0}.get(e.get("sex", ""), -1) for e in es])
            known = req >= 0
            sex_ok = int(((out["sex"][known] > 0.5).astype(int) == req[known]).sum())
            ratios = spectral_ratio(x, train.images[carve], reps=200)
            rows.append({"text": text, "spatial": spatial, "images": len(es),
                         "detected": det["per_label"].get(f"{text}/{spatial}", proportion(0, 0)),
                         "spectral_log2_error": round(log_error(ratios), 4),
                         "spectral_ratio": {b: round(v["value"], 4) for b, v in ratios.items()},
                         "mask_dice": round(float(dice), 4), "sex_accuracy": proportion(sex_ok, int(known.sum()))})
    report = {"model": args.model, "records": len({e["record"] for e in generated}), "carve_out_images": len(carve),
              "rule": __doc__.split("\n\n", 1)[1].strip(), "settings": rows,
              "c2st_overall": det["acc"], "real_called_real": det["acc_a"], "chosen": choose(rows), "seconds": stages}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    log(json.dumps(report["chosen"]))
    for r in rows:
        log(f"  text {r['text']} spatial {r['spatial']}: detected {r['detected']['value']:.2f} "
            f"{r['detected']['ci']}, spectral err {r['spectral_log2_error']:.2f}, dice {r['mask_dice']:.3f}, "
            f"sex {r['sex_accuracy']['value']:.2f}")
    log(f"wrote {args.out}")
    return report
