"""Line charts drawn with pygame onto any Surface: the window's live HUD chart and the headless
`fitness.png` of evolution runs share this one module (DESIGN section 4).

Works without a display: `pygame.Surface` and `pygame.font` need no window, and
`save_chart_png` writes a PNG with `pygame.image.save`. Long series are reduced to at most
two points per horizontal pixel (min and max of each column) so drawing stays O(width).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pygame

Color = tuple[int, int, int]

PALETTE: tuple[Color, ...] = (
    (240, 180, 60),  # amber
    (90, 170, 250),  # blue
    (120, 220, 120),  # green
    (240, 100, 100),  # red
    (200, 130, 240),  # violet
    (90, 220, 220),  # cyan
    (230, 230, 230),  # light grey
)

_FONTS: dict[int, pygame.font.Font] = {}


def get_font(size: int) -> pygame.font.Font:
    """The default pygame font at `size` px, cached (initialises pygame.font if needed)."""
    if not pygame.font.get_init():
        pygame.font.init()
    font = _FONTS.get(size)
    if font is None:
        font = pygame.font.Font(None, size)
        _FONTS[size] = font
    return font


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


def draw_line_chart(
    surface: pygame.Surface,
    rect: pygame.Rect | tuple[int, int, int, int],
    series: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str = "",
    x_label: str = "",
    colors: Mapping[str, Color] | None = None,
    x_start: float = 0.0,
    x_step: float = 1.0,
    background: Color | None = (18, 20, 26),
    axis_color: Color = (120, 124, 135),
    text_color: Color = (220, 222, 228),
    font_size: int = 18,
    legend: bool = True,
) -> pygame.Rect:
    """Draw each named series as a line over its index (x = x_start + i * x_step) inside `rect`.

    series: name -> 1-D values (NaN/inf are skipped); all series share the axes. Returns the
    plot area's Rect (inside the axes). Empty data draws the frame and "no data yet".
    """
    rect = pygame.Rect(rect)
    if background is not None:
        surface.fill(background, rect)
    font = get_font(font_size)
    small = get_font(max(10, font_size - 3))
    line_h = font.get_linesize()

    top = rect.top + 4
    if title:
        surface.blit(font.render(title, True, text_color), (rect.left + 6, top))
        top += line_h
    arrays = {name: np.asarray(values, dtype=np.float64).ravel() for name, values in series.items()}
    finite = [a[np.isfinite(a)] for a in arrays.values()]
    finite = [a for a in finite if a.size]
    y_lo = min((float(a.min()) for a in finite), default=0.0)
    y_hi = max((float(a.max()) for a in finite), default=1.0)
    if y_hi - y_lo < 1e-12:
        pad = max(abs(y_hi) * 0.05, 0.5)
        y_lo, y_hi = y_lo - pad, y_hi + pad
    y_ticks = nice_ticks(y_lo, y_hi, count=max(2, rect.height // 60))
    label_w = max((small.size(format_value(t))[0] for t in y_ticks), default=0) + 8
    n_points = max((a.size for a in arrays.values()), default=0)
    x_hi = x_start + max(n_points - 1, 1) * x_step
    x_integer = float(x_step).is_integer() and float(x_start).is_integer()

    bottom_space = small.get_linesize() + (line_h if x_label else 0) + 4
    plot = pygame.Rect(
        rect.left + label_w,
        top + 4,
        max(10, rect.width - label_w - 10),
        max(10, rect.bottom - top - 4 - bottom_space),
    )
    pygame.draw.rect(surface, axis_color, plot, 1)

    def to_py(values: np.ndarray) -> np.ndarray:
        return plot.bottom - 1 - (values - y_lo) / (y_hi - y_lo) * (plot.height - 2)

    for t in y_ticks:
        py = int(round(float(to_py(np.float64(t)))))
        if plot.top <= py <= plot.bottom:
            pygame.draw.line(surface, (45, 48, 58), (plot.left + 1, py), (plot.right - 2, py))
            lab = small.render(format_value(t), True, axis_color)
            surface.blit(lab, (plot.left - lab.get_width() - 4, py - lab.get_height() // 2))
    for t in nice_ticks(x_start, x_hi, count=max(2, plot.width // 90), integer=x_integer):
        px = plot.left + 1 + (t - x_start) / (x_hi - x_start) * (plot.width - 2)
        lab = small.render(format_value(t), True, axis_color)
        surface.blit(lab, (int(px) - lab.get_width() // 2, plot.bottom + 2))
    if x_label:
        lab = font.render(x_label, True, axis_color)
        surface.blit(lab, (plot.centerx - lab.get_width() // 2, rect.bottom - line_h))

    colors = dict(colors or {})
    legend_x = plot.left + 6
    old_clip = surface.get_clip()
    surface.set_clip(plot.clip(old_clip))
    for k, (name, values) in enumerate(arrays.items()):
        color = colors.get(name, PALETTE[k % len(PALETTE)])
        idx = np.flatnonzero(np.isfinite(values))
        if idx.size:
            frac = idx / max(n_points - 1, 1)
            fx, fy = _column_extrema(frac, values[idx], plot.width)
            px = plot.left + 1 + fx * (plot.width - 2)
            points = np.stack([px, to_py(fy)], axis=1).round().astype(np.int32)
            if len(points) == 1:
                pygame.draw.circle(surface, color, points[0].tolist(), 2)
            else:
                pygame.draw.lines(surface, color, False, points.tolist(), 2)
        if legend:
            lab = small.render(name, True, color)
            if legend_x + lab.get_width() + 14 < plot.right:
                pygame.draw.line(
                    surface, color, (legend_x, plot.top + 9), (legend_x + 10, plot.top + 9), 2
                )
                surface.blit(lab, (legend_x + 13, plot.top + 3))
            legend_x += lab.get_width() + 24
    surface.set_clip(old_clip)
    if not finite:
        lab = small.render("no data yet", True, axis_color)
        surface.blit(lab, lab.get_rect(center=plot.center))
    return plot


def render_chart(
    series: Mapping[str, Sequence[float] | np.ndarray],
    size: tuple[int, int] = (800, 450),
    **kwargs,
) -> pygame.Surface:
    """A new off-screen Surface of `size` with the chart drawn on it (no display needed)."""
    surface = pygame.Surface(size)
    draw_line_chart(surface, surface.get_rect(), series, **kwargs)
    return surface


def save_chart_png(
    path: str | Path,
    series: Mapping[str, Sequence[float] | np.ndarray],
    size: tuple[int, int] = (800, 450),
    **kwargs,
) -> Path:
    """Draw the chart off-screen and write it as PNG to `path` atomically (temp file + rename).

    kwargs go to `draw_line_chart` (title=, x_label=, colors=, x_start=, ...).
    """
    path = Path(path)
    surface = render_chart(series, size, **kwargs)
    tmp = path.with_name(path.stem + ".tmp.png")  # pygame picks the format from the suffix
    pygame.image.save(surface, str(tmp))
    tmp.replace(path)
    return path
