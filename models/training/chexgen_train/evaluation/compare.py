"""Side-by-side comparison of models from their evaluation.json files: a markdown table of the numbers that can fail
(each with its interval) and a chart of their spectra, for docs/model-card.md.

  python -m chexgen_train.evaluation compare --models cxr256-gpu-v1 cxr256-gpu-v1.1 [--figure PATH]

`better` names the model whose interval lies wholly on the better side of the other's; where the intervals overlap
it says "not distinguishable", so the table never claims more than the evaluation holds.
"""
import json
import os
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ..train import ROOT

Getter = Callable[[Dict], Optional[Dict]]


def _get(*path: str) -> Getter:
    def get(m: Dict) -> Optional[Dict]:
        x = m
        for p in path:
            if not isinstance(x, dict) or p not in x:
                return None
            x = x[p]
        return x if isinstance(x, dict) else {"value": x, "ci": None}
    return get


def _downstream(key: str) -> Getter:
    """Downstream figures derived from the per-seed Dice (older evaluation.json files lack them)."""
    def get(m: Dict) -> Optional[Dict]:
        d = m.get("downstream")
        if not isinstance(d, dict) or "arms" not in d:
            return None
        from .downstream import collapse_summary
        summary = collapse_summary({a: {n: v["per_seed"] for n, v in by_n.items()} for a, by_n in d["arms"].items()})
        if key == "primary_without_collapsed":
            return summary[key]
        c = summary["collapsed_runs"]
        arm = key.split(":")[1]
        return {"value": c["total"].get(arm, 0), "ci": None, "of": c["runs_per_arm"]}
    return get


def _abs_log2(get: Getter) -> Getter:
    """Distance of a ratio from 1 on a log scale (both directions are faults)."""
    def wrapped(m: Dict) -> Optional[Dict]:
        v = get(m)
        if v is None:
            return None
        f = lambda r: abs(float(np.log2(r)))  # noqa: E731
        ci = v.get("ci")
        if ci and ci[0] <= 1 <= ci[1]:
            lo_hi = [0.0, max(f(ci[0]), f(ci[1]))]
        elif ci:
            lo_hi = sorted([f(ci[0]), f(ci[1])])
        else:
            lo_hi = None
        return {"value": f(v["value"]), "ci": lo_hi, "ratio": v["value"]}
    return wrapped


# (label, getter, direction: -1 lower is better, +1 higher is better, 0 = closer to 0.5 is better)
ROWS: List[Tuple[str, Getter, int]] = [
    *[(f"C2ST accuracy at {s}, generated vs real (0.5 = indistinguishable)", _get("c2st_acc_by_scale", s), -1)
      for s in ("32px", "64px", "128px", "128px+detail")],
    *[(f"  control at {s}: real vs real", _get("c2st_acc_real_control_by_scale", s), 0)
      for s in ("32px", "64px", "128px", "128px+detail")],
    *[(f"  ceiling at {s}: VAE round trip vs real", _get("c2st_acc_vae_reconstruction_by_scale", s), -1)
      for s in ("32px", "64px", "128px", "128px+detail")],
    *[(f"spectral ratio {b} cycles/image (|log2| shown)", _abs_log2(_get("spectral_ratio", b)), -1)
      for b in ("2-8", "8-16", "16-32", "32-64", "64-128")],
    ("FID, our feature space", _get("fid"), -1),
    ("  floor: real carve-out vs eval", _get("fid_floor"), -1),
    ("mask Dice", _get("mask_dice"), +1),
    ("  ceiling: real images", _get("mask_dice_ceiling"), +1),
    *[(f"paired text effect: {f}", _get("paired_text_effects", f), +1)
      for f in ("cardiomegaly", "effusion", "edema", "pneumonia", "covid-19", "nodule")],
    ("paired sex effect", _get("paired_sex_effect"), +1),
    ("box test: score change with the box", _get("box_test"), +1),
    ("diversity MS-SSIM (lower = more diverse)", _get("diversity_msssim"), -1),
    ("SSIM to the source image (train copies)", _get("memorization_train_copy", "ssim_to_source"), -1),
    ("downstream primary: Dice gain @10 real", _get("downstream", "primary"), +1),
    ("  same, seeds with a collapsed run left out", _downstream("primary_without_collapsed"), +1),
    *[(f"  downstream runs with a structure unlearned: {a}", _downstream(f"collapsed:{a}"), 0)
      for a in ("augmented", "synthetic", "pretrained")],
    ("VAE PSNR on eval images, dB", _get("vae_psnr_eval"), +1),
]


