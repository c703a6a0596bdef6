"""The World: many independent arenas stepped together, one kernel call per stage per tick.

Tick order (issue 3): sense -> think (one NTMController.step per species for all its agents in
all arenas) -> act + physics -> interact (eat food/poison, catch prey, cue goals) -> metabolism
-> births/deaths (open-ended mode; applied in row order at the end of the tick) -> food regrowth.
Arenas never interact: items and agents carry an arena position, grids are per arena, and every
random draw comes from the arena's own key (alife.world.rng), derived from
(seed, generation, arena index) - like EvoJAX's vmapped tasks, so splitting arenas across
workers gives the same per-arena results.
"""

from __future__ import annotations

import numba
import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.models import WorldConfig
from alife.jit import set_threads
from alife.world import births, episode, scoring
from alife.world.grid import GridSpec, build_grid, build_object_grid
from alife.world.interact import (
    apply_catch_kernel,
    apply_food_kernel,
    catch_kernel,
    claim_food_kernel,
    goal_kernel,
    metabolism_kernel,
)
from alife.world.physics import collide_kernel, move_kernel
from alife.world.rng import arena_keys
from alife.world.sensors import ray_angles, sense_kernel, sensor_names
from alife.world.spawn import (
    regrow_kernel,
)
from alife.world.state import build_items
from alife.world.tables import build_items as build_item_tables
from alife.world.tables import build_tables, cell_min, obstacle_arrays

MAX_MOTORS = 5  # turn, thrust, signal r, g, b
SERIAL_BELOW = 256  # agents; smaller worlds tick on one thread


def make_controller(config: WorldConfig, s: int) -> NTMController:
    """The controller of species s. Its fixed random signs depend only on the species index,
    so genomes stay valid whatever run seed is used."""
    sp = config.species[s]
    mem = sp.memory
    seed = 7919 * (s + 1)
    memory = None
    if mem.enabled:
        memory = HashMemory(mem.key_size, mem.value_size, mem.width, mem.rounds, mem.mode, seed)
    return NTMController(
        sp.n_sensors, sp.n_motors, memory=memory, reads=mem.reads,
        width=sp.brain.width, depth=sp.brain.depth, seed=seed, addressing=mem.addressing,
    )  # fmt: skip


