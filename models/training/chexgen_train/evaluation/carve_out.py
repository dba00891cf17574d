"""The train carve-out: whole train-split patients held out of the reference networks' training, with the eval split's
source mix (as many images per source as eval has, sources as the manifest's `source` column names them: the NIH rows
come from three copies of ChestX-ray14 with different processing, and a real-vs-real test notices a different mix).

It is the real reference that needs images the feature network never saw (the `fid` floor and its sensitivity check,
the real-vs-real C2ST control, the spectral control) and the ground the guidance sweep is tuned on, so that nothing is
tuned on the eval split that is then reported. The generator itself was trained on these images (they are train
split), which is why generated images are only ever compared with eval images.
"""
import random
from collections import Counter, defaultdict
from typing import Dict, List, Sequence, Set

from ..data import Record


def source_of(record_id: str) -> str:
    """cxr256 ids start with their source: nih_..., jsrt_..., covid_... (ieee8023), hannover_..."""
    return record_id.split("_", 1)[0]


def stratum(r: Record) -> str:
    """The manifest's source where it has one, else the id prefix."""
    return r.source or source_of(r.id)


def carve_out_ids(trains: Sequence[Record], evals: Sequence[Record], seed: int = 29) -> Set[str]:
    """Record ids of whole train patients, drawn per source until the source has as many images as in eval."""
    wanted = Counter(stratum(r) for r in evals)
    patients: Dict[str, Dict[str, List[str]]] = defaultdict(lambda: defaultdict(list))
    for r in trains:
        patients[stratum(r)][r.patient_id or r.id].append(r.id)
    rng = random.Random(seed)
    held: Set[str] = set()
    for source in sorted(wanted):
        groups = sorted(patients.get(source, {}).items())
        rng.shuffle(groups)
        taken = 0
        for _, ids in groups:
            if taken >= wanted[source]:
                break
            held.update(ids)
            taken += len(ids)
    return held


def split_train(trains: Sequence[Record], evals: Sequence[Record]):
    """-> (indices of records the reference nets train on, indices of the carve-out), in manifest order."""
    held = carve_out_ids(trains, evals)
    fit = [i for i, r in enumerate(trains) if r.id not in held]
    out = [i for i, r in enumerate(trains) if r.id in held]
    return fit, out