def _fmt(v: Optional[Dict]) -> str:
    if v is None:
        return "-"
    shown = v.get("ratio", v["value"])
    text = f"{shown:.3g}"
    if "of" in v:
        return f"{shown} of {v['of']}"
    if "ratio" in v:
        return text
    ci = v.get("ci")
    if ci:
        text += f" [{ci[0]:.3g}, {ci[1]:.3g}]"
    if "holm_p" in v:
        text += f" p={v['holm_p']:.2g}"
    return text


def _better(values: List[Optional[Dict]], names: List[str], direction: int) -> str:
    if direction == 0 or len(values) != 2 or any(v is None or not v.get("ci") for v in values):
        return ""
    a, b = values
    if direction < 0:
        a, b = {"ci": [-a["ci"][1], -a["ci"][0]]}, {"ci": [-b["ci"][1], -b["ci"][0]]}
    if a["ci"][0] > b["ci"][1]:
        return names[0]
    if b["ci"][0] > a["ci"][1]:
        return names[1]
    return "not distinguishable"


def load_metrics(model: str) -> Dict:
    with open(os.path.join(ROOT, "models", model, "evaluation.json"), encoding="utf-8") as f:
        return json.load(f)["metrics"]


def comparison_table(models: List[str]) -> str:
    metrics = [load_metrics(m) for m in models]
    head = "| metric | " + " | ".join(f"`{m}`" for m in models) + (" | better |" if len(models) == 2 else " |")
    lines = [head, "|" + "---|" * (len(models) + 1 + (len(models) == 2))]
    for label, get, direction in ROWS:
        values = [get(m) for m in metrics]
        if all(v is None for v in values):
            continue
        row = f"| {label} | " + " | ".join(_fmt(v) for v in values)
        lines.append(row + (f" | {_better(values, models, direction)} |" if len(models) == 2 else " |"))
    return "\n".join(lines)


def spectrum_comparison(models: List[str], path: str) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
    colours = ["tab:red", "tab:green", "tab:purple", "tab:orange"]
    metrics = [load_metrics(m) for m in models]
    bands = list(metrics[0]["spectral_ratio"])
    series = [(m, met["spectral_ratio"], colours[i % 4]) for i, (m, met) in enumerate(zip(models, metrics))]
    series.append(("VAE round trip (ceiling)", metrics[-1]["spectral_ratio_vae_reconstruction"], "tab:blue"))
    width = 0.8 / len(series)
    for j, (label, ratios, colour) in enumerate(series):
        xs = np.arange(len(bands)) + (j - (len(series) - 1) / 2) * width
        v = np.array([ratios[b]["value"] for b in bands])
        lo = np.array([ratios[b]["ci"][0] for b in bands])
        hi = np.array([ratios[b]["ci"][1] for b in bands])
        ax.errorbar(xs, v, yerr=[v - lo, hi - v], fmt="o", color=colour, label=label, capsize=3)
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_yscale("log", base=2)
    ax.set_xticks(range(len(bands)), bands)
    ax.set_xlabel("frequency band (cycles per image)")
    ax.set_ylabel("power / real power (log2)")
    ax.set_title("Spectral power of generated images relative to real eval images", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def side_by_side(models: List[str], path: str, data_dir: str, per_kind: int = 4) -> str:
    """Same plan images (same seed and conditions) from each model's evaluation cache, one row per model, under the
    real eval image where it may be shown (NIH): text-only prompts first, then mask-guided ones."""
    from . import figures
    from .images import load_generated, load_png01

    caches = {m: {e["id"]: e for e in load_generated(os.path.join(ROOT, "models", "training", ".cache", "eval", m))}
              for m in models}
    common = [e for i, e in caches[models[0]].items() if e["group"] == "fid" and all(i in c for c in caches.values())]
    text_only = [e for e in common if not e["masks"] and not e["boxes"] and figures.may_show(e["record"])][:per_kind]
    masked = [e for e in common if e["masks"]][:per_kind]
    chosen = text_only + masked
    from ..data import read_manifest
    real = {r.id: r for r in read_manifest(data_dir, "eval")}
    rows = [[figures._tile(load_png01(real[e["record"]].file)) if figures.may_show(e["record"]) else None
             for e in chosen]]
    rows += [[figures._tile(caches[m][e["id"]]["image"]) for e in chosen] for m in models]
    captions = [[(", ".join(e["findings"]) or "-")[:18] + (" +masks" if e["masks"] else "") for e in chosen]]
    captions += [[f"seed {e['seed']}" for e in chosen] for _ in models]
    return figures._save(figures._sheet(rows, ["real (eval)"] + models, captions, label_w=130), path)


def compare(models: List[str], figure: Optional[str], samples: Optional[str] = None, data_dir: str = "") -> str:
    table = comparison_table(models)
    print(table)
    if figure:
        print(f"\nwrote {spectrum_comparison(models, figure)}")
    if samples:
        print(f"wrote {side_by_side(models, samples, data_dir)}")
    return table
