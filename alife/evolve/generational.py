"""Generational runs (evolution.mode: generational): the loop of alife.evolve.loop on a backend.

Each generation the population of every species is laid out over arenas (`Layout`; arena-major
rows, each group of agents playing `evolution.episodes` arenas), the arenas are evaluated by a
backend (one World episode per arena, seeded from (seed, generation, arena)), and
`loop.advance` records the best genomes and breeds the next generation. Every generation's
genomes are clustered (alife.evolve.clusters: counted in metrics.csv) and recorded with their
parents in lineage.csv (alife.evolve.lineage). A run is a pure function of (world file, seed): any
backend, any worker count, and stop + resume all give the same genomes, metrics and lineage.
"""

from __future__ import annotations

import math
import time

import numpy as np

from alife.errors import CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve import loop, rundir
from alife.evolve.clusters import Clusters, sizes_text, speciate
from alife.evolve.evaluate import (
    Layout,
    WorldEvaluator,
    WorldGenerations,
    batch_arenas,
    world_controllers,
)
from alife.evolve.lineage import LINEAGE_COLUMNS, LINEAGE_FILE, csv_rows, generation_records
from alife.evolve.metrics import MetricsLog, cell_text, fitness_row
from alife.evolve.mode import Backend, EvolutionMode, InterruptGuard
from alife.evolve.progress import Progress


