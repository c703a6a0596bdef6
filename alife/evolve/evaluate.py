"""What a backend evaluates: a batch of arenas for one generation (DESIGN section 4, "arenas").

A generation's arenas are cut into fixed batches (`make_tasks`); the cut depends only on the
run's layout, never on the number of workers, and every arena's episode is seeded from
(run seed, generation, arena index), so any backend and worker count gives the same fitness.
An evaluator is a picklable callable `Task -> Result` sent once to each long-lived worker:
`WorldEvaluator` runs real World episodes; `SphereEvaluator` is a small pure test problem
(noisy sphere, noise drawn per (seed, generation, arena)) for testing the machinery in
isolation, as evosax and EvoJAX ship classic test functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Task:
    """One batch: arenas `arena_ids` (k,) int64 of `generation`; genomes per species, arena-major
    rows for exactly these arenas ((k * per_arena[s], n_params) float32)."""

    generation: int
    arena_ids: np.ndarray
    genomes: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Result:
    """Fitness per species ((rows,) float64, same order as the task's genomes) and work done."""

    fitness: tuple[np.ndarray, ...]
    agent_ticks: int


def batch_arenas(arenas: int, per_arena: list[int], target_agents: int = 256) -> int:
    """Arenas per batch: about `target_agents` agents, at most arenas/4 (so 2-4 workers share
    the load), at least 1. Depends only on the layout, never on the worker count."""
    agents = max(1, sum(per_arena))
    by_size = max(1, target_agents // agents)
    by_share = max(1, arenas // 4)
    return max(1, min(by_size, by_share))


def make_tasks(
    generation: int, genomes: list[np.ndarray], per_arena: list[int], arenas: int, batch: int
) -> list[Task]:
    """Cut a generation into Tasks of `batch` consecutive arenas each (the last may be short)."""
    for s, g in enumerate(genomes):
        if g.shape[0] != arenas * per_arena[s]:
            raise ValueError(
                f"species {s}: {g.shape[0]} genomes but {arenas} arenas x {per_arena[s]} agents"
            )
    tasks = []
    for a0 in range(0, arenas, batch):
        a1 = min(arenas, a0 + batch)
        tasks.append(
            Task(
                generation=int(generation),
                arena_ids=np.arange(a0, a1, dtype=np.int64),
                genomes=tuple(
                    np.ascontiguousarray(g[a0 * p : a1 * p])
                    for g, p in zip(genomes, per_arena, strict=True)
                ),
            )
        )
    return tasks


def merge_results(results: list[Result]) -> tuple[list[np.ndarray], int]:
    """Concatenate per-task fitness back into whole-population arrays, in task order."""
    species = len(results[0].fitness)
    fitness = [np.concatenate([r.fitness[s] for r in results]) for s in range(species)]
    return fitness, int(sum(r.agent_ticks for r in results))


class WorldEvaluator:
    """Run one World episode over a task's arenas and return the world's scores."""

    def __init__(self, config, seed: int):
        self.config = config
        self.seed = int(seed)

    def __call__(self, task: Task) -> Result:
        # imported here, in the worker, after its thread limits are set
        from alife.world.engine import World

        world = World(
            self.config,
            self.seed,
            generation=task.generation,
            arena_ids=task.arena_ids,
            genomes=list(task.genomes),
        )
        fitness = world.run_episode()
        return Result(
            fitness=tuple(np.asarray(f, dtype=np.float64).copy() for f in fitness),
            agent_ticks=int(world.agent_ticks),
        )


class SphereEvaluator:
    """Test problem: fitness = -mean((g - 1)^2) + noise * N(0,1), the noise drawn from
    SeedSequence([seed, generation, arena]) per arena, like a world episode. `work` repeats the
    computation to make a task cost measurable time (for backend overhead tests)."""

    def __init__(self, seed: int, noise: float = 0.01, work: int = 1):
        self.seed = int(seed)
        self.noise = float(noise)
        self.work = int(work)

    def __call__(self, task: Task) -> Result:
        k = task.arena_ids.size
        out = []
        for g in task.genomes:
            per = g.shape[0] // max(1, k)
            noise = (
                np.concatenate(
                    [
                        np.random.default_rng([self.seed, task.generation, int(a)]).standard_normal(
                            per
                        )
                        for a in task.arena_ids
                    ]
                )
                if per
                else np.zeros(0)
            )
            d = g.astype(np.float64) - 1.0
            score = np.zeros(g.shape[0])
            for _ in range(self.work):
                score = -np.mean(d * d, axis=1)
            out.append(score + self.noise * noise)
        return Result(fitness=tuple(out), agent_ticks=sum(g.shape[0] for g in task.genomes))
