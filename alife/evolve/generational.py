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
from alife.evolve.metrics import MetricsLog, fitness_row
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

    def restore(self, ckpt: ck.Checkpoint) -> None:
        n_sp = len(self.run.species)
        genomes, best = [], []
        for s, ctrl in enumerate(world_controllers(self.run.config)):
            n, pop = ctrl.n_params, self.layout.population[s]
            genomes.append(ck.require_array(ckpt, f"genomes_{s}", np.float32, (pop, n)).copy())
            best.append(ck.require_array(ckpt, f"best_genome_{s}", np.float32, (n,)).copy())
        self.gen = loop.Generation(
            ckpt.generation, tuple(genomes), tuple(best),
            ck.require_array(ckpt, "best_fitness", np.float64, (n_sp,)).copy(),
            ck.require_array(ckpt, "best_generation", np.int64, (n_sp,)).copy(),
        )  # fmt: skip
        try:
            self.clusters = Clusters.from_arrays(ckpt.arrays, [g.shape[1] for g in genomes])
        except ValueError as err:
            raise CheckpointError(f"checkpoint generation {ckpt.generation}: {err}") from None
        pops = self.layout.population
        self.members = [ck.require_array(ckpt, f"cluster_members_{s}", np.int64, (pops[s],))
                        for s in range(n_sp)]  # fmt: skip
        self.lineage.truncate(ckpt.generation + 1)  # rows up to the checkpoint's generation
        # best.npz may be ahead of the checkpoint after a crash: bring it back in step
        rundir.save_best(self.run.run_dir / rundir.BEST_FILE, self.best)

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
