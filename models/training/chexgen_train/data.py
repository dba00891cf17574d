"""Reads a cxr256-style manifest (CSV) into typed records: labels normalised, masks and boxes mapped to our classes.

The manifest format is documented in models/README.md so other datasets can be trained on without code changes.
Only `file` and `split` are required; every other column may be blank.
"""
import csv
import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .config import BOX_CLASSES, MASK_CLASSES

# Canonical findings the prompts talk about. Source labels map onto these; anything unknown is dropped.
FINDINGS: Tuple[str, ...] = (
    "normal", "pneumonia", "covid-19", "infiltration", "nodule", "atelectasis", "effusion", "consolidation",
    "edema", "mass", "pleural thickening", "cardiomegaly", "fibrosis", "pneumothorax", "emphysema", "hernia",
)
_FINDING_SYNONYMS = {
    "no finding": "normal", "normal": "normal", "pleural_thickening": "pleural thickening",
    "infiltrate": "infiltration", "covid-19, ards": "covid-19", "sars": "pneumonia", "ards": "pneumonia",
    "pneumocystis": "pneumonia", "streptococcus": "pneumonia", "klebsiella": "pneumonia", "legionella": "pneumonia",
    "e.coli": "pneumonia", "bacterial": "pneumonia", "mycoplasma bacterial pneumonia": "pneumonia",
    "varicella": "pneumonia", "influenza": "pneumonia", "lipoid": "pneumonia", "organiging pneumonia": "pneumonia",
}
# Box labels as sources write them -> our box classes (pneumonia-like boxes are "opacity").
BOX_SYNONYMS = {
    "nodule": "nodule", "mass": "mass", "pneumonia": "opacity", "infiltrate": "opacity", "infiltration": "opacity",
    "consolidation": "opacity", "opacity": "opacity", "right_lung": "right_lung", "left_lung": "left_lung",
    "heart": "heart",
}
FINDING_BOX_CLASSES = ("nodule", "mass", "opacity")
VIEWS = {"PA": "PA", "AP": "AP", "AP SUPINE": "AP supine", "L": "lateral", "LATERAL": "lateral", "LL": "lateral"}


@dataclass
class Record:
    id: str
    file: str  # absolute path to an 8-bit grayscale PNG at the model resolution
    split: str
    sex: Optional[str]  # "M" | "F" | None
    age: Optional[int]
    view: Optional[str]  # "PA" | "AP" | "AP supine" | "lateral" | None
    findings: List[str]
    report_text: str
    report_source: str
    mask_file: Optional[str]
    mask_bits: Dict[int, str]  # bit -> mask class
    boxes: List[Tuple[str, float, float, float, float]] = field(default_factory=list)  # (box class, x0, y0, x1, y1)
    patient_id: str = ""  # blank: the record is its own patient
    mask_source: str = ""  # free text: "manual (SCR)", "model-generated (lungVAE ...)", ...
    source: str = ""  # the manifest's source column (which collection, and which copy of it)

    @property
    def manual_masks(self) -> bool:
        return "manual" in self.mask_source.lower()


def normalise_findings(raw: str) -> List[str]:
    out: List[str] = []
    for part in raw.split(";"):
        label = part.strip().lower()
        if not label:
            continue
        if label.startswith("covid-19"):
            label = "covid-19"
        elif label.startswith("lung cancer") or label in ("malignant", "benign", "tuberculoma", "granuloma"):
            continue  # JSRT diagnoses: the image-level finding is the nodule itself
        label = _FINDING_SYNONYMS.get(label, label)
        if label in FINDINGS and label not in out:
            out.append(label)
    if len(out) > 1 and "normal" in out:
        out.remove("normal")
    return out


def parse_mask_channels(spec: str) -> Dict[int, str]:
    """'bit0=right_lung;bit1=left_lung_incl_retrocardiac' -> {0: 'right_lung', 1: 'left_lung'} (our classes only)."""
    bits: Dict[int, str] = {}
    for part in spec.split(";"):
        m = re.fullmatch(r"\s*bit(\d+)=([a-z_]+)\s*", part)
        if not m:
            continue
        name = m.group(2).replace("_incl_retrocardiac", "")
        if name in MASK_CLASSES:
            bits[int(m.group(1))] = name
    return bits


