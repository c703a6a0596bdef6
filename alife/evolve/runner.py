"""Headless evolution runs: start, step, checkpoint, resume (issue 4; DESIGN sections 3 and 5).

Generational mode: each generation the population of every species is laid out over arenas
(`EvolutionConfig.layout`), the arenas are evaluated by a backend (one World episode per arena,
seeded from (seed, generation, arena)), and each species breeds its next population on its own
(`selection.next_generation`, then a shuffle over arenas) with a Generator derived from
SeedSequence([seed, BREED, generation, species]). There is no hidden random state, so a run is a
pure function of (world file, seed): any backend, any worker count, and stop + resume all give
the same genomes and metrics. Open-ended mode is delegated to `alife.evolve.open_ended`.

The library never prints; the CLI shows progress through the `progress` callback.
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from alife.errors import AlifeError, CheckpointError, WorldConfigError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.evaluate import WorldEvaluator, batch_arenas, make_tasks, merge_results
from alife.evolve.metrics import (
    GENERATIONAL_COLUMNS,
    OPEN_ENDED_COLUMNS,
    MetricsLog,
    fitness_row,
    save_fitness_chart,
)
from alife.evolve.selection import next_generation

INIT, BREED = 0x1A17, 0xB2EED
CHART_EVERY_S = 2.0


@dataclass
class Progress:
    """What the progress bar shows after each generation (or open-ended chunk)."""

    generation: int  # generations completed so far
    total: int
    species: list[str]
    best: list[float]  # this generation, per species (open-ended: population)
    mean: list[float]
    agent_ticks_per_s: float
    extra: dict = field(default_factory=dict)


@dataclass
class RunResult:
    run_dir: Path
    generation: int
    interrupted: bool
    checkpoint: Path | None


def layout_of(config, source: str = "world file") -> tuple[int, list[int]]:
    """(arenas, agents per arena per species) of a generational run; WorldConfigError if bad."""
    try:
        return config.evolution.layout([s.count for s in config.species])
    except ValueError as err:
        raise WorldConfigError(f"{source}: evolution: {err}") from None


def initial_genomes(config, seed: int, populations: list[int]) -> list[np.ndarray]:
    """Generation-0 genomes per species from each species' controller.init_genomes."""
    from alife.world.engine import World

    probe = World(config, seed, generation=0, arena_ids=np.zeros(1, dtype=np.int64))
    out = []
    for s, ctrl in enumerate(probe.controllers):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), INIT, s]))
        out.append(np.ascontiguousarray(ctrl.init_genomes(rng, populations[s]), dtype=np.float32))
    return out


def warm_up(config, seed: int) -> None:
    """Compile (or load from cache) every tick kernel in this process: one small World, 2 ticks.

    Run before spawning workers on a cold cache, so they load compiled code instead of each
    compiling it again."""
    from alife.world.engine import World

    world = World(config, seed, generation=0, arena_ids=np.zeros(1, dtype=np.int64))
    for _ in range(2):
        world.tick()


class _InterruptGuard:
    """SIGINT raises KeyboardInterrupt while `evaluating`, else only sets `.requested`, so a
    generation's bookkeeping (metrics, best, checkpoint) is never cut in half."""

    def __init__(self):
        self.evaluating = False
        self.requested = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True
        if self.evaluating:
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


