"""Checkpoints as fp16 .npz (+ JSON): readable by torch 1.13 and 2.x alike, split into parts of <= 15 MiB so they come
back from the GPU machine (which returns files of at most 16 MiB)."""
import dataclasses
import glob
import io
import json
import os
from typing import Dict, Optional, Tuple

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


def save(run_dir: str, cfg: TrainConfig, tokenizer_json: str, modules: Dict[str, torch.nn.Module], info: Dict,
         states: Optional[Dict[str, Dict[str, torch.Tensor]]] = None) -> None:
    """modules: prefix -> module (its state dict is saved); states: prefix -> extra state dicts (e.g. the live
    weights beside the EMA ones: live_text, live_dit)."""
    os.makedirs(run_dir, exist_ok=True)
    named = {prefix: module.state_dict() for prefix, module in modules.items()}
    named.update(states or {})
    arrays = {f"{prefix}.{k}": v.detach().float().cpu().numpy().astype(np.float16)
              for prefix, state in named.items() for k, v in state.items()}
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
        json.dump({"config": cfg.to_json(), "modules": sorted(named), **info}, f, indent=2)


def load(run_dir: str, weights: str = "ema"):
    """-> (cfg, tokenizer, vae, text, dit, info); weights are the fp16-rounded ones that were saved. weights="live":
    the live (not averaged) text encoder and DiT where the run saved them. A run trained from a latent bundle saves no
    VAE: it comes from the model folder named by info["vae_from"] (models/<name>)."""
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
    live = "live_" if weights == "live" else ""
    for prefix, module in (("vae", vae), (live + "text", text), (live + "dit", dit)):
        state = {k[len(prefix) + 1:]: torch.from_numpy(z[k].astype(np.float32))
                 for k in z.files if k.startswith(prefix + ".")}
        if state:
            module.load_state_dict(state)
        elif prefix.startswith("live_"):
            raise ValueError(f"{run_dir}: no live weights saved ({prefix})")
    if not any(k.startswith("vae.") for k in z.files) and info.get("vae_from"):
        from .onnx_weights import load_modules  # the run trained on latents of this model's VAE

        vae = load_modules(os.path.join(os.path.dirname(__file__), "..", "..", info["vae_from"]))[3]
    return cfg, tok, vae.eval(), text.eval(), dit.eval(), info


def round_to_fp16(module: torch.nn.Module) -> None:
    """Make fp32 weights exactly representable in fp16, so fp16 storage is lossless w.r.t. the model we test."""
    with torch.no_grad():
        for p in list(module.parameters()) + list(module.buffers()):
            if p.is_floating_point():
                p.copy_(p.half().float())


def describe(cfg: TrainConfig) -> Dict:
    return dataclasses.asdict(cfg)
