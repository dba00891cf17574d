"""Sample grid a person can judge: each row is one condition (text only, masks, boxes, combined), the first column a
real eval image with that condition, then several seeds. Mask outlines and boxes are drawn over every tile.

  npm run model:samples -- --model cxr256-gpu-v1.1 [--steps 20] [--guidance G] [--spatial-guidance S] [--seeds 4]

Guidance as the server applies it (server/src/synthesis/guidance.ts): text scale G, spatial scale S (a third pass
with the conditions but no text when S differs from G); both default to the model's model.json schedule.

Writes docs/images/samples-<model>.png and prints a small adherence check (lung contrast under the given mask vs
under another image's mask) as JSON.
"""
import argparse
import json
import os
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image, ImageDraw

from .conditions import rasterize_boxes
from .config import BOX_CLASSES, MASK_CLASSES
from .data import Record, load_gray, load_mask_planes, read_manifest
from .flow import euler_sample
from .onnx_weights import load_modules
from .prompts import prefix
from .train import DEFAULT_DATA, ROOT

MASK_COLOURS = {"right_lung": (255, 80, 80), "left_lung": (80, 220, 80), "heart": (90, 140, 255)}
BOX_COLOUR = (255, 210, 0)


class Condition:
    def __init__(self, title: str, text: str, real: Optional[Record], masks: bool = False,
                 boxes: Sequence[str] = ()):
        self.title, self.text, self.real, self.masks, self.boxes = title, text, real, masks, tuple(boxes)


def pick_rows(records: List[Record]) -> List[Condition]:
    def first(pred) -> Optional[Record]:
        return next((r for r in records if pred(r)), None)

    def demo(r: Optional[Record]) -> str:
        return prefix(r.sex, r.age, r.view) if r else ""

    normal = first(lambda r: r.findings == ["normal"] and r.view == "PA")
    cardio = first(lambda r: "cardiomegaly" in r.findings)
    effusion = first(lambda r: "effusion" in r.findings)
    nodule_box = first(lambda r: any(b[0] == "nodule" for b in r.boxes) and r.mask_bits)
    pneumonia = first(lambda r: "pneumonia" in r.findings or "covid-19" in r.findings)
    jsrt_mask = first(lambda r: len(r.mask_bits) == 3 and r.findings == ["normal"])
    v7_mask = first(lambda r: len(r.mask_bits) == 2 and r.view == "AP")
    heart_box = first(lambda r: any(b[0] == "heart" for b in r.boxes) and r is not jsrt_mask)
    return [
        Condition("text: normal", demo(normal) + " No acute cardiopulmonary abnormality.", normal),
        Condition("text: cardiomegaly", demo(cardio) + " Cardiomegaly.", cardio),
        Condition("text: effusion", demo(effusion) + " Pleural effusion.", effusion),
        Condition("text: pneumonia", demo(pneumonia) + " Airspace opacity consistent with pneumonia.", pneumonia),
        Condition("masks (JSRT: lungs+heart)", demo(jsrt_mask) + " Normal chest radiograph.", jsrt_mask, masks=True),
        Condition("masks (lungs only)", demo(v7_mask), v7_mask, masks=True),
        Condition("boxes: lungs+heart", demo(heart_box), heart_box, boxes=("right_lung", "left_lung", "heart")),
        Condition("box: nodule", demo(nodule_box) + " Pulmonary nodule.", nodule_box, boxes=("nodule",)),
        Condition("combined: masks+nodule box+text", demo(nodule_box) + " Solitary pulmonary nodule.", nodule_box,
                  masks=True, boxes=("nodule",)),
    ]


