"""Trains the VAE, then the text encoder + DiT on normalised VAE latents, checkpointing as it goes.

  npm run model:train -- --config cpu|gpu|tiny [--data DIR] [--out DIR] [--vae-seconds S] [--dit-seconds S]

The `tiny` config writes random weights (seconds; for tests). Budgets are wall-clock seconds per stage, so one run
fits the GPU machine's 10-minute command limit; a killed run still leaves its last checkpoint in --out.
"""
import argparse
from dataclasses import replace
import json
import math
import os
import random
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from . import checkpoint
from .ema import Ema
from .lr_schedule import learning_rate
from .onnx_weights import load_modules
from .conditions import drop_conditions, drop_text, rasterize_boxes, unpack_masks
from .config import BOX_CLASSES, MASK_CLASSES, TrainConfig, preset
from .flow import euler_sample, noisy, sample_t
from .latent_bundle import load_bundle
from .pack import MASK_SOURCES, build_pack, load_pack
from .paths import DEFAULT_DATA, ROOT, log
from .pngio import grid, to_uint8, write_png_gray
from .prompts import ReportCorpus, vocabulary_texts
from .tokenizer import WordTokenizer
from .vae import reconstruction_loss



def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def autocast(device: torch.device):
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def lr_at(step: int, base: float, warmup: int) -> float:
    return base * min(1.0, (step + 1) / max(1, warmup))


def train_vae(vae, images: torch.Tensor, cfg: TrainConfig, device, seconds: float, report) -> Dict:
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg.vae_lr, weight_decay=0.0)
    n, size = images.shape[0], images.shape[-1]
    start, step, losses = time.time(), 0, []
    crop_until = start + seconds * cfg.vae_crop_fraction
    while time.time() - start < seconds and step < cfg.vae_max_steps:
        cropping = time.time() < crop_until
        batch = cfg.vae_batch * (4 if cropping else 1)
        idx = torch.randint(0, n, (batch,), device=device)
        x = images[idx].float().div(127.5).sub(1.0)[:, None]  # [B,1,H,W] in [-1,1]
        if cropping:
            oy, ox = random.randrange(0, size // 2 + 1, 8), random.randrange(0, size // 2 + 1, 8)
            x = x[:, :, oy:oy + size // 2, ox:ox + size // 2]
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg.vae_lr, cfg.warmup_steps)
        with autocast(device):
            mean, logvar = vae.encoder(x)
            z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
            recon = vae.decoder(z)
        loss = reconstruction_loss(recon.float(), x, mean.float(), logvar.float(), cfg.vae)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            losses.append(float(loss))
            report(f"vae step {step} loss {losses[-1]:.4f} {'crop' if cropping else 'full'} "
                   f"{(step + 1) * cfg.vae_batch / (time.time() - start):.0f} img/s")
        step += 1
    return {"vae_steps": step, "vae_seconds": round(time.time() - start, 1), "vae_loss_curve": losses}


@torch.no_grad()
def encode_latents(vae, images: torch.Tensor, device, batch: int = 64):
    vae.eval()
    means, logvars = [], []
    for i in range(0, images.shape[0], batch):
        x = images[i:i + batch].float().div(127.5).sub(1.0)[:, None]
        with autocast(device):
            m, lv = vae.encoder(x)
        means.append(m.float())
        logvars.append(lv.float())
    mean, logvar = torch.cat(means), torch.cat(logvars)
    vae.latent_shift.copy_(mean.mean(dim=(0, 2, 3)))
    vae.latent_scale.copy_(mean.std(dim=(0, 2, 3)).clamp(min=1e-3))
    shift, scale = vae.latent_shift[None, :, None, None], vae.latent_scale[None, :, None, None]
    vae.train()
    return (mean - shift) / scale, torch.exp(0.5 * logvar) / scale


@torch.no_grad()
def psnr(vae, images: torch.Tensor, device, count: int = 64) -> float:
    """PSNR of the VAE round trip on `count` images drawn at random (seeded) from the pack: the first images of a
    pack are all JSRT films, which the VAE reconstructs best (39.4 dB for v1 there, ~34.5 dB on random eval images)."""
    vae.eval()
    pick = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(0))[:count].to(images.device)
    x = images[pick].float().div(127.5).sub(1.0)[:, None]
    m, _ = vae.encode_normalised(x)
    r = vae.decode_normalised(m).clamp(-1, 1)
    vae.train()
    mse = F.mse_loss(r.float(), x).item()
    return 10 * math.log10(4.0 / max(mse, 1e-12))


