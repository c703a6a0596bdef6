"""Small compiled geometry helpers shared by sensing and physics.

Ray tests follow the textbook forms (Ericson, "Real-Time Collision Detection", 2005: 5.3.2
ray-sphere, 5.3.3 ray-box "slab" test). All functions are scalar @njit helpers inlined into the
batched kernels. A ray is (ox, oy) + t (ux, uy), t >= 0, with (ux, uy) a unit vector; a miss
returns `NO_HIT`. Infinities are avoided on purpose (the kernels compile with fastmath).
"""

from __future__ import annotations

import math

from alife.jit import njit_serial

NO_HIT = 1.0e30
_EPS = 1.0e-12


@njit_serial
def min_image(d, size, wrap):
    """Shortest signed displacement along one axis (wrap-around arenas)."""
    if wrap:
        half = 0.5 * size
        if d > half:
            d -= size
        elif d < -half:
            d += size
    return d


@njit_serial
def ray_circle(dx, dy, r, ux, uy):
    """Distance along the ray to a circle whose centre is (dx, dy) from the ray origin.

    0 when the origin is inside the circle; NO_HIT on a miss."""
    d2 = dx * dx + dy * dy
    rr = r * r
    if d2 <= rr:
        return 0.0
    proj = dx * ux + dy * uy
    if proj <= 0.0:
        return NO_HIT
    perp2 = d2 - proj * proj
    if perp2 > rr:
        return NO_HIT
    return proj - math.sqrt(rr - perp2)


@njit_serial
def ray_rect(ox, oy, ux, uy, x0, y0, x1, y1):
    """Distance along the ray to an axis-aligned box [x0, x1] x [y0, y1] (0 if inside)."""
    if x0 <= ox <= x1 and y0 <= oy <= y1:
        return 0.0
    tmin = -NO_HIT
    tmax = NO_HIT
    if abs(ux) < _EPS:
        if ox < x0 or ox > x1:
            return NO_HIT
    else:
        t1 = (x0 - ox) / ux
        t2 = (x1 - ox) / ux
        tmin = max(tmin, min(t1, t2))
        tmax = min(tmax, max(t1, t2))
    if abs(uy) < _EPS:
        if oy < y0 or oy > y1:
            return NO_HIT
    else:
        t1 = (y0 - oy) / uy
        t2 = (y1 - oy) / uy
        tmin = max(tmin, min(t1, t2))
        tmax = min(tmax, max(t1, t2))
    if tmax < tmin or tmax < 0.0:
        return NO_HIT
    return max(tmin, 0.0)


@njit_serial
def ray_walls(ox, oy, ux, uy, width, height):
    """Distance along the ray to the arena boundary, from inside [0, width] x [0, height]."""
    t = NO_HIT
    if ux > _EPS:
        t = min(t, (width - ox) / ux)
    elif ux < -_EPS:
        t = min(t, -ox / ux)
    if uy > _EPS:
        t = min(t, (height - oy) / uy)
    elif uy < -_EPS:
        t = min(t, -oy / uy)
    return max(t, 0.0)


@njit_serial
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


@njit_serial
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
