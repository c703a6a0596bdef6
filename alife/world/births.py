"""Open-ended mode: in-world reproduction and death, applied at the end of a tick.

An agent whose energy passes `evolution.open_ended.reproduce_energy` (and is at least `min_age`
old) gives `child_energy` of its energy to a child placed beside it, whose genome is the
parent's mutated (alife.evolve.mutation, as configured by `evolution.mutation`). Births are
capped at `max_population` agents of a species per arena; below `min_population` fresh random
founders are added. Dead agents are then removed. Everything is applied in a fixed order
(species, then row), and each arena's draws come from its own generator seeded by
(seed, generation, arena index, tick), so arenas stay independent. The per-tick Python work
here is vectorised; only the few arenas that have births this tick are visited one by one.
"""

from __future__ import annotations

import math

import numpy as np

from alife.world.geometry import push_out_circle, push_out_rect
from alife.world.interact import L_CHILD
from alife.world.rng import P_BIRTH, arena_generator
from alife.world.state import concat_agents, empty_agents, take_agents


def renumber_local(agents: dict[str, np.ndarray], n_species: int) -> None:
    """local = rank of each row among rows of the same (arena, species), in row order."""
    key = agents["apos"] * n_species + agents["species"]
    order = np.argsort(key, kind="stable")
    sk = key[order]
    first = np.searchsorted(sk, sk, side="left")
    local = np.empty_like(key)
    local[order] = np.arange(key.size) - first
    agents["local"][:] = local


def _default_mutate(world, genomes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from alife.evolve.mutation import mutate

    return mutate(genomes, rng, world.config.evolution.mutation)


def births_and_deaths(world) -> int:
    """Apply births, founders and removal of the dead; returns the number of agents born."""
    A, cfg, t = world.agents, world.config, world.tables
    oe = cfg.evolution.open_ended
    n_sp = len(cfg.species)
    n_ar = world.n_arenas
    alive = A["alive"]
    group = A["apos"] * n_sp + A["species"]
    count = np.bincount(group[alive], minlength=n_ar * n_sp)
    want = alive & (A["energy"] >= oe.reproduce_energy) & (A["age"] >= oe.min_age)
    cand = np.flatnonzero(want)
    if cand.size:
        g = group[cand]
        order = np.argsort(g, kind="stable")
        sg = g[order]
        rank = np.empty(cand.size, np.int64)
        rank[order] = np.arange(cand.size) - np.searchsorted(sg, sg, side="left")
        cand = cand[count[g] + rank < oe.max_population]
    count = count + np.bincount(group[cand], minlength=n_ar * n_sp)
    founders = np.maximum(oe.min_population - count, 0).reshape(n_ar, n_sp)
    if cand.size == 0 and not founders.any() and alive.all():
        return 0
    born_parts = [[] for _ in range(n_sp)]
    born_genomes = [[] for _ in range(n_sp)]
    mutate = world.mutate or (lambda g, rng: _default_mutate(world, g, rng))
    arenas = np.union1d(A["apos"][cand], np.flatnonzero(founders.any(axis=1)))
    for a in arenas:
        rng = arena_generator(world.seed, world.generation, world.arena_ids[a], world.tick_count,
                              P_BIRTH)  # fmt: skip
        for s in range(n_sp):
            parents = cand[(A["apos"][cand] == a) & (A["species"][cand] == s)]
            k_f = int(founders[a, s])
            k = parents.size + k_f
            if k == 0:
                continue
            lo = world.offsets[s]
            child = empty_agents(k)
            r = t.radius[s]
            if parents.size:
                gift = oe.child_energy * A["energy"][parents]
                A["energy"][parents] -= gift
                A["ledger"][parents, L_CHILD] += gift
                ang = rng.uniform(-math.pi, math.pi, parents.size)
                child["x"][: parents.size] = A["x"][parents] + 2.2 * r * np.cos(ang)
                child["y"][: parents.size] = A["y"][parents] + 2.2 * r * np.sin(ang)
                child["energy"][: parents.size] = gift
                child["parent"][: parents.size] = A["ids"][parents]
                genomes = mutate(world.genomes[s][parents - lo], rng)
            else:
                genomes = np.empty((0, world.controllers[s].n_params), np.float32)
            if k_f:
                area = t.area[s]
                fx = rng.uniform(max(area[0], r), min(area[2], cfg.arena.width - r), k_f)
                fy = rng.uniform(max(area[1], r), min(area[3], cfg.arena.height - r), k_f)
                child["x"][parents.size :] = fx
                child["y"][parents.size :] = fy
                child["energy"][parents.size :] = t.initial_energy[s]
                child["parent"][parents.size :] = -1
                fresh = world.controllers[s].init_genomes(rng, k_f).astype(np.float32)
                genomes = np.concatenate([genomes, fresh])
            _fit_inside(child, r, cfg, world.circles, world.rects)
            child["heading"][:] = rng.uniform(-math.pi, math.pi, k)
            child["energy0"][:] = child["energy"]
            child["alive"][:] = True
            child["species"][:] = s
            child["apos"][:] = a
            child["born_gen"][:] = world.generation
            child["ids"][:] = -1  # numbered after compaction, in row order
            born_parts[s].append(child)
            born_genomes[s].append(genomes.astype(np.float32))
    n_born = sum(len(p["x"]) for parts in born_parts for p in parts)
    _compact(world, born_parts, born_genomes)
    return n_born


def _fit_inside(child, r, cfg, circles, rects) -> None:
    """Wrap or clamp newborns into the arena and push them out of obstacles (a handful of
    agents per tick, so a plain loop)."""
    w, h = cfg.arena.width, cfg.arena.height
    wrap = cfg.arena.boundary == "wrap"
    for q in range(child["x"].shape[0]):
        px, py = float(child["x"][q]), float(child["y"][q])
        for _ in range(2):
            for cx, cy, cr in circles:
                px, py = push_out_circle(px, py, r, cx, cy, cr)
            for x0, y0, x1, y1 in rects:
                px, py = push_out_rect(px, py, r, x0, y0, x1, y1)
            if wrap:
                px, py = px % w, py % h
            else:
                px, py = min(max(px, r), w - r), min(max(py, r), h - r)
        child["x"][q], child["y"][q] = px, py


def _compact(world, born_parts, born_genomes) -> None:
    """Rebuild rows: per species the survivors in order, then its newborns (fresh ids)."""
    A = world.agents
    parts, genomes, states = [], [], []
    for s, ctrl in enumerate(world.controllers):
        lo, hi = world.offsets[s], world.offsets[s + 1]
        keep = np.flatnonzero(A["alive"][lo:hi])
        parts.append(take_agents(A, keep + lo))
        parts.extend(born_parts[s])
        gs = [world.genomes[s][keep], *born_genomes[s]]
        genomes.append(np.ascontiguousarray(np.concatenate(gs), dtype=np.float32))
        n_new = sum(len(p["x"]) for p in born_parts[s])
        st = world.states[s].take(keep)
        if n_new:
            st = st.concat(ctrl.new_state(n_new))
        states.append(st)
    world.agents = concat_agents(parts)
    new = world.agents["ids"] < 0
    world.agents["ids"][new] = world.next_id + np.arange(int(new.sum()))
    world.next_id += int(new.sum())
    world.genomes = genomes
    world.states = states
    world._update_offsets()
