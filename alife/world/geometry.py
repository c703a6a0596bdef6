"""Small compiled geometry helpers shared by sensing and physics: minimum-image displacement
for wrap-around arenas and pushing a disc out of a circle or an axis-aligned box (closest-point
tests, Ericson, "Real-Time Collision Detection", 2005, 5.1.3). Scalar @njit helpers inlined into
the batched kernels; infinities are avoided on purpose (the kernels compile with fastmath).
"""

from __future__ import annotations

import math

from alife.jit import njit_inline

_EPS = 1.0e-12


@njit_inline
def min_image(d, size, wrap):
    """Shortest signed displacement along one axis (wrap-around arenas)."""
    if wrap:
        half = 0.5 * size
        if d > half:
            d -= size
        elif d < -half:
            d += size
    return d


@njit_inline
def push_out_circle(px, py, r, cx, cy, cr):
    """Move a disc (px, py, r) out of a circle (cx, cy, cr); returns the new centre."""
    dx = px - cx
    dy = py - cy
    d2 = dx * dx + dy * dy
    need = r + cr
    if d2 >= need * need:
        return px, py
    d = math.sqrt(d2)
    if d < _EPS:
        return cx + need, cy
    s = need / d
    return cx + dx * s, cy + dy * s


@njit_inline
def push_out_rect(px, py, r, x0, y0, x1, y1):
    """Move a disc (px, py, r) out of the box [x0, x1] x [y0, y1]; returns the new centre."""
    qx = min(max(px, x0), x1)
    qy = min(max(py, y0), y1)
    if qx == px and qy == py:
        # centre inside the box: leave through the nearest side
        dl = px - x0
        dr = x1 - px
        db = py - y0
        dt = y1 - py
        m = min(min(dl, dr), min(db, dt))
        if m == dl:
            return x0 - r, py
        if m == dr:
            return x1 + r, py
        if m == db:
            return px, y0 - r
        return px, y1 + r
    dx = px - qx
    dy = py - qy
    d2 = dx * dx + dy * dy
    if d2 >= r * r:
        return px, py
    d = math.sqrt(d2)
    s = r / d
    return qx + dx * s, qy + dy * s
