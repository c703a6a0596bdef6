"""Ray-cast sensing for all agents of one species in one compiled, parallel kernel.

Each agent casts `rays` rays spread evenly over its field of view (ray k at relative angle
-fov/2 + (k + 1/2) fov/rays). Per ray and per seen object class the input is the proximity
1 - t/range of the nearest hit (0 = nothing in range, 1 = touching). Walls (arena edges and
obstacles) hide objects behind them. Objects are discs (food, poison, agents) found through the
spatial grid, so the cost per agent depends on local density, not on N (Reynolds' "boids" bins;
Polyworld's vision is the classic ALife version of per-ray class inputs).
Input layout: ray-major (ray0.class0, ray0.class1, ..., ray1.class0, ...), then energy, speed,
clock sin/cos, cue lights - whichever the species enables.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alife.jit import njit_parallel, njit_serial
from alife.world.geometry import min_image, ray_circle, ray_rect, ray_walls
from alife.world.grid import cell_range


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
    return names


@njit_serial
def _hit_disc(
    dx, dy, rad, c, r, width, height, wrap, c_h, s_h, srange, ray_ct, ray_st, n_cls, out, twall
):
    """Record the nearest hit of each ray on one disc (offset dx, dy from the agent)."""
    dx = min_image(dx, width, wrap)
    dy = min_image(dy, height, wrap)
    reach = srange + rad
    if dx * dx + dy * dy > reach * reach:
        return
    rx = dx * c_h + dy * s_h  # the disc in the agent's frame
    ry = -dx * s_h + dy * c_h
    for k in range(ray_ct.shape[0]):
        t = ray_circle(rx, ry, rad, ray_ct[k], ray_st[k])
        q = k * n_cls + c
        if t < out[r, q] and t < twall[r, k]:
            out[r, q] = t


@njit_parallel
def sense_kernel(
    rows, x, y, heading, speed, energy, alive, species, apos, radius_tab,
    ray_ct, ray_st, srange, n_cls, ch_wall, ch_food, ch_poison, ch_agent,
    max_speed, max_energy, use_energy, use_speed, use_clock, clock_period, use_cue,
    tick, cue_on, cue_side,
    width, height, wrap, circles, rects,
    gx, gy, cw, ch, a_start, a_order, f_start, f_order, fx, fy, fkind, item_radius,
    out, twall,
):  # fmt: skip
    """Fill out (len(rows), n_sensors) float32 for agents `rows` (int64) of one species."""
    n_rays = ray_ct.shape[0]
    n_ray_inputs = n_rays * n_cls
    see_items = ch_food >= 0 or ch_poison >= 0
    see_agents = False
    for s in range(ch_agent.shape[0]):
        if ch_agent[s] >= 0:
            see_agents = True
    for r in prange(rows.shape[0]):
        i = rows[r]
        if not alive[i]:
            out[r, :] = 0.0
            continue
        xi = x[i]
        yi = y[i]
        a = apos[i]
        c_h = math.cos(heading[i])
        s_h = math.sin(heading[i])
        # walls and obstacles, per ray
        for k in range(n_rays):
            ux = c_h * ray_ct[k] - s_h * ray_st[k]
            uy = s_h * ray_ct[k] + c_h * ray_st[k]
            tw = srange
            if not wrap:
                tw = min(tw, ray_walls(xi, yi, ux, uy, width, height))
            for o in range(circles.shape[0]):
                dx = min_image(circles[o, 0] - xi, width, wrap)
                dy = min_image(circles[o, 1] - yi, height, wrap)
                tw = min(tw, ray_circle(dx, dy, circles[o, 2], ux, uy))
            for o in range(rects.shape[0]):
                # shift the box by whole arenas so its centre is the nearest image
                sx = min_image(0.5 * (rects[o, 0] + rects[o, 2]) - xi, width, wrap) + xi
                sy = min_image(0.5 * (rects[o, 1] + rects[o, 3]) - yi, height, wrap) + yi
                hx = 0.5 * (rects[o, 2] - rects[o, 0])
                hy = 0.5 * (rects[o, 3] - rects[o, 1])
                tw = min(tw, ray_rect(xi, yi, ux, uy, sx - hx, sy - hy, sx + hx, sy + hy))
            twall[r, k] = tw
            for c in range(n_cls):
                out[r, k * n_cls + c] = srange
            if ch_wall >= 0:
                out[r, k * n_cls + ch_wall] = tw
        cx = min(max(int(xi / cw), 0), gx - 1)
        cy = min(max(int(yi / ch), 0), gy - 1)
        x0, nxc = cell_range(cx, gx, wrap)
        y0, nyc = cell_range(cy, gy, wrap)
        for oy in range(nyc):
            yy = (y0 + oy) % gy
            for ox in range(nxc):
                xx = (x0 + ox) % gx
                cell = (a * gy + yy) * gx + xx
                if see_items:
                    for p in range(f_start[cell], f_start[cell + 1]):
                        j = f_order[p]
                        kind = fkind[j]
                        c = ch_food if kind == 0 else ch_poison
                        if c < 0:
                            continue
                        _hit_disc(
                            fx[j] - xi, fy[j] - yi, item_radius[kind], c, r, width, height,
                            wrap, c_h, s_h, srange, ray_ct, ray_st, n_cls, out, twall,
                        )  # fmt: skip
                if see_agents:
                    for p in range(a_start[cell], a_start[cell + 1]):
                        j = a_order[p]
                        if j == i:
                            continue
                        c = ch_agent[species[j]]
                        if c < 0:
                            continue
                        _hit_disc(
                            x[j] - xi, y[j] - yi, radius_tab[species[j]], c, r, width, height,
                            wrap, c_h, s_h, srange, ray_ct, ray_st, n_cls, out, twall,
                        )  # fmt: skip
        inv = 1.0 / srange
        for q in range(n_ray_inputs):
            t = out[r, q]
            out[r, q] = 0.0 if t >= srange else 1.0 - t * inv
        q = n_ray_inputs
        if use_energy:
            out[r, q] = min(max(energy[i] / max_energy, 0.0), 1.0)
            q += 1
        if use_speed:
            out[r, q] = speed[i] / max_speed
            q += 1
        if use_clock:
            phase = 2.0 * math.pi * (tick % clock_period) / clock_period
            out[r, q] = math.sin(phase)
            out[r, q + 1] = math.cos(phase)
            q += 2
        if use_cue:
            on = cue_on[a]
            out[r, q] = 1.0 if on and cue_side[a] == 0 else 0.0
            out[r, q + 1] = 1.0 if on and cue_side[a] == 1 else 0.0
            q += 2
