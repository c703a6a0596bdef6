"""One tick of every arena of a World: sense -> think -> act + physics -> interact ->
metabolism -> food regrowth, for all arenas and species at once.

A tick is three compiled passes (alife.world.passes) around the controllers' steps: sense_pass
builds the grid and fills one flat sensor buffer for every agent (each species' rows are a
contiguous (n_s, n_sensors_s) block of it, the block its controller steps); each controller's
motors go into one (N, MAX_MOTORS) array; act_pass moves, collides and eats; finish_pass pays
metabolism and regrows food. Worlds with predators or cue goals add their stage before it.
Buffers are sized for the agent table's rows (in use and free) and rebuilt when its columns are
replaced. Births and deaths are the World's next step (alife.world.births); regrowth touches
only items and does not depend on them.
"""

from __future__ import annotations

import time
from functools import partial
from typing import NamedTuple

import numba
import numpy as np

from alife.config.models import WorldConfig
from alife.jit import Dispatch, set_threads
from alife.world.agents import AgentTable
from alife.world.controller import Controller, takes_live
from alife.world.episode import approach_cued
from alife.world.grid import ObjectGrid, object_grid
from alife.world.interact import goals_reached
from alife.world.items import Arenas, ItemSlots
from alife.world.passes import act_pass, catch_pass, finish_pass, sense_pass
from alife.world.tables import WorldTables
from alife.world.threads import MACHINE, ThreadChoice

MAX_MOTORS = 5  # turn, thrust, signal r, g, b
SERIAL_BELOW = 256  # agents; smaller passes run on one thread
# a species' think is ~10x a pass's work per agent, and its tasks are split evenly over the
# threads (alife.brain.wht.task_rows): a few dozen agents may gain from threads
THINK_SERIAL_BELOW = 16
# while the machine is busy, stages over fewer agents run on one thread: their regions are
# short beside the scheduler's time slices, and one thread waiting for a core stalls them all
BUSY_SERIAL_BELOW = 4096


class TickCounts(NamedTuple):
    """What one tick did: agents alive at its start, items and prey eaten, deaths."""

    alive: int
    eaten: int
    deaths: int


