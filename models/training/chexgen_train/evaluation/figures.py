"""Evaluation figures (small 8-bit PNGs under docs/images). Real images appear only from NIH ChestX-ray14 rows
(public release, no restriction); masks drawn are only V7 Labs lung masks (CC BY 4.0); other sources' images are
never reproduced (LICENCES.md of the data)."""
import csv
import os
from typing import Dict, List, Optional, Set

import numpy as np
from PIL import Image, ImageDraw

TILE = 128
RED, GREEN, YELLOW = (255, 70, 70), (70, 230, 70), (255, 215, 0)


def may_show(record_id: str) -> bool:
    """Real images of these rows may be reproduced in the repository."""
    return record_id.startswith("nih")


def v7_mask_ids(data_dir: str) -> Set[str]:
    """Rows whose masks may be drawn: V7 Labs lung masks (CC BY 4.0), named in the manifest's mask_source."""
    with open(os.path.join(data_dir, "manifest.csv"), newline="", encoding="utf-8") as f:
        return {r["id"] for r in csv.DictReader(f) if "V7 Labs" in (r.get("mask_source") or "")}


def _tile(img: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(img, 0, 1) * 255).round().astype(np.uint8)).resize((TILE, TILE), Image.BILINEAR).convert("RGB")


def _outline(mask: np.ndarray) -> np.ndarray:
    m = mask > 0
    return m & ~(np.roll(m, 1, 0) & np.roll(m, -1, 0) & np.roll(m, 1, 1) & np.roll(m, -1, 1))


