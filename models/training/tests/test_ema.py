"""The weight EMA: the random initialisation must not survive in the averaged weights (the cxr256-gpu-v1 bug)."""
import torch

from chexgen_train.ema import Ema, remove_init_share, warmup_decay
from chexgen_train.train import Ema as TrainingEma


def _trained_jump(steps: int, decay: float = 0.999) -> float:
    """Share of the init left in the EMA after `steps` updates whose live weights moved away from the init at once."""
    torch.manual_seed(0)
    net = torch.nn.Linear(8, 8)
    init = net.weight.detach().clone()
    ema = TrainingEma([net], decay)
    with torch.no_grad():
        net.weight.add_(1.0)  # "training" moved every weight by 1
    for _ in range(steps):
        ema.update()
    ema.swap()
    return float((net.weight.detach() - (init + 1.0)).abs().max())  # distance from the live weights = init share


def test_when_a_run_is_shorter_than_the_ema_horizon_then_the_exported_weights_hold_no_init():
    # v1: 2,195 steps at decay 0.999 kept 0.999^2195 = 11% of the random init; with warm-up it is gone
    assert _trained_jump(2195) < 1e-3
    assert _trained_jump(200) < 1e-3  # a plain EMA would still be 82% init here


def test_when_warming_up_then_the_decay_rises_to_its_setting_and_stays():
    assert warmup_decay(0.999, 0) == 0.1
    assert abs(warmup_decay(0.999, 90) - 0.91) < 1e-12
    assert warmup_decay(0.999, 10**6) == 0.999


def test_when_an_ema_without_warm_up_is_repaired_then_it_equals_the_average_of_the_live_weights():
    torch.manual_seed(1)
    net = torch.nn.Linear(4, 4)
    init = net.weight.detach().clone()
    decay, steps = 0.99, 150
    plain = Ema([net], decay, warmup=False)
    total, weight_sum = torch.zeros_like(init), 0.0
    for k in range(steps):
        with torch.no_grad():
            net.weight.copy_(init + torch.randn_like(init) + k / 50)  # noisy, drifting live weights
        plain.update()
        c = (1 - decay) * decay ** (steps - 1 - k)
        total += c * net.weight.detach()
        weight_sum += c
    live_only = total / weight_sum  # what the EMA would be without the init term
    ema_weights = plain.shadow[0]
    assert (ema_weights - live_only).abs().max() > 0.05  # the init is visibly in there
    repaired = remove_init_share(ema_weights, init, decay, steps)
    assert torch.allclose(repaired, live_only, atol=1e-5)
