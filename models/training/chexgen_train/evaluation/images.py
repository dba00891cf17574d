"""Loads real (manifest) and generated (cache) images as float arrays in [0, 1], plus masks and labels.

Generated PNGs are 16-bit (the product's output); they are quantised to 8 bits like the real PNGs, so no metric can
tell the two apart by bit depth.
"""
import json
import os
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..config import MASK_CLASSES
from ..data import FINDINGS, Record, load_gray, load_mask_planes

VIEW_CLASSES = ("PA", "AP", "lateral")  # "AP supine" counts as AP


def load_png01(path: str) -> np.ndarray:
    """Any grayscale PNG -> float32 [H, W] in [0, 1], 8-bit quantised."""
    a = np.asarray(Image.open(path))
    peak = 65535.0 if a.dtype != np.uint8 and a.max() > 255 else 255.0
    return (np.round(a.astype(np.float64) / peak * 255.0) / 255.0).astype(np.float32)


def load_real(records: List[Record], size: int = 256) -> np.ndarray:
    return np.stack([load_gray(r.file, size).astype(np.float32) / 255.0 for r in records])


def known(planes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """A declared structure whose plane is empty counts as unknown: the lungVAE rows of cxr256 declare heart and
    clavicle bits (bit2-4) but leave them empty, and no radiograph lacks a heart or lungs."""
    return (np.asarray(present).astype(bool) & np.asarray(planes).reshape(*np.shape(present), -1).any(-1)).astype(np.uint8)


def load_masks(records: List[Record], size: int = 256) -> Tuple[np.ndarray, np.ndarray]:
    """-> planes uint8 [N, 3, H, W], present uint8 [N, 3] (right lung, left lung, heart; see `known`)."""
    pairs = [load_mask_planes(r, size) for r in records]
    planes = np.stack([p for p, _ in pairs])
    return planes, known(planes, np.stack([q for _, q in pairs]))


def labels(records: List[Record]) -> Dict[str, np.ndarray]:
    """findings multi-hot [N, 16]; sex [N] 1 = female, -1 unknown; view [N] index into VIEW_CLASSES, -1 unknown."""
    findings = np.array([[f in r.findings for f in FINDINGS] for r in records], np.float32)
    sex = np.array([{"F": 1, "M": 0}.get(r.sex or "", -1) for r in records], np.int64)
    view = np.array([VIEW_CLASSES.index("AP" if r.view == "AP supine" else r.view) if r.view else -1
                     for r in records], np.int64)
    return {"findings": findings, "sex": sex, "view": view}


def resize(images: np.ndarray, size: int) -> torch.Tensor:
    """[N, H, W] -> float tensor [N, 1, size, size] (area averaging)."""
    x = torch.as_tensor(np.asarray(images, np.float32))[:, None]
    return x if x.shape[-1] == size else F.interpolate(x, size=(size, size), mode="area")


def resize_masks(masks: np.ndarray, size: int) -> torch.Tensor:
    """[N, K, H, W] {0,1} -> float [N, K, size, size] in {0,1} (majority of the area)."""
    x = torch.as_tensor(np.asarray(masks, np.float32))
    return x if x.shape[-1] == size else (F.interpolate(x, size=(size, size), mode="area") >= 0.5).float()


def load_generated(cache_dir: str) -> List[Dict]:
    """<cache>/generated/conditions.json entries whose PNG exists, each with `image` [256, 256] in [0, 1]."""
    with open(os.path.join(cache_dir, "generated", "conditions.json"), encoding="utf-8") as f:
        entries = json.load(f)
    out = []
    for e in entries:
        path = os.path.join(cache_dir, e["file"])
        if os.path.exists(path):
            out.append({**e, "image": load_png01(path)})
    return out


def conditioning_masks(entry: Dict, cache_dir: str) -> Tuple[np.ndarray, np.ndarray]:
    """The masks an image was generated with -> planes uint8 [3, 256, 256], present uint8 [3] (empty planes: unknown,
    although the generator was given them as 'present and empty', as the model was trained)."""
    planes = np.zeros((len(MASK_CLASSES), 256, 256), np.uint8)
    present = np.zeros(len(MASK_CLASSES), np.uint8)
    for m in entry["masks"]:
        k = MASK_CLASSES.index(m["label"])
        planes[k] = np.asarray(Image.open(os.path.join(cache_dir, m["file"]))) > 127
        present[k] = 1
    return planes, known(planes, present)