def _parse_boxes(text: str) -> List[Tuple[str, float, float, float, float]]:
    if not text.strip():
        return []
    out = []
    for b in json.loads(text):
        cls = BOX_SYNONYMS.get(str(b["label"]).strip().lower())
        if cls is not None:
            out.append((cls, float(b["x0"]), float(b["y0"]), float(b["x1"]), float(b["y1"])))
    return out


def read_manifest(data_dir: str, split: Optional[str] = None) -> List[Record]:
    path = os.path.join(data_dir, "manifest.csv")
    if not os.path.exists(path):
        raise FileNotFoundError(f"--data: no manifest.csv in {data_dir!r} (see models/README.md for the format)")
    records: List[Record] = []
    with open(path, newline="", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            for required in ("file", "split"):
                if not row.get(required):
                    raise ValueError(f"manifest.csv row {i + 2}: column {required!r} is required")
            if split is not None and row["split"] != split:
                continue
            age = row.get("age", "").strip()
            mask_file = row.get("mask_file", "").strip()
            boxes = _parse_boxes(row.get("boxes_json", "")) + _parse_boxes(row.get("anatomy_boxes_json", ""))
            records.append(Record(
                id=row.get("id") or f"row{i}", file=os.path.join(data_dir, row["file"]), split=row["split"],
                sex=(row.get("sex") or "").strip().upper() or None,
                age=int(float(age)) if age else None,
                view=VIEWS.get((row.get("view") or "").strip().upper()),
                findings=normalise_findings(row.get("findings", "")),
                report_text=(row.get("report_text") or "").strip(),
                report_source=(row.get("report_source") or "").strip(),
                mask_file=os.path.join(data_dir, mask_file) if mask_file else None,
                mask_bits=parse_mask_channels(row.get("mask_channels", "")),
                boxes=boxes,
                patient_id=(row.get("patient_id") or "").strip(),
                mask_source=(row.get("mask_source") or "").strip(),
                source=(row.get("source") or "").strip(),
            ))
    return records


def load_gray(path: str, size: int) -> np.ndarray:
    from PIL import Image  # only the packing step decodes PNGs; training reads the pack

    im = Image.open(path)
    if im.mode not in ("L", "I;16", "I"):
        im = im.convert("L")
    a = np.asarray(im)
    if a.dtype != np.uint8:
        a = (a.astype(np.float32) / max(1.0, float(a.max())) * 255.0).round().astype(np.uint8)
    if a.shape != (size, size):
        im = Image.fromarray(a).resize((size, size), Image.BILINEAR)
        a = np.asarray(im)
    return a


def load_mask_planes(rec: Record, size: int, require_pixels: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """-> (planes uint8 [len(MASK_CLASSES), size, size] in {0,1}, present uint8 [len(MASK_CLASSES)]).

    require_pixels: a plane the manifest declares but leaves empty counts as unknown, not as "this structure is
    absent" (172 lungVAE rows declare a heart bit they never fill). Training packs use it (pack version 3); the
    evaluation plan keeps the declared planes so that models stay comparable with the figures already measured."""
    planes = np.zeros((len(MASK_CLASSES), size, size), np.uint8)
    present = np.zeros(len(MASK_CLASSES), np.uint8)
    if rec.mask_file and rec.mask_bits:
        from PIL import Image

        m = np.asarray(Image.open(rec.mask_file)).astype(np.int64)
        if m.shape != (size, size):
            raise ValueError(f"{rec.mask_file}: mask is {m.shape}, expected {(size, size)}")
        for bit, name in rec.mask_bits.items():
            k = MASK_CLASSES.index(name)
            planes[k] = (m >> bit) & 1
            present[k] = 0 if require_pixels and not planes[k].any() else 1
    return planes, present


def box_presence(rec: Record) -> np.ndarray:
    """Which box classes are *known* for this image: given boxes, or findings known absent on a normal image."""
    present = np.zeros(len(BOX_CLASSES), np.uint8)
    for cls, *_ in rec.boxes:
        present[BOX_CLASSES.index(cls)] = 1
    if rec.findings == ["normal"]:
        for cls in FINDING_BOX_CLASSES:
            present[BOX_CLASSES.index(cls)] = 1
    return present
