"""PNG files from RGB / RGBA arrays with zlib alone (8 bits per channel, no filter)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def png_bytes(pixels: np.ndarray) -> bytes:
    """pixels (H, W, 3 or 4) uint8 -> the bytes of a PNG file."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"pixels must be (H, W, 3|4) uint8, got {pixels.shape} {pixels.dtype}")
    h, w, c = pixels.shape
    rows = np.zeros((h, 1 + w * c), np.uint8)  # each row starts with filter type 0
    rows[:, 1:] = pixels.reshape(h, w * c)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 6 if c == 4 else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def write_png(path: str | Path, pixels: np.ndarray) -> Path:
    """Write `pixels` as a PNG file atomically (temp file + rename); returns the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(png_bytes(pixels))
    tmp.replace(path)
    return path