class EvolutionRun:
    """One run directory's evolution; create with `EvolutionRun.new` or `EvolutionRun.resume`."""

    def __init__(self, run_dir: Path, config, world_sha: str, manifest: dict):
        self.run_dir = Path(run_dir)
        self.config = config
        self.world_sha = world_sha
        self.manifest = manifest
        self.seed = int(manifest["seed"])
        self.target = int(manifest["generations"])
        self.species = [s.name for s in config.species]
        self.open_ended = config.evolution.mode == "open_ended"
        self.ckpt_dir = self.run_dir / "checkpoints"
        columns = OPEN_ENDED_COLUMNS if self.open_ended else GENERATIONAL_COLUMNS
        self.metrics = MetricsLog(self.run_dir / "metrics.csv", columns)
        self.generation = 0
        self.agent_ticks = 0
        self.wall_time = 0.0
        self._last_chart = 0.0
        if self.open_ended:
            from alife.evolve.open_ended import OpenEndedState

            self.state = OpenEndedState(self)
        else:
            self.arenas, self.per_arena = layout_of(config)
            self.population = [self.arenas * p for p in self.per_arena]
            self.batch = batch_arenas(self.arenas, self.per_arena)
            self.genomes: list[np.ndarray] = []
            self.best: rundir.BestGenomes | None = None

    # ------------------------------------------------------------------ creation and resume
    @classmethod
    def new(
        cls,
        world_path: Path,
        run_dir: Path,
        *,
        seed: int | None = None,
        generations: int | None = None,
        command: list[str] | None = None,
    ) -> EvolutionRun:
        """Start a run: validate the world, create `run_dir`, save generation 0 (a checkpoint)."""
        from alife.config import load_world

        config = load_world(world_path)
        run_dir = Path(run_dir)
        if (run_dir / rundir.MANIFEST_FILE).exists():
            raise CheckpointError(
                f"{run_dir} already holds a run; continue it with --resume {run_dir} "
                "or choose another --out"
            )
        if run_dir.exists() and not run_dir.is_dir():
            raise CheckpointError(f"{run_dir} is a file, not a run directory; choose another --out")
        if run_dir.exists() and any(run_dir.iterdir()):
            raise CheckpointError(f"{run_dir} exists and is not empty; choose another --out")
        evo = config.evolution
        if evo.mode == "generational":
            layout_of(config, str(world_path))
        raw = Path(world_path).read_bytes()
        created = not run_dir.exists()
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CheckpointError(f"{run_dir}: cannot create run directory ({err})") from None
        try:
            return cls._create(run_dir, config, raw, world_path, seed, generations, command)
        except BaseException:
            # leave no half-made run behind (it would block the next attempt)
            for p in (rundir.MANIFEST_FILE, rundir.WORLD_FILE, "metrics.csv", "lineage.csv"):
                (run_dir / p).unlink(missing_ok=True)
            shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
            if created:
                shutil.rmtree(run_dir, ignore_errors=True)
            raise

    @classmethod
    def _create(cls, run_dir, config, raw, world_path, seed, generations, command) -> EvolutionRun:
        evo = config.evolution
        (run_dir / rundir.WORLD_FILE).write_bytes(raw)
        manifest = {
            "format": rundir.RUN_FORMAT,
            "format_version": rundir.RUN_FORMAT_VERSION,
            "world_file": str(world_path),
            "world_name": config.name,
            "world_sha256": ck.sha256_bytes(raw),
            "seed": int(config.seed if seed is None else seed),
            "mode": evo.mode,
            "generations": int(evo.generations if generations is None else generations),
            "species": [s.name for s in config.species],
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": command if command is not None else rundir.command_line(),
            "resumed": [],
            "packages": rundir.package_versions(),
            "git": rundir.git_revision(Path(__file__).resolve().parent),
        }
        run = cls(run_dir, config, manifest["world_sha256"], manifest)
        if run.open_ended:
            run.state.start()
        else:
            manifest["layout"] = {
                "arenas": run.arenas,
                "agents_per_arena": run.per_arena,
                "population": run.population,
                "arenas_per_task": run.batch,
            }
            run.genomes = initial_genomes(config, run.seed, run.population)
            run.best = rundir.BestGenomes(
                species=run.species,
                genomes=[g[0].copy() for g in run.genomes],
                fitness=np.full(len(run.species), -np.inf),
                generation=np.full(len(run.species), -1, dtype=np.int64),
            )
        run.save_checkpoint()
        rundir.write_json(run_dir / rundir.MANIFEST_FILE, manifest)
        return run

    @classmethod
    def resume(
        cls, run_dir: Path, *, generations: int | None = None, command: list[str] | None = None
    ) -> EvolutionRun:
        """Reopen a run at its newest checkpoint; CheckpointError on any mismatch or damage."""
        from alife.config.loader import parse_model
        from alife.config.models import WorldConfig

        run_dir = Path(run_dir)
        manifest = rundir.read_manifest(run_dir)
        try:
            sha = str(manifest["world_sha256"])
            int(manifest["seed"]), int(manifest["generations"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{run_dir}/manifest.json: missing seed/generations") from None
        text = rundir.check_world_unchanged(run_dir, sha)
        config = parse_model(text, WorldConfig, source=str(run_dir / rundir.WORLD_FILE))
        ckpt = ck.load_checkpoint(ck.latest_checkpoint(run_dir / "checkpoints"))
        meta = ckpt.meta
        if meta.get("world_sha256") != sha or meta.get("seed") != manifest["seed"]:
            raise CheckpointError(
                f"{run_dir}: checkpoint generation {ckpt.generation} belongs to another run "
                "(its world file or seed differs from manifest.json)"
            )
        if generations is not None:
            manifest["generations"] = int(generations)
        manifest["resumed"] = list(manifest.get("resumed", [])) + [
            {
                "at_generation": ckpt.generation,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": command if command is not None else rundir.command_line(),
            }
        ]
        run = cls(run_dir, config, sha, manifest)
        run._restore(ckpt)
        run.metrics.truncate(run.generation)
        if not run.open_ended:
            rundir.save_best(run_dir / rundir.BEST_FILE, run.best)
        rundir.write_json(run_dir / rundir.MANIFEST_FILE, manifest)
        return run

    # ------------------------------------------------------------------ checkpoints
    def _meta(self) -> dict:
        return {
            "seed": self.seed,
            "mode": self.config.evolution.mode,
            "world_sha256": self.world_sha,
            "species": self.species,
            "agent_ticks": int(self.agent_ticks),
            "wall_time": float(self.wall_time),
            "rng": "stateless: SeedSequence([seed, 0xB2EED, generation, species]) per step",
            "packages": rundir.package_versions(),
        }

    def save_checkpoint(self) -> Path:
        meta = self._meta()
        if self.open_ended:
            arrays, extra = self.state.arrays()
            meta.update(extra)
        else:
            arrays = {f"genomes_{s}": g for s, g in enumerate(self.genomes)}
            arrays.update({f"best_genome_{s}": g for s, g in enumerate(self.best.genomes)})
            arrays["best_fitness"] = np.asarray(self.best.fitness, dtype=np.float64)
            arrays["best_generation"] = np.asarray(self.best.generation, dtype=np.int64)
            meta["population"] = self.population
        return ck.save_checkpoint(self.ckpt_dir, ck.Checkpoint(self.generation, meta, arrays))

    def _restore(self, ckpt: ck.Checkpoint) -> None:
        self.generation = ckpt.generation
        try:
            self.agent_ticks = int(ckpt.meta.get("agent_ticks", 0))
            self.wall_time = float(ckpt.meta.get("wall_time", 0.0))
        except (TypeError, ValueError):
            raise CheckpointError(f"checkpoint {ckpt.generation}: bad counters") from None
        if ckpt.meta.get("mode") != self.config.evolution.mode:
            raise CheckpointError(f"checkpoint {ckpt.generation}: mode differs from the world's")
        if self.open_ended:
            self.state.restore(ckpt)
            return
        from alife.world.engine import World

        probe = World(self.config, self.seed, generation=0, arena_ids=np.zeros(1, dtype=np.int64))
        n_species = len(self.species)
        self.genomes = []
        best = []
        for s in range(n_species):
            n = probe.controllers[s].n_params
            self.genomes.append(
                ck.require_array(ckpt, f"genomes_{s}", np.float32, (self.population[s], n)).copy()
            )
            best.append(ck.require_array(ckpt, f"best_genome_{s}", np.float32, (n,)).copy())
        self.best = rundir.BestGenomes(
            species=self.species,
            genomes=best,
            fitness=ck.require_array(ckpt, "best_fitness", np.float64, (n_species,)).copy(),
            generation=ck.require_array(ckpt, "best_generation", np.int64, (n_species,)).copy(),
        )

    # ------------------------------------------------------------------ the loop
    def run(self, backend, progress: Callable[[Progress], None] | None = None) -> RunResult:
        """Run until the target generation, Ctrl-C (saves a checkpoint) or an error.

        `backend` must not be started yet; the run starts and closes it.
        """
        last_ckpt = None
        guard = _InterruptGuard()
        with guard:
            started = failed = False
            try:
                if not self.open_ended and self.generation < self.target:
                    backend.start(WorldEvaluator(self.config, self.seed))
                    started = True
                while self.generation < self.target and not guard.requested:
                    info = self._step(backend, guard)
                    if self.generation % self.config.evolution.checkpoint_every == 0:
                        last_ckpt = self.save_checkpoint()
                    self._chart(force=False)
                    if progress is not None:
                        progress(info)
            except KeyboardInterrupt:
                guard.requested = True
            except AlifeError:
                # a worker or the world failed; the state is still that of a whole generation
                failed = True
                self.save_checkpoint()
                raise
            finally:
                if started:
                    backend.close(force=guard.requested or failed)
            interrupted = guard.requested and self.generation < self.target
            if (
                last_ckpt is None
                or interrupted
                or self.generation % self.config.evolution.checkpoint_every
            ):
                last_ckpt = self.save_checkpoint()
            self._chart(force=True)
        return RunResult(self.run_dir, self.generation, interrupted, last_ckpt)

    def _chart(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_chart >= CHART_EVERY_S:
            save_fitness_chart(
                self.run_dir / "fitness.png", self.metrics, self.species, self.open_ended
            )
            self._last_chart = now

    def _step(self, backend, guard: _InterruptGuard) -> Progress:
        if self.open_ended:
            return self.state.step(guard)
        g = self.generation
        t0 = time.perf_counter()
        tasks = make_tasks(g, self.genomes, self.per_arena, self.arenas, self.batch)
        guard.evaluating = True
        try:
            if guard.requested:
                raise KeyboardInterrupt
            results = backend.map(tasks)
        finally:
            guard.evaluating = False
        fitness, ticks = merge_results(results)
        dt = max(time.perf_counter() - t0, 1e-9)
        rows, new_genomes = [], []
        best = rundir.BestGenomes(
            self.species,
            list(self.best.genomes),
            self.best.fitness.copy(),
            self.best.generation.copy(),
        )
        improved = False
        for s, name in enumerate(self.species):
            f = fitness[s]
            row = fitness_row(g, name, f, self.genomes[s])
            i = int(np.argmax(np.where(np.isnan(f), -np.inf, f)))
            if f[i] > best.fitness[s]:
                best.fitness[s], best.generation[s] = f[i], g
                best.genomes[s] = self.genomes[s][i].copy()
                improved = True
            row.update(
                best_ever=float(best.fitness[s]),
                agent_ticks=ticks,
                agent_ticks_per_s=ticks / dt,
                wall_time=self.wall_time + dt,
            )
            rows.append(row)
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, BREED, g, s]))
            child = next_generation(self.genomes[s], f, rng, self.config.evolution)
            new_genomes.append(np.ascontiguousarray(child[rng.permutation(child.shape[0])]))
        self.metrics.append(rows)
        if improved:
            rundir.save_best(self.run_dir / rundir.BEST_FILE, best)
        self.best, self.genomes = best, new_genomes
        self.agent_ticks += ticks
        self.wall_time += dt
        self.generation = g + 1
        return Progress(
            generation=self.generation,
            total=self.target,
            species=self.species,
            best=[r["best"] for r in rows],
            mean=[r["mean"] for r in rows],
            agent_ticks_per_s=ticks / dt,
        )
