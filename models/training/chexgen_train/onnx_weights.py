"""Rebuilds the PyTorch modules from a model folder alone (model.json + ONNX graphs): initializers carry their
state-dict names (see export_onnx), so sample grids and evaluation run from what is committed, not from a run folder."""
import json
import os
from typing import Dict, Tuple

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .checkpoint import build_models, config_from_json
from .tokenizer import WordTokenizer

# graph -> (module prefix inside the export wrapper, which of our modules it fills)
_GRAPHS = {"text_encoder": ("text.", "text"), "denoiser": ("dit.", "dit"), "vae_decoder": ("vae.", "vae"),
           "vae_encoder": ("vae.", "vae")}


def load_modules(model_dir: str):
    """-> (manifest, cfg, tokenizer, vae, text, dit), modules in eval mode with the exported weights."""
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    cfg = config_from_json(manifest["training"]["config"])
    with open(os.path.join(model_dir, manifest["text"]["tokenizer"]), encoding="utf-8") as f:
        tok = WordTokenizer.from_json(f.read())
    vae, text, dit = build_models(cfg, len(tok.vocab))
    modules = {"vae": vae, "text": text, "dit": dit}
    states: Dict[str, Dict[str, torch.Tensor]] = {"vae": {}, "text": {}, "dit": {}}
    for graph, (prefix, target) in _GRAPHS.items():
        model = onnx.load(os.path.join(model_dir, manifest["graphs"][graph]["file"]))
        for init in model.graph.initializer:
            if init.name.startswith(prefix):
                states[target][init.name[len(prefix):]] = torch.from_numpy(
                    numpy_helper.to_array(init).astype(np.float32))
    for name, module in modules.items():
        expected = set(module.state_dict())
        missing = expected - set(states[name])
        if missing:
            raise ValueError(f"{model_dir}: graphs lack weights for {name}: {sorted(missing)[:5]}")
        module.load_state_dict({k: v for k, v in states[name].items() if k in expected})
        module.eval()
    return manifest, cfg, tok, vae, text, dit
