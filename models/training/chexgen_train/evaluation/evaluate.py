"""Computes every metric of models/<name>/evaluation.json from the generated images in the cache (see
docs/model-card.md for what each one means) and draws the figures."""
import json
import os
import subprocess
import time
from typing import Dict, List

import numpy as np
import torch

from ..train import ROOT
from . import figures, images as im
from . import train_reference as nets
from .box_hits import box_hit_report, box_pairs, patch_scores
from .downstream import downstream_report
from .fid import fid
from .memorization import memorization_report, nearest_neighbours
from .msssim import ms_ssim
from .prdc import precision_recall
from .reference_data import Split, load_split, seg_inputs, timed
from .reference_nets import predict_batched
from .segmentation_metrics import mask_dice, segment
from .text_metrics import text_report

METHODS = {
    "fid": "Frechet distance between Gaussian fits of the reference classifier's 128-d penultimate features (global "
           "average pool; classifier trained on the train split at 128 px): generated 'fid' images vs all real eval "
           "images. Not comparable with Inception FIDs in the literature.",
    "fid_floor": "Same, for a random sample of real TRAIN images (as many as generated images) vs the real eval images: "
                 "what a perfect generator would score with this feature space and these sample sizes.",
    "precision_recall": "k-NN manifolds (Kynkaenniemi et al. 2019), k = 3, same features: precision = share of "
                        "generated images inside the real eval manifold, recall = share of real eval images inside "
                        "the generated manifold. Real reference: real train sample vs real eval.",
    "diversity_msssim": "Mean MS-SSIM (5 scales, 256 px) between the two seeds generated for the same eval conditions "
                        "(prompt, masks, boxes); lower = more diverse. Real reference: random pairs of distinct real "
                        "eval images.",
    "mask_dice": "Reference segmenter (U-Net trained on train-split masks, 64 px) on generated images vs the masks "
                 "they were conditioned on, Dice per image averaged over the structures given. Ceiling: the same "
                 "segmenter on real eval images vs their true masks. A structure whose mask plane is empty is not "
                 "scored (the lungVAE-masked ieee8023 rows declare a heart bit but leave it empty; the generator was "
                 "still given those empty planes as 'heart absent', as in the model's training data).",
    "box_hit_rate": "Patch classifier (trained on train-split patches around real nodule/mass/opacity boxes vs the "
                    "same windows in normal train images) on a window around each requested finding box; hit = "
                    "probability > 0.5. Compared with the same seed and conditions generated without the box, and "
                    "with real eval images at their true boxes / real normal eval images at the same windows.",
    "text_auroc": "Reference classifier's finding probabilities on generated 'fid' images vs the findings named in "
                  "their prompts: AUROC per finding with >= 5 positive and >= 5 negative prompts, macro mean. Real "
                  "reference: same classifier and findings on real eval images vs their labels. Many 'fid' prompts "
                  "also carry masks/boxes; text_auroc_text_only_prompts uses only the images generated from text "
                  "and demographics alone.",
    "sex_accuracy": "Reference classifier's sex call on generated images vs the sex in the prompt; real reference: "
                    "on real eval images vs the manifest.",
    "memorization": "Nearest training image of each generated 'fid' image (64-px correlation shortlist of 5, then "
                    "SSIM at 128 px). Threshold: 99th percentile of the same nearest-training SSIM for real eval "
                    "images (other patients, so not copies); reported: the share of generated images above it.",
    "downstream": "Segmenter (same U-Net, 300 steps, batch 16, from scratch) trained on a fixed 10% of the train-split "
                  "images with masks, vs the same 10% plus the synthetic pairs generated from train-split masks "
                  "(batches drawn uniformly from the union); Dice on every real eval image with masks; mean of 3 "
                  "training seeds per arm (per-seed values beside it).",
}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@torch.no_grad()
def classify(model, images: np.ndarray) -> Dict[str, np.ndarray]:
    x = im.resize(images, 128)
    feats = predict_batched(model.features, x)
    return {"features": feats.numpy(), "findings": torch.sigmoid(model.findings(feats)).numpy(),
            "sex": torch.sigmoid(model.sex(feats)[:, 0]).numpy(), "view": torch.softmax(model.view(feats), 1).numpy()}


