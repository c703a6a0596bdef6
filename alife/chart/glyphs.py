"""Antialiased text for the charts from an embedded glyph table (no font library at run time).

Two sizes ("large" for titles and axis names, "small" for tick labels and the legend) of the
printable ASCII characters, each glyph an 8-bit coverage cell of the line's full height and the
glyph's advance width, so a string's mask is its cells side by side. The cells live in
`alife.chart.glyphdata`, generated from DejaVu Sans by `write` (other characters draw as "?").
"""

from __future__ import annotations

import base64
import functools
import zlib
from pathlib import Path

import numpy as np

FIRST, LAST = 32, 126  # printable ASCII
SIZES = {"large": 11, "small": 10}  # pixel size each style is rasterised at


@functools.cache
def _cells(style: str) -> list[np.ndarray]:
    from alife.chart.glyphdata import GLYPHS

    data = zlib.decompress(base64.b64decode(GLYPHS[style]))
    height, count = data[0], LAST - FIRST + 1
    widths = np.frombuffer(data, np.uint8, count, 1).astype(np.int64)
    atlas = np.frombuffer(data, np.uint8, offset=1 + count).reshape(height, -1)
    edges = np.concatenate([[0], np.cumsum(widths)])
    return [atlas[:, a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _cell(style: str, ch: str) -> np.ndarray:
    code = ord(ch)
    return _cells(style)[(code if FIRST <= code <= LAST else ord("?")) - FIRST]


def line_height(style: str) -> int:
    return int(_cells(style)[0].shape[0])


def text_width(text: str, style: str) -> int:
    return sum(_cell(style, ch).shape[1] for ch in text)


@functools.lru_cache(maxsize=1024)
def text_mask(text: str, style: str) -> np.ndarray:
    """Coverage of `text` drawn in `style`: (line_height, width) uint8, 255 = fully inked."""
    cells = [_cell(style, ch) for ch in text]
    if not cells:
        return np.zeros((line_height(style), 0), np.uint8)
    return np.ascontiguousarray(np.concatenate(cells, axis=1))


def build(font_file: str | Path) -> str:
    """The source of `alife/chart/glyphdata.py`: every style of SIZES rasterised from
    `font_file` (a TrueType file; needs pygame)."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.font.init()
    lines = []
    for style, size in SIZES.items():
        font = pygame.font.Font(str(font_file), size)
        cells = []
        for code in range(FIRST, LAST + 1):
            surf = font.render(chr(code), True, (255, 255, 255))
            cells.append(pygame.surfarray.array_alpha(surf).T.astype(np.uint8))
        height = max(c.shape[0] for c in cells)
        cells = [np.pad(c, ((0, height - c.shape[0]), (0, 0))) for c in cells]
        widths = bytes(c.shape[1] for c in cells)
        raw = bytes([height]) + widths + np.concatenate(cells, axis=1).tobytes()
        text = base64.b64encode(zlib.compress(raw, 9)).decode()
        chunks = [text[i : i + 96] for i in range(0, len(text), 96)]
        lines.append(f'    "{style}": (\n' + "".join(f'        "{c}"\n' for c in chunks) + "    ),")
    from alife.chart import glyphdata  # its docstring (with the font's licence) is kept

    return f'"""{glyphdata.__doc__}"""\n\nGLYPHS = {{\n' + "\n".join(lines) + "\n}\n"


def write(font_file: str | Path) -> Path:
    """Regenerate alife/chart/glyphdata.py from `font_file` (DejaVuSans.ttf); returns its path."""
    out = Path(__file__).with_name("glyphdata.py")
    out.write_text(build(font_file))
    return out
