"""Word-level tokenizer. The same rules are implemented in server/src/synthesis/WordTokenizer.ts; shared test vectors
(test/fixtures/tokenizer-vectors.json) prove both give identical ids.

Rules (the contract, docs/model-contract.md):
  1. ASCII A-Z are lower-cased; nothing else is changed (no Unicode case folding, so both languages agree).
  2. Tokens are matched left to right by PATTERN: a run of a-z letters, one digit, or one other non-space code point.
  3. Ids: <bos> first, then each token's id (unknown -> <unk>), truncated to max_length, padded with <pad>.
"""
import collections
import json
import re
from typing import Dict, Iterable, List, Tuple

PATTERN = r"[a-z]+|[0-9]|[^ \t\n\r\f\va-z0-9]"
SPECIALS = ("<pad>", "<unk>", "<bos>")
_RE = re.compile(PATTERN)
_UPPER = {ord(c): ord(c) + 32 for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def split_words(text: str) -> List[str]:
    return _RE.findall(text.translate(_UPPER))


class WordTokenizer:
    def __init__(self, vocab: List[str], max_length: int):
        assert tuple(vocab[: len(SPECIALS)]) == SPECIALS, "vocab must start with <pad>, <unk>, <bos>"
        self.vocab = vocab
        self.max_length = max_length
        self.ids: Dict[str, int] = {w: i for i, w in enumerate(vocab)}

    @staticmethod
    def train(texts: Iterable[str], max_length: int, min_count: int = 2) -> "WordTokenizer":
        counts = collections.Counter(w for t in texts for w in split_words(t))
        # digits and ASCII punctuation always exist, so ages and numbers never become <unk>
        always = [str(d) for d in range(10)] + list(".,:;-()/%'")
        words = sorted(w for w, c in counts.items() if c >= min_count and w not in always)
        return WordTokenizer(list(SPECIALS) + always + words, max_length)

    def encode(self, text: str) -> Tuple[List[int], List[int]]:
        ids = [2] + [self.ids.get(w, 1) for w in split_words(text)]
        ids = ids[: self.max_length]
        mask = [1] * len(ids) + [0] * (self.max_length - len(ids))
        return ids + [0] * (self.max_length - len(ids)), mask

    def to_json(self) -> str:
        doc = {"type": "chexgen-word", "version": 1, "pattern": PATTERN, "lowercase": "ascii",
               "max_length": self.max_length, "pad_id": 0, "unk_id": 1, "bos_id": 2, "vocab": self.vocab}
        # JSON.stringify(doc, null, 2) + "\n" on the TypeScript side writes the same bytes
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    @staticmethod
    def from_json(text: str) -> "WordTokenizer":
        doc = json.loads(text)
        if doc.get("type") != "chexgen-word" or doc.get("pattern") != PATTERN:
            raise ValueError("tokenizer: not a chexgen-word tokenizer with the expected pattern")
        return WordTokenizer(doc["vocab"], int(doc["max_length"]))
