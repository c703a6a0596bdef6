"""Struct-of-arrays storage for agents and items (DESIGN section 4, "world/").

Agent rows are kept species-major (all rows of species 0, then species 1, ...), and within a
species in arena-major order at episode start, so each species' brain steps one contiguous slice
and genomes line up with rows. `AgentArrays` is a plain dict of equally long arrays, which makes
compaction (births/deaths) and checkpointing one generic operation each.
"""

from __future__ import annotations

import numpy as np

from alife.world.interact import COUNTER_COLUMNS, LEDGER_COLUMNS

# name -> (dtype, trailing shape)
AGENT_FIELDS: dict[str, tuple[type, tuple[int, ...]]] = {
    "x": (np.float64, ()),
    "y": (np.float64, ()),
    "heading": (np.float64, ()),
    "speed": (np.float64, ()),
    "energy": (np.float64, ()),
    "energy0": (np.float64, ()),  # energy at birth / episode start (for the ledger)
    "age": (np.int64, ()),
    "alive": (np.bool_, ()),
    "done": (np.bool_, ()),
    "ids": (np.int64, ()),
    "parent": (np.int64, ()),
    "species": (np.int64, ()),
    "apos": (np.int64, ()),  # arena position 0..A-1 within this World
    "local": (np.int64, ()),  # index among its species in its arena (random streams)
    "born_gen": (np.int64, ()),
    "spawn_x": (np.float64, ()),
    "spawn_y": (np.float64, ()),
    "spawn_h": (np.float64, ()),
    "goal_d": (np.float64, ()),  # cue worlds: nearest distance to a goal so far
    "signal": (np.float32, (3,)),
    "ledger": (np.float64, (LEDGER_COLUMNS,)),
    "counters": (np.int64, (COUNTER_COLUMNS,)),
}

ITEM_FIELDS: dict[str, type] = {
    "fx": np.float64,
    "fy": np.float64,
    "fkind": np.int64,
    "factive": np.bool_,
    "farena": np.int64,
    "flocal": np.int64,
    "can_regrow": np.bool_,
    "start_active": np.bool_,
}


def empty_agents(n: int) -> dict[str, np.ndarray]:
    """Zeroed agent arrays for n rows."""
    return {k: np.zeros((n, *shape), dtype=dt) for k, (dt, shape) in AGENT_FIELDS.items()}


def take_agents(agents: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    """New agent arrays holding rows idx (int64), in that order."""
    return {k: np.ascontiguousarray(v[idx]) for k, v in agents.items()}


def concat_agents(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in AGENT_FIELDS}


def check_agents(agents: dict[str, np.ndarray]) -> None:
    """Raise ValueError unless the dict has every field with the right dtype and length."""
    n = None
    for k, (dt, shape) in AGENT_FIELDS.items():
        if k not in agents:
            raise ValueError(f"agent array '{k}' is missing")
        a = agents[k]
        if a.dtype != dt or a.shape[1:] != shape:
            raise ValueError(f"agent array '{k}' has {a.dtype} {a.shape}, expected {dt} {shape}")
        n = a.shape[0] if n is None else n
        if a.shape[0] != n:
            raise ValueError(f"agent array '{k}' has {a.shape[0]} rows, expected {n}")


def build_items(
    n_arenas: int, food_cap: int, poison_cap: int, food_count: int, poison_count: int,
    goal_item: bool,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Item slots, arena-major: per arena food slots, poison slots, then the cue goal slot."""
    per = food_cap + poison_cap + int(goal_item)
    local = np.tile(np.arange(per, dtype=np.int64), n_arenas)
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
    return {
        "fx": np.zeros(total),
        "fy": np.zeros(total),
        "fkind": np.tile(kind_one, n_arenas),
        "factive": np.zeros(total, dtype=np.bool_),
        "farena": np.repeat(np.arange(n_arenas, dtype=np.int64), per),
        "flocal": local,
        "can_regrow": np.tile(regrow_one, n_arenas),
        "start_active": np.tile(start_one, n_arenas),
    }
