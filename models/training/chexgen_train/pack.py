"""Packs the training split into one file: lossless images (vertical delta + LZMA: ~54 MiB for 2,010 images, fits the
GPU machine's 64 MiB working tree and needs only numpy to decode), bit-packed masks, boxes, and pre-tokenised
prompt variants. Training always reads a pack, on the CPU and on the GPU alike.
"""
import io
import json
import lzma
import os
import random
from typing import Dict, List, Optional

import numpy as np

from .config import BOX_CLASSES, MASK_CLASSES, TrainConfig
from .data import box_presence, load_gray, load_mask_planes, read_manifest
from .evaluation.carve_out import carve_out_ids
from .prompts import ReportCorpus, training_prompt, vocabulary_texts
from .tokenizer import WordTokenizer

MAX_BOXES = 8
PACK_VERSION = 4  # 3: declared-but-empty mask planes are unknown (data.load_mask_planes require_pixels)
# 4: mask_source per plane (MASK_SOURCES), pseudo-label planes from pseudo_masks.py where the data has none
MASK_SOURCES = ("none", "manual", "data_model", "pseudo_label")  # data_model: the dataset's own model masks (lungVAE)


def _encode_image(a: np.ndarray) -> bytes:
    delta = np.diff(a.astype(np.int16), axis=0, prepend=0).astype(np.uint8)
    return lzma.compress(delta.tobytes(), preset=9 | lzma.PRESET_EXTREME)


def decode_image(blob: bytes, size: int) -> np.ndarray:
    delta = np.frombuffer(lzma.decompress(blob), np.uint8).reshape(size, size)
    return np.cumsum(delta, axis=0, dtype=np.uint64).astype(np.uint8)  # modular sum undoes the delta


def build_pack(data_dir: str, corpus_path: str, cfg: TrainConfig, out_path: str, limit: int = 0,
               pseudo_masks: Optional[str] = None) -> str:
    """pseudo_masks: a pseudo-masks.npz (pseudo_masks.py) whose planes fill the planes the data lacks."""
    size = cfg.resolution
    pseudo = load_pseudo_masks(pseudo_masks) if pseudo_masks else {}
    records = read_manifest(data_dir, split="train")  # the eval split never enters training
    carve_out = sorted(carve_out_ids(records, read_manifest(data_dir, split="eval")))
    if limit:
        records = records[:limit]
    corpus = ReportCorpus.load(corpus_path, split="train")
    tok = WordTokenizer.train(vocabulary_texts(records, corpus), cfg.text.max_length, cfg.text.min_word_count)
    rng = random.Random(cfg.seed)
    n = len(records)
    blobs: List[bytes] = []
    masks = np.zeros((n, len(MASK_CLASSES), size, size // 8), np.uint8)
    mask_present = np.zeros((n, len(MASK_CLASSES)), np.uint8)
    mask_source = np.zeros((n, len(MASK_CLASSES)), np.uint8)
    boxes = np.full((n, MAX_BOXES, 5), -1.0, np.float32)
    box_present = np.zeros((n, len(BOX_CLASSES)), np.uint8)
    prompt_ids = np.zeros((n, cfg.prompt_variants, cfg.text.max_length), np.int16)
    prompts: List[List[str]] = []
    for i, rec in enumerate(records):
        blobs.append(_encode_image(load_gray(rec.file, size)))
        planes, present = load_mask_planes(rec, size, require_pixels=True)
        masks[i] = np.packbits(planes, axis=-1, bitorder="little")
        mask_present[i] = present
        mask_source[i] = present * MASK_SOURCES.index("manual" if rec.manual_masks else "data_model")
        if rec.id in pseudo and size == 256:
            bits, fill = pseudo[rec.id]
            fill = fill.astype(bool) & (present == 0)
            masks[i][fill] = bits[fill]
            mask_present[i][fill] = 1
            mask_source[i][fill] = MASK_SOURCES.index("pseudo_label")
        for j, (cls, x0, y0, x1, y1) in enumerate(rec.boxes[:MAX_BOXES]):
            boxes[i, j] = (BOX_CLASSES.index(cls), x0, y0, x1, y1)
        box_present[i] = box_presence(rec)
        texts = [training_prompt(rec, corpus, rng) for _ in range(cfg.prompt_variants)]
        prompts.append(texts)
        for v, t in enumerate(texts):
            prompt_ids[i, v] = tok.encode(t)[0]
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    meta = {"version": PACK_VERSION, "size": size, "data_dir": os.path.abspath(data_dir),
            "mask_sources": list(MASK_SOURCES), "carve_out": [i for i in carve_out if i in {r.id for r in records}], "pseudo_masks": os.path.abspath(pseudo_masks) if pseudo_masks else None,
            "ids": [r.id for r in records], "findings": [r.findings for r in records],
            "sex": [r.sex for r in records], "age": [r.age for r in records], "view": [r.view for r in records],
            "example_prompts": [p[:2] for p in prompts[:: max(1, n // 40)]]}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    np.savez(out_path, images_blob=np.frombuffer(b"".join(blobs), np.uint8), images_offsets=offsets,
             masks_blob=np.frombuffer(lzma.compress(masks.tobytes()), np.uint8), mask_present=mask_present,
             mask_source=mask_source,
             boxes=boxes, box_present=box_present, prompt_ids=prompt_ids,
             tokenizer=np.frombuffer(tok.to_json().encode("utf-8"), np.uint8),
             meta=np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8))
    return out_path


def load_pseudo_masks(path: str) -> Dict[str, tuple]:
    """-> {record id: (bit-packed planes [3,256,32], planes to fill [3])} from pseudo_masks.py's npz."""
    z = np.load(path)
    return {str(i): (b, p) for i, b, p in zip(z["ids"], z["masks_bits"], z["present"])}


def load_pack(path: str) -> Dict:
    z = np.load(path)
    meta = json.loads(bytes(z["meta"]).decode("utf-8"))
    if meta.get("version") != PACK_VERSION:
        raise ValueError(f"{path}: pack version {meta.get('version')} != {PACK_VERSION}; delete it to rebuild")
    size = meta["size"]
    blob, off = z["images_blob"].tobytes(), z["images_offsets"]
    images = np.stack([decode_image(blob[off[i]:off[i + 1]], size) for i in range(len(off) - 1)])
    n = images.shape[0]
    masks = np.frombuffer(lzma.decompress(z["masks_blob"].tobytes()), np.uint8)
    return {"images": images, "masks_bits": masks.reshape(n, len(MASK_CLASSES), size, size // 8).copy(),
            "mask_present": z["mask_present"], "mask_source": z["mask_source"], "boxes": z["boxes"], "box_present": z["box_present"],
            "prompt_ids": z["prompt_ids"].astype(np.int64), "tokenizer": bytes(z["tokenizer"]).decode("utf-8"),
            "meta": meta}
