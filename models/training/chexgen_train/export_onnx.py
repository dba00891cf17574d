"""Exports a training run to a model folder: four ONNX graphs (opset 17, IR <= 13, dynamic batch, fp16-stored weights),
the tokenizer, and model.json (the contract in docs/model-contract.md).

  npm run model:export -- --run models/training/runs/gpu --model cxr256-gpu-v1

Weights keep their PyTorch state-dict names as ONNX initializers (exported without constant folding; onnxruntime folds
the transposes and fp16->fp32 casts once at session start), so `onnx_weights.load_modules` can rebuild the PyTorch
modules from a model folder alone (used by the sample grid and evaluation).
"""
import argparse
import datetime
import hashlib
import inspect
import json
import os
import subprocess
import sys
from typing import Dict, List, Optional

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import set_external_data

from . import checkpoint
from .attention import use_fused
from .config import BOX_CLASSES, MASK_CLASSES
from .data import FINDINGS
from .vae import DecoderGraph, EncoderGraph

OPSET = 17
MAX_IR = 13
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger graphs keep their weights in external data parts (git, GPU file limits)
PART_BYTES = 15 * 1024 * 1024
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SOURCES = [
    {"name": "NIH Clinical Center ChestX-ray14", "licence": "public release, no restriction (mirrors list CC0)"},
    {"name": "JSRT database + SCR masks", "licence": "(c) JSRT 1997; free for research and education; SCR masks research use"},
    {"name": "ieee8023 COVID-19 image data collection", "licence": "per image CC BY / BY-SA / BY-NC-SA / BY-NC-ND; metadata CC BY-NC-SA 4.0"},
    {"name": "V7 Labs lung masks", "licence": "CC BY 4.0"},
    {"name": "Hannover Medical School COVID-19 repository", "licence": "CC BY 3.0"},
    {"name": "Indiana University / Open-i reports (text only)", "licence": "CC BY-NC-ND 4.0"},
]
LICENCE = ("Research use only; not for diagnosis. Trained on data that includes research-only and non-commercial "
           "sources (see training.sources).")


class TextGraph(torch.nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, input_ids, attention_mask):
        return self.text(input_ids, attention_mask)


class DenoiserGraph(torch.nn.Module):
    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, latents, timestep, text_embeddings, attention_mask, condition, condition_present):
        return self.dit(latents, timestep, text_embeddings, attention_mask, condition, condition_present)


def tensor_spec(name: str, dtype: str, shape: List) -> Dict:
    return {"name": name, "dtype": dtype, "shape": shape}


def graph_specs(cfg, text_width: int) -> Dict[str, Dict]:
    r, h, l, k = cfg.resolution, cfg.resolution // 8, cfg.text.max_length, len(MASK_CLASSES) + len(BOX_CLASSES)
    c = cfg.vae.latent_channels
    return {
        "text_encoder": {"file": "text_encoder.onnx",
                         "inputs": [tensor_spec("input_ids", "int64", ["batch", l]),
                                    tensor_spec("attention_mask", "int64", ["batch", l])],
                         "outputs": [tensor_spec("text_embeddings", "float32", ["batch", l, text_width])]},
        "denoiser": {"file": "denoiser.onnx",
                     "inputs": [tensor_spec("latents", "float32", ["batch", c, h, h]),
                                tensor_spec("timestep", "float32", ["batch"]),
                                tensor_spec("text_embeddings", "float32", ["batch", l, text_width]),
                                tensor_spec("attention_mask", "int64", ["batch", l]),
                                tensor_spec("condition", "float32", ["batch", k, r, r]),
                                tensor_spec("condition_present", "float32", ["batch", k])],
                     "outputs": [tensor_spec("velocity", "float32", ["batch", c, h, h])]},
        "vae_decoder": {"file": "vae_decoder.onnx",
                        "inputs": [tensor_spec("latents", "float32", ["batch", c, h, h])],
                        "outputs": [tensor_spec("image", "float32", ["batch", 1, r, r])]},
        "vae_encoder": {"file": "vae_encoder.onnx",
                        "inputs": [tensor_spec("image", "float32", ["batch", 1, r, r])],
                        "outputs": [tensor_spec("latent_mean", "float32", ["batch", c, h, h]),
                                    tensor_spec("latent_logvar", "float32", ["batch", c, h, h])]},
    }


