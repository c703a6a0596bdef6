"""Setting up a World: its first agents, and the start of an episode (placement, energies,
brains, items, patches and cue sides).

Founders' genomes (when none are given) come from one generator per (seed, generation, arena,
species), and every placement draw from the arena's counter-based stream (alife.world.rng), so
an arena starts the same whichever World holds it.
"""

from __future__ import annotations

import numpy as np

from alife.config.models import WorldConfig
from alife.errors import WorldError
from alife.world.agents import AgentTable, concat_columns, empty_columns
from alife.world.controller import Controller
from alife.world.items import Arenas, ItemSlots
from alife.world.rng import P_CUE, P_SWAP, arena_generator, arena_keys, uniform
from alife.world.spawn import patches_and_cues, place_agents, place_items
from alife.world.tables import WorldTables


def founders(
    config: WorldConfig,
    controllers: list[Controller],
    seed: int,
    generation: int,
    arena_ids: np.ndarray,
    genomes: list[np.ndarray] | None,
) -> AgentTable:
    """Rows for every agent of every species in every arena (species-major, arena-major), with
    their genomes (given: a list per species of (arenas x agents, n_params) float32, arena-major;
    None: fresh random, config's count per arena) and zeroed brain states."""
    n_sp = len(config.species)
    n_ar = arena_ids.shape[0]
    if genomes is not None and len(genomes) != n_sp:
        raise WorldError(f"genomes must be a list of {n_sp} arrays (one per species)")
    parts, all_genomes = [], []
    for s, (sp, ctrl) in enumerate(zip(config.species, controllers, strict=True)):
        if genomes is None:
            per = sp.count
            g = np.concatenate(
                [ctrl.init_genomes(arena_generator(seed, generation, a, s), per) for a in arena_ids]
            ).astype(np.float32)
        else:
            g = np.ascontiguousarray(genomes[s], dtype=np.float32)
            if g.ndim != 2 or g.shape[1] != ctrl.n_params or g.shape[0] % n_ar or not g.shape[0]:
                raise WorldError(
                    f"genomes[{s}] must have shape (arenas x agents, {ctrl.n_params}) with "
                    f"{n_ar} arenas and at least one agent per arena; got {g.shape}"
                )
            per = g.shape[0] // n_ar
        all_genomes.append(g)
        part = empty_columns(per * n_ar)
        part.species[:] = s
        part.apos[:] = np.repeat(np.arange(n_ar), per)
        part.local[:] = np.tile(np.arange(per), n_ar)
        part.parent[:] = -1
        part.born_gen[:] = generation
        parts.append(part)
    columns = concat_columns(parts)
    columns.ids[:] = np.arange(columns.x.shape[0])
    states = [c.new_state(len(g)) for c, g in zip(controllers, all_genomes, strict=True)]
    new_state = [c.new_state for c in controllers]
    return AgentTable(columns, all_genomes, states, columns.x.shape[0], new_state)


def renumber_local(agents: AgentTable) -> None:
    """local = rank of each row among rows of the same (arena, species), in row order."""
    cols = agents.used()
    key = cols.apos * agents.n_species + cols.species
    order = np.argsort(key, kind="stable")
    sk = key[order]
    first = np.searchsorted(sk, sk, side="left")
    local = np.empty_like(key)
    local[order] = np.arange(key.size) - first
    cols.local[:] = local


def approach_cued(config: WorldConfig) -> np.ndarray:
    """(S,) bool: does species s's approach score measure the cue's goal (scoring.approach_to)?"""
    return np.array([sp.scoring.approach_to == "cued" for sp in config.species], dtype=np.bool_)


def start_goal_distance(columns, goals: np.ndarray, has_cue: bool, cue_side: np.ndarray,
                        cued: np.ndarray) -> np.ndarray:
    """(N,) float64 distance from each agent's start to the nearer cue goal, or for agents of
    species s with cued[s] ((S,) bool) to their arena's cue goal (cue_side (A,) int64); 0
    without a cue."""
    if not has_cue:
        return np.zeros(columns.x.shape[0])
    dx = columns.spawn_x[:, None] - goals[None, :, 0]
    dy = columns.spawn_y[:, None] - goals[None, :, 1]
    d = np.sqrt(dx * dx + dy * dy)
    near = d.min(axis=1)
    if not cued.any():
        return near
    own = d[np.arange(d.shape[0]), cue_side[columns.apos]]
    return np.where(cued[columns.species], own, near)


