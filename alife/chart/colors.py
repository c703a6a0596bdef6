"""Distinct colours for many categories (genome clusters), in NumPy: the window and the lineage
chart colour a cluster alike.

Hues step by the golden angle (about 137.5 degrees), so consecutive ids never look alike and any
few ids are spread around the colour wheel; saturation and value alternate in three levels so
ids 1/3 of a turn apart still differ. Greens close to the food colour are skipped.
"""

from __future__ import annotations

import numpy as np

GOLDEN = 0.381966011250105  # 1 - 1/phi: the golden angle as a fraction of a turn
_FOOD_HUES = (0.22, 0.45)  # hue range (fractions of a turn) left to food's green


def category_colors(ids: np.ndarray) -> np.ndarray:
    """(N,) int -> (N, 3) uint8 RGB, a pure function of each id (negative ids: grey)."""
    ids = np.asarray(ids, np.int64).reshape(-1)
    k = np.maximum(ids, 0).astype(np.float64)
    lo, hi = _FOOD_HUES
    hue = (k * GOLDEN) % (1.0 - (hi - lo))
    hue = np.where(hue >= lo, hue + (hi - lo), hue)  # skip food's greens
    level = (ids.clip(0) // 3) % 3
    sat = np.array([0.62, 0.78, 0.48])[level]
    val = np.array([0.98, 0.86, 0.92])[level]
    rgb = _hsv_to_rgb(hue, sat, val)
    rgb[ids < 0] = (150, 150, 150)
    return rgb


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6.0).astype(np.int64) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack(
        [np.stack(c, axis=1) for c in ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v),
                                        (v, p, q))]  # fmt: skip
    )  # (6, N, 3)
    rgb = table[i, np.arange(h.size)]
    return np.rint(rgb * 255).astype(np.uint8)
