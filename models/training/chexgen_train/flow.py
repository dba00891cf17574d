"""Rectified flow (Liu et al. 2022; SD3, Esser et al. 2024): x_t = (1 - t) x0 + t eps, the network predicts the
velocity v = eps - x0, t drawn logit-normal. Straight paths make 20 Euler or DPM-Solver++ steps enough, the schedule
reaches pure noise at t = 1 (zero terminal SNR), and the loss needs no epsilon/v weighting choices.
"""
from typing import Callable, Optional

import torch


def sample_t(batch: int, device, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    return torch.sigmoid(torch.randn(batch, device=device, generator=generator))  # logit-normal(0, 1)


def noisy(x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor):
    tt = t[:, None, None, None]
    return (1.0 - tt) * x0 + tt * eps, eps - x0  # (x_t, target velocity)


def timesteps(steps: int, shift: float = 1.0) -> torch.Tensor:
    """steps+1 values from 1 to 0; shift > 1 spends more steps at high noise (SD3 eq. 23)."""
    t = torch.linspace(1.0, 0.0, steps + 1)
    return shift * t / (1.0 + (shift - 1.0) * t)


@torch.no_grad()
def euler_sample(velocity: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], noise: torch.Tensor,
                 steps: int, shift: float = 1.0) -> torch.Tensor:
    """The reference sampler that matches training: x_{t'} = x_t + (t' - t) v(x_t, t)."""
    x = noise
    ts = timesteps(steps, shift).tolist()
    for t, t_next in zip(ts[:-1], ts[1:]):
        v = velocity(x, torch.full((x.shape[0],), t, device=x.device))
        x = x + (t_next - t) * v
    return x
