"""The agents of a World: a table of per-agent columns, with genomes and brain states per species.

Rows are species-major (all rows of species 0, then species 1, ...), and within a species in
arena-major order at episode start, so each species' brain steps one contiguous slice and its
genomes and brain-state rows line up with its agent rows. Once a world has births every species'
block ends in free rows. Only `AgentTable.grow` and `AgentTable.append` (births into a species'
free rows), `AgentTable.make_room` and `AgentTable.drop_dead` change the rows; kernels read and
write the columns in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import numba
import numpy as np

from alife.errors import WorldError
from alife.jit import Dispatch, kernel_tuple, njit_serial
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


MIN_ROOM = 16  # free rows a species gets once it has births (or a quarter of its rows)

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


@njit_serial
def _clear_rows(c, lo, hi, species, first_id):
    """Rows lo:hi of c (AgentColumns) get `species`, the ids first_id, first_id + 1, ... and
    zero in every other column. Each column is named here (element stores compile in a third
    of the time of a literal_unroll over the columns); a test checks that none is missed."""
    for i in range(lo, hi):
        c.x[i] = 0
        c.y[i] = 0
        c.heading[i] = 0
        c.speed[i] = 0
        c.energy[i] = 0
        c.energy0[i] = 0
        c.age[i] = 0
        c.alive[i] = 0
        c.done[i] = 0
        c.parent[i] = 0
        c.apos[i] = 0
        c.local[i] = 0
        c.born_gen[i] = 0
        c.spawn_x[i] = 0
        c.spawn_y[i] = 0
        c.spawn_h[i] = 0
        c.goal_d[i] = 0
        for j in range(c.signal.shape[1]):
            c.signal[i, j] = 0
        c.taste[i] = 0
        for j in range(c.ledger.shape[1]):
            c.ledger[i, j] = 0
        for j in range(c.counters.shape[1]):
            c.counters[i, j] = 0
        c.species[i] = species
        c.ids[i] = first_id + (i - lo)


def _rows_of(state: ControllerState, names: tuple[str, ...], k: int) -> ControllerState:
    """A view of the first k rows of a brain state (a dataclass of arrays, fields `names`)."""
    return type(state)(**{name: getattr(state, name)[:k] for name in names})


def _gather(state: ControllerState, idx: np.ndarray, into: ControllerState) -> ControllerState:
    """`into` (a fresh state of at least len(idx) rows) with rows idx of `state` copied into its
    first rows: one copy of the kept rows, whatever room follows them."""
    for f in dataclasses.fields(state):
        np.take(getattr(state, f.name), idx, axis=0, out=getattr(into, f.name)[: idx.size],
                mode="clip")  # idx is in range; "clip" writes out directly, unbuffered
    return into


def room_for(rows: int) -> int:
    """Free rows a species holding `rows` rows gets once it has births."""
    return max(MIN_ROOM, rows // 4)


class AgentTable:
    """Columns (AgentColumns), and per species s its genomes (n_s, P_s) float32 and brain state
    (a ControllerState of n_s rows), the agents of species s being rows span(s).

    Rows are in species blocks: block s is offsets[s]:offsets[s + 1], its agents (living and
    dead) first, then its free rows (dead, ids -1), into which births of species s are appended
    in place (`append`). Free rows exist only once births asked for them: a world without
    births has none. A dead agent (and a free row) takes part in nothing (it is not sensed,
    moved, fed or counted), so where rows are never changes what happens. Dead rows stay until
    `drop_dead`, so which rows a table holds depends on its agents' history, not on where its
    free rows were. Kernels get `columns` (all n rows); `table["x"]` and `used()` are the same
    rows; `genomes[s]` and `states[s]` are the span's rows. `genomes[s]` is replaced, never
    written, so a cache keyed on the array object stays valid. Free rows' genomes and brain
    states are zero (`_rebuild` makes them so, and only the spans' rows are handed out), so
    newborns start from zero without zeroing them again."""

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
        self._state_fields = [tuple(f.name for f in dataclasses.fields(st)) for st in states]
        self._clear = Dispatch(_clear_rows)  # the columns object repeats from call to call
        counts = [g.shape[0] for g in genomes]
        n = columns.x.shape[0]
        if sum(counts) != n or [len(st) for st in states] != counts:
            raise WorldError(
                f"{n} agent rows do not match genomes {counts} and brain states "
                f"{[len(st) for st in states]}"
            )
        self._store(columns, list(genomes), list(states), counts, [0] * len(counts))

    def _store(self, columns, genomes, states, counts: list[int], room: list[int]) -> None:
        """Keep columns (sum(counts) + sum(room) rows, species-major blocks) and per species
        genomes of counts[s] + room[s] rows and states of at least that many; the first
        counts[s] rows of a block hold agents."""
        self.columns = columns
        self._genomes, self._states = genomes, states
        self._count = [int(k) for k in counts]  # agents' rows per species
        sizes = np.asarray(counts, np.int64) + np.asarray(room, np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._blocks = self.offsets.tolist()  # offsets as ints
        self._views()

    def _views(self, changed: int | None = None) -> None:
        """Spans, genome and brain-state views of the agents' rows: of every species, or only
        of species `changed` (the others' stay)."""
        fresh = changed is None
        n_sp = len(self._genomes)
        spans = [None] * n_sp if fresh else list(self._spans)
        genomes = [None] * n_sp if fresh else list(self.genomes)
        states = [None] * n_sp if fresh else list(self.states)
        for s in range(n_sp) if fresh else (changed,):
            lo, k = self._blocks[s], self._count[s]
            spans[s] = (lo, lo + k)
            genomes[s] = self._genomes[s][:k]
            states[s] = _rows_of(self._states[s], self._state_fields[s], k)
        self._spans, self.genomes, self.states = spans, genomes, states

    def __getitem__(self, name: str) -> np.ndarray:
        return getattr(self.columns, name)

    def used(self) -> AgentColumns:
        """The columns: every row, free rows included (they are dead)."""
        return self.columns

    @property
    def n(self) -> int:
        """Rows of `columns` (agents' rows and free rows)."""
        return self._blocks[-1]

    @property
    def agent_rows(self) -> int:
        """Rows holding an agent, living or dead."""
        return sum(self._count)

    @property
    def n_species(self) -> int:
        return len(self._spans)

    def span(self, s: int) -> tuple[int, int]:
        """(lo, hi): the agents of species s are rows lo:hi."""
        return self._spans[s]

    def room(self, s: int) -> int:
        """Free rows of species s."""
        return self._blocks[s + 1] - self._spans[s][1]

    def row_of(self, agent_id: int) -> int | None:
        hit = np.flatnonzero(self["ids"] == agent_id) if agent_id >= 0 else []
        return int(hit[0]) if len(hit) else None

    def species_of_row(self, row: int) -> int:
        return int(np.searchsorted(self.offsets, row, side="right") - 1)

    def agent_index(self) -> np.ndarray:
        """(agent_rows,) int64: the rows holding agents, in row order (free rows left out)."""
        return np.concatenate([np.arange(lo, hi) for lo, hi in self._spans]).astype(np.int64)

    def compile(self) -> None:
        """Compile (or load from Numba's cache) grow's kernel for these columns' types, without
        running it."""
        _clear_rows.compile((_clear_rows.typeof_pyval(self.columns), *(numba.int64,) * 4))

    def genome_block(self, s: int) -> np.ndarray:
        """(rows of block s, n_params) float32: the genomes of species s's whole block, free rows
        included; a birth writes those of the rows `grow` claimed for it, nothing else."""
        return self._genomes[s]

    def grow(self, s: int, k: int) -> int:
        """Make k free rows of species s (they must fit: `room(s)`) agent rows, after its agents:
        zeroed columns of species s, numbered here in order; their genomes and brain states are
        zero (free rows' are never written). Returns the first of them."""
        if k > self.room(s):
            raise ValueError(f"{k} newborns of species {s} do not fit its {self.room(s)} free rows")
        hi = self._spans[s][1]
        self._clear(self.columns, hi, hi + k, s, self.next_id)
        self.next_id += k
        self._count[s] += k
        self._views(s)
        return hi

    def append(self, s: int, columns: AgentColumns, genomes: np.ndarray) -> None:
        """Put newborns of species s (their columns, ids aside, and genomes (k, n_params)
        float32) in its free rows (`grow`)."""
        k = columns.x.shape[0]
        first = self.grow(s, k)
        for name, mine, theirs in zip(AgentColumns._fields, self.columns, columns, strict=True):
            if name != "ids":
                mine[first : first + k] = theirs
        c = first - self._blocks[s]  # its genome rows
        self._genomes[s][c : c + k] = genomes

    def make_room(self, need: list[int]) -> None:
        """Give every species s at least need[s] free rows (and room_for its rows), keeping
        every row that holds an agent, dead ones too."""
        self._rebuild([np.arange(hi - lo) for lo, hi in self._spans], need)

    def drop_dead(self) -> None:
        """Drop the dead rows; every species keeps its living rows in order, then room_for them."""
        alive = self.columns.alive
        self._rebuild([np.flatnonzero(alive[lo:hi]) for lo, hi in self._spans],
                      [0] * self.n_species)  # fmt: skip

    def _rebuild(self, keep: list[np.ndarray], need: list[int]) -> None:
        """New columns and genomes, and states (see _kept_state): per species s its rows
        span(s)[0] + keep[s] (ascending), then room_for(len(keep[s])) + need[s] free rows (dead,
        ids -1, zeroed genomes and states)."""
        parts, genomes, states, counts, room = [], [], [], [], []
        for s, idx in enumerate(keep):
            k = idx.size
            free = room_for(k) + need[s]
            pad = empty_columns(free)
            pad.species[:] = s
            pad.ids[:] = -1
            parts += [take_columns(self.columns, idx + self._spans[s][0]), pad]
            g = np.zeros((k + free, self._genomes[s].shape[1]), np.float32)
            np.take(self._genomes[s], idx, axis=0, out=g[:k], mode="clip")
            genomes.append(g)
            states.append(self._kept_state(s, idx, k + free))
            counts.append(k)
            room.append(free)
        self._store(concat_columns(parts), genomes, states, counts, room)

    def _kept_state(self, s: int, idx: np.ndarray, rows: int) -> ControllerState:
        """Species s's brain states with the rows idx (ascending) of its agents first, zero after
        them, in at least `rows` rows: the same arrays compacted in place when they have the
        rows (no copy of megabytes of memory, no fresh pages), else new ones with half as many
        rows again to grow into."""
        state, count, k = self._states[s], self._count[s], idx.size
        if len(state) < rows:
            return _gather(state, idx, self._new_state[s](rows + rows // 2))
        if k < count:  # idx[i] >= i: every kept row moves up, or stays
            for name in self._state_fields[s]:
                a = getattr(state, name)
                a[:k] = a[idx]
                a[k:count] = 0
        return state
