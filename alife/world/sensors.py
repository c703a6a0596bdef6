"""Ray-cast sensing: the sensor inputs of a range of agents of one species, on one thread.

Each agent casts `rays` rays spread evenly over its field of view (ray k at relative angle
-fov/2 + (k + 1/2) fov/rays). Per ray and per seen object class the input is the proximity
1 - t/range of the nearest hit (0 = nothing in range, 1 = touching). Walls (arena edges and
obstacles) hide objects behind them. Objects are discs (food, poison, agents) found through the
spatial grid, so the cost per agent depends on local density, not on N (Reynolds' "boids" bins;
Polyworld's vision is the classic ALife version of per-ray class inputs). Only grid cells under
the field-of-view sector are visited, and discs wholly outside it are culled before the per-ray
tests (ray-disc and ray-box "slab" tests, Ericson, "Real-Time Collision Detection", 5.3.2-5.3.3),
which are written branch-free so the loop over rays vectorises.
Input layout: ray-major (ray0.class0, ray0.class1, ..., ray1.class0, ...), then energy, speed,
clock sin/cos, cue lights, taste (per item look: +1 good / -1 bad, eaten last tick), dawn (+1 /
-1: food- / poison-looking items nourish, early in an episode only) - whichever the species
enables.
"""

from __future__ import annotations

import math

import numpy as np

from alife.jit import njit_callee, njit_inline
from alife.world.geometry import min_image
from alife.world.grid import span_cells, wrap_cell


def ray_angles(rays: int, fov_deg: float) -> np.ndarray:
    """Relative ray angles in radians, float64 (rays,)."""
    fov = math.radians(fov_deg)
    return -0.5 * fov + (np.arange(rays) + 0.5) * (fov / rays)


def sensor_names(species_cfg) -> list[str]:
    """Names of a species' sensor inputs in kernel order."""
    s = species_cfg.sensors
    names = [f"ray{k}.{c}" for k in range(s.rays) for c in s.sees]
    if s.energy:
        names.append("energy")
    if s.speed:
        names.append("speed")
    if s.clock:
        names += ["clock.sin", "clock.cos"]
    if s.cue:
        names += ["cue.light0", "cue.light1"]
    if s.taste:
        names += ["taste.food", "taste.poison"]
    if s.dawn:
        names.append("dawn")
    return names


_EPS = 1.0e-9
_BIG = 1.0e30


@njit_inline
def _disc_rays(rx, ry, rad, ct, st, scr, c, w):
    """Nearest hit per ray on a disc at (rx, ry) in the agent's frame, kept only where it is
    nearer than the walls scr[w]; updates scr[c] (scr: (classes + 1, rays)). Branch-free."""
    d2 = rx * rx + ry * ry
    rr = rad * rad
    if d2 <= rr:  # inside / touching: every unblocked ray reads distance 0
        for k in range(ct.shape[0]):
            if scr[w, k] > 0.0:
                scr[c, k] = 0.0
        return
    for k in range(ct.shape[0]):
        proj = rx * ct[k] + ry * st[k]
        perp2 = d2 - proj * proj
        t = proj - math.sqrt(max(rr - perp2, 0.0))
        cur = scr[c, k]
        hit = (perp2 <= rr) & (proj > 0.0) & (t < scr[w, k]) & (t < cur)
        scr[c, k] = t if hit else cur


