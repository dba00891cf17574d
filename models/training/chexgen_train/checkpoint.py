"""Checkpoints as fp16 .npz (+ JSON): readable by torch 1.13 and 2.x alike, split into parts of <= 15 MiB so they come
back from the GPU machine (which returns files of at most 16 MiB)."""
import dataclasses
import glob
import io
import json
import os
from typing import Dict, Tuple

import numpy as np
import torch

from .config import BOX_CLASSES, MASK_CLASSES, DitConfig, TextConfig, TrainConfig, VaeConfig
from .dit import Dit
from .text_encoder import TextEncoder
from .tokenizer import WordTokenizer
from .vae import Autoencoder

PART_BYTES = 15 * 1024 * 1024


def build_models(cfg: TrainConfig, vocab_size: int) -> Tuple[Autoencoder, TextEncoder, Dit]:
    vae = Autoencoder(cfg.vae)
    text = TextEncoder(cfg.text, vocab_size)
    latent = cfg.resolution // 8
    dit = Dit(cfg.dit, cfg.vae.latent_channels, latent, cfg.resolution, len(MASK_CLASSES) + len(BOX_CLASSES),
              cfg.text.width)
    return vae, text, dit


def config_from_json(doc: Dict) -> TrainConfig:
    doc = dict(doc)
    vae = VaeConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in doc.pop("vae").items()})
    return TrainConfig(vae=vae, text=TextConfig(**doc.pop("text")), dit=DitConfig(**doc.pop("dit")), **doc)


def save(run_dir: str, cfg: TrainConfig, tokenizer_json: str, modules: Dict[str, torch.nn.Module], info: Dict) -> None:
    os.makedirs(run_dir, exist_ok=True)
    arrays = {f"{prefix}.{k}": v.detach().float().cpu().numpy().astype(np.float16)
              for prefix, module in modules.items() for k, v in module.state_dict().items()}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = buf.getvalue()
    for old in glob.glob(os.path.join(run_dir, "weights.npz.part*")):
        os.remove(old)
    for i in range(0, len(data), PART_BYTES):
        with open(os.path.join(run_dir, f"weights.npz.part{i // PART_BYTES}"), "wb") as f:
            f.write(data[i:i + PART_BYTES])
    with open(os.path.join(run_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tokenizer_json)
    with open(os.path.join(run_dir, "checkpoint.json"), "w", encoding="utf-8") as f:
        json.dump({"config": cfg.to_json(), "modules": sorted(modules), **info}, f, indent=2)


def load(run_dir: str):
    """-> (cfg, tokenizer, vae, text, dit, info); weights are the fp16-rounded ones that were saved."""
    with open(os.path.join(run_dir, "checkpoint.json"), encoding="utf-8") as f:
        info = json.load(f)
    cfg = config_from_json(info["config"])
    with open(os.path.join(run_dir, "tokenizer.json"), encoding="utf-8") as f:
        tok = WordTokenizer.from_json(f.read())
    parts = sorted(glob.glob(os.path.join(run_dir, "weights.npz.part*")), key=lambda p: int(p.rsplit("part", 1)[1]))
    if not parts:
        raise FileNotFoundError(f"{run_dir}: no weights.npz.part* files")
    z = np.load(io.BytesIO(b"".join(open(p, "rb").read() for p in parts)))
    vae, text, dit = build_models(cfg, len(tok.vocab))
    for prefix, module in (("vae", vae), ("text", text), ("dit", dit)):
        state = {k[len(prefix) + 1:]: torch.from_numpy(z[k].astype(np.float32))
                 for k in z.files if k.startswith(prefix + ".")}
        if state:
            module.load_state_dict(state)
    return cfg, tok, vae.eval(), text.eval(), dit.eval(), info


def round_to_fp16(module: torch.nn.Module) -> None:
    """Make fp32 weights exactly representable in fp16, so fp16 storage is lossless w.r.t. the model we test."""
    with torch.no_grad():
        for p in list(module.parameters()) + list(module.buffers()):
            if p.is_floating_point():
                p.copy_(p.half().float())


def describe(cfg: TrainConfig) -> Dict:
    return dataclasses.asdict(cfg)
