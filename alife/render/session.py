"""What the window runs, without any drawing: a World built from a world file, evolving live.

A `Session` owns the world file path, its validated config and a `World`; it ticks the world,
advances generations in generational worlds (the evolution section's selection and mutation,
`alife.evolve.selection.next_generation`), records the chart series, hot-reloads the file
(keeping the genomes of species whose brain shape did not change; a broken edit leaves the old
world running and keeps the line-numbered error), and saves/loads window checkpoints with
`alife.evolve.checkpoint` (npz + JSON, no pickle).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from alife.config import load_world
from alife.errors import AlifeError, CheckpointError
from alife.render.scene import SceneStatic, static_from_config

HISTORY_EVERY = 25  # open-ended worlds: ticks between chart points


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Session:
    """A world file brought to life for the window (see module docstring).

    world_factory(config, seed, generation, genomes) -> World lets `view` and tests plug in
    how the World is built; the default is `alife.world.World(config, seed, generation=...,
    genomes=...)`.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        seed: int | None = None,
        genomes: list[np.ndarray] | None = None,
        generation: int = 0,
        checkpoint_dir: str | Path | None = None,
        world_factory: Callable | None = None,
        config=None,
    ) -> None:
        self.path = Path(path)
        self.config = load_world(self.path) if config is None else config  # config: of `path`
        self.seed = int(self.config.seed if seed is None else seed)
        self.generation = int(generation)
        self._factory = world_factory or _default_world
        self.world = self._factory(self.config, self.seed, self.generation, genomes)
        self.static: SceneStatic = static_from_config(self.config)
        self.checkpoint_dir = Path(checkpoint_dir or Path("runs") / f"window-{self.path.stem}")
        self.history: dict[str, list[float]] = {}
        self.history_version = 0
        self.error: str | None = None  # the last reload error (None when the file is fine)
        self.reloads = 0
        self._mtime = self._stat()
        self._last_poll = time.monotonic()

    # ----- properties -----------------------------------------------------------------------
    @property
    def generational(self) -> bool:
        return self.config.evolution.mode == "generational"

    @property
    def species_names(self) -> list[str]:
        return [s.name for s in self.config.species]

    def chart_title(self) -> tuple[str, str, float]:
        """(title, x label, x step per point) of the live chart."""
        if self.generational:
            return "fitness per generation (last: this episode so far)", "generation", 1.0
        return "population", "tick", float(HISTORY_EVERY)

    # ----- running ----------------------------------------------------------------------------
    def tick(self, count: int = 1) -> int:
        """Advance `count` ticks (generational worlds roll over to the next generation at the
        end of each episode). Returns the number of generations completed."""
        done = 0
        length = self.config.episode.length
        for _ in range(int(count)):
            self.world.tick()
            if self.generational:
                t = self.world.tick_count
                if t >= length or (t % 10 == 0 and self.world.snapshot().population == 0):
                    self.next_generation()
                    done += 1
            elif self.world.tick_count % HISTORY_EVERY == 0:
                self._record_population()
        return done

    def next_generation(self) -> None:
        """Score the episode, select and mutate each species, start the next episode."""
        from alife.evolve.selection import next_generation

        fitness = self.world.fitness()
        self._record_fitness(fitness)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.generation, 0xA1]))
        genomes = [
            next_generation(np.asarray(g), np.asarray(f, np.float64), rng, self.config.evolution)
            for g, f in zip(self.world.genomes, fitness, strict=True)
        ]
        self.generation += 1
        self.world = self._factory(self.config, self.seed, self.generation, genomes)

    def chart_series(self) -> tuple[dict[str, list[float]], tuple]:
        """(series, version) for the live chart. Generational worlds append the running
        episode's best/mean as the last point (refreshed every 10 ticks)."""
        if not self.generational:
            return self.history, (self.history_version,)
        tick = self.world.tick_count
        series = {k: list(v) for k, v in self.history.items()}
        names = self.species_names
        for s, f in enumerate(self.world.fitness()):
            f = np.asarray(f, np.float64)
            prefix = "" if len(names) == 1 else f"{names[s]} "
            if f.size:
                series.setdefault(f"{prefix}best", []).append(float(f.max()))
                series.setdefault(f"{prefix}mean", []).append(float(f.mean()))
        return series, (self.history_version, self.generation, tick // 10)

    def _record_fitness(self, fitness: list[np.ndarray]) -> None:
        names = self.species_names
        for s, f in enumerate(fitness):
            f = np.asarray(f, np.float64)
            prefix = "" if len(names) == 1 else f"{names[s]} "
            best = float(f.max()) if f.size else float("nan")
            mean = float(f.mean()) if f.size else float("nan")
            self.history.setdefault(f"{prefix}best", []).append(best)
            self.history.setdefault(f"{prefix}mean", []).append(mean)
        self.history_version += 1

    def _record_population(self) -> None:
        snap_species = self.world.snapshot().species
        for s, name in enumerate(self.species_names):
            self.history.setdefault(name, []).append(float(np.count_nonzero(snap_species == s)))
        self.history_version += 1

    def fitness_summary(self) -> tuple[float, float]:
        """(best, mean) episode score so far over all agents (NaN when there are none)."""
        values = [np.asarray(f, np.float64) for f in self.world.fitness()]
        allf = np.concatenate(values) if values else np.zeros(0)
        if allf.size == 0:
            return float("nan"), float("nan")
        return float(allf.max()), float(allf.mean())

    # ----- hot reload -------------------------------------------------------------------------
    def _stat(self) -> float:
        try:
            return os.stat(self.path).st_mtime_ns
        except OSError:
            return 0

    def poll_file(self, interval: float = 0.5) -> bool:
        """Reload when the file's modification time changed (checked at most every `interval`
        seconds). Returns True when a reload was attempted."""
        now = time.monotonic()
        if now - self._last_poll < interval:
            return False
        self._last_poll = now
        mtime = self._stat()
        if mtime == self._mtime:
            return False
        self._mtime = mtime
        self.reload()
        return True

    def reload(self) -> bool:
        """Re-read the world file. On success start a new world from it, keeping the genomes of
        every species (matched by name) whose brain shape is unchanged; on error keep the old
        world running and remember the message in `self.error`. Returns success."""
        self._mtime = self._stat()
        try:
            config = load_world(self.path)
        except AlifeError as err:
            self.error = str(err)
            return False
        try:
            fresh = self._factory(config, self.seed, self.generation, None)
            genomes = [np.array(g, copy=True) for g in fresh.genomes]
            kept = 0
            old_names = self.species_names
            for s, sp in enumerate(config.species):
                if sp.name not in old_names:
                    continue
                old = np.asarray(self.world.genomes[old_names.index(sp.name)])
                new = genomes[s]
                if old.ndim == 2 and old.shape[1] == new.shape[1] and old.shape[0] > 0:
                    order = self._best_first(old_names.index(sp.name))
                    take = min(new.shape[0], old.shape[0])
                    new[:take] = old[order[:take]]
                    kept += take
            world = self._factory(config, self.seed, self.generation, genomes) if kept else fresh
        except AlifeError as err:  # valid file the engine still rejects
            self.error = f"{self.path}: {err}"
            return False
        self.config = config
        self.world = world
        self.static = static_from_config(config)
        self.error = None
        self.reloads += 1
        self.kept_genomes = kept
        return True

    def _best_first(self, species: int) -> np.ndarray:
        f = np.asarray(self.world.fitness()[species], np.float64)
        return np.argsort(-np.nan_to_num(f, nan=-np.inf), kind="stable")

    # ----- checkpoints ------------------------------------------------------------------------
    def save_checkpoint(self) -> Path:
        """Write the running world (state arrays), generation and chart history to
        `checkpoint_dir` (npz + JSON, atomic). Returns the JSON path."""
        from alife.evolve.checkpoint import Checkpoint, save_checkpoint

        arrays = {f"world/{k}": np.asarray(v) for k, v in self.world.state_arrays().items()}
        for name, values in self.history.items():
            arrays[f"history/{name}"] = np.asarray(values, np.float64)
        meta = {
            "kind": "window",
            "world_file": str(self.path),
            "world_sha256": _file_digest(self.path),
            "seed": self.seed,
            "tick": int(self.world.tick_count),
        }
        return save_checkpoint(
            self.checkpoint_dir, Checkpoint(self.generation, meta, arrays), keep=5
        )

    def load_checkpoint(self) -> Path:
        """Restore the newest checkpoint in `checkpoint_dir`; CheckpointError if there is none,
        it is damaged, or it was saved with a different version of the world file."""
        from alife.evolve.checkpoint import latest_checkpoint, load_checkpoint
        from alife.world import World

        json_path = latest_checkpoint(self.checkpoint_dir)
        ckpt = load_checkpoint(json_path)
        if ckpt.meta.get("kind") != "window":
            raise CheckpointError(f"{json_path}: not a window checkpoint")
        if ckpt.meta.get("world_sha256") != _file_digest(self.path):
            raise CheckpointError(
                f"{json_path}: saved with a different version of {self.path.name}; "
                "undo the edit or save a new checkpoint"
            )
        state = {k[6:]: v for k, v in ckpt.arrays.items() if k.startswith("world/")}
        world = World.from_state_arrays(self.config, state, mutate=births_mutate(self.config))
        self.world = world
        self.generation = int(ckpt.generation)
        self.seed = int(ckpt.meta.get("seed", self.seed))
        self.history = {
            k[8:]: [float(v) for v in arr]
            for k, arr in ckpt.arrays.items()
            if k.startswith("history/")
        }
        self.history_version += 1
        return json_path


def births_mutate(config):
    """What an open-ended world's births mutate child genomes with: the file's mutation."""
    from alife.evolve.mutation import mutate

    return partial(mutate, cfg=config.evolution.mutation)


def _default_world(config, seed: int, generation: int, genomes):
    from alife.world import World

    return World(config, seed, generation=generation, genomes=genomes, mutate=births_mutate(config))
