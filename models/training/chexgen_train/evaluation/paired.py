"""Paired counterfactual control: does the prompt itself change the image?

Every pair is one seed with the same demographics and no masks or boxes, asked for once as a normal radiograph and
once per finding (or once as normal with the other sex). The reference classifier scores both; the paired change of
its score for the named finding (for the sex: of its score for the requested sex) is the effect of the words alone,
free of what masks, boxes and a record's source would tell it. Reported per finding: mean change with its bootstrap
interval, median, share of pairs that moved the right way, the Wilcoxon signed-rank p and the Holm-adjusted p over
all findings and the sex.
"""
from typing import Dict, List

import numpy as np

from ..data import FINDINGS
from .stats import holm, paired_effect


def _by_pair(entries: List[Dict]) -> Dict[int, Dict[str, int]]:
    pairs: Dict[int, Dict[str, int]] = {}
    for i, e in enumerate(entries):
        pairs.setdefault(int(e["pair"]), {})[e["arm"]] = i
    return pairs


def paired_report(entries: List[Dict], scores: Dict[str, np.ndarray]) -> Dict:
    """entries: the `paired` plan entries; scores: the classifier's outputs for their images (evaluate.classify)."""
    pairs = _by_pair(entries)
    arms = sorted({e["arm"] for e in entries} - {"normal", "other_sex"})
    effects: Dict[str, Dict] = {}
    for arm in arms:
        k = FINDINGS.index(arm)
        d = [scores["findings"][p[arm], k] - scores["findings"][p["normal"], k]
             for p in pairs.values() if arm in p and "normal" in p]
        effects[arm] = paired_effect(d, seed=k)
    sex_d = []
    for p in pairs.values():
        if "other_sex" in p and "normal" in p:
            other_is_female = entries[p["other_sex"]]["sex"] == "F"
            change = scores["sex"][p["other_sex"]] - scores["sex"][p["normal"]]  # P(female)
            sex_d.append(change if other_is_female else -change)  # positive = toward the requested sex
    sex = paired_effect(sex_d, seed=99)
    follows = [bool((scores["sex"][p["normal"]] > 0.5) == (entries[p["normal"]]["sex"] == "F")
                    and (scores["sex"][p["other_sex"]] > 0.5) == (entries[p["other_sex"]]["sex"] == "F"))
               for p in pairs.values() if "other_sex" in p and "normal" in p]
    sex["both_arms_called_as_requested"] = float(np.mean(follows)) if follows else float("nan")
    adjusted = holm({**{a: e["wilcoxon_p"] for a, e in effects.items()}, "sex": sex["wilcoxon_p"]})
    for a, e in effects.items():
        e["holm_p"] = adjusted[a]
    sex["holm_p"] = adjusted["sex"]
    return {"paired_text_effects": effects, "paired_sex_effect": sex, "paired_pairs": len(pairs)}
