"""What the window runs, without any drawing: a World built from a world file, evolving live.

A `Session` owns the world file path, its validated config and the `World` on screen; it ticks
the world, records the chart series, hot-reloads the file (keeping the genomes of species whose
brain shape did not change; a broken edit leaves the old world running and keeps the
line-numbered error), and saves/loads window checkpoints with `alife.evolve.checkpoint` (npz +
JSON, no pickle).

Generational worlds evolve with the loop and seed scheme of `python run.py evolve`
(alife.evolve.loop): the population is the file's `evolution:` layout, the window shows its
first `arena.count` arenas and ticks the generation's other arenas off-screen in step, so every
generation's fitness, the chart's best/mean and the bred genomes equal those of
`python run.py evolve WORLD --seed SEED` generation for generation. Open-ended worlds are the
World that `evolve` runs, ticking on. `family` (alife.render.family) keeps the lineage and genome
clusters as the world runs; `state()` / `restore_state()` are what snapshots hold
(alife.render.snapshots).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np

from alife.config import load_world
from alife.errors import AlifeError, CheckpointError
from alife.evolve import loop
from alife.evolve.evaluate import (
    Layout,
    Result,
    merge_results,
    new_world,
    world_controllers,
)
from alife.render.family import Family
from alife.render.scene import SceneStatic, static_from_config

HISTORY_EVERY = 25  # open-ended worlds: ticks between chart points


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Session:
    """A world file brought to life for the window (see module docstring).

    genomes: per species, the whole population of a generational world's layout (or the
    agents of an open-ended world); None: generation-0 genomes as `evolve` draws them."""

    def __init__(
        self,
        path: str | Path,
        *,
        seed: int | None = None,
        genomes: list[np.ndarray] | None = None,
        generation: int = 0,
        checkpoint_dir: str | Path | None = None,
        config=None,
    ) -> None:
        self.path = Path(path)
        self.config = load_world(self.path) if config is None else config  # config: of `path`
        self.seed = int(self.config.seed if seed is None else seed)
        self.generation = int(generation)
        self.population, self.world, self.offscreen = self._begin(self.config, genomes)
        self.static: SceneStatic = static_from_config(self.config)
        self.checkpoint_dir = Path(checkpoint_dir or Path("runs") / f"window-{self.path.stem}")
        self.family = self._new_family(self.config)
        self.history: dict[str, list[float]] = {}
        self.history_version = 0
        self.error: str | None = None  # the last reload error (None when the file is fine)
        self.reloads = 0
        self._mtime = self._stat()
        self._last_poll = time.monotonic()

    def _begin(self, config, genomes):
        """(population, World on screen, World off-screen) of generation `self.generation`."""
        if config.evolution.mode != "generational":
            return None, new_world(config, self.seed, self.generation, None, genomes), None
        if genomes is None:
            population = Layout.of(config, str(self.path)).population
            pop = loop.first_generation(
                world_controllers(config), self.seed, population, self.generation
            )
        else:
            pop = loop.start(genomes, self.generation)
        return pop, *self._episode(config, pop)

    def _episode(self, config, pop: loop.Generation):
        """(World of the generation's first `arena.count` arenas, World of the others or None)."""
        layout = Layout.of(config, str(self.path))
        shown = min(config.arena.count, layout.total)

        def world(ids: np.ndarray):
            genomes = list(layout.task(pop.index, pop.genomes, ids).genomes)
            return new_world(config, self.seed, pop.index, ids, genomes)

        rest = np.arange(shown, layout.total)
        return world(np.arange(shown)), (world(rest) if rest.size else None)

    def _new_family(self, config, record: bool = True) -> Family:
        """Lineage and clusters from this moment (record: of the population or world just
        begun; else empty, to be restored)."""
        n_params = [c.n_params for c in self.world.controllers]
        layout = None if self.population is None else Layout.of(config, str(self.path))
        family = Family(config, n_params, layout)
        if record and layout is None:
            family.founded(self.world)
        elif record:
            family.bred(self.population)
        return family

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
            return "fitness per generation (last: the arenas shown, so far)", "generation", 1.0
        return "population per species", "tick", float(HISTORY_EVERY)

    # ----- running ----------------------------------------------------------------------------
    def tick(self, count: int = 1) -> int:
        """Advance `count` ticks (generational worlds roll over to the next generation at the
        end of each episode). Returns the number of generations completed."""
        done = 0
        length = self.config.episode.length
        chunk = self.config.evolution.open_ended.chunk_ticks
        for _ in range(int(count)):
            next_id = self.world.agents.next_id
            self.world.tick()
            if not self.generational:
                self.family.ticked(self.world, next_id, (self.world.tick_count - 1) // chunk)
            if self.offscreen is not None:
                self.offscreen.tick()
            if self.generational:
                t = self.world.tick_count  # all shown agents dead: their scores are final
                if t >= length or (t % 10 == 0 and self.world.snapshot().population == 0):
                    self.next_generation()
                    done += 1
            elif self.world.tick_count % HISTORY_EVERY == 0:
                self._record_population()
        return done

    def next_generation(self) -> None:
        """Score the generation, breed every species, start the next episode."""
        fitness = self.generation_fitness()
        self._record_fitness(fitness)
        self.population = loop.advance(
            self.population, fitness, self.seed, self.config.evolution
        )
        self.generation = self.population.index
        self.family.bred(self.population)
        self.world, self.offscreen = self._episode(self.config, self.population)

    def generation_fitness(self) -> list[np.ndarray]:
        """Fitness of the whole population (per species (pop_s,) float64, means over episodes):
        the shown arenas' episode so far, the off-screen arenas' episode played to its end."""
        worlds = [self.world]
        if self.offscreen is not None:
            while self.offscreen.tick_count < self.config.episode.length:
                self.offscreen.tick()
            worlds.append(self.offscreen)
        merged = merge_results([Result(tuple(w.fitness()), 0) for w in worlds])
        return list(Layout.of(self.config, str(self.path)).fitness(merged).fitness)

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

    def chart_colors(self) -> dict[str, tuple[int, int, int]] | None:
        """Open-ended worlds: each species' population curve in the species' colour."""
        if self.generational:
            return None
        return {s.name: tuple(s.color) for s in self.config.species}

    def score_line(self, births: int, deaths: int) -> str:
        """The status line under the populations: the episode's scores so far (generational
        worlds), or births and deaths since the start and the season (open-ended worlds)."""
        if self.generational:
            best, mean = self.fitness_summary()
            return (f"episode score: best {best:.2f}  mean {mean:.2f}   births {births}  "
                    f"deaths {deaths}")  # fmt: skip
        line = f"births {births:,}  deaths {deaths:,}"
        seasons = self.config.food.seasons
        if seasons is not None:
            t = self.world.tick_count
            line += (f"   {seasons.season(t)}: food regrows x{seasons.factor(t):.2f} "
                     f"(year of {seasons.period:,} ticks)")  # fmt: skip
        return line

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
            genomes, kept = self._carried_genomes(config)
            population, world, offscreen = self._begin(config, genomes)
        except (AlifeError, ValueError) as err:  # valid file the engine still rejects
            self.error = f"{self.path}: {err}"
            return False
        self.config = config
        self.population, self.world, self.offscreen = population, world, offscreen
        self.family = self._new_family(config)
        self.static = static_from_config(config)
        self.error = None
        self.reloads += 1
        self.kept_genomes = kept
        return True

    def _carried_genomes(self, config) -> tuple[list[np.ndarray], int]:
        """Generation-0 genomes of `config` with the running rows copied in for every species
        whose name and brain size are unchanged (open-ended worlds: best episode score first).
        Returns (genomes per species, rows kept)."""
        if config.evolution.mode == "generational":
            population = Layout.of(config, str(self.path)).population
            fresh = loop.first_generation(world_controllers(config), self.seed, population)
            genomes = [g.copy() for g in fresh.genomes]
        else:
            world = new_world(config, self.seed, self.generation, None, None)
            genomes = [np.array(g) for g in world.genomes]
        names = self.species_names
        kept = 0
        for s, sp in enumerate(config.species):
            if sp.name not in names:
                continue
            k = names.index(sp.name)
            if self.population is not None:
                old = self.population.genomes[k]
            else:
                f = np.nan_to_num(np.asarray(self.world.fitness()[k], np.float64), nan=-np.inf)
                old = np.asarray(self.world.genomes[k])[np.argsort(-f, kind="stable")]
            if old.ndim == 2 and old.shape[1] == genomes[s].shape[1]:
                take = min(genomes[s].shape[0], old.shape[0])
                genomes[s][:take] = old[:take]
                kept += take
        return genomes, kept

    # ----- snapshots --------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything needed to continue exactly from here: (arrays, JSON metadata)."""
        arrays = {f"world/{k}": np.asarray(v) for k, v in self.world.state_arrays().items()}
        if self.offscreen is not None:
            arrays.update({f"offscreen/{k}": v for k, v in self.offscreen.state_arrays().items()})
        if self.population is not None:
            pop = self.population
            for s, (g, best) in enumerate(zip(pop.genomes, pop.best_genomes, strict=True)):
                arrays[f"population/{s}"], arrays[f"best/{s}"] = g, best
            arrays["best/fitness"] = np.asarray(pop.best_fitness, np.float64)
            arrays["best/generation"] = np.asarray(pop.best_generation, np.int64)
        for name, values in self.history.items():
            arrays[f"history/{name}"] = np.asarray(values, np.float64)
        arrays.update({f"family/{k}": v for k, v in self.family.arrays().items()})
        meta = {
            "world_file": str(self.path),
            "world_sha256": _file_digest(self.path),
            "seed": self.seed,
            "tick": int(self.world.tick_count),
        }
        return arrays, meta

    def restore_state(self, ckpt, where: str) -> None:
        """Continue from a `state()` held by checkpoint `ckpt` (read from `where`);
        CheckpointError if it does not fit this world file, and nothing is changed then."""
        from alife.evolve.checkpoint import require_array
        from alife.world import World

        if ckpt.meta.get("world_sha256") != _file_digest(self.path):
            raise CheckpointError(
                f"{where}: saved with a different version of {self.path.name}; "
                "undo the edit or save a new snapshot"
            )

        def part(prefix: str) -> dict[str, np.ndarray]:
            return {k[len(prefix) :]: v for k, v in ckpt.arrays.items() if k.startswith(prefix)}

        try:
            world = World.from_state_arrays(self.config, part("world/"))
            offscreen = None
            if self.offscreen is not None:
                offscreen = World.from_state_arrays(self.config, part("offscreen/"))
            population = None
            if self.population is not None:
                old = self.population
                n = len(old.genomes)
                genomes = [require_array(ckpt, f"population/{s}", np.float32, g.shape)
                           for s, g in enumerate(old.genomes)]  # fmt: skip
                best = [require_array(ckpt, f"best/{s}", np.float32, g.shape)
                        for s, g in enumerate(old.best_genomes)]  # fmt: skip
                population = loop.Generation(
                    ckpt.generation, tuple(genomes), tuple(best),
                    require_array(ckpt, "best/fitness", np.float64, (n,)),
                    require_array(ckpt, "best/generation", np.int64, (n,)),
                )  # fmt: skip
            family = self._new_family(self.config, record=False)
            family.restore(part("family/"))
        except (AlifeError, ValueError) as err:
            raise CheckpointError(f"{where}: {err}") from None
        self.world, self.offscreen, self.population = world, offscreen, population
        self.family = family
        self.generation = int(ckpt.generation)
        self.seed = int(ckpt.meta.get("seed", self.seed))
        self.history = {k: [float(v) for v in arr] for k, arr in part("history/").items()}
        self.history_version += 1
