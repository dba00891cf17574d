"""Writes test/fixtures/schedulers/reference.json: float64 reference numbers for the TypeScript flow samplers
(server/src/synthesis/schedulers/), written straight from the papers and independent of the TypeScript code.

    cd models/training && /usr/bin/python3 -m chexgen_train.scheduler_reference

Needs numpy only (no torch). Rectified flow (docs/model-contract.md): x_t = (1 - t) x0 + t eps, t = 1 is noise, the
model predicts v = eps - x0, so x0_hat = x - t v and eps_hat = x + (1 - t) v. In DPM-Solver terms alpha_t = 1 - t,
sigma_t = t and lambda_t = log(alpha_t / sigma_t), which is -inf at t = 1 and +inf at t = 0.

The analytic model is the exact (Bayes-optimal) velocity field for Gaussian data x0 ~ N(mu, s^2), element-wise:
    x_t ~ N(m_t, S_t^2),  m_t = (1 - t) mu,  S_t^2 = (1 - t)^2 s^2 + t^2
    v(x, t) = E[eps - x0 | x_t = x] = (t - (1 - t) s^2) / S_t^2 * (x - m_t) - mu
Its probability-flow ODE dx/dt = v(x, t) maps x_1 = z to x_t = m_t + S_t z exactly, so x_0 = mu + s z; samplers are
compared with that solution. The paths are curved for s != 1, so every sampler has a visible error.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "schedulers", "reference.json")

SHIFTS = [1.0, 3.0]
STEPS = [1, 2, 5, 10, 20]
SAMPLERS = ["euler", "ddim", "dpmpp-2m"]

# 8 elements: the starting noise z = x_1, and the data mean / std of the analytic model.
Z = np.array([0.9, -1.3, 0.25, 1.7, -0.6, 0.05, -2.1, 1.1], dtype=np.float64)
MU = np.array([0.5, -0.25, 1.0, 0.0, -0.75, 0.3, 0.1, -1.0], dtype=np.float64)
S = np.array([0.4, 1.5, 0.25, 0.8, 1.0, 0.6, 0.3, 1.2], dtype=np.float64)


def timesteps(n: int, shift: float) -> np.ndarray:
    """n + 1 values from 1 to 0: t_i = shift u_i / (1 + (shift - 1) u_i), u_i = 1 - i / n (SD3, Esser et al. 2024,
    eq. 23)."""
    assert n >= 1 and shift > 0
    u = np.array([1.0 - i / n for i in range(n + 1)], dtype=np.float64)
    return shift * u / (1.0 + (shift - 1.0) * u)


def velocity(x: np.ndarray, t: float) -> np.ndarray:
    """Exact rectified-flow velocity for x0 ~ N(MU, S^2) (see module docstring)."""
    var = (1.0 - t) ** 2 * S ** 2 + t ** 2
    return (t - (1.0 - t) * S ** 2) / var * (x - (1.0 - t) * MU) - MU


def exact(t: float) -> np.ndarray:
    """The ODE solution through x_1 = Z at time t."""
    return (1.0 - t) * MU + np.sqrt((1.0 - t) ** 2 * S ** 2 + t ** 2) * Z


def log_snr(t: float) -> float:
    """lambda_t = log(alpha_t / sigma_t) = log((1 - t) / t), with its limits at the ends of [0, 1]."""
    if t >= 1.0:
        return -math.inf
    if t <= 0.0:
        return math.inf
    return math.log(1.0 - t) - math.log(t)


def euler(ts: np.ndarray, x: np.ndarray) -> list:
    """Euler on dx/dt = v: x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i) (chexgen_train/flow.py euler_sample)."""
    out = [x.copy()]
    for t, t_next in zip(ts[:-1], ts[1:]):
        x = x + (t_next - t) * velocity(x, t)
        out.append(x.copy())
    return out


def ddim(ts: np.ndarray, x: np.ndarray) -> list:
    """Deterministic DDIM (eta = 0; Song et al. 2021, eq. 12): x_{s} = alpha_s x0_hat + sigma_s eps_hat, here with
    alpha = 1 - t and sigma = t."""
    out = [x.copy()]
    for t, t_next in zip(ts[:-1], ts[1:]):
        v = velocity(x, t)
        x0_hat = x - t * v
        eps_hat = x + (1.0 - t) * v
        x = (1.0 - t_next) * x0_hat + t_next * eps_hat
        out.append(x.copy())
    return out


def dpmpp_2m(ts: np.ndarray, x: np.ndarray) -> list:
    """DPM-Solver++(2M), Lu et al. 2022 (arXiv 2211.01095) Algorithm 2, data prediction x_theta = x0_hat:
        h_i = lambda_{t_i} - lambda_{t_{i-1}}
        first step:   x_{t_1} = (sigma_{t_1} / sigma_{t_0}) x_{t_0} - alpha_{t_1} (e^{-h_1} - 1) x_theta(t_0)
        later steps:  r_i = h_{i-1} / h_i
                      D_i = (1 + 1 / (2 r_i)) x_theta(t_{i-1}) - 1 / (2 r_i) x_theta(t_{i-2})
                      x_{t_i} = (sigma_{t_i} / sigma_{t_{i-1}}) x_{t_{i-1}} - alpha_{t_i} (e^{-h_i} - 1) D_i
    The last step, to t = 0 (sigma = 0, lambda = +inf), is first order, which gives x = x0_hat (diffusers'
    lower_order_final / final_sigmas_type 'zero'). Since lambda_{t_0 = 1} = -inf, h_1 = +inf and the second step's
    correction 1 / (2 r_2) vanishes; the first real second-order step is the third."""
    out = [x.copy()]
    prev_x0 = None
    n = len(ts) - 1
    for i in range(n):
        s, t = ts[i], ts[i + 1]
        alpha_t, sigma_t, sigma_s = 1.0 - t, t, s
        x0_hat = x - s * velocity(x, s)
        h = log_snr(t) - log_snr(s)
        if prev_x0 is None or i == n - 1:
            d = x0_hat
        else:
            h_prev = log_snr(s) - log_snr(ts[i - 1])
            half_inv_r = 0.0 if math.isinf(h_prev) else 0.5 * h / h_prev  # 1 / (2 r_i)
            d = (1.0 + half_inv_r) * x0_hat - half_inv_r * prev_x0
        x = (sigma_t / sigma_s) * x - alpha_t * (math.exp(-h) - 1.0) * d
        prev_x0 = x0_hat
        out.append(x.copy())
    return out


RUNS = {"euler": euler, "ddim": ddim, "dpmpp-2m": dpmpp_2m}


def main(args: argparse.Namespace) -> None:
    cases = []
    for shift in SHIFTS:
        for n in STEPS:
            ts = timesteps(n, shift)
            assert ts[0] == 1.0 and ts[-1] == 0.0 and np.all(np.diff(ts) < 0)
            trajectories = {name: [x.tolist() for x in RUNS[name](ts, Z.copy())] for name in SAMPLERS}
            cases.append({
                "shift": shift,
                "steps": n,
                "timesteps": ts.tolist(),
                "exact": [exact(t).tolist() for t in ts],
                "trajectories": trajectories,
            })
    doc = {
        "generator": "models/training/chexgen_train/scheduler_reference.py",
        "model": "v(x, t) = (t - (1 - t) s^2) / ((1 - t)^2 s^2 + t^2) * (x - (1 - t) mu) - mu; exact x_t = "
                 "(1 - t) mu + sqrt((1 - t)^2 s^2 + t^2) z",
        "z": Z.tolist(),
        "mu": MU.tolist(),
        "s": S.tolist(),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    text = json.dumps(doc, indent=1)
    text = re.sub(r"\[[^\[\]{}]*\]", lambda m: " ".join(m.group(0).split()), text)  # one vector per line
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    for case in cases:
        errs = {k: float(np.max(np.abs(np.array(v[-1]) - np.array(case["exact"][-1]))))
                for k, v in case["trajectories"].items()}
        print(f"shift={case['shift']} steps={case['steps']} max |x_0 - exact|: "
              + ", ".join(f"{k} {e:.3e}" for k, e in errs.items()))
    print(f"{len(cases)} cases -> {args.out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT)
    main(ap.parse_args(sys.argv[1:]))