def condition_batch(pack_t: Dict[str, torch.Tensor], idx: torch.Tensor, size: int):
    planes = torch.cat([unpack_masks(pack_t["masks_bits"][idx]), rasterize_boxes(pack_t["boxes"][idx], size)], 1)
    present = torch.cat([pack_t["mask_present"][idx], pack_t["box_present"][idx]], 1).float()
    return planes, present  # [B,K,H,W], [B,K]


@torch.no_grad()
def all_condition_planes(pack_t: Dict[str, torch.Tensor], size: int, chunk: int = 64) -> torch.Tensor:
    """Every image's condition planes rasterised once, as uint8 [N,K,H,W] on the pack's device (1.2 GB for 2,010
    images at 256 px), so a training step only indexes them."""
    n = pack_t["masks_bits"].shape[0]
    return torch.cat([condition_batch(pack_t, torch.arange(i, min(n, i + chunk), device=pack_t["boxes"].device),
                                      size)[0].to(torch.uint8) for i in range(0, n, chunk)])


def maybe_compile(module: torch.nn.Module, device: torch.device, report) -> torch.nn.Module:
    """torch.compile on CUDA where it works; the eager module otherwise (torch 1.13 has no compile)."""
    if device.type != "cuda" or not hasattr(torch, "compile"):
        return module
    try:
        compiled = torch.compile(module)
        report("torch.compile: enabled for the denoiser")
        return compiled
    except Exception as error:  # noqa: BLE001 - any compile failure falls back to eager
        report(f"torch.compile unavailable ({error}); eager")
        return module


class Validation:
    """Denoising loss on held-out images (the evaluation's train carve-out), with fixed noise, timesteps (8 strata)
    and prompts, all conditions given: comparable across steps and runs."""

    def __init__(self, lat_mean: torch.Tensor, pack_t: Dict[str, torch.Tensor], planes: torch.Tensor,
                 idx: torch.Tensor, device, batch: int = 64, repeats: int = 8):
        gen = torch.Generator().manual_seed(1234)
        idx = idx[:batch]
        self.x0 = lat_mean[idx].repeat(repeats, 1, 1, 1)
        n = len(idx)
        self.t = ((torch.arange(repeats).repeat_interleave(n) + torch.rand(n * repeats, generator=gen)) / repeats).to(device)
        self.noise = torch.randn(self.x0.shape, generator=gen).to(device)
        self.ids = pack_t["prompt_ids"][idx, 0].repeat(repeats, 1)
        self.mask = (self.ids != 0).long()
        self.planes = planes[idx].repeat(repeats, 1, 1, 1)
        self.present = torch.cat([pack_t["mask_present"][idx], pack_t["box_present"][idx]], 1).float().repeat(repeats, 1)
        self.images = n

    @torch.no_grad()
    def loss(self, text, dit, device, chunk: int = 64) -> float:
        total = 0.0
        for i in range(0, len(self.t), chunk):
            s = slice(i, i + chunk)
            xt, target = noisy(self.x0[s], self.noise[s], self.t[s])
            with autocast(device):
                pred = dit(xt, self.t[s], text(self.ids[s], self.mask[s]), self.mask[s], self.planes[s].float(),
                           self.present[s])
            total += float(F.mse_loss(pred.float(), target, reduction="sum"))
        return total / self.x0.numel()


