"""The latent bundle: everything a GPU run that continues a released model needs, small enough to travel.

  npm run model:bundle -- --from cxr256-gpu-v1.1        # -> models/training/.cache/gpu-bundle/ (carry it)

A run that resumes a release keeps its VAE, so it never needs the images: their VAE latents (posterior means, fp16;
the posterior std of this VAE is ~0.0005 against a latent spread of ~1, so sampling it adds nothing), the conditions
and prompts of the pack, and the release's text encoder and DiT weights are enough. That is ~45 MB instead of the
57 MB pack plus the 36 MB model folder, which together exceed the GPU machine's 64 MiB working tree (docs: models/README.md,
"Training on the GPU machine").

Files: bundle.npz (latents, masks, boxes, prompts, tokenizer, meta with ids and the carve-out) and resume/ (a
checkpoint of the text encoder and DiT, weights in parts of at most 15 MiB).
"""
import argparse
import json
import lzma
import os
import sys
import time
from typing import Dict

import numpy as np
import torch

from . import checkpoint
from .onnx_weights import load_modules
from .pack import load_pack
from .paths import ROOT, log

DEFAULT_OUT = os.path.join(ROOT, "models", "training", ".cache", "gpu-bundle")
BUNDLE_VERSION = 1


@torch.no_grad()
def encode(vae, images: np.ndarray, batch: int = 32) -> np.ndarray:
    """uint8 [N,256,256] -> normalised latent means float16 [N,C,h,w]."""
    vae.eval()
    out = []
    for i in range(0, len(images), batch):
        x = torch.from_numpy(images[i:i + batch]).float().div(127.5).sub(1.0)[:, None]
        out.append(vae.encode_normalised(x)[0].numpy().astype(np.float16))
    return np.concatenate(out)


def build_bundle(pack_path: str, model_dir: str, out_dir: str, limit: int = 0) -> Dict:
    """limit: only the first N images (smoke tests of the GPU script on the CPU)."""
    t0 = time.time()
    manifest, cfg, tok, vae, text, dit = load_modules(model_dir)
    pack = load_pack(pack_path)
    if limit:
        n = pack["images"].shape[0]
        pack = {k: (v[:limit] if isinstance(v, np.ndarray) and v.shape[:1] == (n,) else v) for k, v in pack.items()}
        pack["meta"] = {**pack["meta"], "ids": pack["meta"]["ids"][:limit]}
    if pack["tokenizer"] != tok.to_json():
        raise SystemExit(f"{pack_path}: its tokenizer is not {manifest['name']}'s; rebuild the pack from the same data")
    latents = encode(vae, pack["images"])
    log(f"encoded {len(latents)} images with {manifest['name']}'s VAE in {time.time() - t0:.0f} s")
    os.makedirs(out_dir, exist_ok=True)
    meta = {**pack["meta"], "bundle_version": BUNDLE_VERSION, "vae_from": manifest["name"],
            "latent_shift": manifest["latent"]["shift"], "latent_scale": manifest["latent"]["scale"]}
    masks_blob = np.frombuffer(lzma.compress(pack["masks_bits"].tobytes()), np.uint8)
    np.savez(os.path.join(out_dir, "bundle.npz"), latents=latents, masks_blob=masks_blob,
             mask_present=pack["mask_present"], mask_source=pack["mask_source"], boxes=pack["boxes"],
             box_present=pack["box_present"], prompt_ids=pack["prompt_ids"].astype(np.int16),
             tokenizer=np.frombuffer(pack["tokenizer"].encode("utf-8"), np.uint8),
             meta=np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8))
    run = manifest["training"]["run"]
    checkpoint.save(os.path.join(out_dir, "resume"), cfg, tok.to_json(), {"text": text, "dit": dit},
                    {"resumed_from": manifest["name"], "vae_from": manifest["name"],
                     "source_dit_steps": run.get("dit_steps"), "train_images": int(len(latents))})
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(out_dir) for f in fs)
    total = sum(os.path.getsize(f) for f in files)
    log(f"wrote {out_dir}: {len(files)} files, {total / 2 ** 20:.1f} MiB")
    return {"files": files, "bytes": total}


def load_bundle(bundle_dir: str) -> Dict:
    """-> the pack-like dict train.py uses, with `latents` (float16 [N,C,h,w]) instead of images."""
    z = np.load(os.path.join(bundle_dir, "bundle.npz"))
    meta = json.loads(bytes(z["meta"]).decode("utf-8"))
    if meta.get("bundle_version") != BUNDLE_VERSION:
        raise ValueError(f"{bundle_dir}: bundle version {meta.get('bundle_version')} != {BUNDLE_VERSION}; rebuild it")
    n = z["latents"].shape[0]
    masks = np.frombuffer(lzma.decompress(z["masks_blob"].tobytes()), np.uint8)
    size = meta["size"]
    return {"latents": z["latents"], "masks_bits": masks.reshape(n, -1, size, size // 8).copy(),
            "mask_present": z["mask_present"], "mask_source": z["mask_source"], "boxes": z["boxes"],
            "box_present": z["box_present"], "prompt_ids": z["prompt_ids"].astype(np.int64),
            "tokenizer": bytes(z["tokenizer"]).decode("utf-8"), "meta": meta}


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="npm run model:bundle --", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="source", default="cxr256-gpu-v1.1", help="model folder under models/ to continue")
    ap.add_argument("--pack", default=os.path.join(ROOT, "models", "training", ".cache", "pack-256.npz"))
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--limit", type=int, default=0, help="only the first N images (smoke tests)")
    return ap.parse_args(argv)


if __name__ == "__main__":
    a = parse_args(sys.argv[1:])
    if not os.path.exists(a.pack):  # the same pack model:train builds, with the pseudo-label masks when present
        from .config import preset
        from .pack import build_pack
        from .paths import DEFAULT_DATA

        pseudo = os.path.join(ROOT, "models", "training", ".cache", "pseudo-masks.npz")
        log(f"packing the train split of {DEFAULT_DATA} -> {a.pack}")
        build_pack(DEFAULT_DATA, os.path.join(DEFAULT_DATA, "reports", "iu_reports.csv"), preset("gpu"), a.pack,
                   pseudo_masks=pseudo if os.path.exists(pseudo) else None)
    build_bundle(a.pack, os.path.join(ROOT, "models", a.source), a.out, a.limit)
