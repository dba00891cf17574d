"""Classifier two-sample test (C2ST; Lopez-Paz & Oquab 2017): can a small CNN tell two sets of images apart?

A network is trained to separate set A from set B and scored on images it did not see (k-fold, whole groups per
fold). Held-out accuracy 0.5 means the sets are indistinguishable to it; 1.0 means every image gives itself away. On
generated vs real eval images it is the headline realism number: unlike a Frechet distance in a small feature space it
can see texture, haze and sharpness. It is run at several scales (SCALES): the image downsampled to 32, 64 and 128 px,
and 128 px plus a second view of local detail energy (|x - blur(x)| at full 256-px resolution, pooled), so the fine
structure the downsampling hides still counts. Where a generator fails shows in the scale at which it is caught: a
model caught only with the detail view gets layout and contrast right; one caught at 32 px already does not. Its
control is real vs real (other patients of the same sources), which must come out near 0.5.
"""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .reference_nets import fit, strided_body
from .stats import proportion

FOLDS, STEPS, BATCH = 5, 300, 32


# (name, network input side in px, detail view): coarse scales see layout and contrast only, the last one everything
SCALES = (("32px", 32, False), ("64px", 64, False), ("128px", 128, False), ("128px+detail", 128, True))


def two_views(images: np.ndarray, size: int = 128, detail: bool = True) -> torch.Tensor:
    """[N, S, S] in [0, 1] -> [N, 2, size, size]: the image (area-downsampled) and its detail energy computed at full
    resolution (zeros when `detail` is off: then the network sees only what survives the downsampling)."""
    x = torch.as_tensor(np.asarray(images, np.float32))[:, None]
    small = F.adaptive_avg_pool2d(x, size)
    if not detail:
        return torch.cat([small, torch.zeros_like(small)], 1)
    fine = (x - F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1)).abs()
    energy = F.adaptive_avg_pool2d(fine, size) * 10.0  # typical detail energy ~0.01-0.05: bring it near [0, 1]
    return torch.cat([small, energy.clamp(0, 1)], 1)


class C2stNet(nn.Module):
    def __init__(self, widths=(8, 16, 32, 64)):
        super().__init__()
        self.body, c = strided_body(widths, in_channels=2)
        self.head = nn.Linear(c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.dropout(self.body(x * 2 - 1).mean((2, 3)), 0.2, self.training))[:, 0]


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Shifts by up to 1/32 of the side (no flips: laterality is part of a radiograph); intensity is left alone on purpose, since
    a generator's grey levels are part of what the test should see."""
    r = max(1, x.shape[-1] // 32)
    dy, dx = (int(v) for v in torch.randint(-r, r + 1, (2,), generator=gen))
    return torch.roll(x, (dy, dx), (2, 3))


def fold_of(groups: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """Whole groups to folds, round-robin over a seeded shuffle of the distinct groups."""
    distinct = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(distinct))
    fold = {distinct[j]: i % folds for i, j in enumerate(order)}
    return np.array([fold[g] for g in groups])


def c2st(a: np.ndarray, b: np.ndarray, groups_a: Optional[Sequence[str]] = None,
         groups_b: Optional[Sequence[str]] = None, labels_a: Optional[Sequence[str]] = None,
         labels_b: Optional[Sequence[str]] = None, folds: int = FOLDS, steps: int = STEPS, batch: int = BATCH,
         seed: int = 0, size: int = 128, detail: bool = True, log=print) -> Dict:
    """Held-out accuracy of telling `a` from `b` (image arrays [N, S, S] in [0, 1]).

    The larger set is subsampled to the smaller one's size (chance is then exactly 0.5). `groups_*` keep related
    images in one fold (e.g. a real eval image and the image generated from its conditions share a group);
    `labels_*` (e.g. the source) give the per-label accuracy breakdown; `size` and `detail` choose the scale the
    network sees (SCALES). -> {acc: {value, ci, n}, acc_a, acc_b, per_label, fold_acc, ...}."""
    rng = np.random.default_rng(seed)
    n = min(len(a), len(b))
    ia, ib = np.sort(rng.choice(len(a), n, replace=False)), np.sort(rng.choice(len(b), n, replace=False))
    ga = [str(g) for g in (groups_a if groups_a is not None else [f"a{i}" for i in range(len(a))])]
    gb = [str(g) for g in (groups_b if groups_b is not None else [f"b{i}" for i in range(len(b))])]
    la = list(labels_a) if labels_a is not None else ["all"] * len(a)
    lb = list(labels_b) if labels_b is not None else ["all"] * len(b)
    x = torch.cat([two_views(a[ia], size, detail), two_views(b[ib], size, detail)])
    y = torch.cat([torch.zeros(n), torch.ones(n)])
    groups = [ga[i] for i in ia] + [gb[i] for i in ib]
    labels = [la[i] for i in ia] + [lb[i] for i in ib]
    fold = fold_of(groups, folds, seed)
    correct = np.zeros(2 * n, bool)
    fold_acc = []
    for k in range(folds):
        train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        if len(test) == 0 or len(np.unique(y[train].numpy())) < 2:
            continue
        torch.manual_seed(seed * 100 + k)
        net = C2stNet()
        gen = torch.Generator().manual_seed(seed * 100 + k)
        xt, yt = x[train], y[train]

        def loss(_: int) -> torch.Tensor:
            idx = torch.randint(0, len(xt), (batch,), generator=gen)
            return F.binary_cross_entropy_with_logits(net(_augment(xt[idx], gen)), yt[idx])

        fit(net, loss, steps, log=lambda s: None, name=f"c2st fold {k}")
        with torch.no_grad():
            pred = torch.cat([net(x[test[i:i + 128]]) for i in range(0, len(test), 128)]) > 0
        correct[test] = (pred.float() == y[test]).numpy()
        fold_acc.append(round(float(correct[test].mean()), 4))
    per_label = {}
    for lab in sorted(set(labels)):
        m = np.array([l == lab for l in labels])
        per_label[lab] = proportion(int(correct[m].sum()), int(m.sum()))
    half = np.arange(2 * n) < n
    log(f"  c2st ({size} px{' + detail' if detail else ''}): held-out accuracy {correct.mean():.3f} over {2 * n} images")
    return {"acc": proportion(int(correct.sum()), 2 * n), "acc_a": proportion(int(correct[half].sum()), n),
            "acc_b": proportion(int(correct[~half].sum()), n), "per_label": per_label, "fold_acc": fold_acc,
            "images_per_set": n, "folds": folds, "steps": steps, "input_px": size, "detail_view": detail}