def train_dit(text, dit, lat_mean, lat_std, pack_t, cfg: TrainConfig, device, seconds: float, report,
              on_checkpoint, train_idx: Optional[torch.Tensor] = None, val_idx: Optional[torch.Tensor] = None) -> Dict:
    """Trains text encoder + DiT for `seconds` (or cfg.dit_max_steps) on the images `train_idx` (default: all).
    on_checkpoint(info, live_state) is called about every minute and at the end, with the EMA weights in the modules
    and the live ones in live_state."""
    params = list(text.parameters()) + list(dit.parameters())
    fused = {"fused": True} if device.type == "cuda" and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames else {}
    opt = torch.optim.AdamW(params, lr=cfg.dit_lr, weight_decay=0.0, **fused)
    ema = Ema([text, dit], cfg.ema_decay)
    size = cfg.resolution
    t_planes = time.time()
    planes_all = all_condition_planes(pack_t, size)
    report(f"condition planes rasterised once: {tuple(planes_all.shape)} in {time.time() - t_planes:.1f}s")
    pool = train_idx if train_idx is not None else torch.arange(lat_mean.shape[0], device=device)
    val = Validation(lat_mean, pack_t, planes_all, val_idx, device) if val_idx is not None and len(val_idx) else None
    run_dit = maybe_compile(dit, device, report)
    variants = pack_t["prompt_ids"].shape[1]
    start, step, losses, last_ckpt, last_val = time.time(), 0, [], time.time(), time.time()
    val_curve: List = []
    running = torch.zeros((), device=device)

    def validate() -> None:
        if val is None or (val_curve and val_curve[-1]["step"] == step):
            return
        live = val.loss(text, dit, device)
        ema.swap()
        averaged = val.loss(text, dit, device)
        ema.swap()
        val_curve.append({"step": step, "seconds": round(time.time() - start, 1), "live": round(live, 5),
                          "ema": round(averaged, 5)})
        report(f"validation at step {step}: loss live {live:.4f}, EMA {averaged:.4f} ({val.images} carve-out images)")

    def checkpoint() -> None:
        live = {"text": {k: v.detach().clone() for k, v in text.state_dict().items()},
                "dit": {k: v.detach().clone() for k, v in dit.state_dict().items()}}
        ema.swap()
        on_checkpoint({"dit_steps": step, "dit_loss_curve": losses, "dit_val_curve": val_curve}, live)
        ema.swap()

    validate()
    start = last_val = last_ckpt = time.time()  # the budget is for training; the first validation is not in it
    while time.time() - start < seconds and step < cfg.dit_max_steps:
        b = cfg.dit_batch
        idx = pool[torch.randint(0, len(pool), (b,), device=device)]
        x0 = lat_mean[idx] if lat_std is None else lat_mean[idx] + lat_std[idx] * torch.randn_like(lat_mean[idx])
        ids = pack_t["prompt_ids"][idx, torch.randint(0, variants, (b,), device=device)]  # [B,L]
        ids = drop_text(ids, cfg.text_dropout)
        mask = (ids != 0).long()
        planes = planes_all[idx].float()
        present = torch.cat([pack_t["mask_present"][idx], pack_t["box_present"][idx]], 1).float()
        present = drop_conditions(present, cfg.spatial_dropout, cfg.channel_dropout)
        t = sample_t(b, device)
        xt, target = noisy(x0, torch.randn_like(x0), t)
        lr = learning_rate(step, (time.time() - start) / seconds, cfg.dit_lr, cfg.dit_lr_final, cfg.warmup_steps,
                           cfg.dit_decay_fraction)
        for g in opt.param_groups:
            g["lr"] = lr
        with autocast(device):
            emb = text(ids, mask)
            pred = run_dit(xt, t, emb, mask, planes, present)
        loss = F.mse_loss(pred.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema.update()
        running += loss.detach()
        step += 1
        if step % 200 == 0:
            losses.append(round(float(running) / 200, 5))
            running.zero_()
            report(f"dit step {step} loss {losses[-1]:.4f} lr {lr:.2e} "
                   f"{step * b / (time.time() - start):.0f} samples/s")
        if time.time() - last_val > cfg.val_every_seconds:
            validate()
            last_val = time.time()
        if time.time() - last_ckpt > 60:
            checkpoint()
            last_ckpt = time.time()
    elapsed = time.time() - start
    validate()
    checkpoint()
    ema.swap()  # leave the EMA weights in the modules
    return {"dit_steps": step, "dit_seconds": round(elapsed, 1), "dit_loss_curve": losses, "dit_val_curve": val_curve,
            "ema": {"decay": cfg.ema_decay, "warmup": ema.warmup, "updates": ema.updates},
            "lr": {"peak": cfg.dit_lr, "final": cfg.dit_lr_final, "decay_fraction": cfg.dit_decay_fraction,
                   "warmup_steps": cfg.warmup_steps},
            "dit_samples_per_s": round(step * cfg.dit_batch / max(1e-6, elapsed), 1)}


@torch.no_grad()
def preview(vae, text, dit, tok: WordTokenizer, pack_t, device, out_dir: str, guidance: float = 2.5,
            steps: int = 20, seeds: int = 4) -> None:
    """A quick grid: rows = prompts (+ mask of a training image for the last rows), columns = seeds."""
    prompts = ["sex: male, age: 60, view: PA. No acute cardiopulmonary abnormality.",
               "sex: female, age: 70, view: PA. Cardiomegaly.",
               "sex: male, age: 55, view: AP. Bilateral pleural effusion.",
               "sex: female, age: 45, view: PA. Pulmonary nodule.",
               "sex: male, age: 50, view: AP. Covid-19 pneumonia.",
               "sex: female, age: 62, view: PA. Normal chest radiograph."]
    vae.eval(), text.eval(), dit.eval()
    k = len(MASK_CLASSES) + len(BOX_CLASSES)
    size = pack_t["images"].shape[-1]
    with_mask = int(torch.nonzero(pack_t["mask_present"][:, 2])[0]) if bool(pack_t["mask_present"][:, 2].any()) else 0
    tiles: List[np.ndarray] = []
    for row, prompt in enumerate(prompts):
        ids, mask = (torch.tensor([v] * seeds, device=device) for v in tok.encode(prompt))
        e_ids, e_mask = (torch.tensor([v] * seeds, device=device) for v in tok.encode(""))
        planes = torch.zeros(seeds, k, size, size, device=device)
        present = torch.zeros(seeds, k, device=device)
        if row >= 4:  # last rows: anatomy masks of one training image
            p, pr = condition_batch(pack_t, torch.tensor([with_mask] * seeds, device=device), size)
            planes, present = p, pr * (torch.arange(k, device=device) < len(MASK_CLASSES)).float()
        cond = text(ids, mask)
        uncond = text(e_ids, e_mask)

        def velocity(x, t):
            both = dit(torch.cat([x, x]), torch.cat([t, t]), torch.cat([cond, uncond]), torch.cat([mask, e_mask]),
                       torch.cat([planes, planes * 0]), torch.cat([present, present * 0]))
            c, u = both.chunk(2)
            return u + guidance * (c - u)

        gen = torch.Generator(device="cpu").manual_seed(row)
        noise = torch.randn(seeds, vae.latent_scale.shape[0], size // 8, size // 8, generator=gen).to(device)
        z = euler_sample(velocity, noise, steps)
        imgs = vae.decode_normalised(z).clamp(-1, 1).float().cpu().numpy()[:, 0]
        tiles += [to_uint8(im) for im in imgs]
    write_png_gray(os.path.join(out_dir, "samples.png"), grid(tiles, len(prompts), seeds))
    x = pack_t["images"][:6].float().div(127.5).sub(1.0)[:, None]
    r = vae.decode_normalised(vae.encode_normalised(x)[0]).clamp(-1, 1).float().cpu().numpy()[:, 0]
    tiles = [to_uint8(a) for a in x.cpu().numpy()[:, 0]] + [to_uint8(a) for a in r]
    write_png_gray(os.path.join(out_dir, "recon.png"), grid(tiles, 2, 6))


def random_weights(cfg: TrainConfig, out_dir: str, data_dir: str) -> None:
    """tiny: untrained weights with a tokenizer from the prompt templates (needs no data) - for contract tests."""
    torch.manual_seed(cfg.seed)
    tok = WordTokenizer.train(vocabulary_texts([], ReportCorpus({})), cfg.text.max_length, cfg.text.min_word_count)
    vae, text, dit = checkpoint.build_models(cfg, len(tok.vocab))
    with torch.no_grad():  # zero-initialised output layers would make parity trivially true: randomise them
        for m in (vae, text, dit):
            for p in m.parameters():
                if p.dim() > 0 and float(p.abs().max()) == 0.0:
                    p.normal_(0.0, 0.05)
        vae.latent_shift.normal_(0.0, 0.1)
        vae.latent_scale.uniform_(0.5, 1.5)
    checkpoint.save(out_dir, cfg, tok.to_json(), {"vae": vae, "text": text, "dit": dit},
                    {"random_weights": True, "data": None})
    log(f"tiny: random weights written to {out_dir}")


def require_same_vocabulary(model_dir: str, tok: WordTokenizer, pack_tokenizer: str) -> None:
    """The pack's prompts are token ids, so a resumed model's tokenizer must be the pack's (same vocabulary in the same
    order); otherwise SystemExit."""
    if tok.vocab != WordTokenizer.from_json(pack_tokenizer).vocab:
        raise SystemExit(f"--resume-from {model_dir}: its tokenizer differs from the pack's; rebuild the pack from the "
                         "same data the model was trained on, or train from scratch")


def resume_modules(model_dir: str, pack_tokenizer: str):
    """-> (cfg, vae, text, dit) of a released model folder, to train further on a pack (see require_same_vocabulary)."""
    _, cfg, tok, vae, text, dit = load_modules(model_dir)
    require_same_vocabulary(model_dir, tok, pack_tokenizer)
    return cfg, vae, text, dit


def resolve_config(args: argparse.Namespace, saved: Optional[TrainConfig]) -> TrainConfig:
    """The preset with the flags applied; when continuing a model, its architecture and the preset's schedule."""
    overrides = {}
    for flag, field in (("vae_seconds", "vae_seconds"), ("dit_seconds", "dit_seconds"), ("batch", "dit_batch"),
                        ("vae_batch", "vae_batch"), ("lr", "dit_lr")):
        if getattr(args, flag) is not None:
            overrides[field] = getattr(args, flag)
    if args.without_pseudo_masks:
        overrides["use_pseudo_masks"] = False
    cfg = preset(args.config, **overrides)
    if saved is None:
        return cfg
    return replace(saved, name=cfg.name, vae_seconds=0, dit_seconds=cfg.dit_seconds, dit_batch=cfg.dit_batch,
                   vae_batch=cfg.vae_batch, random_weights=False, use_pseudo_masks=cfg.use_pseudo_masks,
                   dit_lr=cfg.dit_lr, dit_lr_final=cfg.dit_lr_final, dit_decay_fraction=cfg.dit_decay_fraction,
                   warmup_steps=cfg.warmup_steps, ema_decay=cfg.ema_decay, val_every_seconds=cfg.val_every_seconds)


def split_indices(meta: Dict, n: int, hold_out: bool, device) -> tuple:
    """-> (train indices, validation indices): the evaluation's train carve-out (pack meta) is held out for the
    validation loss unless --train-on-carve-out."""
    held = set(meta.get("carve_out") or [])
    val = [i for i, rid in enumerate(meta["ids"][:n]) if rid in held]
    train = [i for i in range(n) if not (hold_out and i in set(val))]
    return torch.tensor(train, device=device), torch.tensor(val, device=device)


def main(args: argparse.Namespace) -> None:
    bundle = load_bundle(args.bundle) if args.bundle else None
    if bundle is not None:
        saved_cfg, _, _, b_text, b_dit, b_info = checkpoint.load(os.path.join(args.bundle, "resume"))
        resumed = None
        cfg = resolve_config(args, saved_cfg)
    else:
        resumed = load_modules(args.resume_from) if args.resume_from else None  # (manifest, cfg, tok, vae, text, dit)
        cfg = resolve_config(args, resumed[1] if resumed is not None else None)
    out_dir = args.out or os.path.join(ROOT, "models", "training", "runs", cfg.name)
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    if cfg.random_weights:
        random_weights(cfg, out_dir, args.data)
        return
    device = pick_device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.time()
    if bundle is not None:
        pack = bundle
    else:
        pack_path = args.pack or os.path.join(ROOT, "models", "training", ".cache", f"pack-{cfg.resolution}{f'-limit{args.limit}' if args.limit else ''}.npz")
        if not os.path.exists(pack_path):
            corpus = args.corpus or os.path.join(args.data, "reports", "iu_reports.csv")
            pseudo = args.pseudo_masks if args.pseudo_masks != "none" and os.path.exists(args.pseudo_masks) else None
            log(f"packing the train split of {args.data} -> {pack_path} (pseudo-label masks: {pseudo or 'none'})")
            build_pack(args.data, corpus, cfg, pack_path, limit=args.limit, pseudo_masks=pseudo)
        pack = load_pack(pack_path)
    first = "latents" if bundle is not None else "images"
    if args.subset:  # the first N images of the pack, same tokenizer (smoke runs)
        pack = {k: (v[:args.subset] if isinstance(v, np.ndarray) and v.shape[:1] == pack[first].shape[:1] else v)
                for k, v in pack.items()}
    n = pack[first].shape[0]
    if not cfg.use_pseudo_masks:
        pack["mask_present"] = pack["mask_present"] * (pack["mask_source"] != MASK_SOURCES.index("pseudo_label"))
    tok = WordTokenizer.from_json(pack["tokenizer"])
    log(f"{'bundle' if bundle is not None else 'pack'}: {n} images, mask planes given {int(pack['mask_present'].sum())} "
        f"(pseudo-label {int((pack['mask_source'] == MASK_SOURCES.index('pseudo_label')).sum())}"
        f"{', not used' if not cfg.use_pseudo_masks else ''}), vocab {len(tok.vocab)}, loaded in {time.time() - t0:.1f}s; "
        f"device {device}, torch {torch.__version__}")
    pack_t = {k: torch.from_numpy(np.ascontiguousarray(v)).to(device) for k, v in pack.items()
              if isinstance(v, np.ndarray)}
    train_idx, val_idx = split_indices(pack["meta"], n, not args.train_on_carve_out, device)
    info: Dict = {"data": pack["meta"]["data_dir"], "train_images": int(len(train_idx)),
                  "validation_images": int(len(val_idx)), "torch": torch.__version__,
                  "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}
    if bundle is not None:
        if b_info.get("resumed_from") is None:
            raise SystemExit(f"{args.bundle}/resume: not a resume checkpoint")
        vae, text, dit = None, b_text.to(device).train(), b_dit.to(device).train()
        info.update({"resumed_from": b_info["resumed_from"], "vae_from": bundle["meta"]["vae_from"], "vae_steps": 0})
        lat_mean, lat_std = pack_t["latents"].float(), None
        log(f"continuing {b_info['resumed_from']} from its latent bundle (its VAE stays in models/{info['vae_from']})")
    else:
        if resumed is not None:
            require_same_vocabulary(args.resume_from, resumed[2], pack["tokenizer"])
            vae, text, dit = (m.to(device).train() for m in resumed[3:])
            info["resumed_from"] = os.path.basename(os.path.normpath(args.resume_from))
            log(f"resuming from {args.resume_from}: its VAE is kept (the latent scale must not move), the DiT trains on")
            info["vae_steps"] = 0
        else:
            vae, text, dit = (m.to(device) for m in checkpoint.build_models(cfg, len(tok.vocab)))
            info.update(train_vae(vae, pack_t["images"], cfg, device, cfg.vae_seconds, log))
        lat_mean, lat_std = encode_latents(vae, pack_t["images"], device)
        info["vae_psnr_train_random64"] = round(psnr(vae, pack_t["images"], device), 2)
        info["latent_shift"] = vae.latent_shift.tolist()
        info["latent_scale"] = vae.latent_scale.tolist()
        log(f"vae done: {info['vae_steps']} steps, PSNR {info['vae_psnr_train_random64']} dB on 64 random train images")
    trained = {"text": text, "dit": dit} if vae is None else {"vae": vae, "text": text, "dit": dit}

    def save_all(extra: Dict, live: Optional[Dict] = None) -> None:
        info.update(extra)
        states = {f"live_{k}": v for k, v in (live or {}).items()}
        checkpoint.save(out_dir, cfg, pack["tokenizer"], trained, info, states)

    save_all({})
    info.update(train_dit(text, dit, lat_mean, lat_std, pack_t, cfg, device, cfg.dit_seconds, log, save_all,
                          train_idx=train_idx, val_idx=val_idx))
    log(f"dit done: {info['dit_steps']} steps at {info['dit_samples_per_s']} samples/s; checkpoint in {out_dir}")
    if not args.no_preview and vae is not None:
        t1 = time.time()
        preview(vae, text, dit, tok, pack_t, device, out_dir, steps=args.preview_steps, seeds=args.preview_seeds)
        log(f"preview grids written in {time.time() - t1:.1f}s")
    with open(os.path.join(out_dir, "checkpoint.json"), encoding="utf-8") as f:
        doc = json.load(f)
    log("summary " + json.dumps({k: doc[k] for k in ("vae_steps", "vae_psnr_train_random64", "dit_steps",
                                                    "dit_samples_per_s", "dit_val_curve") if k in doc}))


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="npm run model:train --", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, choices=["tiny", "cpu", "gpu"], help="size and budget preset")
    ap.add_argument("--data", default=DEFAULT_DATA, help="dataset folder with manifest.csv (default: %(default)s)")
    ap.add_argument("--corpus", default=None, help="report corpus CSV (default: DATA/reports/iu_reports.csv)")
    ap.add_argument("--pack", default=None, help="packed training split (built from --data when missing)")
    ap.add_argument("--out", default=None, help="run folder for the checkpoint (default: models/training/runs/CONFIG)")
    ap.add_argument("--device", default="auto", help="auto | cpu | cuda")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    ap.add_argument("--vae-seconds", type=float, default=None, help="override the VAE time budget")
    ap.add_argument("--dit-seconds", type=float, default=None, help="override the DiT time budget")
    ap.add_argument("--batch", type=int, default=None, help="override the DiT batch size")
    ap.add_argument("--vae-batch", type=int, default=None, help="override the VAE batch size")
    ap.add_argument("--limit", type=int, default=0, help="pack only the first N training images (smoke tests)")
    ap.add_argument("--preview-steps", type=int, default=20, help="Euler steps for the preview grid")
    ap.add_argument("--preview-seeds", type=int, default=4, help="seeds per preview row")
    ap.add_argument("--no-preview", action="store_true", help="skip the preview grids at the end")
    ap.add_argument("--pseudo-masks", default=os.path.join(ROOT, "models", "training", ".cache", "pseudo-masks.npz"),
                    help="pseudo-label masks (npm run model:pseudo-masks) packed where the data has none, when the "
                         "pack is built; 'none' to leave them out (default: %(default)s if it exists)")
    ap.add_argument("--without-pseudo-masks", action="store_true",
                    help="train as if the pack's pseudo-label mask planes were not given")
    ap.add_argument("--subset", type=int, default=0, help="train on the first N images of the pack only (smoke tests)")
    ap.add_argument("--lr", type=float, default=None, help="override the DiT's peak learning rate")
    ap.add_argument("--bundle", default=None, metavar="DIR",
                    help="continue a release from its latent bundle (npm run model:bundle): no images, no VAE")
    ap.add_argument("--train-on-carve-out", action="store_true",
                    help="also train on the evaluation's train carve-out (default: held out for the validation loss)")
    ap.add_argument("--resume-from", default=None, metavar="MODEL_DIR",
                    help="continue training the DiT and text encoder of a released model folder (e.g. ../cxr256-gpu-v1); "
                         "its VAE and architecture are kept, budgets come from --config and the flags")
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
