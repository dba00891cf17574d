from chexgen_train.lr_schedule import learning_rate


def rate(step, fraction):
    return learning_rate(step, fraction, peak=3e-4, final=1e-5, warmup_steps=100, decay_fraction=0.3)


def test_when_the_run_starts_then_the_rate_warms_up_linearly():
    assert abs(rate(0, 0.0) - 3e-6) < 1e-12 and abs(rate(49, 0.01) - 1.5e-4) < 1e-12 and rate(99, 0.02) == 3e-4


def test_when_the_last_30_percent_of_the_budget_runs_then_the_rate_decays_to_the_final_one():
    assert rate(5000, 0.69) == 3e-4
    assert abs(rate(5000, 0.85) - (1e-5 + 2.9e-4 * 0.5)) < 1e-12  # half way down the cosine
    assert abs(rate(9000, 1.0) - 1e-5) < 1e-12 and abs(rate(9000, 1.5) - 1e-5) < 1e-12
    rates = [rate(5000, 0.7 + i * 0.01) for i in range(31)]
    assert all(a >= b for a, b in zip(rates, rates[1:]))


def test_when_no_decay_is_asked_then_the_peak_holds():
    assert learning_rate(5000, 0.99, 3e-4, 1e-5, 100, 0.0) == 3e-4
