"""Placing agents, food items, food patches and cue sides, with counter-based random numbers.

Every draw is `uniform(arena key, tick, stream, local index, draw)` (alife.world.rng), where the
local index counts within one arena, so an arena is laid out the same whichever World holds it.
Points inside obstacles are redrawn (rejection sampling, at most MAX_TRIES draws).
"""

from __future__ import annotations

import math

from alife.jit import njit_inline, njit_serial
from alife.world.rng import P_CUE, P_FOOD, P_PATCH, P_REGROW, P_SPAWN, P_SWAP, uniform

MAX_TRIES = 64


@njit_inline
def blocked(px, py, r, circles, rects):
    """True when a disc of radius r at (px, py) overlaps an obstacle."""
    for o in range(circles.shape[0]):
        dx = px - circles[o, 0]
        dy = py - circles[o, 1]
        need = r + circles[o, 2]
        if dx * dx + dy * dy < need * need:
            return True
    for o in range(rects.shape[0]):
        qx = min(max(px, rects[o, 0]), rects[o, 2])
        qy = min(max(py, rects[o, 1]), rects[o, 3])
        dx = px - qx
        dy = py - qy
        if dx * dx + dy * dy < r * r:
            return True
    return False


def place_agents(rows, keys, agents, sp, obstacles, grid, tick) -> None:
    """Draw a free start pose for each agent in rows (int64): writes x, y, heading of agents
    (AgentColumns; sp: SpeciesTables) from the arena keys (A,) uint64 and the draw's tick."""
    _place_agents(rows, keys, agents.apos, agents.local, agents.species, agents.x, agents.y,
                  agents.heading, sp.area, sp.heading, sp.random_heading, sp.radius,
                  obstacles.circles, obstacles.rects, grid.width, grid.height, tick)  # fmt: skip


@njit_serial
def _place_agents(rows, keys, apos, local, species, x, y, heading, area_tab, heading_tab,
                  random_heading, radius_tab, circles, rects, width, height, tick):  # fmt: skip
    """place_agents on the tables' arrays (plain arrays compile a smaller entry than tables)."""
    for q in range(rows.shape[0]):
        i = rows[q]
        s = species[i]
        key = keys[apos[i]]
        stream = P_SPAWN * 64 + s
        r = radius_tab[s]
        x0 = max(area_tab[s, 0], r)
        y0 = max(area_tab[s, 1], r)
        x1 = max(min(area_tab[s, 2], width - r), x0)
        y1 = max(min(area_tab[s, 3], height - r), y0)
        px = x0
        py = y0
        for t in range(MAX_TRIES):
            px = x0 + (x1 - x0) * uniform(key, tick, stream, local[i], 3 * t)
            py = y0 + (y1 - y0) * uniform(key, tick, stream, local[i], 3 * t + 1)
            if not blocked(px, py, r, circles, rects):
                break
        x[i] = px
        y[i] = py
        if random_heading[s]:
            heading[i] = -math.pi + 2.0 * math.pi * uniform(key, tick, stream, local[i], 999)
        else:
            heading[i] = heading_tab[s]


@njit_inline
def _place_item(f, key, tick, stream, local, kind, patch_xy, a, it, circles, rects, width, height,
                fx, fy):
    """Draw a free place for slot f (of arena a, kind, local index) into fx, fy; it: ItemTables."""
    patch_off, patch_n, patch_r, item_radius = it.patch_off, it.patch_n, it.patch_r, it.radius
    rf = item_radius[kind]
    px = 0.5 * width
    py = 0.5 * height
    for t in range(MAX_TRIES):
        u1 = uniform(key, tick, stream, local, 2 * t)
        u2 = uniform(key, tick, stream, local, 2 * t + 1)
        if patch_n[kind] > 0:
            p = patch_off[kind] + local % patch_n[kind]
            rad = patch_r[kind] * math.sqrt(u1)
            ang = 2.0 * math.pi * u2
            px = min(max(patch_xy[a, p, 0] + rad * math.cos(ang), rf), width - rf)
            py = min(max(patch_xy[a, p, 1] + rad * math.sin(ang), rf), height - rf)
        else:
            px = rf + (width - 2.0 * rf) * u1
            py = rf + (height - 2.0 * rf) * u2
        if not blocked(px, py, rf, circles, rects):
            break
    fx[f] = px
    fy[f] = py


