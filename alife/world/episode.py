"""Building a World's agents and starting an episode (placement, energies, brains, items).

Founders' genomes (when none are given) come from one generator per (seed, generation, arena,
species), and every placement draw from the arena's counter-based stream (alife.world.rng), so
an arena starts the same whichever World holds it.
"""

from __future__ import annotations

import numpy as np

from alife.world.births import renumber_local
from alife.world.rng import arena_generator
from alife.world.scoring import start_goal_distance
from alife.world.spawn import patches_and_cues_kernel, place_agents_kernel, place_items_kernel
from alife.world.state import empty_agents


def init_agents(world, genomes) -> None:
    """Rows for every agent of every species in every arena (species-major, arena-major), their
    genomes (given: list per species of (arenas x agents, n_params); None: fresh random) and
    zeroed brain states."""
    cfg = world.config
    n_sp = len(cfg.species)
    if genomes is not None and len(genomes) != n_sp:
        raise ValueError(f"genomes must be a list of {n_sp} arrays (one per species)")
    parts, world.genomes = [], []
    for s, sp in enumerate(cfg.species):
        ctrl = world.controllers[s]
        if genomes is None:
            per = sp.count
            g = np.concatenate(
                [
                    ctrl.init_genomes(arena_generator(world.seed, world.generation, a, s), per)
                    for a in world.arena_ids
                ]
            ).astype(np.float32)
        else:
            g = np.ascontiguousarray(genomes[s], dtype=np.float32)
            if g.ndim != 2 or g.shape[1] != ctrl.n_params or g.shape[0] % world.n_arenas:
                raise ValueError(
                    f"genomes[{s}] must have shape (arenas x agents, {ctrl.n_params}) with "
                    f"{world.n_arenas} arenas; got {g.shape}"
                )
            per = g.shape[0] // world.n_arenas
            if per == 0:
                raise ValueError(f"genomes[{s}] is empty")
        world.genomes.append(g)
        part = empty_agents(per * world.n_arenas)
        part["species"][:] = s
        part["apos"][:] = np.repeat(np.arange(world.n_arenas), per)
        part["local"][:] = np.tile(np.arange(per), world.n_arenas)
        part["parent"][:] = -1
        part["born_gen"][:] = world.generation
        parts.append(part)
    world.agents = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    world.agents["ids"][:] = np.arange(world.agents["x"].shape[0])
    world.next_id = int(world.agents["x"].shape[0])
    world.states = [
        c.new_state(len(g)) for c, g in zip(world.controllers, world.genomes, strict=True)
    ]
    world._update_offsets()


def reset_world(world) -> None:
    """Start an episode: place agents and items, full energy, zeroed brains and scores."""
    A, t, cfg = world.agents, world.tables, world.config
    n = A["x"].shape[0]
    renumber_local(A, len(cfg.species))
    A["energy"][:] = t.initial_energy[A["species"]]
    A["energy0"][:] = A["energy"]
    for k in ("age", "speed", "ledger", "counters", "signal"):
        A[k][:] = 0
    A["alive"][:] = True
    A["done"][:] = False
    a = cfg.arena
    place_agents_kernel(
        np.arange(n, dtype=np.int64), world.keys, A["apos"], A["local"], A["species"],
        t.area, t.heading, t.random_heading, t.radius, world.circles, world.rects,
        a.width, a.height, -1, A["x"], A["y"], A["heading"],
    )  # fmt: skip
    A["spawn_x"][:] = A["x"]
    A["spawn_y"][:] = A["y"]
    A["spawn_h"][:] = A["heading"]
    A["goal_d"][:] = start_goal_distance(world)
    for st in world.states:
        st.reset_rows(slice(None))
    it = world.items
    patch_r_of = np.zeros(world.items.patch_total)
    for kind in range(2):
        o, c = it.patch_off[kind], it.patch_n[kind]
        patch_r_of[o : o + c] = it.patch_r[kind]
    patches_and_cues_kernel(
        world.keys, patch_r_of, world.circles, world.rects, a.width, a.height, -1,
        world.patch_xy, world.cue_side,
    )  # fmt: skip
    I = world.item
    place_items_kernel(
        world.keys, I["farena"], I["flocal"], I["fkind"], I["start_active"], world.patch_xy,
        it.patch_off, it.patch_n, it.patch_r, it.radius, world.circles, world.rects,
        a.width, a.height, -1, I["fx"], I["fy"], I["factive"],
    )  # fmt: skip
    if cfg.cue is not None and cfg.cue.food_at_goal:
        goal_slots = np.flatnonzero(~I["can_regrow"])
        side = world.cue_side[I["farena"][goal_slots]]
        I["fx"][goal_slots] = world.goals[side, 0]
        I["fy"][goal_slots] = world.goals[side, 1]
    world.tick_count = 0
    world.totals = {"births": 0, "deaths": 0, "eaten": 0}
    world.last = {"births": 0, "deaths": 0, "eaten": 0}