@njit_inline
def _walls_rays(xi, yi, c_h, s_h, ct, st, srange, width, height, wrap, circles, rects, scr, w):
    """Distance per ray to the nearest wall or obstacle (capped at srange); fills scr[w, :]."""
    n = ct.shape[0]
    for k in range(n):
        scr[w, k] = srange
    if not wrap:
        for k in range(n):
            ux = c_h * ct[k] - s_h * st[k]
            uy = s_h * ct[k] + c_h * st[k]
            ax = abs(ux) > _EPS
            ay = abs(uy) > _EPS
            tx = ((width - xi) if ux > 0.0 else -xi) / (ux if ax else 1.0)
            ty = ((height - yi) if uy > 0.0 else -yi) / (uy if ay else 1.0)
            t = min(tx if ax else _BIG, ty if ay else _BIG)
            scr[w, k] = min(scr[w, k], max(t, 0.0))
    for o in range(circles.shape[0]):
        dx = min_image(circles[o, 0] - xi, width, wrap)
        dy = min_image(circles[o, 1] - yi, height, wrap)
        rx = dx * c_h + dy * s_h
        ry = -dx * s_h + dy * c_h
        d2 = rx * rx + ry * ry
        rr = circles[o, 2] * circles[o, 2]
        reach = srange + circles[o, 2]
        if d2 > reach * reach:
            continue  # out of sight range
        if d2 <= rr:
            for k in range(n):
                scr[w, k] = 0.0
            continue
        for k in range(n):
            proj = rx * ct[k] + ry * st[k]
            perp2 = d2 - proj * proj
            t = proj - math.sqrt(max(rr - perp2, 0.0))
            hit = (perp2 <= rr) & (proj > 0.0)
            scr[w, k] = min(scr[w, k], t) if hit else scr[w, k]
    for o in range(rects.shape[0]):
        # shift the box by whole arenas so its centre is the nearest image
        hx = 0.5 * (rects[o, 2] - rects[o, 0])
        hy = 0.5 * (rects[o, 3] - rects[o, 1])
        mx = min_image(0.5 * (rects[o, 0] + rects[o, 2]) - xi, width, wrap)
        my = min_image(0.5 * (rects[o, 1] + rects[o, 3]) - yi, height, wrap)
        x0 = mx - hx
        x1 = mx + hx
        y0 = my - hy
        y1 = my + hy
        qx = min(max(0.0, x0), x1)  # the box's point nearest to the agent
        qy = min(max(0.0, y0), y1)
        if qx * qx + qy * qy > srange * srange:
            continue  # out of sight range
        if x0 <= 0.0 <= x1 and y0 <= 0.0 <= y1:
            for k in range(n):
                scr[w, k] = 0.0
            continue
        for k in range(n):
            ux = c_h * ct[k] - s_h * st[k]
            uy = s_h * ct[k] + c_h * st[k]
            ux = ux if abs(ux) > _EPS else _EPS
            uy = uy if abs(uy) > _EPS else _EPS
            t1 = x0 / ux
            t2 = x1 / ux
            t3 = y0 / uy
            t4 = y1 / uy
            tmin = max(min(t1, t2), min(t3, t4))
            tmax = min(max(t1, t2), max(t3, t4))
            hit = (tmax >= tmin) & (tmax >= 0.0)
            scr[w, k] = min(scr[w, k], max(tmin, 0.0)) if hit else scr[w, k]


@njit_inline
def _sector_cells(xi, yi, c_h, s_h, cm, sm, srange, pad, cw, ch, gx, gy, wrap):
    """Grid cells covering the bounding box of the field-of-view sector (radius srange, half
    angle acos(cm) around heading (c_h, s_h)) grown by pad. Returns (x0, nx, y0, ny): visit
    cells x0 .. x0 + nx - 1 (mod gx in wrap-around arenas), likewise y."""
    # sector edge directions and, where inside the sector, the axis directions
    ex1 = c_h * cm - s_h * sm
    ey1 = s_h * cm + c_h * sm
    ex2 = c_h * cm + s_h * sm
    ey2 = s_h * cm - c_h * sm
    lo_x = min(0.0, min(ex1, ex2))
    hi_x = max(0.0, max(ex1, ex2))
    lo_y = min(0.0, min(ey1, ey2))
    hi_y = max(0.0, max(ey1, ey2))
    if c_h >= cm:
        hi_x = 1.0
    if -c_h >= cm:
        lo_x = -1.0
    if s_h >= cm:
        hi_y = 1.0
    if -s_h >= cm:
        lo_y = -1.0
    return span_cells(xi + lo_x * srange - pad, xi + hi_x * srange + pad,
                      yi + lo_y * srange - pad, yi + hi_y * srange + pad, cw, ch, gx, gy, wrap)


