"""Where things are, and the one log line format of the training scripts."""
import os
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFAULT_DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "cxr256"))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)