def load_reference(args, stages: Dict, log=print):
    """-> (train Split, eval Split, classifier, segmenter, patch classifier, nets info)."""
    limit = 300 if args.quick else None
    with timed(stages, "load_real_data", log):
        train = load_split(args.data, "train", limit)
        evals = load_split(args.data, "eval", 60 if args.quick else None)
    info = {}
    with timed(stages, "reference_nets", log):
        clf, info["classifier"] = nets.classifier(args.nets, train.x128(), train.labels, args.quick, log)
        wm = train.with_masks()
        x, m = seg_inputs(train.images[wm], train.masks[wm])
        seg, info["segmenter"] = nets.segmenter(args.nets, x, m, torch.as_tensor(train.present[wm]), args.quick, log)
        patch, info["patch_classifier"] = nets.patch_classifier(args.nets, train.records, train.images, args.quick, log)
    return train, evals, clf, seg, patch, info


def _pairs_msssim(a: List[np.ndarray], b: List[np.ndarray]) -> np.ndarray:
    out = []
    for i in range(0, len(a), 64):
        out.append(ms_ssim(np.stack(a[i:i + 64]), np.stack(b[i:i + 64])).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def evaluate(args) -> None:
    t_start = time.time()
    torch.set_num_threads(args.threads or torch.get_num_threads())
    stages: Dict[str, float] = {}
    log = lambda s: print(s, flush=True)  # noqa: E731
    train, evals, clf, seg, patch, nets_info = load_reference(args, stages, log)
    with timed(stages, "load_generated", log):
        generated = im.load_generated(args.cache)
        fid_set = [e for e in generated if e["group"] == "fid"]
        gen_seconds = sum(e["ms"] or 0 for e in generated) / 1000
        assert len(fid_set) >= 2, f"no generated images in {args.cache}: run npm run model:eval first"
    res: Dict = {}
    with timed(stages, "features", log):
        rng = np.random.default_rng(0)
        gen_out = classify(clf, np.stack([e["image"] for e in fid_set]))
        eval_out = classify(clf, evals.images)
        floor_idx = rng.choice(len(train.records), min(len(fid_set), len(train.records)), replace=False)
        train_out = classify(clf, train.images[floor_idx])
    with timed(stages, "fid_precision_recall", log):
        res["fid"] = fid(gen_out["features"], eval_out["features"])
        res["fid_floor"] = fid(train_out["features"], eval_out["features"])
        pr = precision_recall(eval_out["features"], gen_out["features"])
        pr_real = precision_recall(eval_out["features"], train_out["features"])
        res.update(precision=pr["precision"], recall=pr["recall"], precision_real=pr_real["precision"],
                   recall_real=pr_real["recall"])
    with timed(stages, "diversity", log):
        by_cond: Dict[str, List[Dict]] = {}
        for e in fid_set:
            by_cond.setdefault(e["record"], []).append(e)
        pairs = [(es[0], es[1]) for es in by_cond.values() if len(es) >= 2]
        div = _pairs_msssim([a["image"] for a, _ in pairs], [b["image"] for _, b in pairs])
        with_masks = np.array([bool(a["masks"]) for a, _ in pairs], bool)
        n_real = len(evals.records)
        ia = rng.integers(0, n_real, 500)
        ib = (ia + rng.integers(1, n_real, 500)) % n_real
        div_real = _pairs_msssim(list(evals.images[ia]), list(evals.images[ib]))
        res.update(diversity_msssim=float(div.mean()) if len(div) else float("nan"),
                   diversity_msssim_text_only=float(div[~with_masks].mean()) if (~with_masks).any() else float("nan"),
                   diversity_msssim_with_masks=float(div[with_masks].mean()) if with_masks.any() else float("nan"),
                   diversity_msssim_real=float(div_real.mean()), diversity_pairs=len(pairs))
    with timed(stages, "mask_dice", log):
        masked = [e for e in fid_set if e["masks"]]
        cms = [im.conditioning_masks(e, args.cache) for e in masked]
        if masked:
            d = mask_dice(seg, np.stack([e["image"] for e in masked]), np.stack([m for m, _ in cms]),
                          np.stack([p for _, p in cms]))
            res.update(mask_dice=d["dice"], mask_dice_per_structure=d["per_structure"], mask_dice_images=d["images"])
        ev = evals.with_masks()
        c = mask_dice(seg, evals.images[ev], evals.masks[ev], evals.present[ev])
        res.update(mask_dice_ceiling=c["dice"], mask_dice_ceiling_per_structure=c["per_structure"],
                   mask_dice_ceiling_images=c["images"])
    with timed(stages, "box_hits", log):
        res.update(box_hit_report(patch, generated, evals, rng))
    with timed(stages, "text_and_sex", log):
        res.update(text_report(gen_out, fid_set, eval_out, evals.labels))
    with timed(stages, "memorization", log):
        nn_gen = nearest_neighbours(np.stack([e["image"] for e in fid_set]), train.images)
        nn_real = nearest_neighbours(evals.images, train.images)
        res.update(memorization_report(nn_gen["ssim"], nn_real["ssim"]))
    with timed(stages, "downstream", log):
        synthetic = [e for e in generated if e["group"] == "downstream"]
        res.update(downstream_report(train, evals, synthetic, args.cache, args.quick, log))
    with timed(stages, "figures", log):
        figs = draw_figures(args, generated, fid_set, evals, train, seg, patch, masked, cms, nn_gen)
    stages["evaluation_total"] = round(time.time() - t_start, 1)
    report = {
        "model": args.model, "quick": bool(args.quick), "git_commit": git_commit(),
        "evaluated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generation": {"engine": "server/src/synthesis (onnxruntime-node, product defaults)",
                       "sampler": fid_set[0]["sampler"], "steps": fid_set[0]["steps"], "guidance": fid_set[0]["guidance"],
                       "seconds_total_all_runs": round(gen_seconds, 1),
                       "seconds_per_image": round(gen_seconds / max(1, len(generated)), 2)},
        "counts": {"generated": len(generated), "fid_images": len(fid_set), "real_eval_images": len(evals.records),
                   "real_train_images": len(train.records), "fid_floor_train_images": len(floor_idx),
                   "box_off_images": sum(e["group"] == "box_off" for e in generated),
                   "downstream_synthetic_images": sum(e["group"] == "downstream" for e in generated)},
        "metrics": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in res.items()},
        "method": METHODS, "reference_nets": nets_info, "seconds": stages, "figures": figs,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, allow_nan=True)
        f.write("\n")
    log(json.dumps(report["metrics"], indent=1))
    log(f"wrote {args.out} ({stages['evaluation_total']} s)")