class _Buffers(NamedTuple):
    """Per-tick work arrays for one agent-table layout (N rows: in use and free)."""

    rows: np.ndarray  # int64 (N,): 0..N-1
    bounds: np.ndarray  # int64 (S + 1,): rows of species s are bounds[s]:bounds[s + 1]
    base: np.ndarray  # int64 (S,): where species s's block starts in `sensors`
    dest: np.ndarray  # int64 (N,): where each row's sensor inputs start in `sensors`
    sensors: np.ndarray  # float32 flat: species s's rows are one (rows, n_sensors_s) block
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
        self._skip_dead = [takes_live(c) for c in controllers]  # step(..., live=alive rows)
        self.cue = config.cue
        self.has_prey = bool(tables.species.is_prey.any())
        self._columns = None  # the layout the buffers are sized for
        self._buf: _Buffers | None = None
        self._sensed: tuple[int, _Buffers] | None = None  # sense_all()'s tick and buffers
        self._prepared: dict[int, tuple[np.ndarray, object]] = {}
        self._flags = {}  # (arenas, on) -> (A,) bool cue flags, never written
        self._sense_pass, self._act_pass = Dispatch(sense_pass), Dispatch(act_pass)
        self._catch_pass, self._finish_pass = Dispatch(catch_pass), Dispatch(finish_pass)
        self._goals = Dispatch(goals_reached)
        self._cued = approach_cued(config)
        self.threads: dict = {}  # stage -> its ThreadChoice
        self._busy = False  # is the machine busy during this tick (MachineLoad)
        self._threads_now = 1  # Numba's thread count while run() runs

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
        threads = _threads(rows.size, numba.get_num_threads())
        self._sense(agents, items, arenas, tick, rows, dest, bounds, threads, objects,
                    out.reshape(-1))
        return out

    def sense_all(self, agents: AgentTable, items: ItemSlots, arenas: Arenas,
                  tick: int) -> list[np.ndarray]:
        """Every agent's sensor inputs at this tick, per species (n_s, n_sensors) float32
        (copies), computed in the tick's own buffers exactly as run() computes them."""
        buf = self._buffers(agents, items, len(arenas.ids))
        threads = _threads(agents.n, numba.get_num_threads())
        self._sense(agents, items, arenas, tick, buf.rows, buf.dest, buf.bounds, threads,
                    buf.objects, buf.sensors)
        self._sensed = (tick, buf)
        return [self._inputs(agents, buf, s).copy() for s in range(agents.n_species)]

    def _inputs(self, agents: AgentTable, buf, s: int) -> np.ndarray:
        """(n_s, n_sensors) float32 view of species s's sensor inputs in `buf`."""
        lo, hi = agents.span(s)
        k = int(self.tables.sensors.n_sensors[s])
        return buf.sensors[buf.base[s] : buf.base[s] + (hi - lo) * k].reshape(-1, k)

    def _sense(self, agents, items, arenas, tick, rows, dest, bounds, threads, objects,
               out) -> None:
        self._sense_pass(*self._sense_args(agents, items, arenas, tick, rows, dest, bounds,
                                           threads, objects, out))  # fmt: skip

    def _sense_args(self, agents, items, arenas, tick, rows, dest, bounds, threads, objects,
                    out) -> tuple:
        t = self.tables
        return (rows, dest, bounds, agents.columns, items, t.sensors, t.obstacles, t.grid, tick,
                self.cue_on(tick, len(arenas.ids)), self.shown_side(arenas.cue_side, tick),
                arenas.swapped, threads, objects, out)  # fmt: skip

    def _act_args(self, agents, items, arenas, tick, buf, threads) -> tuple:
        t = self.tables
        a, sp, g, o = agents.columns, t.species, t.grid, buf.objects
        return (buf.motors, buf.rows, a.x, a.y, a.heading, a.speed, a.alive, a.done, a.species,
                a.apos, a.signal, a.energy, a.ledger, a.counters, a.taste, items.fkind,
                items.factive, items.farena, sp.max_turn, sp.max_speed, sp.reverse, sp.signal,
                sp.radius, sp.collide, sp.eat, sp.max_energy, t.items.radius, t.items.energy,
                t.obstacles.circles, t.obstacles.rects, g.width, g.height, g.gx, g.gy, g.cw, g.ch,
                g.wrap, t.reach_collide, self.held(tick), threads, o.start, o.row, o.x, o.y,
                o.tag, buf.px, buf.py, buf.claim, arenas.swapped)  # fmt: skip

    def _catch_args(self, agents, buf, threads) -> tuple:
        t = self.tables
        a, sp, g, o = agents.columns, t.species, t.grid, buf.objects
        return (buf.rows, a.x, a.y, a.alive, a.done, a.species, a.apos, a.energy, a.ledger,
                a.counters, sp.radius, sp.pred, sp.is_prey, sp.prey_frac, sp.max_energy, g.width,
                g.height, g.gx, g.gy, g.cw, g.ch, g.wrap, t.reach_catch, threads, o.start, o.row,
                buf.catcher)  # fmt: skip

    def _goals_args(self, agents, arenas) -> tuple:
        return (agents.columns, arenas.cue_side, self.tables.goals, float(self.cue.goal_radius),
                self.cue.stop_at_goal, self._cued)  # fmt: skip

    def _finish_args(self, agents, items, arenas, tick) -> tuple:
        t = self.tables
        a, sp, it = agents.columns, t.species, t.items
        return (a.alive, a.speed, a.species, a.energy, a.age, a.ledger, a.counters, sp.base_cost,
                sp.move_cost, sp.brain_cost, sp.max_speed, sp.max_age, arenas.keys, items.farena,
                items.flocal, items.fkind, items.can_regrow, it.regrow, it.season_period,
                it.season_amp, arenas.patch_xy, it, t.obstacles.circles, t.obstacles.rects,
                t.grid.width, t.grid.height, tick, items.fx, items.fy, items.factive)  # fmt: skip

    def pass_names(self) -> list[str]:
        """The compiled passes this World's tick calls, in order."""
        return ["sense", "act"] + ["catch"] * self.has_prey + ["goals"] * (self.cue is not None) \
            + ["finish"]  # fmt: skip

    def compile_pass(self, name: str, agents: AgentTable, items: ItemSlots, arenas: Arenas
                     ) -> None:  # fmt: skip
        """Compile (or load from Numba's cache) the pass `name` (one of pass_names()) for the
        argument types of this World's tick, without running it."""
        buf = self._buffers(agents, items, len(arenas.ids))
        if name == "sense":
            dispatch, args = self._sense_pass, self._sense_args(
                agents, items, arenas, 0, buf.rows, buf.dest, buf.bounds, 1, buf.objects,
                buf.sensors)  # fmt: skip
        elif name == "act":
            dispatch, args = self._act_pass, self._act_args(agents, items, arenas, 0, buf, 1)
        elif name == "catch":
            dispatch, args = self._catch_pass, self._catch_args(agents, buf, 1)
        elif name == "goals":
            dispatch, args = self._goals, self._goals_args(agents, arenas)
        else:
            dispatch, args = self._finish_pass, self._finish_args(agents, items, arenas, 0)
        kernel = dispatch.kernel
        kernel.compile(tuple(kernel.typeof_pyval(a) for a in args))

    def run(self, agents: AgentTable, items: ItemSlots, arenas: Arenas, tick: int,
            sensed: bool = False) -> TickCounts:
        """Advance every arena by one tick, except births and deaths. Each stage (sensing, each
        species' think, acting, catching) runs on the Numba thread count or on one thread,
        whichever its ThreadChoice finds faster, and small stages on one while the machine is
        busy (MachineLoad); results are the same on any.
        sensed: sense_all() ran on this very state, so its inputs (still in the buffers) are
        used instead of sensing again."""
        allowed = numba.get_num_threads()
        self._threads_now = allowed
        try:
            self._busy = allowed > 1 and MACHINE.busy(allowed)
            return self._run(agents, items, arenas, tick, sensed, allowed)
        finally:
            if self._threads_now != allowed:
                set_threads(allowed)

    def _run(self, agents, items, arenas, tick: int, sensed: bool, allowed: int) -> TickCounts:
        buf = self._buffers(agents, items, len(arenas.ids))
        n = max(1, agents.n)
        fresh = sensed and self._sensed is not None and self._sensed[0] == tick \
            and self._sensed[1] is buf  # fmt: skip
        self._sensed = None
        if not fresh:
            self._staged("sense", allowed, n, lambda threads: self._sense(
                agents, items, arenas, tick, buf.rows, buf.dest, buf.bounds, threads,
                buf.objects, buf.sensors))  # fmt: skip
        for s in range(len(self.controllers)):
            lo, hi = agents.span(s)
            if hi > lo:
                live = {"live": agents.columns.alive[lo:hi]} if self._skip_dead[s] else {}
                step = partial(self.controllers[s].step, self._prepare(agents, s),
                               agents.states[s], self._inputs(agents, buf, s), **live)
                motors = self._staged(s, allowed, hi - lo, lambda _, step=step: step())
                buf.motors[lo:hi, : motors.shape[1]] = motors
        n_alive, eaten = self._staged("act", allowed, n, lambda threads: self._act_pass(
            *self._act_args(agents, items, arenas, tick, buf, threads)))  # fmt: skip
        deaths = 0
        if self.has_prey:
            caught = self._staged("catch", allowed, n, lambda threads: self._catch_pass(
                *self._catch_args(agents, buf, threads)))  # fmt: skip
            eaten += caught
            deaths += caught
        if self.cue is not None:
            self._goals(*self._goals_args(agents, arenas))
        deaths += self._finish_pass(*self._finish_args(agents, items, arenas, tick))
        return TickCounts(int(n_alive), int(eaten), int(deaths))

    def _staged(self, stage, allowed: int, n: int, run):
        """run(threads) on the thread count (1 or `allowed`) the stage's ThreadChoice picks
        for n agents, or on one for fewer than BUSY_SERIAL_BELOW agents while the machine is
        busy (Numba's count is set to it; run() restores it), timed for it; returns what run
        returns."""
        choice = self._choice(stage)
        threads = choice.pick(1 if self._busy and n < BUSY_SERIAL_BELOW else allowed, n)
        if threads != self._threads_now:
            set_threads(threads)
            self._threads_now = threads
        t0 = time.perf_counter()
        out = run(threads)
        choice.record(threads, (time.perf_counter() - t0) / n)
        return out

    def _choice(self, stage) -> ThreadChoice:
        """The ThreadChoice of a stage ('sense', 'act', 'catch', or a species index: its
        controller's step)."""
        choice = self.threads.get(stage)
        if choice is None:
            think = isinstance(stage, int)
            choice = self.threads[stage] = ThreadChoice(
                min(SERIAL_BELOW, THINK_SERIAL_BELOW) if think else SERIAL_BELOW)
        return choice

    def _prepare(self, agents: AgentTable, s: int):
        """Species s's genomes prepared once (Controller.prepare) and reused every tick until
        the table's genome view changes: rows appended to the same array (births) are prepared
        on their own (`after`), a new array (restores, dropped rows) in full."""
        g = agents.genomes[s]
        hit = self._prepared.get(s)
        if hit is None or hit[0] is not g:
            ctrl = self.controllers[s]
            grown = hit is not None and hit[0].base is not None and hit[0].base is g.base \
                and hit[0].shape[0] <= g.shape[0]  # fmt: skip
            hit = (g, ctrl.prepare(g, hit[1]) if grown else ctrl.prepare(g))
            self._prepared[s] = hit
        return hit[1]

    def _buffers(self, agents: AgentTable, items: ItemSlots, n_arenas: int) -> _Buffers:
        """The work arrays for the table's rows (rebuilt when its columns are replaced; rows
        appended in free rows already have their places)."""
        if self._columns is agents.columns and self._buf is not None:
            return self._buf
        n = agents.n
        n_sens = self.tables.sensors.n_sensors
        bounds = agents.offsets.copy()
        base = np.concatenate([[0], np.cumsum(np.diff(bounds) * n_sens)]).astype(np.int64)
        species = agents.columns.species
        rows = np.arange(n, dtype=np.int64)
        dest = base[species] + (rows - bounds[species]) * n_sens[species]
        self._buf = _Buffers(
            rows=rows,
            bounds=bounds,
            base=base[:-1].copy(),
            dest=dest.astype(np.int64),
            sensors=np.zeros(int(base[-1]), np.float32),
            motors=np.zeros((n, MAX_MOTORS), np.float32),
            objects=object_grid(self.tables.grid, n_arenas, n + len(items.fx)),
            px=np.empty(n),
            py=np.empty(n),
            claim=np.empty(n, np.int64),
            catcher=np.empty(n, np.int64),
        )
        self._columns = agents.columns
        return self._buf


def _threads(n: int, allowed: int) -> int:
    """Threads for a pass over n agents outside a tick's ThreadChoice: all allowed, or one
    for fewer than SERIAL_BELOW agents."""
    return allowed if n >= SERIAL_BELOW else 1
