"""In-house reference networks, trained on the TRAIN split only (never on eval images):

- Classifier (128 px): 5-stage CNN (10 conv layers, 8-128 ch) with heads for the 16 findings (multi-label), sex and view
  (PA / AP / lateral); its global-average-pooled 128-d penultimate features are the feature space of fid and
  precision/recall (no pretrained Inception can be downloaded here; a chest X-ray network is the better space anyway).
- Segmenter (64 px): small U-Net (8-64 ch) for right lung, left lung, heart; loss only on the channels an image has.
- PatchClassifier: 3-stage CNN on 48-px patches around finding boxes (nodule, mass, opacity) vs the same place in
  normal images; measures whether a requested finding box shows a finding.
"""
import math
import time
from typing import Callable, Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data import FINDINGS

NET_SIZE = 128  # classifier input, px
SEG_SIZE = 64  # segmenter input and output, px (lungs and heart are large; 64 px keeps CPU training to minutes)
PATCH_SIZE = 48


def conv_bn(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def strided_body(widths: Tuple[int, ...], in_channels: int = 1) -> Tuple[nn.Sequential, int]:
    """-> (a stride-2 conv + conv pair per width; its output channels). The classifiers' shared trunk."""
    layers, c = [], in_channels
    for w in widths:
        layers += [conv_bn(c, w, 2), conv_bn(w, w)]
        c = w
    return nn.Sequential(*layers), c


class Classifier(nn.Module):
    def __init__(self, widths: Tuple[int, ...] = (8, 16, 32, 64, 128)):
        super().__init__()
        self.body, c = strided_body(widths)
        self.feature_dim = c
        self.findings = nn.Linear(c, len(FINDINGS))
        self.sex = nn.Linear(c, 1)  # logit of female
        self.view = nn.Linear(c, 3)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x * 2 - 1).mean((2, 3))  # [B,1,128,128] in [0,1] -> [B,128]

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        f = F.dropout(self.features(x), 0.2, self.training)
        return {"findings": self.findings(f), "sex": self.sex(f)[:, 0], "view": self.view(f)}


class Segmenter(nn.Module):
    def __init__(self, widths: Tuple[int, ...] = (8, 16, 32, 64), classes: int = 3):
        super().__init__()
        self.down = nn.ModuleList()
        c = 1
        for i, w in enumerate(widths):
            self.down.append(nn.Sequential(conv_bn(c, w, 1 if i == 0 else 2), conv_bn(w, w)))
            c = w
        self.up = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.Sequential(conv_bn(c + w, w), conv_bn(w, w)))
            c = w
        self.head = nn.Conv2d(c, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        h = x * 2 - 1  # [B,1,H,W]
        for block in self.down:
            h = block(h)
            skips.append(h)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            h = block(torch.cat([F.interpolate(h, size=skip.shape[-2:], mode="nearest"), skip], 1))
        return self.head(h)  # [B,3,H,W] logits


class PatchClassifier(nn.Module):
    def __init__(self, widths: Tuple[int, ...] = (16, 32, 64)):
        super().__init__()
        self.body, c = strided_body(widths)
        self.head = nn.Linear(c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x * 2 - 1).mean((2, 3)))[:, 0]  # [B,1,48,48] -> [B] logit


def jitter(x: torch.Tensor, masks: Optional[torch.Tensor] = None, shift: int = 6,
           gen: Optional[torch.Generator] = None):
    """Random translation (same for image and masks) and contrast/brightness jitter."""
    b = x.shape[0]
    dy, dx = (int(v) for v in torch.randint(-shift, shift + 1, (2,), generator=gen))
    x = torch.roll(x, (dy, dx), (2, 3))
    if masks is not None:
        masks = torch.roll(masks, (dy, dx), (2, 3))
    a = 1 + (torch.rand(b, 1, 1, 1, generator=gen) - 0.5) * 0.3
    c = (torch.rand(b, 1, 1, 1, generator=gen) - 0.5) * 0.1
    x = ((x - 0.5) * a + 0.5 + c).clamp(0, 1)
    return x if masks is None else (x, masks)


def fit(model: nn.Module, batch_loss: Callable[[int], torch.Tensor], steps: int, lr: float = 2e-3,
        seconds: float = math.inf, log: Callable[[str], None] = print, name: str = "net") -> Dict:
    """AdamW with warmup + cosine decay; stops at `steps` or `seconds`. -> {'steps', 'seconds', 'final_loss'}."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / max(1, steps)))))
    model.train()
    t0, ema, step = time.time(), None, 0
    for step in range(1, steps + 1):
        loss = batch_loss(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        ema = float(loss) if ema is None else 0.95 * ema + 0.05 * float(loss)
        if step % 100 == 0 or step == steps:
            log(f"  {name} step {step}/{steps} loss {ema:.4f} ({time.time() - t0:.0f} s)")
        if time.time() - t0 > seconds:
            log(f"  {name}: time budget reached at step {step}")
            break
    model.eval()
    return {"steps": step, "seconds": round(time.time() - t0, 1), "final_loss": round(ema or 0.0, 4)}


def classifier_loss(model: Classifier, x: torch.Tensor, findings: torch.Tensor, sex: torch.Tensor,
                    view: torch.Tensor) -> torch.Tensor:
    out = model(x)
    loss = F.binary_cross_entropy_with_logits(out["findings"], findings)
    known = sex >= 0
    if known.any():
        loss = loss + 0.5 * F.binary_cross_entropy_with_logits(out["sex"][known], sex[known].float())
    if (view >= 0).any():
        loss = loss + 0.5 * F.cross_entropy(out["view"], view, ignore_index=-1)
    return loss


def segmenter_loss(logits: torch.Tensor, masks: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """BCE + soft Dice over the channels each image has (present [B,K] in {0,1})."""
    w = present[:, :, None, None].float()
    bce = (F.binary_cross_entropy_with_logits(logits, masks, reduction="none") * w).sum() / (
        w.sum() * masks.shape[-1] * masks.shape[-2]).clamp(min=1)
    p = torch.sigmoid(logits)
    inter = (p * masks).sum((2, 3))
    soft_dice = 1 - (2 * inter + 1) / (p.sum((2, 3)) + masks.sum((2, 3)) + 1)
    return bce + (soft_dice * present).sum() / present.sum().clamp(min=1)


@torch.no_grad()
def predict_batched(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch: int = 64) -> torch.Tensor:
    return torch.cat([fn(x[i:i + batch]) for i in range(0, len(x), batch)])
