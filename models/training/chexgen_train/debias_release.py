"""Makes a release whose EMA weights still hold the random initialisation into one without it, on the CPU.

  npm run model:debias -- --from cxr256-gpu-v1 --model cxr256-gpu-v1.1

cxr256-gpu-v1 was trained with an EMA that started at the random init (decay 0.999, 2,195 updates: 0.999^2195 = 11%
of every exported DiT and text-encoder weight is init). This script rebuilds that init exactly as train.py built it
(torch.manual_seed(cfg.seed), then checkpoint.build_models: VAE, text encoder, DiT in that order), checks the rebuild
against the release (the weights of a short run stay close to their init, so the two must correlate > 0.9; a wrong
rebuild correlates ~0 and nothing is written), removes the init's share with ema.remove_init_share and exports the
result as a new model folder. The VAE and the tokenizer are the source release's own (the VAE had no EMA).
"""
import argparse
import os
import sys
from typing import Dict, Optional

import torch

from . import checkpoint
from .ema import init_share, remove_init_share
from .export_onnx import export_model
from .onnx_weights import load_modules
from .train import ROOT, log

MIN_CORRELATION = 0.9


def _correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.flatten().double(), b.flatten().double()
    a, b = a - a.mean(), b - b.mean()
    return float((a @ b) / (a.norm() * b.norm()).clamp(min=1e-30))


def rebuilt_init(cfg, vocab_size: int):
    """-> (text, dit) as train.py initialised them for this config (same seed, same construction order)."""
    torch.manual_seed(cfg.seed)
    _, text, dit = checkpoint.build_models(cfg, vocab_size)
    return text, dit


def init_correlation(trained: torch.nn.Module, init: torch.nn.Module) -> float:
    """Correlation over all parameters whose init is not constant (zero-initialised layers and norm scales carry no
    fingerprint of the seed)."""
    a, b = [], []
    init_params = dict(init.named_parameters())
    for name, p in trained.named_parameters():
        p0 = init_params[name].detach()
        if p0.numel() > 1 and float(p0.std()) > 0:
            a.append(p.detach().flatten())
            b.append(p0.flatten())
    return _correlation(torch.cat(a), torch.cat(b))


@torch.no_grad()
def debias(trained: torch.nn.Module, init: torch.nn.Module, decay: float, steps: int) -> None:
    """In place: every parameter (the EMA's tensors; buffers were never averaged) without the init's share."""
    init_params = dict(init.named_parameters())
    for name, p in trained.named_parameters():
        p.copy_(remove_init_share(p.detach(), init_params[name].detach(), decay, steps))


def main(args: argparse.Namespace) -> Dict:
    src = os.path.join(args.models_dir, args.source)
    manifest, cfg, tok, vae, text, dit = load_modules(src)
    run = manifest["training"]["run"]
    steps, decay = int(run["dit_steps"]), float(cfg.ema_decay)
    text0, dit0 = rebuilt_init(cfg, len(tok.vocab))
    corr = {"text_encoder": round(init_correlation(text, text0), 4), "denoiser": round(init_correlation(dit, dit0), 4)}
    log(f"{args.source}: {steps} EMA updates at decay {decay} kept {init_share(decay, steps):.1%} of the init; "
        f"rebuilt init correlates {corr}")
    if min(corr.values()) < MIN_CORRELATION:
        raise SystemExit(f"the rebuilt init does not match {args.source} (correlation {corr} < {MIN_CORRELATION}): "
                         "the seed or the construction order differs from the run's; nothing written")
    debias(text, text0, decay, steps)
    debias(dit, dit0, decay, steps)
    info = {k: v for k, v in run.items()}
    info["derived_from"] = {
        "model": manifest["name"], "version": manifest["version"],
        "method": "EMA without its init share: init + (ema - init) / (1 - decay^steps), init rebuilt from the seed",
        "ema_decay": decay, "ema_updates": steps, "init_share_removed": round(init_share(decay, steps), 4),
        "init_correlation": corr,
    }
    run_dir = args.run or os.path.join(ROOT, "models", "training", "runs", args.model)
    checkpoint.save(run_dir, cfg, tok.to_json(), {"vae": vae, "text": text, "dit": dit}, info)
    schedule = {k: v for k, v in (("default_guidance", args.guidance), ("default_spatial_guidance", args.spatial_guidance))
                if v is not None}
    out = export_model(run_dir, os.path.join(args.models_dir, args.model), args.model, args.version,
                       args.description or f"{manifest['description']}; EMA without the random init's share "
                                            f"(made from {manifest['name']} {manifest['version']})", schedule)
    total = sum(f["bytes"] for f in out["files"])
    log(f"exported {args.model}: {len(out['files'])} files, {total / 1e6:.1f} MB")
    if total > 40e6:
        sys.exit(f"model folder is {total / 1e6:.1f} MB: over the 40 MB limit for models kept in git")
    return out


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="npm run model:debias --", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="source", default="cxr256-gpu-v1", help="source model folder name (default: %(default)s)")
    ap.add_argument("--model", default="cxr256-gpu-v1.1", help="new model folder name (default: %(default)s)")
    ap.add_argument("--version", default="1.1.0")
    ap.add_argument("--description", default="")
    ap.add_argument("--guidance", type=float, default=None, help="schedule.default_guidance (text) of the new model")
    ap.add_argument("--spatial-guidance", type=float, default=None,
                    help="schedule.default_spatial_guidance (masks and boxes) of the new model")
    ap.add_argument("--models-dir", default=os.path.join(ROOT, "models"))
    ap.add_argument("--run", default=None, help="checkpoint folder (default: models/training/runs/MODEL)")
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
