"""Real data for the evaluation: train and eval records, images (256 px, [0, 1]), masks and labels, loaded once."""
import random
import time
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import torch

from ..data import Record, read_manifest
from . import images as im
from .reference_nets import NET_SIZE, SEG_SIZE


@dataclass
class Split:
    records: List[Record]
    images: np.ndarray  # [N,256,256] in [0,1]
    masks: np.ndarray  # [N,3,256,256] uint8
    present: np.ndarray  # [N,3] uint8
    labels: dict

    def x128(self) -> torch.Tensor:
        return im.resize(self.images, NET_SIZE)

    def with_masks(self) -> np.ndarray:
        return np.flatnonzero(self.present.any(1))


def load_split(data_dir: str, split: str, limit: Optional[int] = None) -> Split:
    records = read_manifest(data_dir, split=split)
    if limit is not None and len(records) > limit:
        records = random.Random(0).sample(records, limit)
    masks, present = im.load_masks(records)
    return Split(records, im.load_real(records), masks, present, im.labels(records))


def seg_inputs(images: np.ndarray, masks: np.ndarray):
    """-> (x [N,1,64,64], masks [N,3,64,64]) for the segmenter."""
    return im.resize(images, SEG_SIZE), im.resize_masks(masks, SEG_SIZE)


def timed(stages: dict, name: str, log=print):
    """context manager recording a stage's seconds in `stages`."""
    class _T:
        def __enter__(self):
            self.t0 = time.time()
            log(f"[{name}]")

        def __exit__(self, *exc):
            stages[name] = round(time.time() - self.t0, 1)
            log(f"[{name}] {stages[name]} s")
    return _T()
