"""Exponential moving average of weights, with the warm-up that keeps the random initialisation out of it.

A plain EMA that starts from the initial weights keeps decay^n of them after n updates: with decay 0.999 and the
2,195 steps of cxr256-gpu-v1 that is 11% of random init in the exported weights. Warm-up follows the usual recipe
(timm, diffusers' EMAModel with `use_ema_warmup`): update n uses decay min(decay, (1 + n) / (10 + n)), so the first
updates nearly copy the live weights and the full decay applies once the average spans enough steps.

`remove_init_share` repairs weights that were averaged without warm-up, given the init they started from (see
chexgen_train/debias_release.py, which made cxr256-gpu-v1.1 from cxr256-gpu-v1).
"""
from typing import Iterable, List

import torch


def warmup_decay(decay: float, updates_done: int) -> float:
    """The decay of update number `updates_done` (0-based)."""
    return min(decay, (1.0 + updates_done) / (10.0 + updates_done))


class Ema:
    def __init__(self, modules: Iterable[torch.nn.Module], decay: float, warmup: bool = True):
        self.decay = decay
        self.warmup = warmup
        self.updates = 0
        self.params: List[torch.nn.Parameter] = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone() for p in self.params]

    def current_decay(self) -> float:
        return warmup_decay(self.decay, self.updates) if self.warmup else self.decay

    @torch.no_grad()
    def update(self) -> None:
        d = self.current_decay()
        torch._foreach_mul_(self.shadow, d)
        torch._foreach_add_(self.shadow, [p.detach() for p in self.params], alpha=1.0 - d)
        self.updates += 1

    @torch.no_grad()
    def swap(self) -> None:
        """Exchange live and EMA weights (call twice to restore)."""
        for p, s in zip(self.params, self.shadow):
            tmp = p.detach().clone()
            p.copy_(s)
            s.copy_(tmp)


def init_share(decay: float, steps: int) -> float:
    """Weight of the initial values in a plain (no warm-up) EMA after `steps` updates."""
    return decay ** steps


@torch.no_grad()
def remove_init_share(ema: torch.Tensor, init: torch.Tensor, decay: float, steps: int) -> torch.Tensor:
    """A plain EMA after n steps is decay^n * init + sum_k c_k w_k with sum_k c_k = 1 - decay^n: removing the init
    term and renormalising gives init + (ema - init) / (1 - decay^n), the average of the live weights alone."""
    return init + (ema - init) / (1.0 - init_share(decay, steps))