def condition_tensors(cond: Condition, size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    k = len(MASK_CLASSES) + len(BOX_CLASSES)
    planes, present = torch.zeros(k, size, size), torch.zeros(k)
    if cond.real is None:
        return planes, present
    if cond.masks:
        m, p = load_mask_planes(cond.real, size)
        planes[: len(MASK_CLASSES)] = torch.from_numpy(m).float()
        present[: len(MASK_CLASSES)] = torch.from_numpy(p).float()
    if cond.boxes:
        boxes = [(BOX_CLASSES.index(c), x0, y0, x1, y1) for c, x0, y0, x1, y1 in cond.real.boxes if c in cond.boxes]
        if boxes:
            planes[len(MASK_CLASSES):] = rasterize_boxes(torch.tensor([boxes], dtype=torch.float32), size)[0]
            for c in cond.boxes:
                present[len(MASK_CLASSES) + BOX_CLASSES.index(c)] = 1.0
    return planes, present


@torch.no_grad()
def generate(text_enc, dit, vae, tok, prompt: str, planes, present, seeds: Sequence[int], steps: int,
             guidance: float, spatial_guidance: float, latent: Tuple[int, int, int]) -> np.ndarray:
    n = len(seeds)
    ids, mask = (torch.tensor([v] * n) for v in tok.encode(prompt))
    e_ids, e_mask = (torch.tensor([v] * n) for v in tok.encode(""))
    cond, uncond = text_enc(ids, mask), text_enc(e_ids, e_mask)
    planes_b, present_b = planes[None].expand(n, -1, -1, -1), present[None].expand(n, -1)
    three = bool(present.sum() > 0) and spatial_guidance != guidance

    def velocity(x, t):
        if not three:
            both = dit(torch.cat([x, x]), torch.cat([t, t]), torch.cat([cond, uncond]), torch.cat([mask, e_mask]),
                       torch.cat([planes_b, planes_b * 0]), torch.cat([present_b, present_b * 0]))
            c, u = both.chunk(2)
            return u + guidance * (c - u)
        # full, spatial (conditions without text), none: the server's three-pass combination
        out = dit(torch.cat([x, x, x]), torch.cat([t, t, t]), torch.cat([cond, uncond, uncond]),
                  torch.cat([mask, e_mask, e_mask]), torch.cat([planes_b, planes_b, planes_b * 0]),
                  torch.cat([present_b, present_b, present_b * 0]))
        c, s, u = out.chunk(3)
        return u + spatial_guidance * (s - u) + guidance * (c - s)

    noise = torch.cat([torch.randn(1, *latent, generator=torch.Generator().manual_seed(s)) for s in seeds])
    z = euler_sample(velocity, noise, steps)
    return vae.decode_normalised(z).clamp(-1, 1).numpy()[:, 0]  # [n,H,W] in [-1,1]


def overlay(gray: np.ndarray, cond: Condition, planes: torch.Tensor, present: torch.Tensor) -> Image.Image:
    im = Image.fromarray(gray).convert("RGB")
    px = np.asarray(im).copy()
    for k, name in enumerate(MASK_CLASSES):
        if present[k] > 0:
            m = planes[k].numpy() > 0.5
            edge = m & ~(np.roll(m, 1, 0) & np.roll(m, -1, 0) & np.roll(m, 1, 1) & np.roll(m, -1, 1))
            px[edge] = MASK_COLOURS[name]
    im = Image.fromarray(px)
    if cond.real is not None and cond.boxes:
        draw = ImageDraw.Draw(im)
        for c, x0, y0, x1, y1 in cond.real.boxes:
            if c in cond.boxes:
                draw.rectangle([x0, y0, x1 - 1, y1 - 1], outline=BOX_COLOUR if c == "nodule" else MASK_COLOURS[c])
    return im


def lung_contrast(img: np.ndarray, lungs: np.ndarray) -> float:
    """mean intensity outside the lungs minus inside (lungs are dark on a radiograph), image in [-1,1] -> [0,1]."""
    x = (img + 1) / 2
    return float(x[~lungs].mean() - x[lungs].mean())


def main(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads or torch.get_num_threads())
    model_dir = os.path.join(ROOT, "models", args.model)
    manifest, cfg, tok, vae, text_enc, dit = load_modules(model_dir)
    schedule = manifest.get("schedule", {})
    guidance = args.guidance if args.guidance is not None else float(schedule.get("default_guidance", 2.5))
    spatial = (args.spatial_guidance if args.spatial_guidance is not None
               else float(schedule.get("default_spatial_guidance", guidance)))
    size = cfg.resolution
    latent = (cfg.vae.latent_channels, size // 8, size // 8)
    records = read_manifest(args.data, split="eval")
    rows = pick_rows(records)
    seeds = list(range(args.seeds))
    tile = size
    label_w = 230
    sheet = Image.new("RGB", (label_w + tile * (1 + len(seeds)), 24 + tile * len(rows)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    draw.text((label_w + 4, 6), "real eval image", fill=(0, 0, 0))
    for j, s in enumerate(seeds):
        draw.text((label_w + tile * (j + 1) + 4, 6), f"synthetic, seed {s}", fill=(0, 0, 0))
    checks: Dict[str, List[float]] = {"own_mask": [], "other_mask": [], "real_own_mask": []}
    t0 = time.time()
    for i, cond in enumerate(rows):
        planes, present = condition_tensors(cond, size)
        imgs = generate(text_enc, dit, vae, tok, cond.text, planes, present, seeds, args.steps, guidance, spatial,
                        latent)
        y = 24 + i * tile
        words, line, lines = (cond.title + " | " + (cond.text or "(no text)")).split(), "", []
        for w in words:
            if len(line) + len(w) > 34:
                lines.append(line)
                line = ""
            line += w + " "
        lines.append(line)
        draw.text((6, y + 8), "\n".join(lines[:14]), fill=(0, 0, 0))
        if cond.real is not None:
            sheet.paste(overlay(load_gray(cond.real.file, size), cond, planes, present), (label_w, y))
        for j, im in enumerate(imgs):
            sheet.paste(overlay(((im + 1) * 127.5).round().astype(np.uint8), cond, planes, present),
                        (label_w + tile * (j + 1), y))
        if cond.masks and present[0] > 0 and present[1] > 0:
            lungs = (planes[0] + planes[1]).numpy() > 0.5
            other = next(r for r in records if r.mask_bits and r is not cond.real)
            other_lungs = load_mask_planes(other, size)[0][:2].sum(0) > 0
            checks["own_mask"] += [lung_contrast(im, lungs) for im in imgs]
            checks["other_mask"] += [lung_contrast(im, other_lungs) for im in imgs]
            real = load_gray(cond.real.file, size).astype(np.float32) / 127.5 - 1
            checks["real_own_mask"].append(lung_contrast(real, lungs))
        print(f"row {i + 1}/{len(rows)} {cond.title}: {time.time() - t0:.0f}s", flush=True)
    out = args.out or os.path.join(ROOT, "docs", "images", f"samples-{args.model}.png")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    sheet.save(out, optimize=True)
    summary = {"model": args.model, "steps": args.steps, "guidance": guidance, "spatial_guidance": spatial, "sampler": "euler",
               "grid": os.path.relpath(out, ROOT), "seconds": round(time.time() - t0, 1),
               **{f"lung_contrast_{k}": round(float(np.mean(v)), 4) for k, v in checks.items() if v}}
    print(json.dumps(summary))


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="npm run model:samples --", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model folder name under models/")
    ap.add_argument("--data", default=DEFAULT_DATA, help="dataset folder (its eval split supplies the conditions)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=None, help="text guidance (default: model.json's)")
    ap.add_argument("--spatial-guidance", type=float, default=None, help="spatial guidance (default: model.json's)")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out", default=None, help="output PNG (default: docs/images/samples-MODEL.png)")
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
