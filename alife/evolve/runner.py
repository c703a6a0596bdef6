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

import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from alife.errors import AlifeError, CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.evaluate import Layout
from alife.evolve.files import fsync_dir, sha256_bytes
from alife.evolve.generational import GenerationalMode
from alife.evolve.metrics import (
    GENERATIONAL_COLUMNS,
    OPEN_ENDED_COLUMNS,
    MetricsLog,
    save_run_chart,
)
from alife.evolve.mode import EvolutionMode, InterruptGuard
from alife.evolve.progress import Progress, numba_cache_cold
from alife.evolve.schema import RunCheckpoint, RunManifest, validated

CHART_EVERY_S = 2.0
METRICS_FILE = "metrics.csv"


@dataclass
class RunResult:
    run_dir: Path
    generation: int
    interrupted: bool
    checkpoint: Path | None


def warm_up(config, seed: int) -> None:
    """Compile (or load from cache) every tick kernel and the genome clusters' kernels: one
    small World, 2 ticks; on a cold cache the brains compile in a child process meanwhile
    (alife.world.warm).

    Run before spawning workers on a cold cache, so they load compiled code instead of each
    compiling it again."""
    from alife.evolve.clusters import compile_kernels
    from alife.world.warm import warm_up as warm

    warm(config, seed, with_child=numba_cache_cold(), also=compile_kernels)


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
        self.metrics = MetricsLog(self.run_dir / METRICS_FILE, columns)
        self.generation = 0
        self.agent_ticks = 0
        self.wall_time = 0.0
        self.set_aside: list[int] = []  # newer checkpoints moved aside by --from-generation
        self._saved = -1  # the generation this process last checkpointed
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

    def _logs(self) -> dict[str, MetricsLog]:
        """The growing files whose length every checkpoint records."""
        return {METRICS_FILE: self.metrics, **self.mode.logs()}

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
        """Start a run: validate the world, then create `run_dir` with generation 0 saved, all at
        once (alife.evolve.rundir.create: a killed start leaves no directory behind)."""
        from alife.config import load_world

        config = load_world(world_path)
        if config.evolution.mode == "generational":
            Layout.of(config, str(world_path))
        raw = rundir.world_copy(Path(world_path).read_bytes(), Path(world_path), Path(run_dir))
        manifest = {
            "format": rundir.RUN_FORMAT,
            "format_version": rundir.RUN_FORMAT_VERSION,
            "world_file": str(world_path),
            "world_name": config.name,
            "world_sha256": sha256_bytes(raw),
            "seed": int(config.seed if seed is None else seed),
            "mode": config.evolution.mode,
            "generations": int(config.evolution.generations if generations is None
                               else generations),
            "species": [s.name for s in config.species],
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": command if command is not None else rundir.command_line(),
            "resumed": [],
            "packages": rundir.package_versions(),
            "git": rundir.git_revision(Path(__file__).resolve().parent),
        }  # fmt: skip
        validated(RunManifest, manifest, f"{run_dir}/{rundir.MANIFEST_FILE}")

        def populate(folder: Path) -> None:
            (folder / rundir.WORLD_FILE).write_bytes(raw)
            (folder / rundir.LOCK_FILE).touch()
            run = cls(folder, config, manifest["world_sha256"], manifest)
            manifest.update(run.mode.manifest_extra())
            for log in run._logs().values():
                log.create()
            run.mode.start()
            run.save_checkpoint()
            rundir.write_manifest(folder, manifest)

        rundir.create(Path(run_dir), populate)
        gc.collect()  # the populated run (run <-> mode is a cycle) holds a generation's arrays
        with rundir.locked(run_dir):
            return cls._open(Path(run_dir))

    @classmethod
    def resume(
        cls,
        run_dir: Path,
        *,
        generations: int | None = None,
        command: list[str] | None = None,
        from_generation: int | None = None,
    ) -> EvolutionRun:
        """Reopen a run at its newest checkpoint (or `from_generation`'s, moving newer ones
        aside into checkpoints/set_aside/). Everything is checked before anything is changed;
        on damage a CheckpointError names the file and the newest usable checkpoint."""
        run_dir = Path(run_dir)
        rundir.read_manifest(run_dir)  # a clear error before the lock file is made
        with rundir.locked(run_dir):
            run = cls._open(run_dir, from_generation)
            if generations is not None:
                run.manifest["generations"] = run.target = int(generations)
            run.manifest["resumed"].append({
                "at_generation": run.generation,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": command if command is not None else rundir.command_line(),
            })  # fmt: skip
            validated(RunManifest, run.manifest, run_dir / rundir.MANIFEST_FILE)
            rundir.write_manifest(run_dir, run.manifest)
        return run

    @classmethod
    def _open(cls, run_dir: Path, from_generation: int | None = None) -> EvolutionRun:
        """The run at a checkpoint: all of it checked (read only), then metrics and lineage cut
        back to that checkpoint and best.npz brought in step with it."""
        manifest = rundir.read_manifest(run_dir)
        config = cls._config(run_dir, manifest)
        available = ck.generations(run_dir / "checkpoints")
        if not available:
            raise CheckpointError(f"{run_dir}/checkpoints: no checkpoint found")
        if from_generation is None:
            start = available[-1]
        elif from_generation in available:
            start = from_generation
        else:
            raise CheckpointError(
                f"{run_dir}: no checkpoint of generation {from_generation} (there are: "
                f"{', '.join(map(str, available))})"
            )
        run = cls(run_dir, config, manifest["world_sha256"], manifest)
        for key, value in run.mode.manifest_extra().items():
            if manifest.get(key) != value:
                raise CheckpointError(f"{run_dir}/{rundir.MANIFEST_FILE}: its {key} is not the "
                                      f"one of the run's {rundir.WORLD_FILE}")  # fmt: skip
        try:
            rows = run._load(start)
        except CheckpointError as err:
            raise CheckpointError(f"{err}; {cls._fallback(run_dir, config, manifest, start)}") \
                from None
        newer = [g for g in available if g > start]
        if newer:
            run._set_aside(newer)
        for name, log in run._logs().items():
            log.continue_at(run._marks[name], rows[name])
        best = run.best  # best.npz may be ahead of the checkpoint after a crash: bring it in step
        if best is not None and (best.generation >= 0).any():
            rundir.save_best(run_dir / rundir.BEST_FILE, best)
        elif best is not None:
            (run_dir / rundir.BEST_FILE).unlink(missing_ok=True)
        return run

    @staticmethod
    def _config(run_dir: Path, manifest: dict):
        """The run's world (its world.yaml, unchanged), checked against the manifest."""
        from alife.config.loader import parse_model
        from alife.config.models import WorldConfig

        text = rundir.check_world_unchanged(run_dir, manifest["world_sha256"])
        config = parse_model(text, WorldConfig, source=str(run_dir / rundir.WORLD_FILE))
        names = [s.name for s in config.species]
        if manifest["mode"] != config.evolution.mode or manifest["species"] != names:
            raise CheckpointError(f"{run_dir}/{rundir.MANIFEST_FILE}: mode or species differ "
                                  f"from the run's {rundir.WORLD_FILE}")  # fmt: skip
        return config

    @classmethod
    def _fallback(cls, run_dir: Path, config, manifest: dict, failed: int) -> str:
        """What to do when checkpoint `failed` is unusable: the newest older one that passes
        every check, if any."""
        for g in reversed([g for g in ck.generations(run_dir / "checkpoints") if g < failed]):
            try:
                cls(run_dir, config, manifest["world_sha256"], manifest)._load(g)
            except CheckpointError:
                continue
            return (f"the newest usable checkpoint is generation {g}: continue from it with "
                    f"--resume {run_dir} --from-generation {g}")  # fmt: skip
        return "no older checkpoint is usable either"

    def _load(self, generation: int) -> dict[str, list[dict[str, str]]]:
        """Check checkpoint `generation` and everything it vouches for, and take its state
        (no file is written). Returns the verified rows of each growing file."""
        ckpt = ck.load_checkpoint(ck.json_path(self.ckpt_dir, generation))
        meta = validated(RunCheckpoint, ckpt.meta, ckpt.path)
        for key in ("seed", "world_sha256", "mode", "species"):
            if getattr(meta, key) != self.manifest[key]:
                raise CheckpointError(
                    f"{ckpt.path}: belongs to another run (its {key} differs from "
                    f"{rundir.MANIFEST_FILE}'s)"
                )
        logs = self._logs()
        if set(meta.files) != set(logs):
            raise CheckpointError(f"{ckpt.path}: records the files {sorted(meta.files)}, "
                                  f"expected {sorted(logs)}")  # fmt: skip
        rows = {name: log.verify(meta.files[name].model_dump(), ckpt.path)
                for name, log in logs.items()}  # fmt: skip
        done = [(r["generation"], r["species"]) for r in rows[METRICS_FILE]]
        want = [(str(g), s) for g in range(ckpt.generation) for s in self.species]
        if done != want:
            raise CheckpointError(
                f"{ckpt.path}: says generation {ckpt.generation}, but the {METRICS_FILE} rows "
                f"it vouches for do not cover generations 0..{ckpt.generation - 1} exactly"
            )
        self.mode.restore(ckpt, rows[METRICS_FILE])
        self.generation = self._saved = ckpt.generation
        self.agent_ticks, self.wall_time = meta.agent_ticks, meta.wall_time
        self._marks = {name: m.model_dump() for name, m in meta.files.items()}
        return rows

    def _set_aside(self, generations: list[int]) -> None:
        """Move the checkpoints of `generations` (JSON and data) into checkpoints/set_aside/."""
        aside = self.ckpt_dir / "set_aside"
        aside.mkdir(exist_ok=True)
        for g in generations:
            for p in self.ckpt_dir.glob(f"gen_{g:06d}.*"):
                os.replace(p, aside / p.name)
        fsync_dir(aside)
        fsync_dir(self.ckpt_dir)
        self.set_aside = list(generations)

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> Path:
        """Save the current generation (growing files flushed first, so the checkpoint never
        vouches for bytes that are not on disk)."""
        arrays, extra = self.mode.arrays()
        meta = {
            "seed": self.seed,
            "mode": self.config.evolution.mode,
            "world_sha256": self.world_sha,
            "species": self.species,
            "agent_ticks": int(self.agent_ticks),
            "wall_time": float(self.wall_time),
            "packages": rundir.package_versions(),
            "files": {name: log.mark() for name, log in self._logs().items()},
            **extra,
        }
        path = ck.save_checkpoint(self.ckpt_dir, ck.Checkpoint(self.generation, meta, arrays))
        self._saved = self.generation
        return path

    # ------------------------------------------------------------------ the loop
    def run(self, backend, progress: Callable[[Progress], None] | None = None) -> RunResult:
        """Run until the target generation, Ctrl-C (saves a checkpoint) or an error.

        `backend` must not be started yet; the run starts and closes it. The run directory is
        locked meanwhile (a second process resuming it gets a clear error)."""
        guard = InterruptGuard()
        every = self.config.evolution.checkpoint_every
        with rundir.locked(self.run_dir), guard:
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
                    if self.generation % every == 0:
                        self.save_checkpoint()
                    self._chart(force=False)
                    if progress is not None:
                        progress(info)
            except KeyboardInterrupt:
                guard.requested = True
            except AlifeError:
                # a worker or the world failed; the state is still that of a whole generation
                failed = True
                if self._saved != self.generation:
                    self.save_checkpoint()
                raise
            finally:
                if started:
                    backend.close(force=guard.requested or failed)
            if self._saved != self.generation:
                self.save_checkpoint()
            self._chart(force=True)
        interrupted = guard.requested and self.generation < self.target
        checkpoint = ck.json_path(self.ckpt_dir, self.generation)
        return RunResult(self.run_dir, self.generation, interrupted, checkpoint)

    def _chart(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_chart >= CHART_EVERY_S:
            save_run_chart(self.run_dir, self.metrics, self.config)
            self._last_chart = now
