"""The downstream experiment's design, fixed before any result was seen (the plan generates its synthetic pairs from
it, downstream.py runs it):

- Task: segment right lung, left lung and heart on JSRT radiographs (manual SCR masks), scored by mean Dice over the
  three structures on every JSRT eval image.
- Real data: REAL_SIZES images drawn from the JSRT train records with all three masks; for seed s the subset of size n
  is the first n of one seeded permutation of that pool, so the subsets of one seed are nested.
- Arms, all with the same strong classic augmentation and the same real exposure (every step sees BATCH real images,
  drawn in the same order in every arm of a seed):
    `augmented`  real images only;
    `synthetic`  plus BATCH synthetic pairs per step, made from DEFORMATIONS deformed copies of the subset's own masks
                 (never masks outside the subset);
    `pretrained` first PRETRAIN_STEPS steps on those synthetic pairs only, then the `augmented` schedule.
- SEEDS paired seeds: a seed fixes the subset, the initialisation and the real batch order for every arm.
- Primary endpoint (fixed in advance): Dice of `synthetic` minus `augmented` at PRIMARY_SIZE real images, paired
  Wilcoxon signed-rank over the seeds; every comparison (2 arms x 4 sizes vs `augmented`) is Holm-corrected.
- Caveat stated with the result: the generator was trained on all JSRT train masks, so the synthetic arm's masks are
  the subset's own, but the generator itself has seen the others.
- Found after the first results (not changed, to keep the design fixed): about one run in ten leaves the heart
  unlearned in STEPS steps, in every arm; downstream.py counts such runs and also reports the primary endpoint
  without their seeds.
"""
from typing import List, Sequence

import numpy as np

from ..data import Record, load_mask_planes
from .carve_out import source_of

REAL_SIZES = (5, 10, 20, 40)
MAX_REAL = max(REAL_SIZES)
PRIMARY_SIZE = 10
SEEDS = 10
DEFORMATIONS = 2
ARMS = ("augmented", "synthetic", "pretrained")
STEPS, BATCH, PRETRAIN_STEPS = 400, 8, 200


def jsrt_pool(trains: Sequence[Record]) -> List[Record]:
    """JSRT train records whose masks hold both lungs and the heart (manifest order)."""
    out = []
    for r in trains:
        if source_of(r.id) != "jsrt" or not (r.mask_file and r.mask_bits):
            continue
        planes, present = load_mask_planes(r, 256, require_pixels=True)
        if present.all():
            out.append(r)
    return out


def subset_orders(pool_size: int, seeds: int = SEEDS) -> List[np.ndarray]:
    """One permutation of the pool per seed; the subset of size n of seed s is subset_orders(...)[s][:n]."""
    return [np.random.default_rng([s, 7]).permutation(pool_size) for s in range(seeds)]
