"""Act and physics: turn, thrust, integrate, then resolve collisions, for a range of agents.

Kinematic bodies (no inertia), as in most evolved-controller ALife arenas (e.g. Polyworld,
EvoJAX's water world): heading += turn * max_turn, speed = thrust * max_speed (backwards at
`reverse` of that). Collisions are resolved Jacobi-style so every agent writes only its own slot:
(1) push apart overlapping agents using everyone's proposed positions, (2) push out of obstacles,
(3) clamp to the walls (or wrap around). Steps (2)-(3) repeat once if they moved the agent,
so corners settle. Each function does agents lo..hi-1 on one thread (alife.world.passes runs
them over all agents in parallel).
"""

from __future__ import annotations

import math

from alife.jit import njit_callee
from alife.world.geometry import min_image, push_out_circle, push_out_rect
from alife.world.grid import box_cells, wrap_cell

TWO_PI = 2.0 * math.pi


@njit_callee
def move_rows(lo, hi, motors, x, y, heading, speed, alive, done, species, signal, held, max_turn,
          max_speed, reverse, shows, px, py):
    """Apply motors (N, >=2) float32 (turn, thrust in [-1, 1]) of agents lo..hi-1; write their
    proposed positions px, py (float64 (N,)) and update heading and speed. Dead, finished
    (done) and held agents stay put. Species s with shows[s] show motors 2..4 as their colour
    (signal (N, 3) float32); max_turn, max_speed, reverse (S,) per species."""
    for i in range(lo, hi):
        s = species[i]
        if shows[s]:
            for c in range(3):
                signal[i, c] = 0.5 * (motors[i, 2 + c] + 1.0)
        if (not alive[i]) or done[i] or held:
            speed[i] = 0.0
            px[i] = x[i]
            py[i] = y[i]
            continue
        h = heading[i] + motors[i, 0] * max_turn[s]
        h = (h + math.pi) % TWO_PI - math.pi
        heading[i] = h
        thrust = motors[i, 1]
        v = thrust * max_speed[s]
        if thrust < 0.0:
            v *= reverse[s]
        speed[i] = v
        px[i] = x[i] + math.cos(h) * v
        py[i] = y[i] + math.sin(h) * v


@njit_callee
def collide_rows(lo, hi, px, py, alive, species, apos, radius_tab, collide_tab, width, height, wrap,
             circles, rects, gx, gy, cw, ch, reach, o_start, o_row, x, y):
    """Resolve collisions of the proposed positions px, py of agents lo..hi-1; write their
    final x, y.

    The object grid (o_start, o_row: agents have row >= 0 and come first in a cell) is from
    before the move; reach (two bodies plus one move) is how far a touching neighbour's grid
    position can be from this agent's proposed one. Neighbours are visited in cell order,
    agents of a cell by row."""
    for i in range(lo, hi):
        if not alive[i]:
            x[i] = px[i]
            y[i] = py[i]
            continue
        s = species[i]
        ri = radius_tab[s]
        xi = px[i]
        yi = py[i]
        if collide_tab[s]:
            sx = 0.0
            sy = 0.0
            a = apos[i]
            x0, nxc, y0, nyc = box_cells(xi, yi, reach, cw, ch, gx, gy, wrap)
            for oy in range(nyc):
                yy = wrap_cell(y0 + oy, gy)
                for ox in range(nxc):
                    xx = wrap_cell(x0 + ox, gx)
                    cell = (a * gy + yy) * gx + xx
                    for p in range(o_start[cell], o_start[cell + 1]):
                        j = o_row[p]
                        if j < 0:
                            break  # items come after a cell's agents
                        if j == i or not collide_tab[species[j]]:
                            continue
                        dx = min_image(xi - px[j], width, wrap)
                        dy = min_image(yi - py[j], height, wrap)
                        need = ri + radius_tab[species[j]]
                        d2 = dx * dx + dy * dy
                        if d2 >= need * need:
                            continue
                        if d2 < 1e-18:
                            # same spot: split along x, lower index to the left
                            sx += -0.5 * need if i < j else 0.5 * need
                            continue
                        d = math.sqrt(d2)
                        f = 0.5 * (need - d) / d
                        sx += dx * f
                        sy += dy * f
            xi += sx
            yi += sy
        for _ in range(2):
            x_in = xi
            y_in = yi
            for o in range(circles.shape[0]):
                ccx = min_image(circles[o, 0] - xi, width, wrap) + xi
                ccy = min_image(circles[o, 1] - yi, height, wrap) + yi
                xi, yi = push_out_circle(xi, yi, ri, ccx, ccy, circles[o, 2])
            for o in range(rects.shape[0]):
                mx = min_image(0.5 * (rects[o, 0] + rects[o, 2]) - xi, width, wrap) + xi
                my = min_image(0.5 * (rects[o, 1] + rects[o, 3]) - yi, height, wrap) + yi
                hx = 0.5 * (rects[o, 2] - rects[o, 0])
                hy = 0.5 * (rects[o, 3] - rects[o, 1])
                xi, yi = push_out_rect(xi, yi, ri, mx - hx, my - hy, mx + hx, my + hy)
            if wrap:
                xi = xi % width
                yi = yi % height
                if xi >= width:  # a tiny negative value rounds up to width
                    xi = 0.0
                if yi >= height:
                    yi = 0.0
            else:
                xi = min(max(xi, ri), width - ri)
                yi = min(max(yi, ri), height - ri)
            if xi == x_in and yi == y_in:
                break  # nothing pushed: settled
        x[i] = xi
        y[i] = yi
