"""Minimal 8-bit grayscale PNG writer (stdlib only: the GPU machine may lack Pillow)."""
import struct
import zlib

import numpy as np


def write_png_gray(path: str, image: np.ndarray) -> None:
    """image: uint8 [H, W]."""
    assert image.dtype == np.uint8 and image.ndim == 2, "write_png_gray wants uint8 [H, W]"
    h, w = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[-1, 1] float -> uint8."""
    return np.clip((image + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)


def grid(tiles, rows: int, cols: int, pad: int = 2, fill: int = 0) -> np.ndarray:
    """tiles: list of uint8 [h, w] (row-major; None leaves a blank tile) -> one uint8 image."""
    h, w = next(t for t in tiles if t is not None).shape
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), fill, np.uint8)
    for i, t in enumerate(tiles):
        if t is None:
            continue
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = t
    return out
