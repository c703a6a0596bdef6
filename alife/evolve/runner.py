"""Headless evolution runs: create, loop, checkpoint, resume.

An `EvolutionRun` owns a run directory (see alife.evolve.rundir) and delegates the evolution
itself to an `alife.evolve.mode.EvolutionMode`: `GenerationalMode` (episodes in arenas on a
backend, then selection) or `OpenEndedMode` (one World with births and deaths). Neither keeps
hidden random state, so checkpoint + resume continues bit-identically. Ctrl-C during an
evaluation abandons that generation; during bookkeeping it waits for the generation to be
recorded; either way a checkpoint is written and `run()` returns `interrupted=True`. The library
never prints; the CLI shows progress through the `progress` callback.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from alife.errors import AlifeError, CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.evaluate import Layout, new_world
from alife.evolve.generational import GenerationalMode
from alife.evolve.metrics import (
    GENERATIONAL_COLUMNS,
    OPEN_ENDED_COLUMNS,
    MetricsLog,
    save_run_chart,
)
from alife.evolve.mode import EvolutionMode, InterruptGuard
from alife.evolve.progress import Progress

CHART_EVERY_S = 2.0


@dataclass
class RunResult:
    run_dir: Path
    generation: int
    interrupted: bool
    checkpoint: Path | None


def warm_up(config, seed: int) -> None:
    """Compile (or load from cache) every tick kernel in this process: one small World, 2 ticks.

    Run before spawning workers on a cold cache, so they load compiled code instead of each
    compiling it again."""
    world = new_world(config, seed, 0, np.zeros(1, dtype=np.int64), None)
    for _ in range(2):
        world.tick()


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
        self.mode: EvolutionMode
        if self.open_ended:
            from alife.evolve.open_ended import OpenEndedMode

            self.mode = OpenEndedMode(self)
        else:
            self.mode = GenerationalMode(self)

    def advance(self, ticks: int, dt: float, best: list, mean: list,
                extra: dict | None = None) -> Progress:
        """Count one finished generation (or open-ended chunk) of `ticks` agent-ticks taking
        `dt` seconds; the Progress the bar shows for it."""
        self.agent_ticks += ticks
        self.wall_time += dt
        self.generation += 1
        return Progress(generation=self.generation, total=self.target, species=self.species,
                        best=best, mean=mean, agent_ticks_per_s=ticks / dt, extra=extra or {})

    @property
    def best(self) -> rundir.BestGenomes | None:
        """Best genome ever per species (generational runs; None in open-ended runs)."""
        return self.mode.best

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
            Layout.of(config, str(world_path))
        raw = rundir.world_copy(Path(world_path).read_bytes(), Path(world_path), run_dir)
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
        manifest.update(run.mode.manifest_extra())
        run.mode.start()
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
        rundir.write_json(run_dir / rundir.MANIFEST_FILE, manifest)
        return run

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> Path:
        arrays, extra = self.mode.arrays()
        meta = {
            "seed": self.seed,
            "mode": self.config.evolution.mode,
            "world_sha256": self.world_sha,
            "species": self.species,
            "agent_ticks": int(self.agent_ticks),
            "wall_time": float(self.wall_time),
            "packages": rundir.package_versions(),
            **extra,
        }
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
        self.mode.restore(ckpt)

    # ------------------------------------------------------------------ the loop
    def run(self, backend, progress: Callable[[Progress], None] | None = None) -> RunResult:
        """Run until the target generation, Ctrl-C (saves a checkpoint) or an error.

        `backend` must not be started yet; the run starts and closes it.
        """
        last_ckpt = None
        guard = InterruptGuard()
        with guard:
            started = failed = False
            try:
                evaluator = self.mode.task_evaluator()
                if evaluator is not None and self.generation < self.target:
                    if backend.name != "serial":
                        # compile or load kernels once here, so workers find a warm cache
                        warm_up(self.config, self.seed)
                    backend.start(evaluator)
                    started = True
                while self.generation < self.target and not guard.requested:
                    info = self.mode.step(backend, guard)
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
            save_run_chart(self.run_dir, self.metrics, self.config)
            self._last_chart = now
