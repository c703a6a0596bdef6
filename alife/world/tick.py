"""One tick of every arena of a World: sense -> think -> act + physics -> interact ->
metabolism -> food regrowth, for all arenas and species at once.

A tick is two compiled passes (alife.world.passes) around the controllers' steps: sense_pass
builds the grid and fills one flat sensor buffer for every agent (each species' rows are a
contiguous (n_s, n_sensors_s) block of it, the block its controller steps); each controller's
motors go into one (N, MAX_MOTORS) array; act_pass moves, collides, eats, pays metabolism and
regrows food. Worlds with predators or cue goals add their stage between eating and metabolism.
Buffers are sized for the agent table's layout and rebuilt when births and deaths change it.
Births and deaths are the World's next step (alife.world.births); regrowth touches only items
and does not depend on them.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from alife.config.models import WorldConfig
from alife.jit import MIN_CHUNK, Dispatch, set_threads
from alife.world.agents import AgentTable
from alife.world.controller import Controller
from alife.world.grid import ObjectGrid, object_grid
from alife.world.interact import goals_reached
from alife.world.items import Arenas, ItemSlots
from alife.world.passes import act_pass, catch_pass, finish_pass, sense_pass
from alife.world.tables import WorldTables

MAX_MOTORS = 5  # turn, thrust, signal r, g, b
SERIAL_BELOW = 256  # agents; smaller worlds tick on one thread


class TickCounts(NamedTuple):
    """What one tick did: agents alive at its start, items and prey eaten, deaths."""

    alive: int
    eaten: int
    deaths: int


class _Buffers(NamedTuple):
    """Per-tick work arrays for one agent-table layout (N rows)."""

    rows: np.ndarray  # int64 (N,): 0..N-1
    dest: np.ndarray  # int64 (N,): where each row's sensor inputs start in `sensors`
    sensors: np.ndarray  # float32 flat: species s's rows are one (n_s, n_sensors_s) block
    views: list[np.ndarray]  # those blocks
    motors: np.ndarray  # float32 (N, MAX_MOTORS)
    objects: ObjectGrid  # this tick's grid of agents and item slots
    px: np.ndarray  # float64 (N,) proposed positions
    py: np.ndarray
    claim: np.ndarray  # int64 (N,) claimed item slot
    catcher: np.ndarray  # int64 (N,) predator row


class TickPipeline:
    """The stages of a tick for a World's tables and controllers (one per species)."""

    def __init__(self, config: WorldConfig, tables: WorldTables, controllers: list[Controller]):
        self.tables = tables
        self.controllers = controllers
        self.cue = config.cue
        self.has_prey = bool(tables.species.is_prey.any())
        self._columns = None  # the layout the buffers are sized for
        self._buf: _Buffers | None = None
        self._prepared: dict[int, tuple[np.ndarray, object]] = {}
        self._flags = {}  # (arenas, on) -> (A,) bool cue flags, never written
        self._sense_pass, self._act_pass = Dispatch(sense_pass), Dispatch(act_pass)
        self._catch_pass, self._finish_pass = Dispatch(catch_pass), Dispatch(finish_pass)
        self._goals = Dispatch(goals_reached)

    def cue_on(self, tick: int, n_arenas: int) -> np.ndarray:
        """(A,) bool: is the cue light showing at this tick (read-only)."""
        on = self.cue is not None and tick < self.cue.show_until
        flags = self._flags.get((n_arenas, on))
        if flags is None:
            flags = self._flags[(n_arenas, on)] = np.full(n_arenas, on, dtype=np.bool_)
            flags.flags.writeable = False
        return flags

    def held(self, tick: int) -> bool:
        """Are agents held still at this tick (cue worlds that hold agents while it shows)."""
        cue = self.cue
        return bool(cue is not None and cue.hold_agents and tick < cue.show_until)

    def shown_side(self, cue_side: np.ndarray, tick: int) -> np.ndarray:
        """(A,) int64: the side (0/1) of the light showing at this tick (while the cue shows;
        with one light, the arenas' cue sides themselves)."""
        cue = self.cue
        if cue is None or cue.steps == 1:
            return cue_side
        step = min(tick // cue.show_ticks, cue.steps - 1)
        return (cue_side >> (cue.steps - 1 - step)) & 1

    def sense(
        self,
        agents: AgentTable,
        items: ItemSlots,
        arenas: Arenas,
        tick: int,
        s: int,
        rows: np.ndarray,
    ) -> np.ndarray:
        """Sensor inputs (len(rows), n_sensors) float32 of rows (int64) of species s."""
        n = int(self.tables.sensors.n_sensors[s])
        out = np.empty((rows.size, n), np.float32)
        dest = np.arange(rows.size, dtype=np.int64) * n
        bounds = np.zeros(agents.n_species + 1, np.int64)
        bounds[s + 1 :] = rows.size
        objects = object_grid(self.tables.grid, len(arenas.ids), agents.n + len(items.fx))
        n_chunks = _chunks(rows.size, numba.get_num_threads())
        self._sense(agents, items, arenas, tick, rows, dest, bounds, n_chunks, objects,
                    out.reshape(-1))
        return out

    def _sense(self, agents, items, arenas, tick, rows, dest, bounds, n_chunks, objects,
               out) -> None:
        t = self.tables
        cue_on = self.cue_on(tick, len(arenas.ids))
        self._sense_pass(rows, dest, bounds, agents.columns, items, t.sensors, t.obstacles,
                         t.grid, tick, cue_on, self.shown_side(arenas.cue_side, tick),
                         arenas.swapped, n_chunks,
                         objects, out)

    def run(self, agents: AgentTable, items: ItemSlots, arenas: Arenas, tick: int) -> TickCounts:
        """Advance every arena by one tick, except births and deaths. Worlds of fewer than
        SERIAL_BELOW agents tick on one thread: their passes are too short for a parallel region
        to pay off (results are the same on any thread count)."""
        threads = numba.get_num_threads()
        if agents.n >= SERIAL_BELOW or threads == 1:
            return self._run(agents, items, arenas, tick, threads)
        set_threads(1)
        try:
            return self._run(agents, items, arenas, tick, 1)
        finally:
            set_threads(threads)

    def _run(self, agents, items, arenas, tick: int, threads: int) -> TickCounts:
        t, cols = self.tables, agents.columns
        buf = self._buffers(agents, items, len(arenas.ids))
        n_chunks = _chunks(agents.n, threads)
        self._sense(agents, items, arenas, tick, buf.rows, buf.dest, agents.offsets, n_chunks,
                    buf.objects, buf.sensors)
        for s, ctrl in enumerate(self.controllers):
            lo, hi = agents.span(s)
            if hi > lo:
                motors = ctrl.step(self._prepare(agents, s), agents.states[s], buf.views[s])
                buf.motors[lo:hi, : motors.shape[1]] = motors
        sp, it, obstacles, grid = t.species, t.items, t.obstacles, t.grid
        cue = self.cue
        finish = cue is None and not self.has_prey
        n_alive, eaten, deaths = self._act_pass(
            buf.motors, cols, items, sp, it, arenas, obstacles, grid, t.reach_collide,
            self.held(tick), tick, finish, n_chunks, buf.objects, buf.px, buf.py, buf.claim,
        )
        if not finish:
            if self.has_prey:
                caught = self._catch_pass(cols, sp, grid, t.reach_catch, n_chunks, buf.objects,
                                    buf.catcher)
                eaten += caught
                deaths += caught
            if cue is not None:
                self._goals(cols, arenas.cue_side, t.goals, float(cue.goal_radius),
                              cue.stop_at_goal)
            deaths += self._finish_pass(cols, items, sp, it, arenas, obstacles, grid, tick)
        return TickCounts(int(n_alive), int(eaten), int(deaths))

    def _prepare(self, agents: AgentTable, s: int):
        """Species s's genomes prepared once (Controller.prepare) and reused every tick until
        the table's genome array is replaced (births, restores)."""
        g = agents.genomes[s]
        hit = self._prepared.get(s)
        if hit is None or hit[0] is not g:
            hit = (g, self.controllers[s].prepare(g))
            self._prepared[s] = hit
        return hit[1]

    def _buffers(self, agents: AgentTable, items: ItemSlots, n_arenas: int) -> _Buffers:
        if self._columns is agents.columns and self._buf is not None:
            return self._buf
        n = agents.n
        n_sens = self.tables.sensors.n_sensors
        counts = np.diff(agents.offsets)
        base = np.concatenate([[0], np.cumsum(counts * n_sens)]).astype(np.int64)
        sensors = np.zeros(int(base[-1]), np.float32)
        species = agents.columns.species
        rows = np.arange(n, dtype=np.int64)
        dest = base[species] + (rows - agents.offsets[species]) * n_sens[species]
        views = [
            sensors[base[s] : base[s + 1]].reshape(-1, int(n_sens[s]))
            for s in range(agents.n_species)
        ]
        self._buf = _Buffers(
            rows=rows,
            dest=dest.astype(np.int64),
            sensors=sensors,
            views=views,
            motors=np.zeros((n, MAX_MOTORS), np.float32),
            objects=object_grid(self.tables.grid, n_arenas, n + len(items.fx)),
            px=np.empty(n),
            py=np.empty(n),
            claim=np.empty(n, np.int64),
            catcher=np.empty(n, np.int64),
        )
        self._columns = agents.columns
        return self._buf


def _chunks(n: int, threads: int) -> int:
    """Pieces a pass over n agents is cut into: a few per thread (a thread that starts late
    finds work left), none smaller than MIN_CHUNK agents."""
    return max(1, min(4 * threads, n // MIN_CHUNK))
