"""Phylogenies as pixels, in NumPy alone: `run.py lineage` draws a run's lineage with it.

A rectangular tree: time runs left to right (the x axis: generation or tick), each node is a
horizontal line from its parent's birth to its own, and a vertical line at a parent's birth
joins its children. Leaves are stacked top to bottom in depth-first order, so every subtree is
one contiguous band, and an inner node sits midway between its first and last child. Nodes of
interest (ancestors of the newest genomes) are drawn on top in their category colour (genome
cluster), the rest dim.
"""

from __future__ import annotations

import numpy as np

from alife.chart import Chart, format_value, nice_ticks
from alife.chart.canvas import Canvas
from alife.chart.colors import category_colors
from alife.chart.glyphs import line_height, text_width

DIM = (62, 66, 80)
AXIS = (120, 124, 135)
TEXT = (220, 222, 228)


def tree_layout(parent: np.ndarray, band: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Vertical positions of a forest: parent (N,) int64 row of each node's parent (-1 for a
    root), parents before children. Returns (y (N,) float64 in leaf units, leaf count). Roots
    are visited in order of `band` (N,) (then row), so each band (species) is one block."""
    parent = np.asarray(parent, np.int64).reshape(-1)
    n = parent.size
    if n == 0:
        return np.zeros(0), 0
    if ((parent >= np.arange(n)) & (parent >= 0)).any():
        raise ValueError("every parent must come before its children")
    has_parent = parent >= 0
    order = np.argsort(np.where(has_parent, parent, -1), kind="stable")  # children by parent
    children_of = order[np.count_nonzero(~has_parent) :]
    first = np.searchsorted(parent[children_of], np.arange(n), side="left")
    last = np.searchsorted(parent[children_of], np.arange(n), side="right")
    roots = np.flatnonzero(~has_parent)
    if band is not None:
        roots = roots[np.argsort(np.asarray(band)[roots], kind="stable")]
    leaf_y = np.full(n, -1.0)
    count = 0
    stack = roots[::-1].tolist()
    while stack:  # depth first, children in row order
        i = stack.pop()
        a, b = first[i], last[i]
        if a == b:
            leaf_y[i] = count
            count += 1
        else:
            stack.extend(children_of[a:b][::-1].tolist())
    y = leaf_y.copy()
    for i in range(n - 1, -1, -1):  # children after parents: fill inner nodes bottom up
        a, b = first[i], last[i]
        if a < b:
            kids = children_of[a:b]
            y[i] = 0.5 * (y[kids[0]] + y[kids[-1]])
    return y, count


def render_tree(
    time: np.ndarray,
    parent: np.ndarray,
    category: np.ndarray,
    highlight: np.ndarray,
    size: tuple[int, int] = (1200, 800),
    *,
    band: np.ndarray | None = None,
    band_names: list[str] | None = None,
    second_parent: np.ndarray | None = None,
    title: str = "",
    x_label: str = "",
    legend: str = "",
) -> Chart:
    """The forest of nodes (N,) on an RGBA canvas. time (N,) birth time (x); parent,
    second_parent (N,) int64 rows (-1 none; a second parent adds a thin link); category (N,) int
    (colour of highlighted nodes); highlight (N,) bool; band (N,) int (roots grouped by it, each
    group labelled with band_names[band])."""
    width, height = (max(120, int(v)) for v in size)
    canvas = Canvas(width, height, (18, 20, 26))
    big, small = line_height("large"), line_height("small")
    top = 4
    if title:
        canvas.text(6, top, title, TEXT, "large")
        top += big
    if legend:
        canvas.text(6, top, legend, AXIS, "small")
        top += small
    time = np.asarray(time, np.float64).reshape(-1)
    parent = np.asarray(parent, np.int64).reshape(-1)
    y, leaves = tree_layout(parent, band)
    t0 = float(time.min()) if time.size else 0.0
    t1 = float(time.max()) if time.size else 1.0
    t1 = t1 if t1 > t0 else t0 + 1.0
    label_w = 90 if band_names else 8
    px0, py0 = label_w, top + 6
    pw, ph = width - px0 - 12, height - py0 - small - (big if x_label else 0) - 8
    canvas.frame(px0 - 1, py0 - 1, pw + 2, ph + 2, AXIS)

    def sx(t):
        return px0 + (np.asarray(t, np.float64) - t0) / (t1 - t0) * (pw - 1)

    def sy(v):
        return py0 + (np.asarray(v, np.float64) + 0.5) / max(leaves, 1) * (ph - 1)

    for t in nice_ticks(t0, t1, count=max(2, pw // 110), integer=True):
        x = int(round(float(sx(t))))
        canvas.fill(x, py0 + ph + 1, x + 1, py0 + ph + 4, AXIS)
        label = format_value(t)
        canvas.text(x - text_width(label, "small") // 2, py0 + ph + 4, label, AXIS)
    if x_label:
        canvas.text(px0 + pw // 2 - text_width(x_label, "large") // 2, height - big - 2, x_label,
                    AXIS, "large")  # fmt: skip
    if time.size:
        highlight = np.asarray(highlight, bool).reshape(-1)
        colors = category_colors(category)
        for keep, paint in ((~highlight, None), (highlight, colors)):  # dim first, bright on top
            _draw_edges(canvas, keep, parent, second_parent, time, y, sx, sy, paint)
        if band is not None and band_names:
            band = np.asarray(band).reshape(-1)
            for b, name in enumerate(band_names):
                rows = np.flatnonzero(band == b)
                if rows.size:
                    mid = float(sy(0.5 * (y[rows].min() + y[rows].max())))
                    canvas.text(4, int(mid) - small // 2, name[:14], TEXT)
    return Chart(canvas.pixels, (px0, py0, pw, ph))


def _draw_edges(canvas, keep, parent, second, time, y, sx, sy, colors) -> None:
    """Horizontal node lines, vertical joins at each parent, thin links to second parents."""
    rows = np.flatnonzero(keep)
    p = parent[rows]
    paint = (np.tile(np.array(DIM, np.uint8), (rows.size, 1)) if colors is None
             else colors[rows])  # fmt: skip
    start = np.where(p >= 0, time[np.maximum(p, 0)], time[rows])
    x_end, y_node = sx(time[rows]), sy(y[rows])
    x_start = sx(start)
    canvas.segments(x_start, y_node, x_end, y_node, paint)  # the node's own line
    linked = p >= 0
    canvas.segments(x_start[linked], sy(y[p[linked]]), x_start[linked], y_node[linked],
                    paint[linked])  # fmt: skip
    canvas.segments(x_end, y_node, x_end, y_node, paint)  # the birth itself, one pixel
    if second is not None:
        q = np.asarray(second, np.int64)[rows]
        two = q >= 0
        shade = (paint[two].astype(np.int64) * 3 // 5).astype(np.uint8)
        canvas.segments(sx(time[q[two]]), sy(y[q[two]]), x_end[two], y_node[two], shade)
