"""Intervals and tests for the evaluation's claims (scipy.stats where it has them).

Every reported number comes with how sure we are of it: Wilson intervals for proportions (accuracies, hit rates),
percentile bootstrap intervals for everything else, Wilcoxon signed-rank or sign tests for paired differences, and
Holm's step-down correction when several comparisons are read together.
"""
from typing import Callable, Dict, List, Sequence

import numpy as np
from scipy import stats

LEVEL = 0.95


def wilson(successes: int, n: int, level: float = LEVEL) -> List[float]:
    """Wilson score interval of a proportion -> [low, high] ([nan, nan] for n = 0)."""
    if n == 0:
        return [float("nan"), float("nan")]
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [float(max(0.0, centre - half)), float(min(1.0, centre + half))]


def proportion(successes: int, n: int) -> Dict:
    """{'value', 'ci', 'n'} for a proportion with its Wilson interval."""
    return {"value": successes / n if n else float("nan"), "ci": wilson(successes, n), "n": int(n)}


def bootstrap_ci(statistic: Callable[..., float], *samples: np.ndarray, reps: int = 1000, seed: int = 0,
                 level: float = LEVEL) -> List[float]:
    """Percentile bootstrap interval of statistic(*samples), each sample resampled independently (rows with
    replacement)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(reps):
        values.append(statistic(*[s[rng.integers(0, len(s), len(s))] for s in samples]))
    lo, hi = np.nanpercentile(values, [50 * (1 - level), 50 * (1 + level)])
    return [float(lo), float(hi)]


def mean_with_ci(x: Sequence[float], reps: int = 1000, seed: int = 0) -> Dict:
    a = np.asarray(x, np.float64)
    if len(a) == 0:
        return {"value": float("nan"), "ci": [float("nan"), float("nan")], "n": 0}
    return {"value": float(a.mean()), "ci": bootstrap_ci(np.mean, a, reps=reps, seed=seed), "n": int(len(a))}


def paired_effect(differences: Sequence[float], seed: int = 0) -> Dict:
    """A paired difference (after - before per pair): mean with bootstrap CI, median, share positive, and the
    two-sided Wilcoxon signed-rank p (zero differences dropped, as Wilcoxon does)."""
    d = np.asarray(differences, np.float64)
    out = mean_with_ci(d, seed=seed)
    out.update(median=float(np.median(d)) if len(d) else float("nan"),
               positive_share=float((d > 0).mean()) if len(d) else float("nan"),
               wilcoxon_p=wilcoxon_p(d))
    return out


def wilcoxon_p(differences: Sequence[float]) -> float:
    d = np.asarray(differences, np.float64)
    d = d[d != 0]
    if len(d) < 2:
        return float("nan")
    return float(stats.wilcoxon(d).pvalue)


def sign_test_p(differences: Sequence[float]) -> float:
    """Two-sided exact sign test on the non-zero differences."""
    d = np.asarray(differences, np.float64)
    pos, n = int((d > 0).sum()), int((d != 0).sum())
    return float(stats.binomtest(pos, n).pvalue) if n else float("nan")


def holm(p_values: Dict[str, float]) -> Dict[str, float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone), same keys."""
    keys = [k for k in p_values if not np.isnan(p_values[k])]
    order = sorted(keys, key=lambda k: p_values[k])
    m, running, out = len(order), 0.0, {k: float("nan") for k in p_values}
    for i, k in enumerate(order):
        running = max(running, min(1.0, (m - i) * p_values[k]))
        out[k] = running
    return out
