"""Writes test/fixtures/tokenizer-vectors.json: texts and the ids Python gives them, checked by the TypeScript
tokenizer test. `python -m chexgen_train.tokenizer_vectors --model cxr256-gpu-v1`"""
import argparse
import json
import os
import random
import sys

from .tokenizer import WordTokenizer
from .train import ROOT

FIXED = ["sex: female, age: 63, view: PA. Cardiomegaly.", "Left PLEURAL effusion; no pneumothorax!", "",
         "Nodule 12 mm (r. upper lobe) — é 😀 ß İ Ω", "tabs\tand\nnew lines\r\n", "AP supine. 100% opacified.",
         "word " * 80, "Heart size is normal. The lungs are clear.", "x\u00a0y\u2028z\ufeff", "İstanbul ǅ ﬁ"]
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-()/%'\t\néÉßİ😀Ω\u00a0"


def main(args: argparse.Namespace) -> None:
    model_dir = os.path.join(ROOT, "models", args.model)
    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        doc = json.load(f)
    tok = WordTokenizer(doc["vocab"], doc["max_length"])
    rng = random.Random(0)
    texts = FIXED + ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 120))) for _ in range(200)]
    cases = []
    for t in texts:
        ids, mask = tok.encode(t)
        cases.append({"text": t, "input_ids": ids, "attention_mask": mask})
    out = os.path.join(ROOT, "test", "fixtures", "tokenizer-vectors.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"model": args.model, "tokenizer": doc, "cases": cases}, f, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases -> {out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    main(ap.parse_args(sys.argv[1:]))
