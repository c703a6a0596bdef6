"""The agents of a World: a table of per-agent columns, with genomes and brain states per species.

Rows are species-major (all rows of species 0, then species 1, ...), and within a species in
arena-major order at episode start, so each species' brain steps one contiguous slice and its
genomes and brain-state rows line up with its agent rows. Only `AgentTable.append` (births of
the last species, into free rows) and `AgentTable.relayout` (other births, dropping dead rows)
change the rows; kernels read and write the columns in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from alife.errors import WorldError
from alife.jit import kernel_tuple
from alife.world.controller import ControllerState
from alife.world.interact import COUNTER_COLUMNS, LEDGER_COLUMNS


@kernel_tuple
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


MIN_ROOM = 16  # free rows made after the rows in use once births need room (or a quarter of them)

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


def _rows_of(state: ControllerState, k: int) -> ControllerState:
    """A view of the first k rows of a brain state (a dataclass of arrays)."""
    return dataclasses.replace(
        state, **{f.name: getattr(state, f.name)[:k] for f in dataclasses.fields(state)}
    )


class AgentTable:
    """Columns (AgentColumns), and per species s its genomes (n_s, P_s) float32 and brain state
    (a ControllerState of n_s rows), rows of species s being span(s) = offsets[s]:offsets[s + 1].

    Once births need it, `columns` has room for more rows than the n in use: rows n.. are free
    (dead, of the last species), so births of the last species are appended in place
    (`append`). Dead rows stay where they are until `relayout`: a dead agent takes part in
    nothing (it is not sensed, moved, fed or counted), so when dead rows are dropped never
    changes what happens, only where rows are. Kernels get `columns` (all rows); everything else
    reads the rows in use (`table["x"]`, `used()`, `genomes[s]`, `states[s]`). `genomes[s]` is
    replaced, never written, so a cache keyed on the array object stays valid."""

    def __init__(
        self,
        columns: AgentColumns,
        genomes: list[np.ndarray],
        states: list[ControllerState],
        next_id: int,
        new_state: list[Callable[[int], ControllerState]],
    ):
        self.next_id = int(next_id)
        self._new_state = new_state
        self._build(columns, genomes, states, room=0)

    def _build(self, columns, genomes, states, room: int) -> None:
        """Store the rows in use (columns, genomes, states: exactly n rows) with `room` free
        rows after them for appends (none until births ask for them: a world without births
        needs no more memory than its agents)."""
        counts = [g.shape[0] for g in genomes]
        n = columns.x.shape[0]
        if sum(counts) != n or [len(st) for st in states] != counts:
            raise WorldError(
                f"{n} agent rows do not match genomes {counts} and brain states "
                f"{[len(st) for st in states]}"
            )
        last = len(counts) - 1
        self._genomes = list(genomes)
        self._states = list(states)
        self.columns = columns
        if room:
            free = empty_columns(room)
            free.species[:] = last
            free.ids[:] = -1
            self.columns = concat_columns([columns, free])
            pad = np.zeros((room, genomes[last].shape[1]), np.float32)
            self._genomes[last] = np.concatenate([genomes[last], pad])
            self._states[last] = states[last].concat(self._new_state[last](room))
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._views()

    def _views(self) -> None:
        ends = self.offsets.tolist()
        self._spans = list(zip(ends[:-1], ends[1:], strict=True))
        last = len(self._spans) - 1
        k = self._spans[last][1] - self._spans[last][0]
        self.genomes = [*self._genomes[:last], self._genomes[last][:k]]
        self.states = [*self._states[:last], _rows_of(self._states[last], k)]

    def __getitem__(self, name: str) -> np.ndarray:
        return getattr(self.columns, name)[: self.n]

    def used(self) -> AgentColumns:
        """Views of the rows in use."""
        n = self.n
        return AgentColumns(*(c[:n] for c in self.columns))

    @property
    def n(self) -> int:
        """Rows in use (living and dead) of all species."""
        return self._spans[-1][1]

    @property
    def capacity(self) -> int:
        """Rows of `columns` (in use and free)."""
        return self.columns.x.shape[0]

    @property
    def n_species(self) -> int:
        return len(self._spans)

    def span(self, s: int) -> tuple[int, int]:
        """(lo, hi): rows of species s are lo:hi."""
        return self._spans[s]

    def row_of(self, agent_id: int) -> int | None:
        hit = np.flatnonzero(self["ids"] == agent_id)
        return int(hit[0]) if hit.size else None

    def species_of_row(self, row: int) -> int:
        return int(np.searchsorted(self.offsets, row, side="right") - 1)

    def append(self, columns: AgentColumns, genomes: np.ndarray) -> None:
        """Add newborns of the last species after its rows (numbered here, in order), with
        zeroed brain states; makes room if the free rows run out."""
        k = columns.x.shape[0]
        n = self.n
        if n + k > self.capacity:
            used = self.used()
            self._build(AgentColumns(*(c.copy() for c in used)), list(self.genomes),
                        [st.take(np.arange(len(st))) for st in self.states],
                        room=max(MIN_ROOM, (n + k) // 4) + k)  # fmt: skip
        last = self.n_species - 1
        for mine, theirs in zip(self.columns, columns, strict=True):
            mine[n : n + k] = theirs
        self.columns.ids[n : n + k] = self.next_id + np.arange(k)
        self.next_id += k
        lo = n - int(self.offsets[last])
        self._genomes[last][lo : lo + k] = genomes
        self._states[last].reset_rows(slice(lo, lo + k))
        self.offsets[-1] += k
        self._views()

    def relayout(self, newborns: list[tuple[AgentColumns, np.ndarray]]) -> int:
        """Drop dead rows and add newborns: per species s its living rows in order, then
        newborns[s] = (columns, genomes) with zeroed brain states (ids < 0 are numbered here, in
        row order). Returns the number of new ids given."""
        parts, genomes, states = [], [], []
        for s, (cols, gen) in enumerate(newborns):
            lo, hi = self.span(s)
            keep = np.flatnonzero(self.columns.alive[lo:hi])
            parts += [take_columns(self.columns, keep + lo), cols]
            kept = np.concatenate([self.genomes[s][keep], gen])
            genomes.append(np.ascontiguousarray(kept, dtype=np.float32))
            states.append(self.states[s].take(keep).concat(self._new_state[s](len(cols.x))))
        columns = concat_columns(parts)
        new = np.flatnonzero(columns.ids < 0)
        columns.ids[new] = self.next_id + np.arange(new.size)
        self.next_id += int(new.size)
        self._build(columns, genomes, states, room=max(MIN_ROOM, len(columns.x) // 4))
        return int(new.size)