def drawn_goals(keys: np.ndarray, n_goals: int) -> np.ndarray:
    """(A,) int64: each arena's cue goal in 0..n_goals-1 from its key (alife.world.rng; with
    2 goals the side spawn.patches_and_cues draws)."""
    u = np.array([uniform(k, -1, P_CUE, 0, 0) for k in keys], dtype=np.float64)
    return np.minimum((u * n_goals).astype(np.int64), n_goals - 1)


def balanced_sides(seed: int, generation: int, arena_ids: np.ndarray, groups: int,
                   n_goals: int = 2) -> np.ndarray:
    """(A,) int64 cue goals where a generation's genome groups each play their episodes in
    arenas g, g + groups, g + 2 groups, ... (alife.evolve.evaluate.Layout): arena i shows the
    goal drawn for arena i mod groups, advanced by i div groups (mod n_goals)."""
    ids = np.asarray(arena_ids, dtype=np.int64)
    first = drawn_goals(arena_keys(seed, generation, ids % groups), n_goals)
    return (first + ids // groups) % n_goals


def balanced_swaps(seed: int, generation: int, arena_ids: np.ndarray, groups: int,
                   swap: float) -> np.ndarray:
    """(A,) bool: whether food and poison trade roles where a generation's genome groups each
    play their episodes in arenas g, g + groups, g + 2 groups, ... (alife.evolve.evaluate.Layout):
    arena i takes the roles drawn for arena i mod groups (chance `swap`), flipped when i div
    groups is odd."""
    ids = np.asarray(arena_ids, dtype=np.int64)
    keys = arena_keys(seed, generation, ids % groups)
    first = np.array([uniform(k, -1, P_SWAP, 0, 0) < swap for k in keys], dtype=np.bool_)
    return first ^ ((ids // groups) % 2 == 1)


def start(
    config: WorldConfig,
    tables: WorldTables,
    agents: AgentTable,
    items: ItemSlots,
    arenas: Arenas,
    cue_sides: np.ndarray | None = None,
) -> None:
    """Start an episode: every agent alive at its start pose with full energy, zeroed brain
    state, ledger and counters; patch centres and cue sides drawn (cue_sides (A,) int64: these
    sides instead); items placed."""
    cols = agents.used()
    renumber_local(agents)
    cols.energy[:] = tables.species.initial_energy[cols.species]
    cols.energy0[:] = cols.energy
    for c in (cols.age, cols.speed, cols.ledger, cols.counters, cols.signal):
        c[:] = 0
    cols.alive[:] = cols.ids >= 0  # every agent; free rows stay free
    cols.done[:] = False
    obstacles, grid = tables.obstacles, tables.grid
    every = np.arange(agents.n, dtype=np.int64)
    place_agents(every, arenas.keys, cols, tables.species, obstacles, grid, -1)
    cols.spawn_x[:] = cols.x
    cols.spawn_y[:] = cols.y
    cols.spawn_h[:] = cols.heading
    for st in agents.states:
        st.reset_rows(slice(None))
    patches_and_cues(arenas, tables.items, obstacles, grid, -1)
    if cue_sides is None and config.cue is not None and len(config.cue.goals) > 2:
        cue_sides = drawn_goals(arenas.keys, len(config.cue.goals))
    if cue_sides is not None:
        arenas.cue_side[:] = cue_sides
    fixed_patches(config, arenas.patch_xy)
    if config.cue is not None and config.cue.swap_roles:
        arenas.swapped[:] = arenas.cue_side == 1
    cols.goal_d[:] = start_goal_distance(cols, tables.goals, config.cue is not None,
                                         arenas.cue_side, approach_cued(config))
    place_items(items, arenas, tables.items, obstacles, grid, -1)
    if config.cue is not None and config.cue.food_at_goal:
        goal_slots = np.flatnonzero(~items.can_regrow)
        side = arenas.cue_side[items.farena[goal_slots]]
        items.fx[goal_slots] = tables.goals[side, 0]
        items.fy[goal_slots] = tables.goals[side, 1]


def fixed_patches(config: WorldConfig, patch_xy: np.ndarray) -> None:
    """Write the item kinds' fixed patch centres (`patches.centres`) into patch_xy (A, P, 2),
    food's patches first, then poison's."""
    first = 0
    for kind in (config.food, config.poison):
        if kind.patches is None:
            continue
        if kind.patches.centres is not None:
            patch_xy[:, first : first + kind.patches.count] = kind.patches.centres
        first += kind.patches.count


def release_hold(agents: AgentTable) -> None:
    """The cue is gone: put everyone back where they started (no body memory)."""
    cols = agents.used()
    cols.x[:] = cols.spawn_x
    cols.y[:] = cols.spawn_y
    cols.heading[:] = cols.spawn_h
    cols.speed[:] = 0.0