class World:
    """Independent arenas of one world file; see the module docstring and CONTRACTS.md.

    World(config, seed=None (config.seed), *, generation=0, arena_ids=None
    (range(config.arena.count)), genomes=None (fresh random; else a list per species of
    float32 (arenas x agents per arena, n_params) in arena-major order), mutate=None
    (open-ended births: mutate(genomes (k, n_params) float32, rng) -> new array; default:
    alife.evolve.mutation.mutate with the world file's evolution.mutation)).

    `genomes[s]` (rows of species s, float32 (n, n_params)) is read-only: to change genomes,
    replace the list entry with a new array (the controllers' validated copy is refreshed
    when the array object changes). `agents`, `item` and `states` are engine state: read them,
    do not write them (use snapshot() / inspect() for drawing)."""

    def __init__(
        self,
        config: WorldConfig,
        seed: int | None = None,
        *,
        generation: int = 0,
        arena_ids=None,
        genomes: list[np.ndarray] | None = None,
        mutate=None,
    ):
        self.config = config
        self.seed = int(config.seed if seed is None else seed)
        self.generation = int(generation)
        if arena_ids is None:
            arena_ids = np.arange(config.arena.count)
        self.arena_ids = np.asarray(arena_ids, dtype=np.int64).reshape(-1)
        if self.arena_ids.size == 0 or (self.arena_ids < 0).any():
            raise ValueError("arena_ids must be a non-empty list of non-negative integers")
        self.n_arenas = int(self.arena_ids.size)
        self.keys = arena_keys(self.seed, self.generation, self.arena_ids)
        self.open_ended = config.evolution.mode == "open_ended"
        self.mutate = mutate
        self.controllers = [make_controller(config, s) for s in range(len(config.species))]
        self.tables = build_tables(config, [c.n_params for c in self.controllers])
        self.items = build_item_tables(config)
        self.circles, self.rects = obstacle_arrays(config)
        a = config.arena
        self.grid = GridSpec.for_arena(a.width, a.height, cell_min(config), a.boundary == "wrap")
        # contact search radii around grid positions (built before this tick's moves)
        r_max = float(self.tables.radius.max())
        v_max = float(self.tables.max_speed.max())
        margin = 2.0 * v_max + 2.0 * r_max  # a move plus pushes since the grid was built
        self.reach_collide = 2.0 * r_max + v_max
        self.reach_catch = 2.0 * r_max + margin
        self._has_prey = bool(self.tables.is_prey.any())
        self._ray = []
        for sp in config.species:
            ang = ray_angles(sp.sensors.rays, sp.sensors.fov)
            self._ray.append((np.cos(ang), np.sin(ang)))
        cue = config.cue
        self.goals = np.array(cue.goals if cue else [(0.0, 0.0)] * 2, dtype=np.float64)
        self.cue_side = np.zeros(self.n_arenas, dtype=np.int64)
        flags = np.zeros((2, self.n_arenas), dtype=np.bool_)
        flags[1] = True
        self._cue_flags = flags  # [all off, all on]; never written
        self.patch_xy = np.zeros((self.n_arenas, self.items.patch_total, 2))
        self.item = build_items(
            self.n_arenas, config.food.capacity, config.poison.capacity, config.food.count,
            config.poison.count, bool(cue and cue.food_at_goal),
        )  # fmt: skip
        self._init_agents(genomes)
        self.totals = {"births": 0, "deaths": 0, "eaten": 0}
        self.last = {"births": 0, "deaths": 0, "eaten": 0}
        self.tick_count = 0
        self.agent_ticks = 0
        self.reset()

    # ----------------------------------------------------------------- setup
    def _init_agents(self, genomes) -> None:
        episode.init_agents(self, genomes)

    def _update_offsets(self) -> None:
        counts = [len(g) for g in self.genomes]
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        n = int(self.offsets[-1])
        self.motors = np.zeros((n, MAX_MOTORS), dtype=np.float32)
        self._px = np.empty(n)
        self._py = np.empty(n)
        self._died = np.empty(n, dtype=np.bool_)
        self._catcher = np.empty(n, dtype=np.int64)
        self._claim = np.empty(n, dtype=np.int64)
        self._sense_buf: dict[int, np.ndarray] = {}
        self._rows = [
            np.arange(self.offsets[s], self.offsets[s + 1], dtype=np.int64)
            for s in range(len(counts))
        ]

    def reset(self) -> None:
        """Start an episode: place agents and items, full energy, zeroed brains and scores."""
        episode.reset_world(self)

    # ------------------------------------------------------------------ tick
    def cue_on(self) -> np.ndarray:
        """(A,) bool: is the cue light showing this tick (a new array)."""
        return self._cue_now().copy()

    def _cue_now(self) -> np.ndarray:
        cue = self.config.cue
        on = cue is not None and self.tick_count < cue.show_ticks
        return self._cue_flags[1 if on else 0]

    def _grids(self):
        """The agent grid (start, order) for contacts and the object grid for sensing:
        (start, row, x, y, tag) over living agents (tag = species, row = agent row) and active
        items (tag = n_species + kind, row = -2 - slot), gathered in cell order."""
        A, I = self.agents, self.item
        a_start, a_order = build_grid(
            self.grid, self.n_arenas, A["x"], A["y"], A["apos"], A["alive"]
        )
        objects = build_object_grid(self.grid, self.n_arenas, A, I, len(self.controllers))
        return (a_start, a_order), objects

    def sense(self, s: int, rows: np.ndarray, grids=None) -> np.ndarray:
        """Sensor inputs (len(rows), n_sensors) float32 for rows (int64) of species s.

        The array is a buffer reused by the next call for the same rows: copy it to keep it."""
        A, t, g = self.agents, self.tables, self.grid
        sp = self.config.species[s]
        (_a_start, _a_order), (o_start, o_row, o_x, o_y, o_tag) = (
            grids if grids is not None else self._grids()
        )
        n = rows.shape[0]
        out = self._sense_buf.get(s)
        if out is None or out.shape[0] != n:
            out = np.empty((n, sp.n_sensors), np.float32)
            if n == self.offsets[s + 1] - self.offsets[s]:
                self._sense_buf[s] = out
        ct, st = self._ray[s]
        sn = sp.sensors
        sense_kernel(
            rows, A["x"], A["y"], A["heading"], A["speed"], A["energy"], A["alive"], A["apos"],
            ct, st, float(sn.range), int(t.n_classes[s]), int(t.ch_wall[s]), t.ch_tag[s],
            t.rad_tag, float(sp.body.max_speed), float(sp.energy.max), sn.energy, sn.speed,
            sn.clock, int(sn.clock_period), sn.cue, int(self.tick_count), self._cue_now(),
            self.cue_side, g.width, g.height, g.wrap, self.circles, self.rects, g.gx, g.gy,
            g.cw, g.ch, o_start, o_row, o_x, o_y, o_tag, out,
        )  # fmt: skip
        return out

    def tick(self) -> None:
        """Advance every arena by one tick.

        Worlds of fewer than SERIAL_BELOW agents tick on one thread: their kernels are too
        short for a parallel region to pay off (results are the same on any thread count)."""
        if self.offsets[-1] < SERIAL_BELOW:
            before = numba.get_num_threads()
            if before > 1:
                set_threads(1)
                try:
                    self._tick()
                finally:
                    set_threads(before)
                return
        self._tick()

    def _tick(self) -> None:
        A, I, t, g, cfg = self.agents, self.item, self.tables, self.grid, self.config
        grids = self._grids()
        a_start, a_order = grids[0]
        # sense + think, one controller step per species
        for s, ctrl in enumerate(self.controllers):
            lo, hi = int(self.offsets[s]), int(self.offsets[s + 1])
            if hi == lo:
                continue
            sensors = self.sense(s, self._rows[s], grids)
            motors = ctrl.step(self._prepared(s), self.states[s], sensors)
            self.motors[lo:hi, : motors.shape[1]] = motors
            if t.signal[s]:
                A["signal"][lo:hi] = 0.5 * (motors[:, 2:5] + 1.0)
        # act + physics
        cue = cfg.cue
        held = bool(cue is not None and cue.hold_agents and self.tick_count < cue.show_ticks)
        n_alive = move_kernel(
            self.motors, A["x"], A["y"], A["heading"], A["speed"], A["alive"], A["done"],
            A["species"], held, t.max_speed, t.reverse, t.max_turn, self._px, self._py,
        )  # fmt: skip
        collide_kernel(
            self._px, self._py, A["alive"], A["species"], A["apos"], t.radius, t.collide,
            g.width, g.height, g.wrap, self.circles, self.rects, g.gx, g.gy, g.cw, g.ch,
            self.reach_collide, a_start, a_order, A["x"], A["y"],
        )  # fmt: skip
        # interact
        o_start, o_row, o_x, o_y, o_tag = grids[1]
        claim_food_kernel(
            A["x"], A["y"], A["alive"], A["done"], A["species"], A["apos"], t.radius, t.eat,
            self.items.radius, len(self.controllers), g.width, g.height, g.wrap, g.gx, g.gy,
            g.cw, g.ch, o_start, o_row, o_x, o_y, o_tag, self._claim,
        )  # fmt: skip
        eaten = apply_food_kernel(
            self._claim, I["fkind"], I["factive"], self.items.energy, A["energy"], A["species"],
            t.max_energy, A["ledger"], A["counters"],
        )  # fmt: skip
        deaths = 0
        if self._has_prey:
            catch_kernel(
                A["x"], A["y"], A["alive"], A["done"], A["species"], A["apos"], t.radius,
                t.pred, t.is_prey, g.width, g.height, g.wrap, g.gx, g.gy, g.cw, g.ch,
                self.reach_catch, a_start, a_order, self._catcher,
            )  # fmt: skip
            caught = apply_catch_kernel(
                self._catcher, A["alive"], A["energy"], A["species"], t.prey_frac,
                t.max_energy, A["ledger"], A["counters"],
            )  # fmt: skip
            eaten += caught
            deaths += caught
        if cue is not None:
            goal_kernel(
                A["x"], A["y"], A["alive"], A["done"], A["apos"], self.cue_side, self.goals,
                float(cue.goal_radius), cue.stop_at_goal, A["counters"], A["goal_d"],
            )  # fmt: skip
        deaths += metabolism_kernel(
            A["alive"], A["speed"], A["species"], A["energy"], A["age"], t.base_cost,
            t.move_cost, t.brain_cost, t.max_speed, t.max_age, A["ledger"], A["counters"],
            self._died,
        )  # fmt: skip
        self.agent_ticks += int(n_alive)
        born = 0
        if self.open_ended:
            born = births.births_and_deaths(self)
        # food regrowth
        it = self.items
        regrow_kernel(
            self.keys, I["farena"], I["flocal"], I["fkind"], I["can_regrow"], it.regrow,
            self.patch_xy, it.patch_off, it.patch_n, it.patch_r, it.radius, self.circles,
            self.rects, g.width, g.height, self.tick_count, I["fx"], I["fy"], I["factive"],
        )  # fmt: skip
        self.tick_count += 1
        if held and self.tick_count == cue.show_ticks:
            # the cue is gone: put everyone back where they started (no body memory)
            A["x"][:] = A["spawn_x"]
            A["y"][:] = A["spawn_y"]
            A["heading"][:] = A["spawn_h"]
            A["speed"][:] = 0.0
        self.last = {"births": born, "deaths": int(deaths), "eaten": int(eaten)}
        for k, v in self.last.items():
            self.totals[k] += v

    def _prepared(self, s: int):
        """Species s's genomes validated once (NTMController.prepare) and reused every tick
        until `self.genomes[s]` is replaced by another array (births, restores)."""
        cache = self.__dict__.setdefault("_prep", {})
        g = self.genomes[s]
        hit = cache.get(s)
        if hit is None or hit[0] is not g:
            hit = (g, self.controllers[s].prepare(g))
            cache[s] = hit
        return hit[1]

    def run_episode(self) -> list[np.ndarray]:
        """reset() then episode.length ticks; returns fitness()."""
        self.reset()
        for _ in range(self.config.episode.length):
            self.tick()
        return self.fitness()

    # ---------------------------------------------------------------- queries
    def fitness(self) -> list[np.ndarray]:
        """Episode score so far, per species (n,) float64, in genome order."""
        return scoring.episode_scores(self)

    def _start_goal_distance(self) -> np.ndarray:
        return scoring.start_goal_distance(self)

    def agent_ids(self, species: int) -> np.ndarray:
        return self.agents["ids"][self.offsets[species] : self.offsets[species + 1]].copy()

    def sensor_names(self, species: int) -> list[str]:
        return sensor_names(self.config.species[species])

    def row_of(self, agent_id: int) -> int | None:
        hit = np.flatnonzero(self.agents["ids"] == agent_id)
        return int(hit[0]) if hit.size else None

    def species_of_row(self, row: int) -> int:
        return int(np.searchsorted(self.offsets, row, side="right") - 1)

    def snapshot(self):
        from alife.world.views import make_snapshot

        return make_snapshot(self)

    def inspect(self, agent_id: int):
        from alife.world.views import make_agent_view

        return make_agent_view(self, agent_id)

    def state_arrays(self) -> dict[str, np.ndarray]:
        from alife.world.state_io import state_arrays

        return state_arrays(self)

    @classmethod
    def from_state_arrays(cls, config: WorldConfig, arrays: dict[str, np.ndarray], mutate=None):
        from alife.world.state_io import from_state_arrays

        return from_state_arrays(cls, config, arrays, mutate=mutate)
