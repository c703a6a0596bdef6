"""Item slots (food, poison, the cue goal) of every arena, and per-arena state.

Each arena has a fixed number of slots (food capacity, poison capacity, then the cue goal slot
when the cue puts food at the goal); a slot holds an item when `factive` is set. Slots are
arena-major, so a slot's place among its arena's slots (`flocal`) names its random stream.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from alife.config.models import WorldConfig
from alife.jit import kernel_tuple
from alife.world.rng import arena_keys


@kernel_tuple
class ItemSlots(NamedTuple):
    """(F,) arrays over all slots of all arenas: position fx, fy float64; kind fkind int64
    (0 food, 1 poison); factive bool; farena int64 (arena position); flocal int64 (index among
    the arena's slots); can_regrow bool (False for the goal slot); start_active bool."""

    fx: np.ndarray
    fy: np.ndarray
    fkind: np.ndarray
    factive: np.ndarray
    farena: np.ndarray
    flocal: np.ndarray
    can_regrow: np.ndarray
    start_active: np.ndarray


def item_slots(config: WorldConfig, n_arenas: int) -> ItemSlots:
    """Empty slots, arena-major: per arena food slots, poison slots, then the cue goal slot."""
    food_cap, poison_cap = config.food.capacity, config.poison.capacity
    food_count, poison_count = config.food.count, config.poison.count
    goal_item = bool(config.cue and config.cue.food_at_goal)
    per = food_cap + poison_cap + int(goal_item)
    kind_one = np.zeros(per, dtype=np.int64)
    kind_one[food_cap : food_cap + poison_cap] = 1
    start_one = np.zeros(per, dtype=np.bool_)
    start_one[:food_count] = True
    start_one[food_cap : food_cap + poison_count] = True
    regrow_one = np.ones(per, dtype=np.bool_)
    if goal_item:
        start_one[per - 1] = True
        regrow_one[per - 1] = False
    total = per * n_arenas
    return ItemSlots(
        fx=np.zeros(total),
        fy=np.zeros(total),
        fkind=np.tile(kind_one, n_arenas),
        factive=np.zeros(total, dtype=np.bool_),
        farena=np.repeat(np.arange(n_arenas, dtype=np.int64), per),
        flocal=np.tile(np.arange(per, dtype=np.int64), n_arenas),
        can_regrow=np.tile(regrow_one, n_arenas),
        start_active=np.tile(start_one, n_arenas),
    )


@kernel_tuple
class Arenas(NamedTuple):
    """Per arena (A arenas): ids (A,) int64 (the arena's index in the world file's numbering,
    which names its random streams); keys (A,) uint64 (alife.world.rng); patch_xy (A, P, 2)
    float64 patch centres; cue_side (A,) int64 (0 or 1); swapped (A,) bool (food and poison
    trade roles this episode, worlds with `swap`)."""

    ids: np.ndarray
    keys: np.ndarray
    patch_xy: np.ndarray
    cue_side: np.ndarray
    swapped: np.ndarray


def arenas(seed: int, generation: int, arena_ids: np.ndarray, n_patches: int) -> Arenas:
    """The arenas arena_ids (int64 (A,)) of generation `generation` of a run seeded `seed`."""
    n = arena_ids.shape[0]
    return Arenas(
        ids=arena_ids,
        keys=arena_keys(seed, generation, arena_ids),
        patch_xy=np.zeros((n, n_patches, 2)),
        cue_side=np.zeros(n, dtype=np.int64),
        swapped=np.zeros(n, dtype=np.bool_),
    )