def draw_figures(args, generated, fid_set, evals: Split, train: Split, seg, patch, masked, cms, nn_gen) -> List[str]:
    name = args.model
    out = []
    real_by_id = {r.id: evals.images[i] for i, r in enumerate(evals.records)}
    out.append(figures.real_vs_generated(fid_set, real_by_id, os.path.join(args.figures, f"eval-{name}-real-vs-generated.png")))
    v7 = figures.v7_mask_ids(args.data)
    shown = [(e, m) for e, (m, p) in zip(masked, cms) if e["record"] in v7][:12]
    if shown:
        preds = segment(seg, np.stack([e["image"] for e, _ in shown]))
        out.append(figures.segmenter_overlays([e for e, _ in shown], [m for _, m in shown], list(preds),
                                              os.path.join(args.figures, f"eval-{name}-segmenter.png")))
    pairs = box_pairs(generated)[:8]
    if pairs:
        boxes = [b for _, _, b in pairs]
        sw = patch_scores(patch, np.stack([a["image"] for a, _, _ in pairs]), boxes)
        so = patch_scores(patch, np.stack([b["image"] for _, b, _ in pairs]), boxes)
        out.append(figures.box_pairs(pairs, sw, so, os.path.join(args.figures, f"eval-{name}-box-hits.png")))
    order = np.argsort(-nn_gen["ssim"])
    showable = [i for i in order if figures.may_show(train.records[nn_gen["index"][i]].id)]
    top = list(order[:4]) + [i for i in showable if i not in order[:4]][:4]  # closest overall + closest NIH pairs
    neighbours = [train.records[nn_gen["index"][i]] for i in top]
    out.append(figures.nearest_neighbours(
        [fid_set[i] for i in top],
        [train.images[nn_gen["index"][i]] if figures.may_show(r.id) else None for i, r in zip(top, neighbours)],
        [float(nn_gen["ssim"][i]) for i in top], [r.id.split("_")[0] for r in neighbours],
        os.path.join(args.figures, f"eval-{name}-nearest-train.png")))
    return [os.path.relpath(p, ROOT) for p in out]


def train_nets(args) -> None:
    """Trains (or loads) the reference networks only."""
    torch.set_num_threads(args.threads or torch.get_num_threads())
    stages: Dict[str, float] = {}
    load_reference(args, stages)
    print(json.dumps(stages), flush=True)
