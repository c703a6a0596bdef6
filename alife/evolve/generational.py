"""Generational evolution: evaluate every arena, then each species breeds (DESIGN section 3).

Each generation the population of every species is laid out over arenas
(`EvolutionConfig.layout`; arena-major rows), the arenas are evaluated by a backend (one World
episode per arena, seeded from (seed, generation, arena)), and each species breeds its next
population on its own (`selection.next_generation`, then a shuffle over arenas) with a Generator
derived from SeedSequence([seed, BREED, generation, species]). Generation-0 genomes come from
SeedSequence([seed, INIT, species]). No random state is carried between generations, so a run is
a pure function of (world file, seed): any backend, any worker count, and stop + resume all give
the same genomes and metrics (the evosax/EvoJAX "explicit randomness" convention).
"""

from __future__ import annotations

import time

import numpy as np

from alife.errors import WorldConfigError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.evaluate import WorldEvaluator, batch_arenas, make_tasks, merge_results
from alife.evolve.metrics import fitness_row
from alife.evolve.progress import Progress
from alife.evolve.selection import next_generation

INIT, BREED = 0x1A17, 0xB2EED


def layout_of(config, source: str = "world file") -> tuple[int, list[int]]:
    """(arenas, agents per arena per species) of a generational run; WorldConfigError if bad."""
    try:
        return config.evolution.layout([s.count for s in config.species])
    except ValueError as err:
        raise WorldConfigError(f"{source}: evolution: {err}") from None


def controllers(config, seed: int) -> list:
    """The NTMController of every species (from a one-arena World, as the engine builds them)."""
    from alife.world.engine import World

    return World(config, seed, generation=0, arena_ids=np.zeros(1, dtype=np.int64)).controllers


def initial_genomes(config, seed: int, populations: list[int]) -> list[np.ndarray]:
    """Generation-0 genomes per species, (population[s], n_params) float32."""
    out = []
    for s, ctrl in enumerate(controllers(config, seed)):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), INIT, s]))
        out.append(np.ascontiguousarray(ctrl.init_genomes(rng, populations[s]), dtype=np.float32))
    return out


class GenerationalState:
    """The generational part of an `EvolutionRun`: genomes per species and the best ever."""

    needs_backend = True

    def __init__(self, run):
        self.run = run
        self.arenas, self.per_arena = layout_of(run.config)
        self.population = [self.arenas * p for p in self.per_arena]
        self.batch = batch_arenas(self.arenas, self.per_arena)
        self.genomes: list[np.ndarray] = []
        self.best: rundir.BestGenomes | None = None

    def manifest_extra(self) -> dict:
        return {
            "layout": {
                "arenas": self.arenas,
                "agents_per_arena": self.per_arena,
                "population": self.population,
                "arenas_per_task": self.batch,
            }
        }

    def evaluator(self) -> WorldEvaluator:
        return WorldEvaluator(self.run.config, self.run.seed)

    def start(self) -> None:
        run = self.run
        self.genomes = initial_genomes(run.config, run.seed, self.population)
        self.best = rundir.BestGenomes(
            species=run.species,
            genomes=[g[0].copy() for g in self.genomes],
            fitness=np.full(len(run.species), -np.inf),
            generation=np.full(len(run.species), -1, dtype=np.int64),
        )

    # ------------------------------------------------------------------ checkpoints
    def arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        arrays = {f"genomes_{s}": g for s, g in enumerate(self.genomes)}
        arrays.update({f"best_genome_{s}": g for s, g in enumerate(self.best.genomes)})
        arrays["best_fitness"] = np.asarray(self.best.fitness, dtype=np.float64)
        arrays["best_generation"] = np.asarray(self.best.generation, dtype=np.int64)
        rng = "stateless: SeedSequence([seed, 0xB2EED, generation, species]) per breeding step"
        return arrays, {"population": self.population, "rng": rng}

    def restore(self, ckpt: ck.Checkpoint) -> None:
        n_sp = len(self.run.species)
        self.genomes, best = [], []
        for s, ctrl in enumerate(controllers(self.run.config, self.run.seed)):
            n, pop = ctrl.n_params, self.population[s]
            self.genomes.append(ck.require_array(ckpt, f"genomes_{s}", np.float32, (pop, n)).copy())
            best.append(ck.require_array(ckpt, f"best_genome_{s}", np.float32, (n,)).copy())
        self.best = rundir.BestGenomes(
            species=self.run.species,
            genomes=best,
            fitness=ck.require_array(ckpt, "best_fitness", np.float64, (n_sp,)).copy(),
            generation=ck.require_array(ckpt, "best_generation", np.int64, (n_sp,)).copy(),
        )
        # best.npz may be ahead of the checkpoint after a crash: bring it back in step
        rundir.save_best(self.run.run_dir / rundir.BEST_FILE, self.best)

    # ------------------------------------------------------------------ one generation
    def step(self, backend, guard) -> Progress:
        run = self.run
        g = run.generation
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
        # everything below builds new objects; the run's state changes only at the very end
        best = rundir.BestGenomes(
            run.species, list(self.best.genomes), self.best.fitness.copy(),
            self.best.generation.copy(),
        )  # fmt: skip
        rows, new_genomes, improved = [], [], False
        for s, name in enumerate(run.species):
            f = fitness[s]
            if f.shape != (self.population[s],):
                raise ValueError(f"species {s}: got fitness {f.shape}, want {self.population[s]}")
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
                wall_time=run.wall_time + dt,
            )
            rows.append(row)
            rng = np.random.default_rng(np.random.SeedSequence([run.seed, BREED, g, s]))
            child = next_generation(self.genomes[s], f, rng, run.config.evolution)
            new_genomes.append(np.ascontiguousarray(child[rng.permutation(child.shape[0])]))
        run.metrics.append(rows)
        if improved:
            rundir.save_best(run.run_dir / rundir.BEST_FILE, best)
        self.best, self.genomes = best, new_genomes
        return run.advance(ticks, dt, [r["best"] for r in rows], [r["mean"] for r in rows])
