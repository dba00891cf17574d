"""Computes every metric of models/<name>/evaluation.json from the generated images in the cache (see
docs/model-card.md for what each one means and docs/evaluation.md for how to read them) and draws the figures.

Every number that judges the model comes with its interval (Wilson for proportions, bootstrap otherwise) and, where it
can be cut by source, a per-source breakdown; every paired claim carries its test. Real references are computed the
same way: the eval split for what generated images are compared with, the train carve-out (carve_out.py) where real
images unseen by the reference networks are needed.
"""
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
from .c2st import SCALES, c2st
from .carve_out import source_of, split_train
from .downstream import downstream_report
from .feature_sensitivity import feature_space_sensitivity, fid_with_ci, gaussian_blur
from .memorization import memorization_report, nearest_neighbours, source_copy_report
from .msssim import ms_ssim
from .paired import paired_report
from .prdc import precision_recall
from .reference_data import Split, load_split, seg_inputs, timed
from .reference_nets import predict_batched
from .segmentation_metrics import mask_dice, segment
from .spectrum import log_error, spectral_ratio
from .stats import mean_with_ci
from .text_metrics import text_report
from .vae_check import load_vae, psnr_report, reconstruct

METHODS = {
    "c2st_acc": "Classifier two-sample test (c2st.py): a small CNN trained to tell real eval images from generated 'fid' "
                "images (the first image of each eval record, so both sides have the same conditions and source mix); "
                "5-fold held-out accuracy with a Wilson interval, a real image and the image generated from its record "
                "always in the same fold. 0.5 = indistinguishable, 1.0 = every image gives itself away. c2st_acc is the "
                "strictest scale (128 px + a full-resolution detail-energy view); c2st_acc_by_scale repeats the test on "
                "the image downsampled to 32, 64 and 128 px, so it shows at which scale the images give themselves "
                "away. Per source: accuracy on that source's images.",
    "c2st_acc_real_control": "Same test, real eval images vs real train carve-out images (other patients, same "
                             "sources and source mix): must be near 0.5, else the test sees something other than "
                             "realism.",
    "c2st_acc_vae_reconstruction": "Same test, real eval images vs VAE round trips of the carve-out images: the "
                                   "realism any generator using this VAE can reach at best.",
    "spectral_ratio": "Radially averaged power spectra (spectrum.py, Hann window): mean power of generated 'fid' images "
                      "/ mean power of real eval images per band in cycles per image (2-8 anatomy ... 64-128 fine "
                      "texture and noise); 1 = real-like, < 1 = missing detail (haze, blur), > 1 = extra (noise); "
                      "bootstrap intervals; control: carve-out vs eval.",
    "fid": "Frechet distance between Gaussian fits of the reference classifier's 128-d penultimate features "
           "(classifier trained on the train split WITHOUT the carve-out, 128 px): generated 'fid' images vs real eval "
           "images; bootstrap interval. Comparable only with fid_floor and across models measured here.",
    "fid_floor": "Same for the train carve-out's real images (never seen by the classifier, eval's source mix) vs the "
                 "eval images: what a perfect generator would score.",
    "feature_space_sensitivity": "Blurred (sigma 1 and 2 px) and VAE-reconstructed carve-out images measured like "
                                 "generated ones: each must be clearly worse than the floor (intervals apart), else "
                                 "fid is not fit to gate a release (feature_sensitivity.py).",
    "precision_recall": "k-NN manifolds (Kynkaenniemi et al. 2019), k = 3, same features: precision = share of "
                        "generated images inside the real eval manifold, recall = share of real eval images inside "
                        "the generated manifold. Real reference: carve-out vs eval.",
    "diversity_msssim": "Mean MS-SSIM (5 scales, 256 px) between the two seeds generated for the same eval conditions "
                        "(prompt, masks, boxes); lower = more diverse. Real reference: random pairs of distinct real "
                        "eval images.",
    "mask_dice": "Reference segmenter (U-Net trained on train-split masks, 64 px) on generated images vs the masks "
                 "they were conditioned on, Dice per image averaged over the structures given, bootstrap interval. "
                 "Ceiling: the same segmenter on real eval images vs their true masks. A structure whose mask plane is "
                 "empty is not scored (the lungVAE-masked ieee8023 rows declare a heart bit but leave it empty).",
    "box_test": "Patch classifier (trained on train-split patches around real nodule/mass/opacity boxes vs the same "
                "windows in normal train images) at each requested finding box: the paired change of its probability "
                "with vs without the box (same seed and conditions), sign test and Wilcoxon, by box size. Real "
                "reference: real eval boxes vs the same windows on normal eval images of the same source.",
    "paired_text_effects": "Counterfactual pairs (paired.py): text and demographics only, one seed per pair; the "
                           "paired change of the reference classifier's probability for the named finding between "
                           "'<finding>' and 'normal' prompts, per finding: mean with bootstrap interval, Wilcoxon p, "
                           "Holm-adjusted p. paired_sex_effect: the change of the requested sex's probability when only "
                           "the sex in the prompt flips.",
    "text_auroc": "Reference classifier's finding probabilities on generated 'fid' images vs the findings named in "
                  "their prompts: AUROC per finding with >= 5 positive and >= 5 negative prompts, macro mean. Real "
                  "reference: the same on real eval images vs their labels. Confounded by masks, boxes and source "
                  "(prompts carry source-specific conditions): read paired_text_effects for the effect of words alone.",
    "sex_accuracy": "Reference classifier's sex call on generated images vs the sex in the prompt; real reference: "
                    "on real eval images vs the manifest.",
    "memorization": "Nearest training image of each generated 'fid' image (64-px correlation shortlist of 5, then "
                    "SSIM at 128 px). Threshold: 99th percentile of the same nearest-training SSIM for real eval "
                    "images (other patients, so not copies); reported: the share of generated images above it. "
                    "memorization_train_copy: images generated from training records' own prompt, masks and boxes, "
                    "their SSIM to that very training image and whether it is their nearest neighbour.",
    "vae_psnr_eval": "PSNR of the model's VAE round trip (posterior mean, 8-bit) on every real eval image, bootstrap "
                     "interval, per source. (The training log's PSNR uses the first 32 pack images, all JSRT.)",
    "downstream": "JSRT lung and heart segmentation from 5/10/20/40 real images, three arms with equal real exposure "
                  "(downstream_design.py): strong classic augmentation; plus synthetic pairs from deformed masks of "
                  "the subset itself; synthetic pretraining then the augmented schedule. 10 paired seeds, mean Dice on "
                  "the JSRT eval images; paired Wilcoxon vs augmented with Holm correction; primary endpoint "
                  "(fixed in advance): synthetic vs augmented at 10 real images.",
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
    """-> (train Split, eval Split, carve-out indices into train, classifier, segmenter, patch classifier, nets info)."""
    limit = 300 if args.quick else None
    with timed(stages, "load_real_data", log):
        train = load_split(args.data, "train", limit)
        evals = load_split(args.data, "eval", 60 if args.quick else None)
        fit_idx, carve = split_train(train.records, evals.records)
    info = {"classifier_train_images": len(fit_idx), "carve_out_images": len(carve)}
    with timed(stages, "reference_nets", log):
        labels = {k: v[fit_idx] for k, v in train.labels.items()}
        clf, info["classifier"] = nets.classifier(args.nets, train.x128()[fit_idx], labels, args.quick, log)
        wm = train.with_masks()
        x, m = seg_inputs(train.images[wm], train.masks[wm])
        seg, info["segmenter"] = nets.segmenter(args.nets, x, m, torch.as_tensor(train.present[wm]), args.quick, log)
        patch, info["patch_classifier"] = nets.patch_classifier(args.nets, train.records, train.images, args.quick, log)
    return train, evals, np.array(carve), clf, seg, patch, info


def _pairs_msssim(a: List[np.ndarray], b: List[np.ndarray]) -> np.ndarray:
    out = []
    for i in range(0, len(a), 64):
        out.append(ms_ssim(np.stack(a[i:i + 64]), np.stack(b[i:i + 64])).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def _cached_json(path: str, compute) -> Dict:
    """Model-independent results (real-vs-real controls) are computed once per reference-network version."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    value = compute()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)
    return value


def realism(args, evals: Split, train: Split, carve: np.ndarray, first: List[Dict], vae, log):
    """-> (C2ST of generated images and its controls, spectral ratios overall, per source and for the controls;
    the VAE round trips of the carve-out images, which the feature-space check reuses)."""
    steps = 20 if args.quick else None
    kw = {"steps": steps} if steps else {}
    eval_ids = [r.id for r in evals.records]
    eval_src = [source_of(r) for r in eval_ids]
    gen = np.stack([e["image"] for e in first])
    gen_src = [source_of(e["record"]) for e in first]
    out: Dict = {}
    carve_ids = [train.records[i].id for i in carve]
    carve_src = [source_of(r) for r in carve_ids]
    recon = reconstruct(vae, train.images[carve])
    suffix = f"-v{nets.NETS_VERSION['classifier']}{'-quick' if args.quick else ''}"
    gen_by, control_by, vae_by = {}, {}, {}
    for name, size, detail in SCALES:
        log(f"  c2st at {name}: generated vs real eval, then the controls")
        scale = {"size": size, "detail": detail, **kw}
        res = c2st(evals.images, gen, eval_ids, [e["record"] for e in first], eval_src, gen_src, log=log, **scale)
        gen_by[name] = {**res["acc"], "per_source": res["per_label"], "real_called_real": res["acc_a"],
                        "generated_called_generated": res["acc_b"], "fold_acc": res["fold_acc"]}
        control = _cached_json(os.path.join(args.nets, f"c2st-real-control-{name}{suffix}.json"),
                               lambda: c2st(evals.images, train.images[carve], eval_ids, carve_ids, eval_src, carve_src,
                                            log=log, **scale))
        control_by[name] = {**control["acc"], "per_source": control["per_label"]}
        vres = c2st(evals.images, recon, eval_ids, carve_ids, eval_src, carve_src, log=log, **scale)
        vae_by[name] = {**vres["acc"], "per_source": vres["per_label"]}
    full = SCALES[-1][0]
    out["c2st_acc"] = {**gen_by[full], "scale": full}
    out["c2st_acc_by_scale"] = gen_by
    out["c2st_acc_real_control"] = {**control_by[full], "scale": full}
    out["c2st_acc_real_control_by_scale"] = control_by
    out["c2st_acc_vae_reconstruction"] = {**vae_by[full], "scale": full}
    out["c2st_acc_vae_reconstruction_by_scale"] = vae_by
    blur = _cached_json(os.path.join(args.nets, f"c2st-blur1-{full}{suffix}.json"),
                        lambda: c2st(evals.images, gaussian_blur(train.images[carve], 1.0), eval_ids, carve_ids,
                                     log=log, **kw))
    out["c2st_acc_blurred_real"] = {**blur["acc"], "scale": full}
    out["spectral_ratio"] = spectral_ratio(gen, evals.images)
    out["spectral_log2_error"] = log_error(out["spectral_ratio"])
    out["spectral_ratio_per_source"] = {}
    for s in sorted(set(gen_src)):
        g = gen[[x == s for x in gen_src]]
        r = evals.images[[x == s for x in eval_src]]
        if len(g) >= 5 and len(r) >= 5:
            out["spectral_ratio_per_source"][s] = spectral_ratio(g, r, reps=300)
    out["spectral_ratio_real_control"] = spectral_ratio(train.images[carve], evals.images)
    out["spectral_ratio_vae_reconstruction"] = spectral_ratio(recon, evals.images)
    return out, recon


def evaluate(args) -> None:
    t_start = time.time()
    torch.set_num_threads(args.threads or torch.get_num_threads())
    stages: Dict[str, float] = {}
    log = lambda s: print(s, flush=True)  # noqa: E731
    train, evals, carve, clf, seg, patch, nets_info = load_reference(args, stages, log)
    with timed(stages, "load_generated", log):
        generated = im.load_generated(args.cache)
        group = {g: [e for e in generated if e["group"] == g] for g in
                 ("fid", "box_off", "paired", "train_copy", "downstream")}
        fid_set = group["fid"]
        first = list({e["record"]: e for e in reversed(fid_set)}.values())[::-1]  # first image of each eval record
        gen_seconds = sum(e["ms"] or 0 for e in generated) / 1000
        assert len(fid_set) >= 2, f"no generated images in {args.cache}: run npm run model:eval first"
        vae = load_vae(os.path.join(ROOT, "models", args.model))
    res: Dict = {}
    with timed(stages, "realism", log):
        real_res, recon = realism(args, evals, train, carve, first, vae, log)
        res.update(real_res)
    with timed(stages, "features", log):
        rng = np.random.default_rng(0)
        gen_out = classify(clf, np.stack([e["image"] for e in fid_set]))
        eval_out = classify(clf, evals.images)
        floor_out = classify(clf, train.images[carve])
    with timed(stages, "fid_precision_recall", log):
        res["fid"] = fid_with_ci(gen_out["features"], eval_out["features"])
        res["fid_floor"] = fid_with_ci(floor_out["features"], eval_out["features"])
        pr = precision_recall(eval_out["features"], gen_out["features"])
        pr_real = precision_recall(eval_out["features"], floor_out["features"])
        res.update(precision=pr["precision"], recall=pr["recall"], precision_real=pr_real["precision"],
                   recall_real=pr_real["recall"])
        carve_images = train.images[carve]
        res["feature_space_sensitivity"] = feature_space_sensitivity(
            lambda images: classify(clf, images)["features"], eval_out["features"], carve_images,
            {"blur_sigma1": gaussian_blur(carve_images, 1.0), "blur_sigma2": gaussian_blur(carve_images, 2.0),
             "vae_reconstruction": recon})
        res["vae_psnr_eval"] = psnr_report(evals.images, reconstruct(vae, evals.images), [r.id for r in evals.records])
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
        res.update(diversity_msssim=mean_with_ci(div) if len(div) else float("nan"),
                   diversity_msssim_text_only=float(div[~with_masks].mean()) if (~with_masks).any() else float("nan"),
                   diversity_msssim_with_masks=float(div[with_masks].mean()) if with_masks.any() else float("nan"),
                   diversity_msssim_real=mean_with_ci(div_real), diversity_pairs=len(pairs))
    with timed(stages, "mask_dice", log):
        masked = [e for e in fid_set if e["masks"]]
        cms = [im.conditioning_masks(e, args.cache) for e in masked]
        if masked:
            d = mask_dice(seg, np.stack([e["image"] for e in masked]), np.stack([m for m, _ in cms]),
                          np.stack([p for _, p in cms]))
            res.update(mask_dice={**mean_with_ci(d["per_image"]), "per_structure": d["per_structure"]})
        ev = evals.with_masks()
        c = mask_dice(seg, evals.images[ev], evals.masks[ev], evals.present[ev])
        res.update(mask_dice_ceiling={**mean_with_ci(c["per_image"]), "per_structure": c["per_structure"]})
    with timed(stages, "box_hits", log):
        res.update(box_hit_report(patch, generated, evals, rng))
    with timed(stages, "text_and_sex", log):
        res.update(text_report(gen_out, fid_set, eval_out, evals.labels))
        if group["paired"]:
            res.update(paired_report(group["paired"], classify(clf, np.stack([e["image"] for e in group["paired"]]))))
    with timed(stages, "memorization", log):
        nn_gen = nearest_neighbours(np.stack([e["image"] for e in fid_set]), train.images)
        nn_real = nearest_neighbours(evals.images, train.images)
        res.update(memorization_report(nn_gen["ssim"], nn_real["ssim"]))
        index = {r.id: i for i, r in enumerate(train.records)}
        copies = [e for e in group["train_copy"] if e["record"] in index]  # --quick loads only part of train
        if copies:
            res["memorization_train_copy"] = source_copy_report(
                np.stack([e["image"] for e in copies]), np.array([index[e["record"]] for e in copies]), train.images,
                res["memorization_threshold_ssim"])
    with timed(stages, "downstream", log):
        res["downstream"] = downstream_report(train, evals, group["downstream"], args.cache, args.nets, args.quick, log)
    with timed(stages, "figures", log):
        figs = draw_figures(args, generated, fid_set, evals, train, seg, patch, masked, cms, nn_gen, res)
    stages["evaluation_total"] = round(time.time() - t_start, 1)
    report = {
        "model": args.model, "quick": bool(args.quick), "git_commit": git_commit(),
        "evaluated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "evaluation_version": 2,
        "generation": {"engine": "server/src/synthesis (onnxruntime-node, product defaults)",
                       "sampler": fid_set[0]["sampler"], "steps": fid_set[0]["steps"], "guidance": fid_set[0]["guidance"],
                       "spatial_guidance": fid_set[0].get("spatialGuidance", fid_set[0]["guidance"]),
                       "seconds_total_all_runs": round(gen_seconds, 1),
                       "seconds_per_image": round(gen_seconds / max(1, len(generated)), 2)},
        "counts": {"generated": len(generated), **{f"{g}_images": len(v) for g, v in group.items()},
                   "c2st_generated_images": len(first), "real_eval_images": len(evals.records),
                   "real_train_images": len(train.records), "carve_out_images": len(carve)},
        "metrics": _rounded(res),
        "method": METHODS, "reference_nets": nets_info, "seconds": stages, "figures": figs,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, allow_nan=True)
        f.write("\n")
    log(json.dumps({k: report["metrics"][k] for k in ("c2st_acc", "spectral_log2_error", "fid", "fid_floor")
                    if k in report["metrics"]}, indent=1))
    log(f"wrote {args.out} ({stages['evaluation_total']} s)")


def _rounded(x):
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_rounded(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        return _rounded(x.item())
    return x


def draw_figures(args, generated, fid_set, evals: Split, train: Split, seg, patch, masked, cms, nn_gen, res) -> List[str]:
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
    paired = [e for e in generated if e["group"] == "paired"]
    if paired:
        out.append(figures.paired_grid(paired, os.path.join(args.figures, f"eval-{name}-paired.png")))
    out.append(figures.spectrum_chart(res, name, os.path.join(args.figures, f"eval-{name}-spectrum.png")))
    return [os.path.relpath(p, ROOT) for p in out]


def train_nets(args) -> None:
    """Trains (or loads) the reference networks only."""
    torch.set_num_threads(args.threads or torch.get_num_threads())
    stages: Dict[str, float] = {}
    load_reference(args, stages)
    print(json.dumps(stages), flush=True)
