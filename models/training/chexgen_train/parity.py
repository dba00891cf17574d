"""Writes the PyTorch side of the parity test (test/integration/onnxParity.test.ts): a `tiny` random-weight model
exported exactly like a released one, plus inputs and PyTorch outputs for every graph and tokenizer cases.

  /usr/bin/python3 -m chexgen_train.parity --out DIR   ->  DIR/model/ (model folder), DIR/parity.json
"""
import argparse
import base64
import json
import os
import sys
import tempfile

import numpy as np
import torch

from . import checkpoint
from .attention import use_fused
from .config import preset
from .export_onnx import DenoiserGraph, TextGraph, example_inputs, export_model
from .train import random_weights
from .vae import DecoderGraph, EncoderGraph

# float32 compute on both sides; differences come from kernel order only (measured ~1e-6 on the tiny model)
TOLERANCE = {"text_encoder": 1e-4, "denoiser": 1e-4, "vae_decoder": 1e-4, "vae_encoder": 1e-4}
TOKENIZER_TEXTS = ["sex: female, age: 63, view: PA. Cardiomegaly.", "LEFT Pleural EFFUSION; no pneumothorax!",
                   "", "Nodule 12 mm (r. upper lobe) — é 😀 ß İ", "word " * 80, "tabs\tand\nnew lines"]


def encode_array(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    dtype = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}[a.dtype]
    return {"dtype": dtype, "dims": list(a.shape), "data_b64": base64.b64encode(a.astype(a.dtype.newbyteorder("<"))
                                                                                .tobytes()).decode("ascii")}


def main(args: argparse.Namespace) -> None:
    torch.manual_seed(0)
    use_fused(False)
    with tempfile.TemporaryDirectory() as run_dir:
        random_weights(preset("tiny"), run_dir, "")
        model_dir = os.path.join(args.out, "model")
        manifest = export_model(run_dir, model_dir, "tiny-parity", "0.0.0", "random weights for the parity test")
        cfg, tok, vae, text, dit, _ = checkpoint.load(run_dir)
    modules = {"text_encoder": TextGraph(text), "denoiser": DenoiserGraph(dit), "vae_decoder": DecoderGraph(vae),
               "vae_encoder": EncoderGraph(vae)}
    parity = {"graphs": {}, "tokenizer_cases": []}
    for name, module in modules.items():
        spec = manifest["graphs"][name]
        inputs = example_inputs(spec, batch=3, seed=1)
        with torch.no_grad():
            outs = module.eval()(*[inputs[i["name"]] for i in spec["inputs"]])
        outs = outs if isinstance(outs, tuple) else (outs,)
        parity["graphs"][name] = {
            "tolerance": TOLERANCE[name],
            "inputs": {k: encode_array(v.numpy()) for k, v in inputs.items()},
            "outputs": {o["name"]: encode_array(t.numpy().astype(np.float32)) for o, t in zip(spec["outputs"], outs)},
        }
    for t in TOKENIZER_TEXTS:
        ids, mask = tok.encode(t)
        parity["tokenizer_cases"].append({"text": t, "input_ids": ids, "attention_mask": mask})
    with open(os.path.join(args.out, "parity.json"), "w", encoding="utf-8") as f:
        json.dump(parity, f)
    print(f"parity reference written to {args.out}")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder for model/ and parity.json")
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