def _sheet(rows: List[List[Optional[Image.Image]]], labels: List[str], captions: Optional[List[List[str]]] = None,
           label_w: int = 120, placeholder: str = "real image not\nreproduced\n(licence)") -> Image.Image:
    cols = max(len(r) for r in rows)
    sheet = Image.new("RGB", (label_w + cols * TILE, len(rows) * (TILE + 14)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, row in enumerate(rows):
        y = i * (TILE + 14)
        draw.text((4, y + TILE // 2 - 6), labels[i], fill=(0, 0, 0))
        for j, t in enumerate(row):
            x = label_w + j * TILE
            if t is None:
                draw.rectangle([x + 2, y + 2, x + TILE - 3, y + TILE - 3], fill=(200, 200, 200))
                draw.text((x + 8, y + TILE // 2 - 12), placeholder, fill=(60, 60, 60))
            else:
                sheet.paste(t, (x, y))
            if captions:
                draw.text((x + 2, y + TILE + 1), captions[i][j], fill=(0, 0, 0))
    return sheet


def _save(img: Image.Image, path: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.convert("P", palette=Image.ADAPTIVE, colors=128).save(path, optimize=True)
    return path


def real_vs_generated(generated: List[Dict], real_by_id: Dict[str, np.ndarray], path: str, n: int = 8) -> str:
    """Top row: real NIH eval images; below: two seeds generated from each one's conditions (text + demographics)."""
    firsts = {}
    for e in generated:
        if e["group"] == "fid" and may_show(e["record"]) and e["record"] in real_by_id:
            firsts.setdefault(e["record"], []).append(e)
    picked = [r for r, es in firsts.items() if len(es) >= 2][:n] or list(firsts)[:n]
    rows = [[_tile(real_by_id[r]) for r in picked],
            [_tile(firsts[r][0]["image"]) for r in picked],
            [_tile(firsts[r][-1]["image"]) if len(firsts[r]) > 1 else None for r in picked]]
    caps = [[", ".join(firsts[r][0]["findings"])[:20] for r in picked]] + [["seed %d" % firsts[r][0]["seed"] for r in picked],
                                                                          ["seed %d" % firsts[r][-1]["seed"] for r in picked]]
    return _save(_sheet(rows, ["real (eval, NIH)", "generated", "generated"], caps, placeholder="no second seed"), path)


def segmenter_overlays(entries: List[Dict], cond_masks: List[np.ndarray], preds: List[np.ndarray], path: str) -> str:
    """Generated images with their conditioning lung masks (outline: red right, green left) and the segmenter's
    prediction (outline: yellow)."""
    tiles, caps = [], []
    for e, cm, pred in zip(entries, cond_masks, preds):
        t = np.asarray(_tile(e["image"])).copy()
        for k, colour in ((0, RED), (1, GREEN)):
            m = np.asarray(Image.fromarray(cm[k].astype(np.uint8) * 255).resize((TILE, TILE), Image.NEAREST)) > 0
            t[_outline(m)] = colour
        p = np.asarray(Image.fromarray((pred[:2].any(0)).astype(np.uint8) * 255).resize((TILE, TILE), Image.NEAREST)) > 0
        t[_outline(p)] = YELLOW
        tiles.append(Image.fromarray(t))
        caps.append(e["id"])
    half = (len(tiles) + 1) // 2
    return _save(_sheet([tiles[:half], tiles[half:]], ["red, green: given", "yellow: segmenter"], [caps[:half], caps[half:]]), path)


def nearest_neighbours(entries: List[Dict], neighbours: List[Optional[np.ndarray]], ssims: List[float],
                       sources: List[str], path: str) -> str:
    """Generated images (top row) and their nearest training image (bottom row; only NIH images are reproduced):
    the 4 closest pairs overall, then the 4 closest pairs whose neighbour may be shown."""
    rows = [[_tile(e["image"]) for e in entries], [None if n is None else _tile(n) for n in neighbours]]
    caps = [[e["id"] for e in entries], ["SSIM %.3f %s" % (s, src) for s, src in zip(ssims, sources)]]
    return _save(_sheet(rows, ["generated", "nearest train"], caps), path)


def box_pairs(pairs, scores_with, scores_without, path: str, n: int = 8) -> str:
    """Generated images cropped around a requested finding box (box in yellow): with the box requested (top) and the
    same seed and conditions without it (bottom); captions: the patch classifier's probability."""
    rows, caps = [[], []], [[], []]
    for (a, b, box), sw, so in list(zip(pairs, scores_with, scores_without))[:n]:
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = max(32.0, 1.2 * max(x1 - x0, y1 - y0))
        crop = (int(max(0, cx - half)), int(max(0, cy - half)), int(min(256, cx + half)), int(min(256, cy + half)))
        for r, (e, s) in enumerate(((a, sw), (b, so))):
            t = Image.fromarray((np.clip(e["image"], 0, 1) * 255).round().astype(np.uint8)).convert("RGB")
            if r == 0:
                ImageDraw.Draw(t).rectangle([x0, y0, x1 - 1, y1 - 1], outline=YELLOW)
            rows[r].append(t.crop(crop).resize((TILE, TILE), Image.BILINEAR))
            caps[r].append("p %.2f %s" % (s, a["id"]))
    return _save(_sheet(rows, ["box requested", "no box"], caps), path)


def paired_grid(paired: List[Dict], path: str, pairs: int = 6) -> str:
    """Counterfactual pairs: one column per seed, one row per prompt arm (normal, each finding, the other sex)."""
    by_pair: Dict[int, Dict[str, Dict]] = {}
    for e in paired:
        by_pair.setdefault(int(e["pair"]), {})[e["arm"]] = e
    arms: List[str] = []
    for e in paired:
        if e["arm"] not in arms:
            arms.append(e["arm"])
    cols = sorted(by_pair)[:pairs]
    rows = [[_tile(by_pair[c][a]["image"]) if a in by_pair[c] else None for c in cols] for a in arms]
    labels = [("other sex" if a == "other_sex" else a) for a in arms]
    caps = [[f"{by_pair[c][a]['sex']} seed {by_pair[c][a]['seed']}" if a in by_pair[c] else "" for c in cols]
            for a in arms]
    return _save(_sheet(rows, labels, caps, label_w=90, placeholder="missing"), path)


def spectrum_chart(metrics: Dict, name: str, path: str) -> str:
    """Power ratio per frequency band (log scale, 95% intervals): generated vs real, and the real and VAE controls."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [("generated / real", metrics["spectral_ratio"], "tab:red"),
              ("VAE round trip / real", metrics["spectral_ratio_vae_reconstruction"], "tab:blue"),
              ("real carve-out / real (control)", metrics["spectral_ratio_real_control"], "tab:gray")]
    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
    bands = list(metrics["spectral_ratio"])
    for j, (label, ratios, colour) in enumerate(series):
        xs = np.arange(len(bands)) + (j - 1) * 0.18
        v = np.array([ratios[b]["value"] for b in bands])
        lo = np.array([ratios[b]["ci"][0] for b in bands])
        hi = np.array([ratios[b]["ci"][1] for b in bands])
        ax.errorbar(xs, v, yerr=[v - lo, hi - v], fmt="o", color=colour, label=label, capsize=3)
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_yscale("log", base=2)
    ax.set_xticks(range(len(bands)), bands)
    ax.set_xlabel("frequency band (cycles per image)")
    ax.set_ylabel("power ratio (log2)")
    ax.set_title(f"{name}: where the spectrum differs from real images", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
