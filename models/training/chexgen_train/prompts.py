"""Training prompts: a demographic prefix plus a findings text drawn from varied templates, real report sentences that
match the labels (IU/Open-i corpus), or the image's own report text. The procedure is described in models/README.md.

The prefix is the same one the TypeScript side compiles from request fields (server/src/synthesis/promptPrefix.ts):
"sex: female, age: 63, view: PA." with any part left out when unknown.
"""
import csv
import os
import random
import re
from typing import Dict, List, Optional, Sequence

from .data import FINDINGS, Record

PHRASES: Dict[str, Sequence[str]] = {
    "normal": ("no acute cardiopulmonary abnormality", "normal chest radiograph", "the lungs are clear",
               "heart size is normal and the lungs are clear", "no active disease", "normal study"),
    "pneumonia": ("pneumonia", "airspace opacity consistent with pneumonia", "patchy consolidation suggesting pneumonia"),
    "covid-19": ("covid-19 pneumonia", "bilateral peripheral opacities consistent with covid-19",
                 "multifocal ground glass opacities, covid-19"),
    "infiltration": ("infiltration", "pulmonary infiltrates", "patchy infiltrates"),
    "nodule": ("pulmonary nodule", "a solitary nodule", "nodular opacity", "lung nodule"),
    "atelectasis": ("atelectasis", "subsegmental atelectasis", "volume loss with atelectasis"),
    "effusion": ("pleural effusion", "effusion", "blunting of the costophrenic angle from effusion"),
    "consolidation": ("consolidation", "focal consolidation", "lobar consolidation"),
    "edema": ("pulmonary edema", "interstitial edema", "vascular congestion with edema"),
    "mass": ("lung mass", "a mass", "large pulmonary mass"),
    "pleural thickening": ("pleural thickening", "apical pleural thickening"),
    "cardiomegaly": ("cardiomegaly", "enlarged cardiac silhouette", "the heart is enlarged"),
    "fibrosis": ("fibrosis", "fibrotic changes", "interstitial fibrosis"),
    "pneumothorax": ("pneumothorax", "a pneumothorax", "visible pleural line with pneumothorax"),
    "emphysema": ("emphysema", "hyperinflated lungs with emphysema", "emphysematous changes"),
    "hernia": ("hiatal hernia", "hernia"),
}
# keywords that make a report sentence evidence for a finding (sentences with a negation are not used)
KEYWORDS: Dict[str, Sequence[str]] = {
    "pneumonia": ("pneumonia",), "infiltration": ("infiltrate",), "nodule": ("nodule",), "atelectasis": ("atelectasis",),
    "effusion": ("effusion",), "consolidation": ("consolidation",), "edema": ("edema",), "mass": ("mass",),
    "pleural thickening": ("pleural thickening",), "cardiomegaly": ("cardiomegaly", "heart is enlarged", "enlarged heart"),
    "fibrosis": ("fibrosis", "fibrotic"), "pneumothorax": ("pneumothorax",), "emphysema": ("emphysema",),
    "hernia": ("hernia",),
}
_NEGATION = re.compile(r"\b(no|without|negative|resolved|free of|clear of|not)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
SEX_WORDS = {"M": "male", "F": "female"}


def prefix(sex: Optional[str], age: Optional[int], view: Optional[str]) -> str:
    parts = []
    if sex in SEX_WORDS:
        parts.append(f"sex: {SEX_WORDS[sex]}")
    if age is not None:
        parts.append(f"age: {int(age)}")
    if view:
        parts.append(f"view: {view}")
    return (", ".join(parts) + ".") if parts else ""


def join_prompt(prefix_text: str, body: str) -> str:
    return (prefix_text + " " + body).strip() if prefix_text else body.strip()


class ReportCorpus:
    """Real report sentences indexed by the finding they describe (affirmatively), plus whole normal reports."""

    def __init__(self, sentences: Dict[str, List[str]]):
        self.sentences = sentences

    @staticmethod
    def load(path: Optional[str], split: str = "train") -> "ReportCorpus":
        index: Dict[str, List[str]] = {f: [] for f in FINDINGS}
        if path and os.path.exists(path):
            with open(path, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if row.get("split", split) != split:
                        continue
                    text = " ".join(x for x in (row.get("findings", ""), row.get("impression", "")) if x)
                    normal = (row.get("mesh_major") or "").strip().lower() == "normal"
                    for s in _SENTENCE.split(text):
                        s = s.strip()
                        if not s or "xxxx" in s.lower() or len(s) > 160:
                            continue
                        low = s.lower()
                        if normal:
                            index["normal"].append(s)
                            continue
                        if _NEGATION.search(low):
                            continue
                        for finding, words in KEYWORDS.items():
                            if any(w in low for w in words):
                                index[finding].append(s)
        return ReportCorpus(index)

    def all_sentences(self) -> List[str]:
        return [s for v in self.sentences.values() for s in v]


def findings_text(findings: Sequence[str], rng: random.Random) -> str:
    if not findings:
        return ""
    phrases = [rng.choice(PHRASES[f]) for f in findings if f in PHRASES]
    if findings == ["normal"]:
        return phrases[0].capitalize() + "."
    style = rng.randrange(3)
    if style == 0:
        return "Findings: " + ", ".join(phrases) + "."
    if style == 1:
        return (" and ".join(phrases)).capitalize() + "."
    return " ".join(p.capitalize() + "." for p in phrases)


def _own_report(rec: Record) -> str:
    """The image's own text; long clinical notes are cut to their last sentences, where imaging is described."""
    text = rec.report_text
    if rec.report_source.startswith("clinical_notes"):
        text = " ".join(_SENTENCE.split(text)[-2:])
    return text[:400]


def training_prompt(rec: Record, corpus: ReportCorpus, rng: random.Random) -> str:
    """One random prompt for an image. Demographic parts are each left out 20% of the time."""
    p = prefix(rec.sex if rng.random() > 0.2 else None, rec.age if rng.random() > 0.2 else None,
               rec.view if rng.random() > 0.2 else None)
    choice = rng.random()
    body = ""
    if choice < 0.3 and rec.report_text:
        body = _own_report(rec)
    elif choice < 0.6:
        picked = [rng.choice(corpus.sentences[f]) for f in rec.findings if corpus.sentences.get(f)]
        body = " ".join(picked)
    if not body:
        body = findings_text(rec.findings, rng)
    return join_prompt(p, body)


def vocabulary_texts(records: Sequence[Record], corpus: ReportCorpus) -> List[str]:
    """Every text the tokenizer must cover: templates, prefixes, report sentences, the images' own texts."""
    texts = [p for v in PHRASES.values() for p in v]
    texts += ["Findings: , and .", "sex: male, age: 0123456789, view: PA AP AP supine lateral. sex: female"]
    texts += corpus.all_sentences()
    texts += [_own_report(r) for r in records]
    return texts