@njit_serial
def place_items(items, arenas, it, obstacles, grid, tick):
    """Episode start: place every slot of items (ItemSlots; it: ItemTables); slots with
    start_active get an item (arenas: Arenas, whose patch centres are already drawn)."""
    width = grid.width
    height = grid.height
    circles, rects = obstacles
    keys = arenas.keys
    patch_xy = arenas.patch_xy
    farena = items.farena
    flocal = items.flocal
    fkind = items.fkind
    fx = items.fx
    fy = items.fy
    factive = items.factive
    start_active = items.start_active
    for f in range(fx.shape[0]):
        a = farena[f]
        _place_item(f, keys[a], tick, P_FOOD, flocal[f], fkind[f], patch_xy, a, it, circles,
                    rects, width, height, fx, fy)
        factive[f] = start_active[f]


@njit_serial
def regrowth_at(regrow, season_period, season_amp, tick):
    """(2,) float64: each item kind's regrowth chance at `tick` (see ItemTables)."""
    out = regrow.copy()
    for k in range(out.shape[0]):
        if season_period[k] > 0:
            phase = 2.0 * math.pi * (tick % season_period[k]) / season_period[k]
            out[k] = regrow[k] * (1.0 + season_amp[k] * math.sin(phase))
    return out


@njit_serial
def regrow(keys, farena, flocal, fkind, can_regrow, regrow_p, patch_xy, it, circles, rects,
            width, height, tick, fx, fy, factive):
    """Each empty slot f that can regrow (can_regrow) grows a new item with probability
    regrow_p[fkind[f]], placed as at the episode start (it: ItemTables)."""
    for f in range(fx.shape[0]):
        if factive[f] or not can_regrow[f]:
            continue
        kind = fkind[f]
        p = regrow_p[kind]
        if p <= 0.0:
            continue
        a = farena[f]
        if uniform(keys[a], tick, P_REGROW, flocal[f], 0) < p:
            _place_item(f, keys[a], tick, P_REGROW + 16, flocal[f], kind, patch_xy, a, it,
                        circles, rects, width, height, fx, fy)
            factive[f] = True


def patches_and_cues(arenas, it, obstacles, grid, tick) -> None:
    """Per arena: patch centres arenas.patch_xy (A, P, 2) away from walls/obstacles, cue side
    arenas.cue_side 0/1 (A,), and whether food and poison trade roles, arenas.swapped (A,)
    (drawn only when it.swap > 0; it: ItemTables)."""
    _patches_and_cues(arenas.keys, arenas.patch_xy, arenas.cue_side, arenas.swapped,
                      it.patch_r_of, float(it.swap[0]), obstacles.circles, obstacles.rects,
                      grid.width, grid.height, tick)  # fmt: skip


@njit_serial
def _patches_and_cues(keys, patch_xy, cue_side, swapped, patch_r_of, swap, circles, rects, width,
                      height, tick):  # fmt: skip
    """patches_and_cues on the tables' arrays."""
    for a in range(keys.shape[0]):
        key = keys[a]
        for p in range(patch_xy.shape[1]):
            r = patch_r_of[p]
            m = min(r, 0.25 * min(width, height))
            for t in range(MAX_TRIES):
                px = m + (width - 2.0 * m) * uniform(key, tick, P_PATCH, p, 2 * t)
                py = m + (height - 2.0 * m) * uniform(key, tick, P_PATCH, p, 2 * t + 1)
                patch_xy[a, p, 0] = px
                patch_xy[a, p, 1] = py
                if not blocked(px, py, 0.5 * m, circles, rects):
                    break
        cue_side[a] = 0 if uniform(key, tick, P_CUE, 0, 0) < 0.5 else 1
        if swap > 0.0:
            swapped[a] = uniform(key, tick, P_SWAP, 0, 0) < swap
