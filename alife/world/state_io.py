"""Save and restore a running World as a flat dict of NumPy arrays (npz-ready, no pickle).

Everything that evolves is an array: agent columns (`agent_<column>`), item slots
(`item_<field>`), genomes (`genomes_<s>`), every array of each species' brain state
(`<field>_<s>`, e.g. `memory_0`), per-arena patches and cue sides, plus scalars stored as 0-d
arrays. Restoring into a World built from the same config and ticking on gives bit-identical
results to never stopping.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from alife.brain.heads import ADDRESSING
from alife.errors import WorldError
from alife.world.agents import AGENT_FIELDS, AgentTable, check_columns
from alife.world.controller import Controller, ControllerState
from alife.world.items import Arenas, ItemSlots

FORMAT_VERSION = 1
COUNTS = ("births", "deaths", "eaten")


class Header(NamedTuple):
    """What a World must be built with before its state can be loaded."""

    seed: int
    generation: int
    arena_ids: np.ndarray


class Saved(NamedTuple):
    """The evolving parts of a World, as loaded."""

    agents: AgentTable
    items: ItemSlots
    arenas: Arenas
    tick_count: int
    agent_ticks: int
    totals: dict[str, int]
    last: dict[str, int]


def state_fields(state: ControllerState) -> dict[str, np.ndarray]:
    """The arrays of a brain state by field name (states are dataclasses of arrays)."""
    return {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}


def save(world) -> dict[str, np.ndarray]:
    """All state of a World as {name: array} (copies); names are stable within a format."""
    agents, arenas = world.agents, world.arenas
    out: dict[str, np.ndarray] = {"world_format": np.array(FORMAT_VERSION)}
    for k in ("seed", "generation", "tick_count", "agent_ticks"):
        out[k] = np.array(int(getattr(world, k)), dtype=np.int64)
    out["next_id"] = np.array(agents.next_id, dtype=np.int64)
    for k in COUNTS:
        out[f"total_{k}"] = np.array(world.totals[k], dtype=np.int64)
        out[f"last_{k}"] = np.array(world.last[k], dtype=np.int64)
    out["arena_ids"] = arenas.ids.copy()
    out["cue_side"] = arenas.cue_side.copy()
    out["swapped"] = arenas.swapped.copy()
    out["patch_xy"] = arenas.patch_xy.copy()
    rows = agents.agent_index()  # free rows are not saved
    for k in AGENT_FIELDS:
        out[f"agent_{k}"] = agents[k][rows]
    for k, v in world.items._asdict().items():
        out[f"item_{k}"] = v.copy()
    for s, state in enumerate(agents.states):
        out[f"genomes_{s}"] = agents.genomes[s].copy()
        for name, arr in state_fields(state).items():
            out[f"{name}_{s}"] = arr.copy()
        addressing = getattr(world.controllers[s], "addressing", None)
        if addressing is not None:
            out[f"addressing_{s}"] = np.array(ADDRESSING.index(addressing))
    return out


def _get(arrays, name: str) -> np.ndarray:
    if name not in arrays:
        raise WorldError(f"world state is missing '{name}'")
    return np.asarray(arrays[name])


def _mismatch(what: str, got: np.ndarray, want: np.ndarray) -> str:
    return f"{what} has {got.dtype} {got.shape}, expected {want.dtype} {want.shape}"


def _check_addressing(arrays, s: int, ctrl) -> None:
    """WorldError if species s's state was saved with another addressing mode than `ctrl`
    uses (location tape cells and `both`/content memories have the same shapes). States
    without the marker hold content addressing."""
    if getattr(ctrl, "memory", None) is None:
        return
    code = int(arrays[f"addressing_{s}"]) if f"addressing_{s}" in arrays else 0
    saved = ADDRESSING[code] if 0 <= code < len(ADDRESSING) else f"unknown ({code})"
    if saved != ctrl.addressing:
        raise WorldError(f"species {s}: the world state was saved with {saved} addressing, "
                         f"the world file asks for {ctrl.addressing}")


def upgrade(arrays) -> dict[str, np.ndarray]:
    """`arrays` with what states saved before agents could taste and items could swap roles
    lack: no tastes (`agent_taste` zeros) and no swaps (`swapped` all false)."""
    out = dict(arrays)
    if "agent_taste" not in out and "agent_ids" in out:
        out["agent_taste"] = np.zeros(np.asarray(out["agent_ids"]).shape[0], dtype=np.int64)
    if "swapped" not in out and "arena_ids" in out:
        out["swapped"] = np.zeros(np.asarray(out["arena_ids"]).shape[0], dtype=np.bool_)
    return out


def header(arrays: dict[str, np.ndarray]) -> Header:
    """Seed, generation and arena ids of saved state; WorldError for a foreign format."""
    version = int(_get(arrays, "world_format"))
    if version != FORMAT_VERSION:
        raise WorldError(f"world state format {version} is not supported ({FORMAT_VERSION})")
    arena_ids = _get(arrays, "arena_ids")
    if arena_ids.ndim != 1 or arena_ids.dtype.kind not in "iu":
        raise WorldError(f"world state 'arena_ids' must be integers, got {arena_ids.dtype}")
    return Header(
        int(_get(arrays, "seed")), int(_get(arrays, "generation")), arena_ids.astype(np.int64)
    )


def load(
    arrays: dict[str, np.ndarray],
    controllers: list[Controller],
    items: ItemSlots,
    arenas: Arenas,
) -> Saved:
    """The evolving parts of a World saved by save() (values already checked by
    alife.world.state_checks), checked against a World built from the same header (its
    controllers, and its items and arenas for shapes; they are not changed).
    Raises WorldError if anything is missing or does not fit."""
    columns = check_columns({k: _get(arrays, f"agent_{k}") for k in AGENT_FIELDS})
    genomes, states = [], []
    for s, ctrl in enumerate(controllers):
        g = _get(arrays, f"genomes_{s}")
        if g.ndim != 2 or g.shape[1] != ctrl.n_params or g.dtype != np.float32:
            want = f"float32 (n, {ctrl.n_params})"
            raise WorldError(f"genomes_{s} must be {want}, got {g.dtype} {g.shape}")
        genomes.append(np.ascontiguousarray(g).copy())
        template = ctrl.new_state(g.shape[0])
        _check_addressing(arrays, s, ctrl)
        loaded = {}
        for name, want in state_fields(template).items():
            if name == "positions" and f"positions_{s}" not in arrays and not want.shape[1]:
                continue  # saved before heads had positions: content addressing, none to load
            arr = _get(arrays, f"{name}_{s}")
            if arr.shape != want.shape or arr.dtype != want.dtype:
                raise WorldError(_mismatch(f"{name}_{s}", arr, want))
            loaded[name] = np.ascontiguousarray(arr).copy()
        states.append(dataclasses.replace(template, **loaded))
    counts = [g.shape[0] for g in genomes]
    if not np.array_equal(columns.species, np.repeat(np.arange(len(counts)), counts)):
        raise WorldError(f"agent species do not match the genome counts {counts}")
    if columns.apos.size and not 0 <= columns.apos.min() <= columns.apos.max() < len(arenas.ids):
        raise WorldError(f"agent arena positions must be in 0..{len(arenas.ids) - 1}")
    new_state = [c.new_state for c in controllers]
    agents = AgentTable(columns, genomes, states, int(_get(arrays, "next_id")), new_state)
    slots = {}
    for k, ref in items._asdict().items():
        arr = _get(arrays, f"item_{k}")
        if arr.shape != ref.shape or arr.dtype != ref.dtype:
            raise WorldError(_mismatch(f"item array '{k}'", arr, ref))
        slots[k] = arr.copy()
    per_arena = {}
    for k in ("patch_xy", "cue_side", "swapped"):
        arr, ref = _get(arrays, k), getattr(arenas, k)
        if arr.shape != ref.shape:
            raise WorldError(f"world state '{k}' has shape {arr.shape}, expected {ref.shape}")
        per_arena[k] = arr.astype(ref.dtype)
    return Saved(
        agents=agents,
        items=ItemSlots(**slots),
        arenas=arenas._replace(**per_arena),
        tick_count=int(_get(arrays, "tick_count")),
        agent_ticks=int(_get(arrays, "agent_ticks")),
        totals={k: int(_get(arrays, f"total_{k}")) for k in COUNTS},
        last={k: int(_get(arrays, f"last_{k}")) for k in COUNTS},
    )
