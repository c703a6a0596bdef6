"""The agents of a World: a table of per-agent columns, with genomes and brain states per species.

Rows are species-major (all rows of species 0, then species 1, ...), and within a species in
arena-major order at episode start, so each species' brain steps one contiguous slice and its
genomes and brain-state rows line up with its agent rows. Only `AgentTable.relayout` (births and
deaths) changes the rows; kernels read and write the columns in place.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from alife.errors import WorldError
from alife.world.controller import ControllerState
from alife.world.interact import COUNTER_COLUMNS, LEDGER_COLUMNS


class AgentColumns(NamedTuple):
    """One row per agent, N rows (dtypes and trailing shapes in AGENT_FIELDS): what kernels see."""

    x: np.ndarray
    y: np.ndarray
    heading: np.ndarray
    speed: np.ndarray
    energy: np.ndarray
    energy0: np.ndarray  # energy at birth / episode start (for the ledger)
    age: np.ndarray
    alive: np.ndarray
    done: np.ndarray  # finished (reached a cue goal that stops agents)
    ids: np.ndarray
    parent: np.ndarray  # parent id, -1 for founders
    species: np.ndarray
    apos: np.ndarray  # arena position 0..A-1 within this World
    local: np.ndarray  # index among its species in its arena (names its random streams)
    born_gen: np.ndarray
    spawn_x: np.ndarray
    spawn_y: np.ndarray
    spawn_h: np.ndarray
    goal_d: np.ndarray  # cue worlds: nearest distance to a goal so far
    signal: np.ndarray  # emitted colour in [0, 1]
    taste: np.ndarray  # what was eaten last tick: 0 nothing, else 1 + 2 * look + (it was bad)
    ledger: np.ndarray  # energy bookkeeping (alife.world.interact L_*)
    counters: np.ndarray  # event counts (alife.world.interact C_*)


# name -> (dtype, trailing shape), in AgentColumns order
AGENT_FIELDS: dict[str, tuple[type, tuple[int, ...]]] = {
    "x": (np.float64, ()),
    "y": (np.float64, ()),
    "heading": (np.float64, ()),
    "speed": (np.float64, ()),
    "energy": (np.float64, ()),
    "energy0": (np.float64, ()),
    "age": (np.int64, ()),
    "alive": (np.bool_, ()),
    "done": (np.bool_, ()),
    "ids": (np.int64, ()),
    "parent": (np.int64, ()),
    "species": (np.int64, ()),
    "apos": (np.int64, ()),
    "local": (np.int64, ()),
    "born_gen": (np.int64, ()),
    "spawn_x": (np.float64, ()),
    "spawn_y": (np.float64, ()),
    "spawn_h": (np.float64, ()),
    "goal_d": (np.float64, ()),
    "signal": (np.float32, (3,)),
    "taste": (np.int64, ()),
    "ledger": (np.float64, (LEDGER_COLUMNS,)),
    "counters": (np.int64, (COUNTER_COLUMNS,)),
}
assert tuple(AGENT_FIELDS) == AgentColumns._fields


def empty_columns(n: int) -> AgentColumns:
    """Zeroed columns for n rows."""
    return AgentColumns(
        *(np.zeros((n, *shape), dtype=dt) for dt, shape in AGENT_FIELDS.values())
    )


def check_columns(columns: dict[str, np.ndarray]) -> AgentColumns:
    """AgentColumns (C-contiguous copies) from a dict; WorldError unless every field is there
    with the right dtype, trailing shape and length."""
    n = None
    for k, (dt, shape) in AGENT_FIELDS.items():
        if k not in columns:
            raise WorldError(f"agent array '{k}' is missing")
        a = columns[k]
        if a.dtype != dt or a.shape[1:] != shape:
            raise WorldError(f"agent array '{k}' has {a.dtype} {a.shape}, expected {dt} {shape}")
        n = a.shape[0] if n is None else n
        if a.shape[0] != n:
            raise WorldError(f"agent array '{k}' has {a.shape[0]} rows, expected {n}")
    return AgentColumns(*(np.ascontiguousarray(columns[k]).copy() for k in AGENT_FIELDS))


def take_columns(columns: AgentColumns, idx: np.ndarray) -> AgentColumns:
    """New columns holding rows idx (int64), in that order."""
    return AgentColumns(*(np.ascontiguousarray(c[idx]) for c in columns))


def concat_columns(parts: list[AgentColumns]) -> AgentColumns:
    return AgentColumns(*(np.concatenate(cols) for cols in zip(*parts, strict=True)))


class AgentTable:
    """Columns (AgentColumns), and per species s its genomes (n_s, P_s) float32 and brain state
    (a ControllerState of n_s rows), rows of species s being offsets[s]:offsets[s + 1].

    Read the columns by name (`table["x"]`) or as `table.columns`; kernels write them in place.
    `genomes[s]` is replaced, never written, so a cache keyed on the array stays valid."""

    def __init__(
        self,
        columns: AgentColumns,
        genomes: list[np.ndarray],
        states: list[ControllerState],
        next_id: int,
    ):
        self.next_id = int(next_id)
        self._set(columns, genomes, states)

    def _set(self, columns, genomes, states) -> None:
        counts = [g.shape[0] for g in genomes]
        n = columns.x.shape[0]
        if sum(counts) != n or [len(st) for st in states] != counts:
            raise WorldError(
                f"{n} agent rows do not match genomes {counts} and brain states "
                f"{[len(st) for st in states]}"
            )
        self.columns = columns
        self.genomes = list(genomes)
        self.states = list(states)
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        ends = self.offsets.tolist()
        self._spans = list(zip(ends[:-1], ends[1:], strict=True))

    def __getitem__(self, name: str) -> np.ndarray:
        return getattr(self.columns, name)

    @property
    def n(self) -> int:
        """Rows (living and dead) of all species."""
        return self._spans[-1][1] if self._spans else 0

    @property
    def n_species(self) -> int:
        return len(self.genomes)

    def span(self, s: int) -> tuple[int, int]:
        """(lo, hi): rows of species s are lo:hi."""
        return self._spans[s]

    def row_of(self, agent_id: int) -> int | None:
        hit = np.flatnonzero(self.columns.ids == agent_id)
        return int(hit[0]) if hit.size else None

    def species_of_row(self, row: int) -> int:
        return int(np.searchsorted(self.offsets, row, side="right") - 1)

    def relayout(self, newborns: list[tuple[AgentColumns, np.ndarray, ControllerState]]) -> int:
        """Drop dead rows and append newborns: per species s its survivors in row order, then
        newborns[s] = (columns, genomes, states) (ids < 0 are numbered here, in row order).
        Returns the number of new ids given."""
        parts, genomes, states = [], [], []
        for s, (cols, gen, st) in enumerate(newborns):
            lo, hi = self.span(s)
            keep = np.flatnonzero(self.columns.alive[lo:hi])
            parts += [take_columns(self.columns, keep + lo), cols]
            kept = np.concatenate([self.genomes[s][keep], gen])
            genomes.append(np.ascontiguousarray(kept, dtype=np.float32))
            states.append(self.states[s].take(keep).concat(st))
        columns = concat_columns(parts)
        new = np.flatnonzero(columns.ids < 0)
        columns.ids[new] = self.next_id + np.arange(new.size)
        self.next_id += int(new.size)
        self._set(columns, genomes, states)
        return int(new.size)