@njit_callee
def sense_rows(
    lo, hi, rows, dest, x, y, heading, speed, energy, alive, apos,
    ray_ct, ray_st, srange, n_cls, ch_wall, ch_tag, rad_tag, max_rad, see_any, cull,
    max_speed, max_energy, use_energy, use_speed, use_clock, clock_sin, clock_cos, use_cue,
    cue_on, cue_side, use_taste, taste, use_dawn, dawn_on, swapped,
    width, height, wrap, circles, rects,
    gx, gy, cw, ch, o_start, o_row, o_x, o_y, o_tag,
    out,
):
    """Sensor inputs of agents rows[lo:hi] (int64), all of one species: agent rows[r] gets
    out[dest[r]:...] (out float32, flat; dest int64), n_rays * n_cls ray inputs, then energy,
    speed, clock, cue as the species' flags say.

    Agent columns x ... apos (N,) (alive bool, apos int64 arena position); the species' rays
    ray_ct, ray_st (n_rays,) (cos, sin of the angle to the heading), sight range srange, n_cls
    classes, walls seen in channel ch_wall (-1: unseen); object tag t is seen in channel
    ch_tag[t] (-1 = unseen) as a disc of radius rad_tag[t], max_rad the largest seen, see_any:
    any tag seen; cull: the field of view is convex. cue_on (A,) bool and cue_side (A,) int64
    per arena; use_taste: taste inputs from taste (N,) int64 (0 nothing eaten last tick, else
    1 + 2 * look + role); use_dawn: the dawn input, shown while dawn_on, says which look
    nourishes (swapped (A,) bool per arena). Objects (living agents and items) come from the
    grid of the cells gx x gy of size cw x ch, gathered in cell order (o_start (cells + 1,),
    o_row, o_x, o_y, o_tag), so neighbour scans read memory contiguously."""
    n_rays = ray_ct.shape[0]
    n_out = (n_rays * n_cls + use_energy + use_speed + 2 * use_clock + 2 * use_cue
             + 2 * use_taste + use_dawn)
    inv = 1.0 / srange
    # field-of-view culling: a disc must meet the wedge between the outermost rays
    ca = ray_ct[n_rays - 1]
    sa = ray_st[n_rays - 1]
    scr = np.empty((n_cls + 1, n_rays))  # work space, stays in L1
    for r in range(lo, hi):
        i = rows[r]
        q0 = dest[r]
        if not alive[i]:
            for q in range(n_out):
                out[q0 + q] = 0.0
            continue
        xi = x[i]
        yi = y[i]
        a = apos[i]
        c_h = math.cos(heading[i])
        s_h = math.sin(heading[i])
        _walls_rays(xi, yi, c_h, s_h, ray_ct, ray_st, srange, width, height, wrap, circles,
                rects, scr, n_cls)
        for c in range(n_cls):
            for k in range(n_rays):
                scr[c, k] = srange
        if ch_wall >= 0:
            for k in range(n_rays):
                scr[ch_wall, k] = scr[n_cls, k]
        x0, nxc, y0, nyc = _sector_cells(
            xi, yi, c_h, s_h, ca, sa, srange, max_rad, cw, ch, gx, gy, wrap
        )
        if not see_any:
            nyc = 0
        for oy in range(nyc):
            yy = wrap_cell(y0 + oy, gy)
            for ox in range(nxc):
                cell = (a * gy + yy) * gx + wrap_cell(x0 + ox, gx)
                for p in range(o_start[cell], o_start[cell + 1]):
                    c = ch_tag[o_tag[p]]
                    if c < 0 or o_row[p] == i:
                        continue
                    rad = rad_tag[o_tag[p]]
                    dx = min_image(o_x[p] - xi, width, wrap)
                    dy = min_image(o_y[p] - yi, height, wrap)
                    reach = srange + rad
                    if dx * dx + dy * dy > reach * reach:
                        continue
                    rx = dx * c_h + dy * s_h
                    ry = -dx * s_h + dy * c_h
                    if cull and (ca * ry - sa * rx > rad or ca * ry + sa * rx < -rad):
                        continue  # wholly outside the field of view
                    _disc_rays(rx, ry, rad, ray_ct, ray_st, scr, c, n_cls)
        for k in range(n_rays):
            for c in range(n_cls):
                t = scr[c, k]
                out[q0 + k * n_cls + c] = 0.0 if t >= srange else 1.0 - t * inv
        q = q0 + n_rays * n_cls
        if use_energy:
            out[q] = min(max(energy[i] / max_energy, 0.0), 1.0)
            q += 1
        if use_speed:
            out[q] = speed[i] / max_speed
            q += 1
        if use_clock:
            out[q] = clock_sin
            out[q + 1] = clock_cos
            q += 2
        if use_cue:
            on = cue_on[a]
            out[q] = 1.0 if on and cue_side[a] == 0 else 0.0
            out[q + 1] = 1.0 if on and cue_side[a] == 1 else 0.0
            q += 2
        if use_taste:
            code = taste[i] - 1  # 2 * look + role, -1 = nothing eaten
            look = code // 2
            good = 1.0 if code % 2 == 0 else -1.0
            out[q] = good if code >= 0 and look == 0 else 0.0
            out[q + 1] = good if code >= 0 and look == 1 else 0.0
            q += 2
        if use_dawn:
            out[q] = (-1.0 if swapped[a] else 1.0) if dawn_on else 0.0


@njit_callee
def clock_inputs(clock_period, tick):
    """(2, S) float64: sin and cos of each species' clock (period (S,) int64) at this tick."""
    clock = np.empty((2, clock_period.shape[0]))
    for s in range(clock.shape[1]):
        period = clock_period[s]
        phase = 2.0 * math.pi * (tick % period) / period
        clock[0, s] = math.sin(phase)
        clock[1, s] = math.cos(phase)
    return clock
