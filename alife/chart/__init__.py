"""Line charts as pixels, in NumPy alone: the window's live chart, `fitness.png` of runs and the
experiments' figures all come from `render_chart`.

`render_chart(series, size, ...)` returns the chart as an (H, W, 4) uint8 RGBA array (the window
blits it; `save_chart_png` writes it as a PNG), so headless code draws charts without pygame or
a display. Long series are reduced to at most two points per horizontal pixel (min and max of
each column), so drawing stays O(width).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from alife.chart.canvas import Canvas, Color
from alife.chart.glyphs import line_height, text_width
from alife.chart.png import write_png

PALETTE: tuple[Color, ...] = (
    (240, 180, 60),  # amber
    (90, 170, 250),  # blue
    (120, 220, 120),  # green
    (240, 100, 100),  # red
    (200, 130, 240),  # violet
    (90, 220, 220),  # cyan
    (230, 230, 230),  # light grey
)
GRID: Color = (45, 48, 58)


class Chart(NamedTuple):
    """pixels (H, W, 4) uint8 RGBA; plot: (left, top, width, height) of the plot area."""

    pixels: np.ndarray
    plot: tuple[int, int, int, int]


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """About `count` round tick values (1, 2, 5 x 10^k steps) covering [lo, hi].

    integer=True never uses a step below 1 (for x axes that count generations or ticks)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, count)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw)
    if integer:
        step = max(1.0, round(step)) if step >= 1 else 1.0
    k0 = math.ceil(lo / step - 1e-9)
    ticks = []
    for i in range(50):  # k * step (not repeated addition): no drift
        value = (k0 + i) * step
        if value > hi + 1e-9 * step:
            break
        ticks.append(0.0 if abs(value) < 1e-12 * step else value)
    return ticks


def format_value(value: float) -> str:
    """Compact tick label: 1.2k, 3.5M, 0.25, 12."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e4:
        return f"{value / 1e3:.3g}k"
    if a >= 100 or a == 0:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _column_extrema(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduce (x, y) float64 (P,) to <= 2*columns points keeping each pixel column's min and max."""
    if x.size <= 2 * columns:
        return x, y
    col = np.minimum((x * columns).astype(np.int64), columns - 1)
    order = np.lexsort((y, col))  # by column, then by value
    col_sorted = col[order]
    starts = np.flatnonzero(np.r_[True, col_sorted[1:] != col_sorted[:-1]])
    ends = np.r_[starts[1:], col_sorted.size] - 1
    lo_idx, hi_idx = order[starts], order[ends]
    # keep the two extremes of each column in their original (time) order
    pair = np.stack([np.minimum(lo_idx, hi_idx), np.maximum(lo_idx, hi_idx)], axis=1).ravel()
    return x[pair], y[pair]


def render_chart(
    series: Mapping[str, Sequence[float] | np.ndarray],
    size: tuple[int, int] = (800, 450),
    *,
    title: str = "",
    x_label: str = "",
    colors: Mapping[str, Color] | None = None,
    x_start: float = 0.0,
    x_step: float = 1.0,
    background: tuple[int, ...] | None = (18, 20, 26),
    axis_color: Color = (120, 124, 135),
    text_color: Color = (220, 222, 228),
    legend: bool = True,
) -> Chart:
    """Each named series as a line over its index (x = x_start + i * x_step), all on shared axes.

    series: name -> 1-D values (NaN/inf are skipped). background: RGB(A), None = transparent.
    Empty data draws the frame and "no data yet"."""
    width, height = (max(40, int(v)) for v in size)
    canvas = Canvas(width, height, (0, 0, 0, 0) if background is None else background)
    big, small = line_height("large"), line_height("small")
    top = 4
    if title:
        canvas.text(6, top, title, text_color, "large")
        top += big
    arrays = {name: np.asarray(values, dtype=np.float64).ravel() for name, values in series.items()}
    finite = [a[np.isfinite(a)] for a in arrays.values()]
    finite = [a for a in finite if a.size]
    y_lo = min((float(a.min()) for a in finite), default=0.0)
    y_hi = max((float(a.max()) for a in finite), default=1.0)
    if y_hi - y_lo < 1e-12:
        pad = max(abs(y_hi) * 0.05, 0.5)
        y_lo, y_hi = y_lo - pad, y_hi + pad
    y_ticks = nice_ticks(y_lo, y_hi, count=max(2, height // 60))
    label_w = max((text_width(format_value(t), "small") for t in y_ticks), default=0) + 8
    n_points = max((a.size for a in arrays.values()), default=0)
    x_hi = x_start + max(n_points - 1, 1) * x_step
    x_integer = float(x_step).is_integer() and float(x_start).is_integer()

    bottom_space = small + (big if x_label else 0) + 4
    px0, py0 = label_w, top + 4
    pw = max(10, width - label_w - 10)
    ph = max(10, height - py0 - bottom_space)
    px1, py1 = px0 + pw, py0 + ph
    canvas.frame(px0, py0, pw, ph, axis_color)

    def to_py(values: np.ndarray) -> np.ndarray:
        return py1 - 1 - (values - y_lo) / (y_hi - y_lo) * (ph - 2)

    for t in y_ticks:
        y = int(round(float(to_py(np.float64(t)))))
        if py0 <= y <= py1:
            canvas.fill(px0 + 1, y, px1 - 1, y + 1, GRID)
            label = format_value(t)
            canvas.text(px0 - text_width(label, "small") - 4, y - small // 2, label, axis_color)
    for t in nice_ticks(x_start, x_hi, count=max(2, pw // 90), integer=x_integer):
        x = px0 + 1 + (t - x_start) / (x_hi - x_start) * (pw - 2)
        label = format_value(t)
        canvas.text(int(x) - text_width(label, "small") // 2, py1 + 2, label, axis_color)
    if x_label:
        x = (px0 + px1) // 2 - text_width(x_label, "large") // 2
        canvas.text(x, height - big, x_label, axis_color, "large")

    colors = dict(colors or {})
    clip = (px0 + 1, py0 + 1, px1 - 1, py1 - 1)
    legend_x = px0 + 6
    for k, (name, values) in enumerate(arrays.items()):
        color = colors.get(name, PALETTE[k % len(PALETTE)])
        idx = np.flatnonzero(np.isfinite(values))
        if idx.size:
            fx, fy = _column_extrema(idx / max(n_points - 1, 1), values[idx], pw)
            xs, ys = px0 + 1 + fx * (pw - 2), to_py(fy)
            canvas.polyline(xs, ys, color, width=2 if idx.size > 1 else 4, clip=clip)
        if legend:
            w = text_width(name, "small")
            if legend_x + w + 14 < px1:
                canvas.fill(legend_x, py0 + 8, legend_x + 10, py0 + 10, color)
                canvas.text(legend_x + 13, py0 + 3, name, color)
            legend_x += w + 24
    if not finite:
        label = "no data yet"
        canvas.text((px0 + px1 - text_width(label, "small")) // 2, (py0 + py1 - small) // 2,
                    label, axis_color)  # fmt: skip
    return Chart(canvas.pixels, (px0, py0, pw, ph))


def save_chart_png(
    path: str | Path,
    series: Mapping[str, Sequence[float] | np.ndarray],
    size: tuple[int, int] = (800, 450),
    **kwargs,
) -> Path:
    """Render the chart (kwargs as for `render_chart`) and write it as an RGB PNG atomically."""
    chart = render_chart(series, size, **kwargs)
    return write_png(path, np.ascontiguousarray(chart.pixels[..., :3]))
