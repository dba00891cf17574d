"""The denoiser's learning rate over a time-budgeted run: linear warm-up over the first steps, the peak rate, then a
cosine decay to the final rate over the last share of the budget. Runs stop on wall-clock time (the GPU machine's
command limit), so the decay is placed by elapsed time, not by a step count nobody knows in advance."""
import math


def learning_rate(step: int, elapsed_fraction: float, peak: float, final: float, warmup_steps: int,
                  decay_fraction: float) -> float:
    """step: updates done; elapsed_fraction: share of the time budget used (0..1)."""
    warm = min(1.0, (step + 1) / max(1, warmup_steps))
    if decay_fraction <= 0 or elapsed_fraction < 1.0 - decay_fraction:
        return peak * warm
    progress = min(1.0, (elapsed_fraction - (1.0 - decay_fraction)) / decay_fraction)
    return (final + (peak - final) * 0.5 * (1.0 + math.cos(math.pi * progress))) * warm
