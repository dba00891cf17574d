"""Does the text reach the image? The reference classifier on generated images vs what their prompts asked for.

text_auroc: per finding named in >= MIN_CASES prompts and absent from >= MIN_CASES, the AUROC of the classifier's
finding probability for "prompt names the finding"; the macro mean over those findings. Real reference: the same
classifier and findings on real eval images vs their labels. sex_accuracy / view_accuracy: the classifier's sex
(view) call vs the requested one."""
from typing import Dict, List

import numpy as np

from ..data import FINDINGS
from .images import VIEW_CLASSES
from .scores import auroc

MIN_CASES = 5


def finding_aurocs(probs: np.ndarray, wanted: np.ndarray) -> Dict[str, float]:
    """probs, wanted [N,16] -> {finding: AUROC} for findings with enough positives and negatives."""
    out = {}
    for k, f in enumerate(FINDINGS):
        pos = int(wanted[:, k].sum())
        if pos >= MIN_CASES and len(wanted) - pos >= MIN_CASES:
            out[f] = round(auroc(probs[:, k], wanted[:, k] > 0), 4)
    return out


def text_report(gen_out: Dict[str, np.ndarray], entries: List[Dict], real_out: Dict[str, np.ndarray],
                real_labels: Dict[str, np.ndarray]) -> Dict:
    wanted = np.array([[f in e["findings"] for f in FINDINGS] for e in entries], np.float32)
    gen_auc = finding_aurocs(gen_out["findings"], wanted)
    real_auc_all = finding_aurocs(real_out["findings"], real_labels["findings"])
    common = [f for f in gen_auc if f in real_auc_all]
    sex_req = np.array([{"F": 1, "M": 0}.get(e.get("sex", ""), -1) for e in entries])
    view_req = np.array([VIEW_CLASSES.index("AP" if e.get("view") == "AP supine" else e["view"]) if e.get("view") else -1
                         for e in entries])

    def acc(pred, req):
        m = req >= 0
        return float((pred[m] == req[m]).mean()) if m.any() else float("nan")

    plain = np.array([not e["masks"] and not e["boxes"] for e in entries], bool)  # text + demographics only
    plain_auc = finding_aurocs(gen_out["findings"][plain], wanted[plain]) if plain.sum() > 2 * MIN_CASES else {}
    plain_common = [f for f in plain_auc if f in real_auc_all]
    return {
        "text_auroc": float(np.mean([gen_auc[f] for f in common])) if common else float("nan"),
        "text_auroc_text_only_prompts": float(np.mean([plain_auc[f] for f in plain_common])) if plain_common else float("nan"),
        "text_auroc_text_only_prompts_per_finding": plain_auc, "text_only_prompt_images": int(plain.sum()),
        "text_auroc_real": float(np.mean([real_auc_all[f] for f in common])) if common else float("nan"),
        "text_auroc_per_finding": gen_auc, "text_auroc_real_per_finding": {f: real_auc_all[f] for f in common},
        "sex_accuracy": acc((gen_out["sex"] > 0.5).astype(int), sex_req),
        "sex_accuracy_real": acc((real_out["sex"] > 0.5).astype(int), real_labels["sex"]),
        "view_accuracy": acc(gen_out["view"].argmax(1), view_req),
        "view_accuracy_real": acc(real_out["view"].argmax(1), real_labels["view"]),
        "sex_requested": int((sex_req >= 0).sum()),
    }
