"""The World: many independent arenas of one world file stepped together.

A World is made of parts with one job each: the static tables (alife.world.tables), the agent
table (alife.world.agents: columns, genomes, brain states), the item slots and per-arena state
(alife.world.items), one controller per species (alife.world.controller), the tick pipeline
(alife.world.tick), episode set-up (alife.world.episode), births and deaths in open-ended worlds
(alife.world.births), scores (alife.world.scoring), save/restore (alife.world.state_io) and
read-only views (alife.world.views). Arenas never interact: items and agents carry an arena
position, grids are per arena, and every random draw comes from the arena's own key
(alife.world.rng), derived from (seed, generation, arena index), so splitting arenas across
workers gives the same per-arena results.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.models import WorldConfig
from alife.errors import WorldError
from alife.world import episode, scoring, state_io, views
from alife.world.births import Reproduction
from alife.world.controller import Controller, ControllerFactory
from alife.world.items import Arenas, arenas, item_slots
from alife.world.sensors import sensor_names
from alife.world.state_checks import check_state
from alife.world.tables import build_tables
from alife.world.tick import TickPipeline


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
    """Independent arenas of one world file (see the module docstring).

    World(config, seed=None (config.seed), *, generation=0, arena_ids=None
    (range(config.arena.count)), genomes=None (fresh random; else a list per species of
    float32 (arenas x agents per arena, n_params) in arena-major order),
    controller_factory=make_controller ((config, species index) -> Controller)).

    Parts (read them; only the World's methods change them): `agents` (AgentTable: columns,
    `genomes`, brain `states`), `items` (ItemSlots), `arenas` (Arenas), `tables` (WorldTables),
    `controllers`. Drawing code uses snapshot() and inspect()."""

    def __init__(
        self,
        config: WorldConfig,
        seed: int | None = None,
        *,
        generation: int = 0,
        arena_ids=None,
        genomes: list[np.ndarray] | None = None,
        controller_factory: ControllerFactory = make_controller,
    ):
        if arena_ids is None:
            arena_ids = np.arange(config.arena.count)
        self._build(config, seed, generation, arena_ids, controller_factory)
        self.agents = episode.founders(
            config, self.controllers, self.seed, self.generation, self.arenas.ids, genomes
        )
        self.reset()

    def _build(self, config, seed, generation, arena_ids, controller_factory) -> None:
        """Everything but the agents: the parts a world file and a header define."""
        self.config = config
        self.seed = int(config.seed if seed is None else seed)
        self.generation = int(generation)
        ids = np.asarray(arena_ids).reshape(-1)
        if ids.size == 0 or ids.dtype.kind not in "iu" or (ids < 0).any():
            raise WorldError("arena_ids must be a non-empty list of non-negative integers")
        self.controllers: list[Controller] = [
            controller_factory(config, s) for s in range(len(config.species))
        ]
        for s, (sp, ctrl) in enumerate(zip(config.species, self.controllers, strict=True)):
            if ctrl.n_sensors != sp.n_sensors or ctrl.n_motors != sp.n_motors:
                raise WorldError(
                    f"species {s} ('{sp.name}'): its controller takes {ctrl.n_sensors} sensors "
                    f"and gives {ctrl.n_motors} motors; the world has {sp.n_sensors} and "
                    f"{sp.n_motors}"
                )
        self.open_ended = config.evolution.mode == "open_ended"
        self.tables = build_tables(config, [c.n_params for c in self.controllers])
        self.arenas: Arenas = arenas(
            self.seed, self.generation, ids.astype(np.int64), self.tables.items.patch_r_of.size
        )
        self.items = item_slots(config, self.n_arenas)
        self._pipeline = TickPipeline(config, self.tables, self.controllers)
        self._births = (
            Reproduction(config, self.tables, self.controllers, self.seed, generation)
            if self.open_ended
            else None
        )
        self.tick_count = 0
        self.agent_ticks = 0
        self.totals = {"births": 0, "deaths": 0, "eaten": 0}
        self.last = {"births": 0, "deaths": 0, "eaten": 0}

    # ------------------------------------------------------------------ parts
    @property
    def n_arenas(self) -> int:
        return int(self.arenas.ids.shape[0])

    @property
    def arena_ids(self) -> np.ndarray:
        return self.arenas.ids

    @property
    def genomes(self) -> list[np.ndarray]:
        """Per species (n_s, n_params) float32, in row order (read them, do not write)."""
        return self.agents.genomes

    @property
    def states(self) -> list:
        """Per species the brain state of its rows."""
        return self.agents.states

    def span(self, s: int) -> tuple[int, int]:
        """(lo, hi): species s's agents (living and dead) are rows lo:hi of `agents`."""
        return self.agents.span(s)

    # ------------------------------------------------------------------ time
    def reset(self) -> None:
        """Start an episode: place agents and items, full energy, zeroed brains and scores."""
        cfg, sides = self.config, None
        balanced_cue = cfg.cue is not None and cfg.cue.balanced and not self.open_ended
        balanced_swap = cfg.swap_balanced and not self.open_ended
        if balanced_cue or balanced_swap:  # the genome groups of evaluate.Layout
            groups = cfg.evolution.layout([s.count for s in cfg.species])[0]
        if balanced_cue:
            sides = episode.balanced_sides(self.seed, self.generation, self.arenas.ids, groups,
                                           len(cfg.cue.goals))
        episode.start(cfg, self.tables, self.agents, self.items, self.arenas, sides)
        if balanced_swap:
            self.arenas.swapped[:] = episode.balanced_swaps(
                self.seed, self.generation, self.arenas.ids, groups, cfg.swap)
        self.tick_count = 0
        self.totals = {"births": 0, "deaths": 0, "eaten": 0}
        self.last = {"births": 0, "deaths": 0, "eaten": 0}

    def tick(self, after_acting: Callable[[], None] | None = None, sensed: bool = False) -> None:
        """Advance every arena by one tick. after_acting, if given, is called once the agents
        have acted, eaten and paid for the tick, before births and the removal of the dead
        (open-ended worlds): the rows are still those the tick started with. sensed: the caller
        called sense_all() and changed nothing since, so the tick takes the inputs it computed
        instead of sensing again (ignored after another tick)."""
        counts = self._pipeline.run(self.agents, self.items, self.arenas, self.tick_count,
                                    sensed)
        if after_acting is not None:
            after_acting()
        self.agent_ticks += counts.alive
        born = self._births.apply(self.agents, self.arenas, self.tick_count) if self._births else 0
        held = self._pipeline.held(self.tick_count)
        self.tick_count += 1
        if held and not self._pipeline.held(self.tick_count):
            episode.release_hold(self.agents)
        self.last = {"births": born, "deaths": counts.deaths, "eaten": counts.eaten}
        for k, v in self.last.items():
            self.totals[k] += v

    def pass_names(self) -> list[str]:
        """The compiled passes a tick calls ('sense', 'act', 'catch', 'goals', 'finish', then
        'births' in open-ended worlds), in order."""
        return self._pipeline.pass_names() + ["births"] * (self._births is not None)

    def compile_pass(self, name: str) -> None:
        """Compile (or load from Numba's cache) the tick's pass `name` (one of pass_names())
        for this World's argument types, without running it."""
        if name == "births":
            self._births.compile(self.agents, self.arenas)
        else:
            self._pipeline.compile_pass(name, self.agents, self.items, self.arenas)

    def run_episode(self) -> list[np.ndarray]:
        """reset() then episode.length ticks; returns fitness()."""
        self.reset()
        for _ in range(self.config.episode.length):
            self.tick()
        return self.fitness()

    # ---------------------------------------------------------------- queries
    def cue_on(self) -> np.ndarray:
        """(A,) bool: is the cue light showing this tick (a new array)."""
        return self._pipeline.cue_on(self.tick_count, self.n_arenas)

    def cue_shown(self) -> np.ndarray:
        """(A,) int64: per arena, the side (0/1) of the cue light showing at this tick."""
        return self._pipeline.shown_side(self.arenas.cue_side, self.tick_count)

    def sense(self, s: int, rows: np.ndarray) -> np.ndarray:
        """Sensor inputs (len(rows), n_sensors) float32 (a new array) for rows (int64) of
        species s, as the brain would get them now."""
        rows = np.ascontiguousarray(rows, dtype=np.int64).reshape(-1)
        lo, hi = self.agents.span(s)
        if rows.size and (rows.min() < lo or rows.max() >= hi):
            raise WorldError(f"rows must be rows of species {s} ({lo}..{hi - 1})")
        return self._pipeline.sense(self.agents, self.items, self.arenas, self.tick_count, s, rows)

    def sense_all(self) -> list[np.ndarray]:
        """Sensor inputs of every row, per species (n_s, n_sensors) float32 (new arrays), as
        the brains would get them now."""
        return self._pipeline.sense_all(self.agents, self.items, self.arenas, self.tick_count)

    def fitness(self) -> list[np.ndarray]:
        """Episode score so far, per species (n,) float64, in genome order."""
        return scoring.episode_scores(self.config, self.agents, self.tables.goals,
                                      self.arenas.cue_side)

    def sensor_names(self, species: int) -> list[str]:
        return sensor_names(self.config.species[species])

    def row_of(self, agent_id: int) -> int | None:
        return self.agents.row_of(agent_id)

    def snapshot(self):
        return views.make_snapshot(self)

    def inspect(self, agent_id: int):
        return views.make_agent_view(self, agent_id)

    # ------------------------------------------------------------ save/load
    def state_arrays(self) -> dict[str, np.ndarray]:
        """All state as {name: array} (copies; see alife.world.state_io)."""
        return state_io.save(self)

    @classmethod
    def from_state_arrays(
        cls,
        config: WorldConfig,
        arrays: dict[str, np.ndarray],
        *,
        controller_factory: ControllerFactory = make_controller,
    ) -> World:
        """The World state_arrays() saved, for the same config; WorldError if they do not fit."""
        arrays = state_io.upgrade(arrays)
        check_state(config, arrays, [controller_factory(config, s)
                                     for s in range(len(config.species))])  # fmt: skip
        head = state_io.header(arrays)
        world = cls.__new__(cls)
        seed, generation, arena_ids = head
        world._build(config, seed, generation, arena_ids, controller_factory)
        saved = state_io.load(arrays, world.controllers, world.items, world.arenas)
        world.agents, world.items, world.arenas = saved.agents, saved.items, saved.arenas
        world.tick_count, world.agent_ticks = saved.tick_count, saved.agent_ticks
        world.totals, world.last = saved.totals, saved.last
        return world
