"""Slow, obviously-correct NumPy references for the compiled kernels (stumpy's naive.py idea).

Each part of the project appends its own section. Everything here favours clarity over speed:
dense matrices, explicit loops, float64.
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------------------------
# Brain: WHT, FFB net, hashed memory, NTM controller and its heads
# ---------------------------------------------------------------------------------------------


def hadamard(n: int) -> np.ndarray:
    """Dense Sylvester Hadamard matrix H (n, n) of ±1, natural order."""
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def wht_ref(x: np.ndarray) -> np.ndarray:
    """Orthonormal WHT along the last axis: x @ H / sqrt(n), float64."""
    n = x.shape[-1]
    return np.asarray(x, np.float64) @ hadamard(n) / np.sqrt(n)


def embed_ref(x: np.ndarray, width: int) -> np.ndarray:
    """Tile x (k,) cyclically to width and scale by sqrt(k / width)."""
    k = x.shape[0]
    return np.array([x[j % k] for j in range(width)], np.float64) * np.sqrt(k / width)


def ffb_forward_ref(genome, signs, x, depth, width, n_out) -> np.ndarray:
    """One input x (n_in,) through the FFB net (docs/algorithms.md), written out literally."""
    slopes = np.asarray(genome, np.float64).reshape(depth, 2, width)
    v = np.asarray(signs, np.float64) * embed_ref(np.asarray(x, np.float64), width)
    for layer in range(depth):
        v = wht_ref(v)
        for j in range(width):
            v[j] = v[j] * (slopes[layer, 0, j] if v[j] >= 0 else slopes[layer, 1, j])
    return wht_ref(v)[:n_out]


def hash_ref(key, signs, mode: str, with_margin: bool = False):
    """Hash one key (k,) with round signs (rounds, m): sign rounds, last one continuous in
    reservoir mode. with_margin: also return the smallest |value| that went into a sign
    (near 0 a float32 kernel may legitimately take the other side)."""
    rounds, m = signs.shape
    z = embed_ref(np.asarray(key, np.float64), m)
    margin = np.inf
    for i in range(rounds):
        z = wht_ref(signs[i] * z)
        if i < rounds - 1 or mode == "sign":
            margin = min(margin, np.abs(z).min())
            z = np.where(z >= 0, 1.0, -1.0)
    return (z, margin) if with_margin else z


def memory_write_ref(w, h, value, gate) -> np.ndarray:
    """Delta rule on one memory w (d, m): returns w + gate * outer(value - w h / h.h, h)."""
    w = np.asarray(w, np.float64)
    e = np.asarray(value, np.float64) - w @ h / (h @ h)
    return w + gate * np.outer(e, h)


def memory_read_ref(w, h) -> np.ndarray:
    return np.asarray(w, np.float64) @ h / (h @ h)


def walsh_address_ref(p: int, signs) -> np.ndarray:
    """Location address a(p) (m,) float64: a(p)[j] = signs[j] * (-1)^popcount(p & j)."""
    return np.array([signs[j] * (-1.0) ** bin(p & j).count("1") for j in range(len(signs))])


def address_matrix_ref(signs) -> np.ndarray:
    """A (m, m) float64 with column p = a(p)."""
    return np.stack([walsh_address_ref(p, signs) for p in range(len(signs))], axis=1)


def tape_ref(w, a_matrix) -> np.ndarray:
    """Memory W (d, m) as tape cells V = W A / m (A from address_matrix_ref): column p is what
    a read at a(p) returns."""
    return np.asarray(w, np.float64) @ a_matrix / a_matrix.shape[0]


def move_head_ref(p: int, shift_logits, home_logit: float, m: int) -> int:
    """Home (0) if home_logit > 0, then shift by argmax(shift_logits) - 1 (first max), mod m."""
    start = 0 if home_logit > 0 else p
    return (start + int(np.argmax(shift_logits)) - 1) % m


def _sigmoid(x) -> float:
    return 1.0 / (1.0 + np.exp(-float(x)))


def ntm_step_ref(ctrl, genome, memory, reads, sensors, positions=(), interp=None):
    """One agent, one tick of the NTM controller, all addressing modes, memory W in the hash
    basis (a location-mode kernel keeps tape_ref(W) instead). positions (R+1,) for positional
    heads; interp: see heads_ref.

    Net output: motors | R read heads | write head | value | gate; each head: key (k) unless
    location, shift logits (3) and home (1) unless content, interpolation (1) in both mode.
    Returns (motors (M,), memory (d, m), reads (R, d) float64, positions (R+1,) ints).
    """
    x = np.concatenate([sensors, np.ravel(reads), [1.0]])
    net = ctrl.net
    y = ffb_forward_ref(genome, net.signs, x, net.depth, net.width, net.n_out)
    motors = np.tanh(y[: ctrl.n_motors])
    mem = ctrl.memory
    if mem is None:
        return motors, memory, reads, positions
    mode, k, d = ctrl.addressing, mem.key_size, mem.value_size
    rest = list(y[ctrl.n_motors:])

    def take(count):
        part = np.array(rest[:count])
        del rest[:count]
        return part

    heads = []
    for _q in range(ctrl.reads + 1):  # the read heads, then the write head
        head = {}
        if mode != "location":
            head["key"] = take(k)
        if mode != "content":
            head["shift"], head["home"] = take(3), take(1)[0]
        if mode == "both":
            head["interp"] = take(1)[0]
        heads.append(head)
    value, gate = take(d), take(1)[0]
    assert not rest
    return (motors, *heads_ref(mode, heads, value, gate, memory, positions, mem,
                               ctrl.address_signs, interp))


def heads_ref(mode, heads, value, gate_logit, memory, positions, mem, address_signs,
              interp=None):
    """The heads' tick on memory W (d, m): move, write, read. heads: R+1 dicts (read heads,
    then the write head) with key (k,), shift (3,), home, interp as the mode has them;
    interp: if given, every head's interpolation gate (both mode) instead of its own.
    Returns (memory (d, m), reads (R, d), positions (R+1,))."""
    m = mem.width
    new_positions = list(positions)
    addresses = []
    for q, head in enumerate(heads):
        if mode != "content":
            new_positions[q] = move_head_ref(positions[q], head["shift"], head["home"], m)
            at = walsh_address_ref(new_positions[q], address_signs)
        if mode != "location":
            h = hash_ref(head["key"], mem.signs, mem.mode)
        if mode == "content":
            addresses.append(h)
        elif mode == "location":
            addresses.append(at)
        else:
            c = _sigmoid(head["interp"]) if interp is None else interp
            addresses.append(c * h + (1 - c) * at)
    memory = memory_write_ref(memory, addresses[-1], value, _sigmoid(gate_logit))
    reads = np.stack([memory_read_ref(memory, x) for x in addresses[:-1]])
    return memory, reads, new_positions


# ---------------------------------------------------------------------------------------------
# World: ray sensing, collisions, contacts. Brute force over every object, float64.
# ---------------------------------------------------------------------------------------------


def ray_hit_circle_ref(ox, oy, ux, uy, cx, cy, r):
    """Smallest t >= 0 with |o + t u - c| = r (0 if o is inside), or inf. Solves the quadratic."""
    fx, fy = ox - cx, oy - cy
    c = fx * fx + fy * fy - r * r
    if c <= 0:
        return 0.0
    b = fx * ux + fy * uy
    disc = b * b - c
    if disc < 0:
        return np.inf
    t = -b - np.sqrt(disc)
    return t if t >= 0 else np.inf


def ray_hit_segment_ref(ox, oy, ux, uy, ax, ay, bx, by):
    """Distance along the ray to segment a-b (Cramer's rule), or inf."""
    ex, ey = bx - ax, by - ay
    det = ux * (-ey) - uy * (-ex)
    if abs(det) < 1e-15:
        return np.inf
    rx, ry = ax - ox, ay - oy
    t = (rx * (-ey) - ry * (-ex)) / det
    s = (ux * ry - uy * rx) / det
    return t if (t >= 0 and -1e-12 <= s <= 1 + 1e-12) else np.inf


def ray_hit_rect_ref(ox, oy, ux, uy, x0, y0, x1, y1):
    if x0 <= ox <= x1 and y0 <= oy <= y1:
        return 0.0
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return min(
        ray_hit_segment_ref(ox, oy, ux, uy, *corners[k], *corners[(k + 1) % 4]) for k in range(4)
    )


def sense_rays_ref(x, y, heading, rays, fov_deg, srange, classes, discs, width, height,
                   walls=True, circles=(), rects=()):
    """Ray inputs (rays, len(classes)) for one agent, float64.

    discs: list of (x, y, radius, class_name) for every other visible object; walls: arena edges
    seen as class "wall" (with obstacles); objects behind a wall are hidden. Without walls the
    arena wraps around: every disc and obstacle is also tried shifted by whole arenas."""
    fov = np.radians(fov_deg)
    if not walls:
        shifts = [(sx * width, sy * height) for sx in (-1, 0, 1) for sy in (-1, 0, 1)]
        discs = [(dx + a, dy + b, r, c) for dx, dy, r, c in discs for a, b in shifts]
        circles = [(cx + a, cy + b, r) for cx, cy, r in circles for a, b in shifts]
        rects = [(x0 + a, y0 + b, x1 + a, y1 + b) for x0, y0, x1, y1 in rects for a, b in shifts]
    out = np.zeros((rays, len(classes)))
    for k in range(rays):
        ang = heading - fov / 2 + (k + 0.5) * fov / rays
        ux, uy = np.cos(ang), np.sin(ang)
        tw = np.inf
        if walls:
            edges = [(0, 0, width, 0), (width, 0, width, height), (width, height, 0, height),
                     (0, height, 0, 0)]
            tw = min(ray_hit_segment_ref(x, y, ux, uy, *e) for e in edges)
        for cx, cy, r in circles:
            tw = min(tw, ray_hit_circle_ref(x, y, ux, uy, cx, cy, r))
        for x0, y0, x1, y1 in rects:
            tw = min(tw, ray_hit_rect_ref(x, y, ux, uy, x0, y0, x1, y1))
        best = {c: np.inf for c in classes}
        if "wall" in classes:
            best["wall"] = tw
        for dx, dy, r, cls in discs:
            if cls not in classes:
                continue
            t = ray_hit_circle_ref(x, y, ux, uy, dx, dy, r)
            if t < tw and t < best[cls]:
                best[cls] = t
        for c, cls in enumerate(classes):
            t = best[cls]
            out[k, c] = 1.0 - t / srange if t < srange else 0.0
    return out


def disc_overlaps_obstacle_ref(x, y, r, circles, rects, tol=1e-6):
    """True if a disc overlaps any obstacle by more than tol."""
    for cx, cy, cr in circles:
        if np.hypot(x - cx, y - cy) < r + cr - tol:
            return True
    for x0, y0, x1, y1 in rects:
        qx, qy = min(max(x, x0), x1), min(max(y, y0), y1)
        if np.hypot(x - qx, y - qy) < r - tol:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Evolution: selection and mutation with explicit loops. They take the random draws
# as arguments, so tests feed them the same numbers the vectorised versions draw.
# ---------------------------------------------------------------------------------------------


def tournament_ref(fitness, picks) -> np.ndarray:
    """picks (n, k) int: winner of each row = highest fitness, NaN worst, ties -> lower index."""
    out = np.empty(len(picks), dtype=np.int64)
    for i, row in enumerate(picks):
        best = None
        for p in row:
            f = -np.inf if np.isnan(fitness[p]) else fitness[p]
            if best is None:
                best, best_f = p, f
                continue
            if f > best_f or (f == best_f and p < best):
                best, best_f = p, f
        out[i] = best
    return out


def gray_apply_ref(genomes, mask, u, sign_u, c, precision) -> np.ndarray:
    """Add +-c*exp(-u*precision) to the masked entries, consuming u and sign_u in row-major order
    (sign -1 where sign_u < 0.5); float32 arithmetic like the genomes."""
    out = np.array(genomes, dtype=np.float32, copy=True)
    j = 0
    for r in range(out.shape[0]):
        for k in range(out.shape[1]):
            if mask[r, k]:
                sign = -1.0 if sign_u[j] < 0.5 else 1.0
                out[r, k] = np.float32(out[r, k] + np.float32(sign * c * np.exp(-u[j] * precision)))
                j += 1
    return out


# ---------------------------------------------------------------------------------------------
# World: one tick after sensing and thinking (act, physics, eating, predation, cue goals,
# metabolism, regrowth), written out per agent with plain loops over every pair, no grid.
# ---------------------------------------------------------------------------------------------


def _wrap_d(d, size, wrap):
    if wrap:
        if d > 0.5 * size:
            d -= size
        elif d < -0.5 * size:
            d += size
    return d


def _out_of_circle(px, py, r, cx, cy, cr):
    dx, dy = px - cx, py - cy
    d2 = dx * dx + dy * dy
    need = r + cr
    if d2 >= need * need:
        return px, py
    d = np.sqrt(d2)
    if d < 1e-12:
        return cx + need, cy
    return cx + dx * need / d, cy + dy * need / d


def _out_of_rect(px, py, r, x0, y0, x1, y1):
    qx, qy = min(max(px, x0), x1), min(max(py, y0), y1)
    if qx == px and qy == py:
        sides = [(px - x0, (x0 - r, py)), (x1 - px, (x1 + r, py)), (py - y0, (px, y0 - r)),
                 (y1 - py, (px, y1 + r))]  # fmt: skip
        return min(sides, key=lambda s: s[0])[1]
    dx, dy = px - qx, py - qy
    d2 = dx * dx + dy * dy
    if d2 >= r * r:
        return px, py
    d = np.sqrt(d2)
    return qx + dx * r / d, qy + dy * r / d


def world_tick_ref(world, motors, tick, uniform, place_item):
    """The rest of a tick after the brains, on copies of world's agent columns and item slots:
    returns (agents dict, items dict, eaten, deaths). motors (N, >=2) float32; uniform and
    place_item draw the engine's counter-based random numbers (one stream per slot)."""
    cfg, t = world.config, world.tables
    sp, it = t.species, t.items
    A = {k: world.agents[k].copy() for k in world.agents.columns._fields}
    I = {k: v.copy() for k, v in world.items._asdict().items()}
    n = A["x"].shape[0]
    W, H, wrap = t.grid.width, t.grid.height, t.grid.wrap
    circles, rects = t.obstacles
    cue = cfg.cue
    held = cue is not None and cue.hold_agents and tick < cue.show_ticks
    alive0 = A["alive"].copy()
    px, py = A["x"].copy(), A["y"].copy()
    for i in range(n):  # act
        s = A["species"][i]
        if sp.signal[s]:
            A["signal"][i] = 0.5 * (motors[i, 2:5] + 1.0)
        if not A["alive"][i] or A["done"][i] or held:
            A["speed"][i] = 0.0
            continue
        h = A["heading"][i] + motors[i, 0] * sp.max_turn[s]
        h = (h + np.pi) % (2 * np.pi) - np.pi
        v = motors[i, 1] * sp.max_speed[s] * (sp.reverse[s] if motors[i, 1] < 0 else 1.0)
        A["heading"][i], A["speed"][i] = h, v
        px[i], py[i] = A["x"][i] + np.cos(h) * v, A["y"][i] + np.sin(h) * v
    for i in range(n):  # collisions, from everyone's proposed positions
        s = A["species"][i]
        xi, yi = px[i], py[i]
        if A["alive"][i]:
            if sp.collide[s]:
                sx = sy = 0.0
                for j in range(n):
                    sj = A["species"][j]
                    if j == i or not alive0[j] or A["apos"][j] != A["apos"][i]:
                        continue
                    if not sp.collide[sj]:
                        continue
                    dx, dy = _wrap_d(xi - px[j], W, wrap), _wrap_d(yi - py[j], H, wrap)
                    need = sp.radius[s] + sp.radius[sj]
                    d2 = dx * dx + dy * dy
                    if d2 >= need * need:
                        continue
                    if d2 < 1e-18:
                        sx += -0.5 * need if i < j else 0.5 * need
                        continue
                    d = np.sqrt(d2)
                    sx, sy = sx + dx * 0.5 * (need - d) / d, sy + dy * 0.5 * (need - d) / d
                xi, yi = xi + sx, yi + sy
            r = sp.radius[s]
            for _ in range(2):
                before = (xi, yi)
                for cx, cy, cr in circles:
                    cx, cy = _wrap_d(cx - xi, W, wrap) + xi, _wrap_d(cy - yi, H, wrap) + yi
                    xi, yi = _out_of_circle(xi, yi, r, cx, cy, cr)
                for x0, y0, x1, y1 in rects:
                    mx = _wrap_d(0.5 * (x0 + x1) - xi, W, wrap) + xi
                    my = _wrap_d(0.5 * (y0 + y1) - yi, H, wrap) + yi
                    hx, hy = 0.5 * (x1 - x0), 0.5 * (y1 - y0)
                    xi, yi = _out_of_rect(xi, yi, r, mx - hx, my - hy, mx + hx, my + hy)
                if wrap:
                    xi, yi = xi % W, yi % H
                    xi, yi = (0.0 if xi >= W else xi), (0.0 if yi >= H else yi)
                else:
                    xi, yi = min(max(xi, r), W - r), min(max(yi, r), H - r)
                if (xi, yi) == before:
                    break
        A["x"][i], A["y"][i] = xi, yi
    active0 = I["factive"].copy()
    eaten = deaths = 0
    for i in range(n):  # eat: each agent claims the nearest item it touches, lowest row wins
        s = A["species"][i]
        if not A["alive"][i] or A["done"][i]:
            continue
        best, best_d2 = -1, 0.0
        for f in np.flatnonzero(active0 & (I["farena"] == A["apos"][i])):
            kind = I["fkind"][f]
            if not sp.eat[s, kind]:
                continue
            dx = _wrap_d(I["fx"][f] - A["x"][i], W, wrap)
            dy = _wrap_d(I["fy"][f] - A["y"][i], H, wrap)
            d2 = dx * dx + dy * dy
            if d2 <= (sp.radius[s] + it.radius[kind]) ** 2 and (best < 0 or d2 < best_d2):
                best, best_d2 = f, d2
        if best < 0 or not I["factive"][best]:
            continue
        I["factive"][best] = False
        eaten += 1
        e = it.energy[I["fkind"][best]]
        if I["fkind"][best] == 0:
            A["energy"][i] = min(A["energy"][i] + e, sp.max_energy[s])
            A["counters"][i, 0] += 1
        else:
            A["energy"][i] -= e
            A["counters"][i, 1] += 1
    catchers = {}
    for i in range(n):  # predators: the lowest-row touching predator catches the prey
        si = A["species"][i]
        if not A["alive"][i] or not sp.is_prey[si]:
            continue
        for j in range(n):
            sj = A["species"][j]
            if not (A["alive"][j] and alive0[j]) or A["done"][j] or not sp.pred[sj, si]:
                continue
            if A["apos"][j] != A["apos"][i]:
                continue
            dx = _wrap_d(A["x"][j] - A["x"][i], W, wrap)
            dy = _wrap_d(A["y"][j] - A["y"][i], H, wrap)
            if dx * dx + dy * dy <= (sp.radius[si] + sp.radius[sj]) ** 2:
                catchers[i] = j
                break
    for i, j in sorted(catchers.items()):
        if not (A["alive"][i] and A["alive"][j]):
            continue
        sj = A["species"][j]
        gain = sp.prey_frac[sj] * max(A["energy"][i], 0.0)
        A["energy"][i], A["alive"][i] = 0.0, False
        A["energy"][j] = min(A["energy"][j] + gain, sp.max_energy[sj])
        A["counters"][j, 2] += 1
        eaten += 1
        deaths += 1
    if cue is not None:  # cue goals
        for i in range(n):
            if not A["alive"][i] or A["done"][i]:
                continue
            side = world.arenas.cue_side[A["apos"][i]]
            cued = world.config.species[A["species"][i]].scoring.approach_to == "cued"
            for g in range(2):
                d = np.hypot(A["x"][i] - t.goals[g, 0], A["y"][i] - t.goals[g, 1])
                if g == side or not cued:  # the approach score's goal(s)
                    A["goal_d"][i] = min(A["goal_d"][i], d)
                if d <= cue.goal_radius:
                    A["counters"][i, 3 if g == side else 4] = 1
                    A["done"][i] = A["done"][i] or cue.stop_at_goal
                    break
    for i in range(n):  # metabolism
        s = A["species"][i]
        if not A["alive"][i]:
            continue
        v = A["speed"][i] / sp.max_speed[s]
        A["energy"][i] -= sp.base_cost[s] + sp.move_cost[s] * v * v + sp.brain_cost[s]
        A["age"][i] += 1
        A["counters"][i, 5] += 1
        if A["energy"][i] <= 0.0 or (sp.max_age[s] > 0 and A["age"][i] >= sp.max_age[s]):
            A["alive"][i] = False
            deaths += 1
    keys = world.arenas.keys
    for f in range(I["fx"].shape[0]):  # regrowth
        kind = I["fkind"][f]
        if I["factive"][f] or not I["can_regrow"][f] or it.regrow[kind] <= 0:
            continue
        a = I["farena"][f]
        if uniform(keys[a], tick, 3, I["flocal"][f], 0) < it.regrow[kind]:
            I["fx"][f], I["fy"][f] = place_item(keys[a], tick, 3 + 16, I["flocal"][f], kind, a)
            I["factive"][f] = True
    return A, I, eaten, deaths


# Evolution: genome clusters (NEAT-style speciation, alife.evolve.clusters)
# ---------------------------------------------------------------------------------------------


def speciate_ref(genomes, old_reps, old_ids, next_id, threshold):
    """NEAT speciation written out with full float64 distances (mean |a - b|).

    Returns (reps (K, P) float64, ids (K,), members (n,), next_id), reps in id order."""
    g = np.asarray(genomes, np.float64)

    def dist(a, b):
        return float(np.mean(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))

    reps, ids = [], []  # the new clusters, in creation order
    member = [None] * len(g)
    for rep, cid in zip(old_reps, old_ids, strict=True):
        free = [i for i in range(len(g)) if member[i] is None]
        if not free:
            continue
        d = [dist(g[i], rep) for i in free]
        k = int(np.argmin(d))
        if d[k] < threshold:
            member[free[k]] = len(reps)
            reps.append(g[free[k]])
            ids.append(int(cid))
    for i in range(len(g)):
        if member[i] is not None:
            continue
        d = [dist(g[i], r) for r in reps]
        if d and min(d) < threshold:
            member[i] = int(np.argmin(d))
        else:
            member[i] = len(reps)
            reps.append(g[i])
            ids.append(next_id)
            next_id += 1
    order = np.argsort(ids, kind="stable")
    members = np.array([ids[m] for m in member], np.int64)
    reps_arr = np.array(reps, np.float64).reshape(len(reps), g.shape[1])[order]
    return reps_arr, np.array(ids, np.int64)[order], members, next_id


def births_plan_ref(alive, energy, age, apos, species, offsets, n_arenas, min_energy, min_age,
                    max_population, min_population):
    """Who has a child (the rules of alife.world.births, written out): per (species, arena), the
    able agents in row order while living + taken < max_population; parents listed by species,
    arena, row (rows counted from the species' first row); each child's index counts its arena's
    children of earlier species first; founders top a group up to min_population."""
    n_sp = len(offsets) - 1
    parents, child_index, per_species = [], [], [0] * n_sp
    founders = np.zeros((n_arenas, n_sp), np.int64)
    seen = [0] * n_arenas
    for s in range(n_sp):
        for a in range(n_arenas):
            group = [i for i in range(len(alive)) if alive[i] and species[i] == s and apos[i] == a]
            able = [i for i in group if energy[i] >= min_energy and age[i] >= min_age]
            kids = able[: max(0, max_population - len(group))]
            parents += [i - offsets[s] for i in kids]
            child_index += [seen[a] + q for q in range(len(kids))]
            seen[a] += len(kids)
            per_species[s] += len(kids)
            founders[a, s] = max(0, min_population - len(group) - len(kids))
    return (np.array(parents, np.int64), np.array(per_species, np.int64),
            np.array(child_index, np.int64), founders)


def birth_mutation_ref(genome, key, tick, idx, kind, count, rate, c, precision, sigma, uniform,
                       stream):
    """A child's genome (n,) float32 mutated by its draws uniform(key, tick, stream, idx, d),
    d = 2, 3, ...: with rate > 0 each parameter is hit if its draw < rate, then two draws make
    its step; else `count` distinct parameters by a partial Fisher-Yates shuffle (one draw picks
    each), each followed by its two step draws. Steps: gray sign(u2 < 0.5: -1) c exp(-u1
    precision), gaussian sigma sqrt(-2 ln(1 - u1)) cos(2 pi u2), added in float32."""
    g = genome.astype(np.float32).copy()
    draws = iter(range(2, 10**9))

    def u():
        return uniform(key, tick, stream, idx, next(draws))

    def step():
        u1, u2 = u(), u()
        if kind == 1:
            return np.float32(sigma * math.sqrt(-2.0 * math.log(1.0 - u1))
                              * math.cos(2.0 * math.pi * u2))
        return np.float32((-1.0 if u2 < 0.5 else 1.0) * c * math.exp(-u1 * precision))

    n = g.size
    if rate > 0:
        for i in range(n):
            if u() < rate:
                g[i] += step()
        return g
    order = list(range(n))
    for i in range(min(count, n)):
        j = i + min(int(u() * (n - i)), n - i - 1)
        order[i], order[j] = order[j], order[i]
        g[order[i]] += step()
    return g
