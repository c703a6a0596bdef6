"""Checks on saved World state before any kernel sees it (alife.world.state_io reads it).

`check_state(config, arrays, controllers)` is a pure function of a world file's config, its
species' controllers and the arrays of `World.state_arrays()`; it raises `WorldStateError` (a
WorldError and a CheckpointError) naming the
first array and value that a World of that config cannot hold: a wrong dtype or shape, an agent
whose arena position, species or position is out of range, ids that repeat or pass `next_id`,
rows not in species order, a non-finite genome, brain state, energy or position, memory
positions (`positions_<s>`, (B, reads + 1) int32, when saved) outside the memory, item tables
that are not the config's, negative counters. Kernels index arrays with these values without
bounds checks, so a state that passes cannot crash them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alife.errors import WorldStateError
from alife.world.agents import AGENT_FIELDS
from alife.world.items import item_slots
from alife.world.tables import build_tables

_SCALARS = ("seed", "generation", "tick_count", "agent_ticks", "next_id")
_COUNTS = ("births", "deaths", "eaten")
_FLOAT_AGENT = ("x", "y", "heading", "speed", "energy", "energy0", "spawn_x", "spawn_y",
                "spawn_h", "goal_d", "signal", "ledger")  # fmt: skip
_NONNEGATIVE_AGENT = ("age", "local", "born_gen", "counters")
_STRUCTURE = ("fkind", "farena", "flocal", "can_regrow", "start_active")


def _fail(message: str):
    raise WorldStateError(f"world state: {message}")


def _array(arrays, name: str, dtype, shape: tuple | None = None) -> np.ndarray:
    """arrays[name] with this dtype and (if given) shape; None in shape matches any length."""
    if name not in arrays:
        _fail(f"array '{name}' is missing")
    a = np.asarray(arrays[name])
    if a.dtype != np.dtype(dtype):
        _fail(f"array '{name}' has dtype {a.dtype}, expected {np.dtype(dtype)}")
    if shape is not None and (a.ndim != len(shape) or any(
        s is not None and s != n for s, n in zip(shape, a.shape, strict=True)
    )):  # fmt: skip
        want = tuple("any" if s is None else s for s in shape)
        _fail(f"array '{name}' has shape {a.shape}, expected {want}")
    return a


def _first_bad(name: str, bad: np.ndarray, values: np.ndarray, why: str):
    """Fail naming the first row where `bad` (a bool array over rows) holds."""
    if bad.any():
        i = int(np.flatnonzero(bad.reshape(bad.shape[0], -1).any(axis=1))[0])
        _fail(f"{name}[{i}] = {values[i]!s:.60} {why}")


def _finite(name: str, a: np.ndarray) -> None:
    if a.size and not np.isfinite(a).all():
        _first_bad(name, ~np.isfinite(a.reshape(a.shape[0], -1)), a, "is not finite")


def _in_range(name: str, a: np.ndarray, low, high, what: str) -> None:
    """low <= a < high (high None: no upper bound)."""
    bad = a < low if high is None else (a < low) | (a >= high)
    _first_bad(name, bad, a, what)


def check_state(config, arrays: dict[str, np.ndarray], controllers: list) -> None:
    """Raise WorldStateError unless `arrays` is a state a World of `config` with these
    controllers (one per species) can hold."""

    _array(arrays, "world_format", np.int64, ())
    scalars = {k: int(_array(arrays, k, np.int64, ())) for k in _SCALARS}
    for k in _SCALARS:
        if scalars[k] < 0:
            _fail(f"{k} = {scalars[k]} is negative")
    for k in _COUNTS:
        for prefix in ("total_", "last_"):
            if int(_array(arrays, prefix + k, np.int64, ())) < 0:
                _fail(f"{prefix}{k} is negative")

    arena_ids = _array(arrays, "arena_ids", np.int64, (None,))
    n_ar = arena_ids.size
    if n_ar == 0:
        _fail("array 'arena_ids' is empty")
    _in_range("arena_ids", arena_ids, 0, None, "is negative")
    if np.unique(arena_ids).size != n_ar:
        _fail("array 'arena_ids' repeats an arena")
    width, height = float(config.arena.width), float(config.arena.height)

    cue_side = _array(arrays, "cue_side", np.int64, (n_ar,))
    n_goals = len(config.cue.goals) if config.cue is not None else 2
    _in_range("cue_side", cue_side, 0, n_goals, f"is not a goal index (0..{n_goals - 1})")
    _array(arrays, "swapped", np.bool_, (n_ar,))
    n_patches = build_tables(config, [c.n_params for c in controllers]).items.patch_r_of.size
    patch_xy = _array(arrays, "patch_xy", np.float64, (n_ar, n_patches, 2))
    _finite("patch_xy", patch_xy)

    # agents
    n = _array(arrays, "agent_ids", np.int64, (None,)).shape[0]  # one row per agent id
    agents = {k: _array(arrays, f"agent_{k}", dtype, (n, *tail))
              for k, (dtype, tail) in AGENT_FIELDS.items()}  # fmt: skip
    n_sp = len(config.species)
    species = agents["species"]
    _in_range("agent_taste", agents["taste"], 0, 5, "is not a taste code (0..4)")
    _in_range("agent_species", species, 0, n_sp, f"is not a species index (0..{n_sp - 1})")
    if n and (np.diff(species) < 0).any():
        _fail("agent rows are not in species order")
    _in_range("agent_apos", agents["apos"], 0, n_ar, f"is not an arena position (0..{n_ar - 1})")
    for k in _FLOAT_AGENT:
        _finite(f"agent_{k}", agents[k])
    for k, size in (("x", width), ("y", height), ("spawn_x", width), ("spawn_y", height)):
        _in_range(f"agent_{k}", agents[k], 0.0, np.nextafter(size, np.inf),
                  f"is outside the arena (0..{size:g})")  # fmt: skip
    for k in _NONNEGATIVE_AGENT:
        _in_range(f"agent_{k}", agents[k], 0, None, "is negative")
    ids, next_id = agents["ids"], scalars["next_id"]
    _in_range("agent_ids", ids, 0, next_id, f"is not an id below next_id ({next_id})")
    if np.unique(ids).size != n:
        _fail("array 'agent_ids' repeats an id")
    _in_range("agent_parent", agents["parent"], -1, next_id, "is not -1 or an id below next_id")

    # items: positions finite and inside; the slot tables exactly the config's
    expected = item_slots(config, n_ar)._asdict()
    n_items = expected["fx"].size
    for k, ref in expected.items():
        a = _array(arrays, f"item_{k}", ref.dtype, (n_items,))
        if k in _STRUCTURE and not np.array_equal(a, ref):
            _fail(f"array 'item_{k}' does not match the world file's item slots")
    for k, size in (("fx", width), ("fy", height)):
        a = np.asarray(arrays[f"item_{k}"])
        _finite(f"item_{k}", a)
        _in_range(f"item_{k}", a, 0.0, np.nextafter(size, np.inf),
                  f"is outside the arena (0..{size:g})")  # fmt: skip

    # genomes and brain states, per species
    for s, (sp, ctrl) in enumerate(zip(config.species, controllers, strict=True)):
        count = int((species == s).sum())
        g = _array(arrays, f"genomes_{s}", np.float32, (count, ctrl.n_params))
        _finite(f"genomes_{s}", g)
        empty = ctrl.new_state(0)
        layout = {f.name: getattr(empty, f.name) for f in dataclasses.fields(empty)}
        for name, ref in layout.items():
            key = f"{name}_{s}"
            if key not in arrays and name not in ("memory", "reads"):
                continue  # optional state (older checkpoints): the World starts it fresh
            a = _array(arrays, key, ref.dtype, (count, *ref.shape[1:]))
            if a.dtype.kind == "f":
                _finite(key, a)
            else:
                width_m = int(sp.memory.width) if sp.memory.enabled else 0
                _in_range(key, a, 0, width_m, f"is not a memory position (0..{width_m - 1})")