class GenerationalMode(EvolutionMode):
    """The generational part of an `EvolutionRun`: genomes per species and the best ever."""

    def __init__(self, run):
        self.run = run
        self.layout = Layout.of(run.config)
        self.gen: loop.Generation | None = None
        self.clusters: Clusters | None = None
        self.members: list[np.ndarray] = []  # cluster id of every genome of self.gen
        self.lineage = MetricsLog(run.run_dir / LINEAGE_FILE, LINEAGE_COLUMNS, keep_rows=False)

    @property
    def best(self) -> rundir.BestGenomes | None:
        return None if self.gen is None else self._best_of(self.gen)

    def _best_of(self, gen: loop.Generation) -> rundir.BestGenomes:
        return rundir.BestGenomes(
            self.run.species, list(gen.best_genomes), gen.best_fitness, gen.best_generation
        )

    def manifest_extra(self) -> dict:
        lay = self.layout
        return {
            "layout": {
                "arenas": lay.arenas,
                "agents_per_arena": list(lay.per_arena),
                "population": lay.population,
                "arenas_per_task": batch_arenas(lay.total, list(lay.per_arena)),
            }
        }

    def task_evaluator(self) -> WorldEvaluator:
        return WorldEvaluator(self.run.config, self.run.seed)

    def start(self) -> None:
        controllers = world_controllers(self.run.config)
        self.gen = loop.first_generation(controllers, self.run.seed, self.layout.population)
        self.clusters = Clusters.empty([c.n_params for c in controllers])
        self._born(self.gen)

    def _born(self, gen: loop.Generation) -> None:
        """Cluster a newly bred generation and append its lineage rows."""
        threshold = self.run.config.evolution.clusters.threshold
        self.clusters, self.members = speciate(self.clusters, gen.genomes, threshold)
        lay = self.layout
        records = generation_records(gen, lay.population, lay.per_arena, self.members)
        self.lineage.append(csv_rows(records))

    # ------------------------------------------------------------------ checkpoints
    def arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        gen = self.gen
        arrays = {f"genomes_{s}": g for s, g in enumerate(gen.genomes)}
        arrays.update({f"best_genome_{s}": g for s, g in enumerate(gen.best_genomes)})
        arrays["best_fitness"] = np.asarray(gen.best_fitness, dtype=np.float64)
        arrays["best_generation"] = np.asarray(gen.best_generation, dtype=np.int64)
        arrays.update(self.clusters.arrays())
        arrays.update({f"cluster_members_{s}": m for s, m in enumerate(self.members)})
        rng = f"stateless: SeedSequence([seed, 0x{loop.BREED:X}, generation, species])"
        return arrays, {"population": self.layout.population, "rng": rng + " per breeding step"}

    def logs(self) -> dict[str, MetricsLog]:
        return {LINEAGE_FILE: self.lineage}

    def restore(self, ckpt: ck.Checkpoint, metrics: list[dict[str, str]]) -> None:
        run, g, where = self.run, ckpt.generation, ckpt.path
        if ckpt.meta.get("population") != self.layout.population:
            raise CheckpointError(f"{where}: population {ckpt.meta.get('population')} is not the "
                                  f"world file's {self.layout.population}")  # fmt: skip
        genomes, best = [], []
        for s, ctrl in enumerate(world_controllers(run.config)):
            n, pop = ctrl.n_params, self.layout.population[s]
            genomes.append(ck.require_finite(ckpt, f"genomes_{s}", np.float32, (pop, n)).copy())
            best.append(ck.require_finite(ckpt, f"best_genome_{s}", np.float32, (n,)).copy())
        n_sp = len(run.species)
        fitness = ck.require_array(ckpt, "best_fitness", np.float64, (n_sp,))
        found = ck.require_array(ckpt, "best_generation", np.int64, (n_sp,))
        last = metrics[-n_sp:] if g else []
        for s in range(n_sp):
            f, at = float(fitness[s]), int(found[s])
            if not -1 <= at < g:
                raise CheckpointError(f"{where}: best_generation[{s}] = {at} is not -1 or a "
                                      f"generation before {g}")  # fmt: skip
            if not (math.isfinite(f) if at >= 0 else f == -math.inf):
                raise CheckpointError(f"{where}: best_fitness[{s}] = {f} does not fit "
                                      f"best_generation[{s}] = {at}")  # fmt: skip
            if last and last[s]["best_ever"] != cell_text(f):
                raise CheckpointError(
                    f"{where}: best_fitness[{s}] = {f} is not the best_ever "
                    f"{last[s]['best_ever'][:30]} that metrics.csv holds for generation {g - 1}"
                )
        self.gen = loop.Generation(g, tuple(genomes), tuple(best), fitness.copy(), found.copy())
        try:
            self.clusters = Clusters.from_arrays(ckpt.arrays, [x.shape[1] for x in genomes])
        except ValueError as err:
            raise CheckpointError(f"{where}: {err}") from None
        pops = self.layout.population
        self.members = [ck.require_array(ckpt, f"cluster_members_{s}", np.int64, (pops[s],))
                        for s in range(n_sp)]  # fmt: skip

    # ------------------------------------------------------------------ one generation
    def step(self, backend: Backend, guard: InterruptGuard) -> Progress:
        run, gen = self.run, self.gen
        t0 = time.perf_counter()
        with guard.evaluation():
            result = WorldGenerations(self.layout, backend.map)(gen.index, gen.genomes)
        dt = max(time.perf_counter() - t0, 1e-9)
        new = loop.advance(gen, result.fitness, run.seed, run.config.evolution)
        ticks = result.agent_ticks
        rows = [
            fitness_row(gen.index, name, result.fitness[s], gen.genomes[s])
            | {
                "best_ever": float(new.best_fitness[s]),
                "clusters": int(np.unique(self.members[s]).size),
                "cluster_sizes": sizes_text(self.members[s]),
                "agent_ticks": ticks,
                "agent_ticks_per_s": ticks / dt,
                "wall_time": run.wall_time + dt,
            }
            for s, name in enumerate(run.species)
        ]
        run.metrics.append(rows)
        if (new.best_generation == gen.index).any():
            rundir.save_best(run.run_dir / rundir.BEST_FILE, self._best_of(new))
        self.gen = new
        self._born(new)
        return run.advance(ticks, dt, [r["best"] for r in rows], [r["mean"] for r in rows])
