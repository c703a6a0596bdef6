"""A run's generation (or open-ended chunk) replayed in the window, with keyframes for seeking.

`ReplaySession` is a `Session` over one episode of a run, re-simulated by
`alife.evolve.replay.start_of`: it ticks from the episode's first tick to its last and stops
there (no next generation), and `seek(tick)` jumps anywhere in between. Seeking restores the
nearest `Timeline` keyframe at or before the tick (a World's `state_arrays()`, saved every
`every` ticks as the episode is first played) and ticks forward from it, so a jump costs at most
`every - 1` ticks; restoring a saved state and ticking on is bit-identical to never stopping, so
every tick looks the same however it was reached. `verify()` plays the whole episode and compares
its scores (open-ended: population, births and deaths) with the run's metrics.csv.
"""

from __future__ import annotations

import math

import numpy as np

from alife.errors import CheckpointError
from alife.evolve.replay import ReplayStart, check_generational, check_open_ended
from alife.render.session import Session

KEYFRAME_MEMORY = 512 * 2**20  # bytes all keyframes of a replay may hold


class Timeline:
    """Keyframes of one World episode, ticks first..last: World.state_arrays() at every tick
    first + k * every (taken as the episode is played), for `seek`."""

    def __init__(self, config, first: int, last: int, every: int) -> None:
        self.config, self.first, self.last = config, int(first), int(last)
        self.every = max(1, int(every))
        self.frames: dict[int, dict[str, np.ndarray]] = {}

    def fit_memory(self, state_bytes: int, budget: int = KEYFRAME_MEMORY) -> None:
        """Space the keyframes so that all of them fit `budget` bytes."""
        most = max(1, budget // max(1, state_bytes))
        self.every = max(self.every, math.ceil((self.last - self.first + 1) / most))

    def record(self, world) -> None:
        t = world.tick_count
        if (t - self.first) % self.every == 0 and t not in self.frames:
            self.frames[t] = world.state_arrays()

    def seek(self, world, tick: int):
        """The World at `tick` (clamped to first..last): `world` ticked on when the tick is
        ahead within one keyframe interval, else restored from the nearest keyframe before it."""
        tick = min(max(int(tick), self.first), self.last)
        if not (world.tick_count <= tick < world.tick_count + self.every):
            start = max(k for k in self.frames if k <= tick)
            world = type(world).from_state_arrays(
                self.config, self.frames[start]
            )
        while world.tick_count < tick:
            world.tick()
            self.record(world)
        return world


class ReplaySession(Session):
    """One episode of a run in the window (see the module docstring)."""

    replay = True

    def __init__(self, start: ReplayStart, *, keyframe_every: int = 50) -> None:
        config = start.config
        self.run_dir = start.run_dir
        self.open_ended = config.evolution.mode == "open_ended"
        if self.open_ended:
            super().__init__(start.world_file, seed=start.seed, config=config,
                             generation=start.generation)  # fmt: skip
            self.world = start.world
            length = config.evolution.open_ended.chunk_ticks
        else:
            super().__init__(start.world_file, seed=start.seed, config=config,
                             genomes=list(start.population.genomes), generation=start.generation)
            self.population = start.population
            length = config.episode.length
        self.first = int(self.world.tick_count)
        self.last = self.first + int(length)
        self.timeline = Timeline(config, self.first, self.last, keyframe_every)
        state = self.world.state_arrays()
        self.timeline.fit_memory(sum(a.nbytes for a in state.values()))
        self.timeline.record(self.world)
        self._load_run_records()

    def _load_run_records(self) -> None:
        """The run's lineage (for the inspector's ancestry), the clusters of this generation
        and the chart of the generations before it."""
        from alife.evolve.lineage import LINEAGE_FILE, read_lineage
        from alife.render.launch import load_run_history

        family = self.family
        if (self.run_dir / LINEAGE_FILE).exists():
            lineage = read_lineage(self.run_dir / LINEAGE_FILE)
            family.lineage = lineage
            if not self.open_ended:
                mine = lineage["generation"] == self.generation
                family.members = [lineage["cluster"][mine & (lineage["species"] == s)]
                                  for s in range(len(self.config.species))]  # fmt: skip
        if not self.open_ended:
            history = load_run_history(self.run_dir, self.config)
            self.history = {k: v[: self.generation] for k, v in history.items()}
            self.history_version += 1

    # ----- time -----------------------------------------------------------------------------
    @property
    def at_end(self) -> bool:
        return self.world.tick_count >= self.last

    def tick(self, count: int = 1) -> int:
        """Advance up to `count` ticks, stopping at the episode's last tick."""
        for _ in range(int(count)):
            if self.at_end:
                break
            self.world.tick()
            self.timeline.record(self.world)
        return 0

    def seek(self, tick: int) -> None:
        """Show the episode at `tick` (first..last)."""
        self.world = self.timeline.seek(self.world, tick)

    def verify(self) -> list[str]:
        """Play the whole episode and compare it with the run's metrics.csv; returns the
        differences (empty: reproduced exactly). Leaves the replay at its first tick."""
        names = self.species_names
        if self.open_ended:
            diffs = self._verify_chunk(names)
        else:
            self.seek(self.last)
            fitness = self.generation_fitness()  # plays the off-screen arenas to the end too
            self.offscreen = None  # only needed for this check
            diffs = check_generational(self.run_dir, self.generation, names, fitness)
        self.seek(self.first)
        return diffs

    def _verify_chunk(self, names: list[str]) -> list[str]:
        self.seek(self.first)
        n = len(names)

        def population() -> np.ndarray:
            A = self.world.agents
            return np.bincount(A["species"][A["alive"]], minlength=n)

        start = population()
        births = np.zeros(n, np.int64)
        while not self.at_end:
            next_id = self.world.agents.next_id
            self.tick(1)
            A = self.world.agents
            births += np.bincount(A["species"][A["ids"] >= next_id], minlength=n)
        end = population()
        counts = {"population": end.tolist(), "births": births.tolist(),
                  "deaths": (start + births - end).tolist()}  # fmt: skip
        return check_open_ended(self.run_dir, self.generation, names, counts)

    # ----- the world file is the run's own: no reloading ------------------------------------
    def poll_file(self, interval: float = 0.5) -> bool:
        return False

    def reload(self) -> bool:
        self.error = "a replay shows the run's own copy of its world file (not reloaded)"
        return False

    def next_generation(self) -> None:
        raise CheckpointError("a replay shows one generation")

    def chart_title(self) -> tuple[str, str, float]:
        if self.open_ended:
            return super().chart_title()
        return f"fitness per generation (last: generation {self.generation} replayed)", \
            "generation", 1.0  # fmt: skip
