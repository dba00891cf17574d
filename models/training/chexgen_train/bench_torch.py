"""PyTorch CPU baseline for `npm run bench:synthesis`: the same weights and steps as the TypeScript pipeline.

  cd models/training && /usr/bin/python3 -m chexgen_train.bench_torch --model cxr256-gpu-v1 [--steps 20] [--threads N]

Rebuilds the modules from the model folder (`onnx_weights.load_modules`, so the weights are exactly the released
ones), then per image: the text encoder once on [prompt, ""] (batch 2, as the TS pipeline does), `--steps` guided
Euler steps of the DiT at batch 2 (conditional + unconditional rows, no spatial conditions: every
condition_present 0, as for a text-only request), and the VAE decoder. The sampler is the reference Euler
(`flow.timesteps`); its per-step arithmetic is negligible next to the DiT, so the figure compares with the TS
pipeline's DPM-Solver++ 2M. One warm-up image, then `--repeat` timed ones; prints progress on stderr and one JSON
line (medians in ms) on stdout.

Threads: `torch.set_num_threads(--threads)` when > 0. Matrix products in Debian's torch go to OpenBLAS, which reads
OPENBLAS_NUM_THREADS and OPENBLAS_CORETYPE from the environment (see docs/performance.md); they are reported.
"""
import argparse
import json
import os
import statistics
import sys
import time
from typing import Dict, List, Optional, Tuple

import torch

from .config import BOX_CLASSES, MASK_CLASSES
from .flow import timesteps
from .onnx_weights import load_modules

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def machine_cpu_s() -> Optional[Tuple[float, float]]:
    """(busy, total) CPU seconds of the whole machine from /proc/stat (Linux), None where unreadable."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    busy = user + nice + system + irq + softirq + steal
    hz = os.sysconf("SC_CLK_TCK")
    return busy / hz, (busy + idle + iowait) / hz


def other_load_pct(start, end, own_cpu_s: float) -> Optional[float]:
    """Percent of the machine's CPU time used by other processes between two machine_cpu_s() readings."""
    if start is None or end is None or end[1] <= start[1]:
        return None
    return max(0.0, min(100.0, (end[0] - start[0] - own_cpu_s) / (end[1] - start[1]) * 100))


@torch.inference_mode()
def one_image(tok, text_enc, dit, vae, prompt: str, steps: int, guidance: float, latent, size: int,
              seed: int) -> Dict[str, float]:
    """Runs one guided image; -> its timings in ms (text, denoise, step, vae, total)."""
    k = len(MASK_CLASSES) + len(BOX_CLASSES)
    t0 = time.perf_counter()
    (ids_c, mask_c), (ids_u, mask_u) = tok.encode(prompt), tok.encode("")
    ids = torch.tensor([ids_c, ids_u])  # [2,L]
    mask = torch.tensor([mask_c, mask_u])  # [2,L]
    emb = text_enc(ids, mask)  # [2,L,D]
    t1 = time.perf_counter()
    planes = torch.zeros(2, k, size, size)  # [2,K,H,W]: no spatial condition given
    present = torch.zeros(2, k)  # [2,K]
    x = torch.randn(1, *latent, generator=torch.Generator().manual_seed(seed))  # [1,C,h,w]
    ts = timesteps(steps).tolist()
    for t, t_next in zip(ts[:-1], ts[1:]):
        both = dit(torch.cat([x, x]), torch.full((2,), t), emb, mask, planes, present)  # [2,C,h,w]
        cond, uncond = both.chunk(2)
        x = x + (t_next - t) * (uncond + guidance * (cond - uncond))
    t2 = time.perf_counter()
    vae.decode_normalised(x).clamp(-1, 1)  # [1,1,H,W]
    t3 = time.perf_counter()
    ms = lambda a, b: (b - a) * 1000.0
    return {"text": ms(t0, t1), "denoise": ms(t1, t2), "step": ms(t1, t2) / steps, "vae": ms(t2, t3),
            "total": ms(t0, t3)}


def main(args: argparse.Namespace) -> None:
    assert args.steps >= 1 and args.repeat >= 1
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    model_dir = args.model_dir or os.path.join(ROOT, "models", args.model)
    manifest, cfg, tok, vae, text_enc, dit = load_modules(model_dir)
    size = cfg.resolution
    latent = (cfg.vae.latent_channels, size // 8, size // 8)
    guidance = args.guidance if args.guidance is not None else manifest["schedule"]["default_guidance"]
    run = lambda: one_image(tok, text_enc, dit, vae, args.prompt, args.steps, guidance, latent, size, args.seed)
    warm = run()
    print(f"torch: warm-up image {warm['total']:.0f} ms", file=sys.stderr, flush=True)
    runs: List[Dict[str, float]] = []
    for i in range(args.repeat):
        machine0, own0 = machine_cpu_s(), time.process_time()
        runs.append(run())
        runs[-1]["other"] = other_load_pct(machine0, machine_cpu_s(), time.process_time() - own0)
        other = "" if runs[-1]["other"] is None else f", other load {runs[-1]['other']:.0f}%"
        print(f"torch: image {i + 1}/{args.repeat} {runs[-1]['total']:.0f} ms "
              f"({runs[-1]['step']:.0f} ms/step{other})", file=sys.stderr, flush=True)
    med = {key: statistics.median(r[key] for r in runs) for key in ("text", "denoise", "step", "vae", "total")}
    print(json.dumps({
        "model": manifest["name"], "steps": args.steps, "guidance": guidance, "sampler": "euler", "cfg_batch": 2,
        "ms": round(med["total"], 1), "text_ms": round(med["text"], 1), "step_ms": round(med["step"], 2),
        "vae_ms": round(med["vae"], 1), "runs_ms": [round(r["total"], 1) for r in runs],
        "other_cpu_load_pct": [None if r["other"] is None else round(r["other"]) for r in runs],
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
    }))


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m chexgen_train.bench_torch", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="cxr256-gpu-v1", help="model folder name under models/")
    ap.add_argument("--model-dir", default=None, help="model folder path (overrides --model)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--guidance", type=float, default=None, help="default: the model's default_guidance")
    ap.add_argument("--prompt", default="Cardiomegaly.")
    ap.add_argument("--seed", type=int, default=1)
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