def example_inputs(spec: Dict, batch: int = 2, seed: int = 0) -> Dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    out = {}
    for inp in spec["inputs"]:
        shape = [batch if d == "batch" else d for d in inp["shape"]]
        if inp["name"] == "input_ids":
            t = torch.randint(3, 40, shape, generator=g)
            t[:, 0] = 2
            t[:, shape[1] // 2:] = 0
        elif inp["name"] == "attention_mask":
            t = torch.zeros(shape, dtype=torch.int64)
            t[:, : shape[1] // 2] = 1
        elif inp["name"] == "timestep":
            t = torch.rand(shape, generator=g)
        elif inp["name"] in ("condition", "condition_present"):
            t = (torch.rand(shape, generator=g) > 0.5).float()
        elif inp["name"] == "image":
            t = torch.rand(shape, generator=g) * 2 - 1
        else:
            t = torch.randn(shape, generator=g)
        out[inp["name"]] = t
    return out


def _export(module: torch.nn.Module, spec: Dict, path: str) -> None:
    inputs = example_inputs(spec)
    names_in = [i["name"] for i in spec["inputs"]]
    names_out = [o["name"] for o in spec["outputs"]]
    dynamic = {n: {0: "batch"} for n in names_in + names_out}
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: same graphs from torch 1.13 and 2.x
    # keep one initializer per parameter, named after it, even when two parameters hold equal values
    dedupe = getattr(torch._C, "_jit_pass_onnx_deduplicate_initializers", None)
    if dedupe is not None:
        torch._C._jit_pass_onnx_deduplicate_initializers = lambda graph, params, *rest: params
    try:
        torch.onnx.export(module, tuple(inputs[n] for n in names_in), path, input_names=names_in,
                          output_names=names_out, dynamic_axes=dynamic, opset_version=OPSET,
                          do_constant_folding=False, **kwargs)
    finally:
        if dedupe is not None:
            torch._C._jit_pass_onnx_deduplicate_initializers = dedupe


def store_fp16(path: str, min_elements: int = 16) -> int:
    """Stores float32 initializers as float16 under their own name, cast back to float32 by a Cast node.
    Returns the weight bytes. onnxruntime folds the casts when the session starts: compute stays float32."""
    model = onnx.load(path)
    graph = model.graph
    casts, kept = [], []
    renames: Dict[str, str] = {}
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= min_elements:
            arr = numpy_helper.to_array(init).astype(np.float16)
            half = numpy_helper.from_array(arr, init.name)
            renames[init.name] = init.name + "::f32"
            casts.append(helper.make_node("Cast", [init.name], [renames[init.name]], to=TensorProto.FLOAT,
                                          name="cast_" + init.name))
            kept.append(half)
        else:
            kept.append(init)
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    assert model.ir_version <= MAX_IR, f"{path}: IR {model.ir_version} > {MAX_IR} (onnxruntime-node limit)"
    assert all(o.version <= OPSET for o in model.opset_import if o.domain in ("", "ai.onnx")), "opset too new"
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return sum(int(np.prod(i.dims)) * (2 if i.data_type == TensorProto.FLOAT16 else 4) for i in kept)


def split_external_data(path: str) -> List[str]:
    """Moves the weights of a graph file over `max_file_bytes` into `<file>.data0`, `.data1`, ... of at most
    `part_bytes` each (ONNX external data; onnxruntime and onnx.load read them from beside the graph). -> the data
    file names, [] when the graph stays in one file."""
    max_file_bytes, part_bytes = MAX_FILE_BYTES, PART_BYTES  # read at call time, so tests can shrink them
    if os.path.getsize(path) <= max_file_bytes:
        return []
    model = onnx.load(path)
    base = os.path.basename(path)
    for old in os.listdir(os.path.dirname(path) or "."):
        if old.startswith(base + ".data"):
            os.remove(os.path.join(os.path.dirname(path), old))
    part, filled, names = 0, 0, []
    for init in model.graph.initializer:
        n = len(init.raw_data)
        if n < 1024:
            continue
        if filled and filled + n > part_bytes:
            part, filled = part + 1, 0
        location = f"{base}.data{part}"
        set_external_data(init, location)
        init.data_location = TensorProto.EXTERNAL
        filled += n
        if location not in names:
            names.append(location)
    onnx.save_model(model, path)
    onnx.checker.check_model(path)
    return names


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_version() -> str:
    try:
        return subprocess.check_output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


RUN_INFO_KEYS = ("train_images", "torch", "device", "vae_steps", "vae_seconds", "vae_psnr_train32",
                 "vae_psnr_train_random64", "dit_steps",
                 "dit_seconds", "dit_samples_per_s", "ema", "resumed_from", "derived_from")


def export_model(run_dir: str, out_dir: str, name: str, version: str = "1.0.0", description: str = "",
                 schedule: Optional[Dict] = None) -> Dict:
    cfg, tok, vae, text, dit, info = checkpoint.load(run_dir)
    use_fused(False)
    os.makedirs(out_dir, exist_ok=True)
    specs = graph_specs(cfg, cfg.text.width)
    modules = {"text_encoder": TextGraph(text), "denoiser": DenoiserGraph(dit), "vae_decoder": DecoderGraph(vae),
               "vae_encoder": EncoderGraph(vae)}
    weight_bytes = 0
    data_files: List[str] = []
    with torch.no_grad():
        for graph, module in modules.items():
            path = os.path.join(out_dir, specs[graph]["file"])
            _export(module.eval(), specs[graph], path)
            weight_bytes += store_fp16(path)
            parts = split_external_data(path)
            if parts:
                specs[graph]["external_data"] = parts
                data_files += parts
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tok.to_json())
    channels = [{"index": i, "kind": "mask", "label": c} for i, c in enumerate(MASK_CLASSES)]
    channels += [{"index": len(MASK_CLASSES) + i, "kind": "box", "label": c} for i, c in enumerate(BOX_CLASSES)]
    manifest = {
        "format": "chexgen-model", "format_version": 1, "name": name, "version": version,
        "description": description or f"chexgen latent diffusion transformer ({cfg.name} config), 256 px chest X-rays",
        "resolution": cfg.resolution,
        "latent": {"channels": cfg.vae.latent_channels, "height": cfg.resolution // 8, "width": cfg.resolution // 8,
                   "normalised_in_graphs": True, "shift": [round(float(x), 6) for x in vae.latent_shift],
                   "scale": [round(float(x), 6) for x in vae.latent_scale]},
        "schedule": {"type": "rectified_flow", "prediction": "velocity",
                     "timestep_input": "t in [0,1]; x_t = (1 - t) * x0 + t * noise; t = 1 is pure noise",
                     "train_timestep_sampling": "logit-normal(0, 1)", "shift": 1.0, "reference_sampler": "euler",
                     "default_steps": 20, "default_guidance": 2.5, **(schedule or {})},
        "text": {"tokenizer": "tokenizer.json", "max_length": cfg.text.max_length,
                 "prompt_prefix": "sex: {male|female}, age: {years}, view: {PA|AP|AP supine|lateral}. "
                                  "(each part optional, in this order, joined by ', ', ended by '.')",
                 "findings_vocabulary": list(FINDINGS)},
        "conditions": {"channels": channels,
                       "rasterization": "condition[k] is a {0,1} plane at the model resolution. Masks: resampled to "
                                        "the resolution by nearest neighbour. Boxes (model pixels): pixel (row r, col c) "
                                        "is 1 when x0 <= c + 0.5 < x1 and y0 <= r + 0.5 < y1; several boxes of one "
                                        "class are OR-ed. condition_present[k] = 1 when channel k is given (an "
                                        "all-zero plane then means 'known absent'), 0 when not given.",
                       "unconditional": "empty prompt ('' -> [<bos>]) and condition_present all 0"},
        "graphs": specs,
        "weights": {"storage": "float16 initializers cast to float32 at session start; compute is float32",
                    "bytes": weight_bytes},
        "training": {"config": cfg.to_json(), "run": {k: info[k] for k in RUN_INFO_KEYS if k in info},
            "random_weights": bool(info.get("random_weights")), "sources": SOURCES,
            "split": "patient-level train split only; the eval split never enters training",
            "code_version": code_version(), "exported": datetime.date.today().isoformat()},
        "licence": LICENCE,
    }
    files = [specs[g]["file"] for g in ("text_encoder", "denoiser", "vae_decoder", "vae_encoder")] + data_files
    files.append("tokenizer.json")
    manifest["files"] = [{"file": f, "sha256": sha256(os.path.join(out_dir, f)),
                          "bytes": os.path.getsize(os.path.join(out_dir, f))} for f in files]
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def main(args: argparse.Namespace) -> None:
    out_dir = args.out or os.path.join(ROOT, "models", args.model)
    manifest = export_model(args.run, out_dir, args.model, args.version, args.description)
    total = sum(f["bytes"] for f in manifest["files"])
    print(f"exported {args.model} to {out_dir}: {len(manifest['files'])} files, {total / 1e6:.1f} MB")
    if total > 40e6:
        sys.exit(f"model folder is {total / 1e6:.1f} MB: over the 40 MB limit for models kept in git")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="npm run model:export --", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model name; the folder models/NAME is written")
    ap.add_argument("--run", default=os.path.join(ROOT, "models", "training", "runs", "gpu"),
                    help="training run folder with checkpoint.json (default: %(default)s)")
    ap.add_argument("--out", default=None, help="output folder (default: models/NAME)")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--description", default="")
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
