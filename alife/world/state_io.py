"""Save and restore a running World as a flat dict of NumPy arrays (npz-ready, no pickle).

Everything that evolves is an array: agent rows, items, genomes, brain states, per-arena keys,
patches and cue sides, plus scalars stored as 0-d arrays. Restoring into a World built from the
same config and ticking on gives bit-identical results to never stopping (DESIGN section 5,
"checkpoints are data").
"""

from __future__ import annotations

import numpy as np

from alife.brain import NTMState
from alife.world.state import AGENT_FIELDS, ITEM_FIELDS, check_agents
from alife.world.state_checks import check_state

FORMAT_VERSION = 1
_SCALARS = ("seed", "generation", "tick_count", "agent_ticks", "next_id")
_COUNTS = ("births", "deaths", "eaten")


def state_arrays(world) -> dict[str, np.ndarray]:
    """All state as {name: array}; names are stable across versions of the same format."""
    out: dict[str, np.ndarray] = {"world_format": np.array(FORMAT_VERSION)}
    for k in _SCALARS:
        out[k] = np.array(int(getattr(world, k)), dtype=np.int64)
    for k in _COUNTS:
        out[f"total_{k}"] = np.array(world.totals[k], dtype=np.int64)
        out[f"last_{k}"] = np.array(world.last[k], dtype=np.int64)
    out["arena_ids"] = world.arena_ids.copy()
    out["cue_side"] = world.cue_side.copy()
    out["patch_xy"] = world.patch_xy.copy()
    for k in AGENT_FIELDS:
        out[f"agent_{k}"] = world.agents[k].copy()
    for k in ITEM_FIELDS:
        out[f"item_{k}"] = world.item[k].copy()
    for s in range(len(world.controllers)):
        out[f"genomes_{s}"] = world.genomes[s].copy()
        out[f"memory_{s}"] = world.states[s].memory.copy()
        out[f"reads_{s}"] = world.states[s].reads.copy()
    return out


def _get(arrays, name):
    if name not in arrays:
        raise ValueError(f"world state is missing '{name}'")
    return np.asarray(arrays[name])


def from_state_arrays(cls, config, arrays: dict[str, np.ndarray], mutate=None):
    """Rebuild a World of `config` from state_arrays(); raises ValueError if they do not fit."""
    check_state(config, arrays)
    version = int(_get(arrays, "world_format"))
    if version != FORMAT_VERSION:
        raise ValueError(f"world state format {version} is not supported ({FORMAT_VERSION})")
    n_sp = len(config.species)
    genomes = [_get(arrays, f"genomes_{s}").astype(np.float32) for s in range(n_sp)]
    arena_ids = _get(arrays, "arena_ids").astype(np.int64)
    # build a world with the right shapes (genomes define the layout), then overwrite state
    n_ar = arena_ids.size
    layout = [
        g if g.shape[0] % n_ar == 0 and g.shape[0] else np.zeros((n_ar, g.shape[1]), np.float32)
        for g in genomes
    ]
    world = cls(
        config,
        int(_get(arrays, "seed")),
        generation=int(_get(arrays, "generation")),
        arena_ids=arena_ids,
        genomes=layout,
        mutate=mutate,
    )
    agents = {k: _get(arrays, f"agent_{k}") for k in AGENT_FIELDS}
    check_agents(agents)
    n = agents["x"].shape[0]
    counts = [g.shape[0] for g in genomes]
    if sum(counts) != n:
        raise ValueError(f"world state has {n} agents but {sum(counts)} genomes")
    for k in ITEM_FIELDS:
        arr = _get(arrays, f"item_{k}")
        ref = world.item[k]
        if arr.shape != ref.shape or arr.dtype != ref.dtype:
            raise ValueError(f"item array '{k}' has {arr.dtype} {arr.shape}, expected "
                             f"{ref.dtype} {ref.shape}")  # fmt: skip
        world.item[k] = arr.copy()
    states = []
    for s, ctrl in enumerate(world.controllers):
        st = NTMState(
            np.ascontiguousarray(_get(arrays, f"memory_{s}"), dtype=np.float32),
            np.ascontiguousarray(_get(arrays, f"reads_{s}"), dtype=np.float32),
        )
        ctrl._check_state(st, counts[s])
        states.append(st)
    world.agents = {k: np.ascontiguousarray(v.copy()) for k, v in agents.items()}
    world.genomes = [np.ascontiguousarray(g) for g in genomes]
    world.states = states
    world._update_offsets()
    for k in _SCALARS[2:]:
        setattr(world, k, int(_get(arrays, k)))
    world.totals = {k: int(_get(arrays, f"total_{k}")) for k in _COUNTS}
    world.last = {k: int(_get(arrays, f"last_{k}")) for k in _COUNTS}
    world.cue_side[:] = _get(arrays, "cue_side")
    world.patch_xy[:] = _get(arrays, "patch_xy")
    return world
