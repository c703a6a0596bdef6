"""What a backend evaluates: a batch of arenas for one generation (arenas of a world file).

A generational world's layout (`Layout`) places each species' population in `arenas` groups of
agents; with `evolution.episodes` E > 1 every group plays E arenas (arena id j holds group
j % arenas) and a genome's fitness is its mean over them. A generation's arena ids are cut into
fixed batches (`make_tasks`); the cut depends only on the layout, never on the number of workers,
and every arena's episode is seeded from (run seed, generation, arena id), so any backend, worker
count or cut gives the same fitness. A task evaluator is a picklable callable `Task -> Result`
sent once to each long-lived worker: `WorldEvaluator` runs real World episodes;
`SphereEvaluator` is a small pure test problem (noisy sphere, noise drawn per (seed, generation,
arena)) for testing the machinery in isolation, as evosax and EvoJAX ship classic test
functions. `WorldGenerations` scores whole generations (an `alife.evolve.loop.Evaluate`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from alife.errors import WorldConfigError


@dataclass(frozen=True)
class Task:
    """One batch: arenas `arena_ids` (k,) int64 of `generation`; genomes per species, arena-major
    rows for exactly these arenas ((k * per_arena[s], n_params) float32)."""

    generation: int
    arena_ids: np.ndarray
    genomes: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Result:
    """Fitness per species ((rows,) float64, same order as the genomes), the agent-ticks spent,
    and optionally the success rate per species ((rows,) float64 in [0, 1]: share of episodes
    in which the agent reached its cued goal or solved its task; empty when not measured)."""

    fitness: tuple[np.ndarray, ...]
    agent_ticks: int
    success: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True)
class Layout:
    """A generational world's arenas: species s has per_arena[s] agents in each of `arenas`
    groups (population[s] = arenas * per_arena[s] genomes, arena-major), and each group plays
    `episodes` arenas per generation (arena ids 0 .. arenas * episodes - 1)."""

    arenas: int
    per_arena: tuple[int, ...]
    episodes: int = 1

    @classmethod
    def of(cls, config, source: str = "world file") -> Layout:
        """The layout of a world file's `evolution:` section; WorldConfigError if it is bad."""
        evo = config.evolution
        try:
            arenas, per = evo.layout([s.count for s in config.species])
        except ValueError as err:
            raise WorldConfigError(f"{source}: evolution: {err}") from None
        return cls(arenas, tuple(per), evo.episodes)

    @property
    def population(self) -> list[int]:
        return [self.arenas * p for p in self.per_arena]

    @property
    def total(self) -> int:
        """Arenas per generation (groups x episodes)."""
        return self.arenas * self.episodes

    def task(self, generation: int, genomes: Sequence[np.ndarray], ids: np.ndarray) -> Task:
        """The Task of arena ids `ids` (k,) int64: each arena gets its group's genome rows."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = []
        for s, (g, p) in enumerate(zip(genomes, self.per_arena, strict=True)):
            if g.shape[0] != self.arenas * p:
                raise ValueError(
                    f"species {s}: {g.shape[0]} genomes but {self.arenas} arenas x {p} agents"
                )
            groups = g.reshape(self.arenas, p, g.shape[1])
            rows.append(np.ascontiguousarray(groups[ids % self.arenas].reshape(-1, g.shape[1])))
        return Task(int(generation), ids, tuple(rows))

    def fitness(self, result: Result) -> Result:
        """Per-genome means over the episodes of a Result covering all `total` arenas in order."""
        if self.episodes == 1:
            return result

        def mean(parts):
            return tuple(f.reshape(self.episodes, -1).mean(axis=0) for f in parts)

        return Result(mean(result.fitness), result.agent_ticks, mean(result.success))


def batch_arenas(arenas: int, per_arena: list[int], target_agents: int = 256) -> int:
    """Arenas per batch: about `target_agents` agents, at most arenas/4 (so 2-4 workers share
    the load), at least 1. Depends only on the layout, never on the worker count."""
    agents = max(1, sum(per_arena))
    by_size = max(1, target_agents // agents)
    by_share = max(1, arenas // 4)
    return max(1, min(by_size, by_share))


def make_tasks(
    generation: int,
    genomes: Sequence[np.ndarray],
    per_arena: Sequence[int],
    arenas: int,
    batch: int,
    episodes: int = 1,
) -> list[Task]:
    """Cut a generation into Tasks of `batch` consecutive arena ids each (the last may be short)."""
    layout = Layout(arenas, tuple(per_arena), episodes)
    return [
        layout.task(generation, genomes, np.arange(a0, min(layout.total, a0 + batch)))
        for a0 in range(0, layout.total, batch)
    ]


def merge_results(results: Sequence[Result]) -> Result:
    """One Result: per-task fitness (and success) concatenated in task order, ticks summed."""

    def concat(parts):
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))

    success = [r.success for r in results]
    return Result(
        concat([r.fitness for r in results]),
        int(sum(r.agent_ticks for r in results)),
        concat(success) if all(success) else (),
    )


class WorldGenerations:
    """Scores a generation of a world file's layout (an `alife.evolve.loop.Evaluate`): its
    arenas cut into Tasks of `batch` arenas (default: `batch_arenas`) and evaluated by `run_tasks`
    (a backend's `map`, started with a `WorldEvaluator`)."""

    def __init__(
        self, layout: Layout, run_tasks: Callable[[list[Task]], list[Result]], batch: int = 0
    ):
        self.layout = layout
        self.run_tasks = run_tasks
        self.batch = batch or batch_arenas(layout.total, list(layout.per_arena))

    def __call__(self, generation: int, genomes: Sequence[np.ndarray]) -> Result:
        lay = self.layout
        tasks = make_tasks(generation, genomes, lay.per_arena, lay.arenas, self.batch, lay.episodes)
        return lay.fitness(merge_results(self.run_tasks(tasks)))


def new_world(config, seed: int, generation: int, arena_ids: np.ndarray, genomes):
    """The project's World of these arenas (None: the file's arena.count arenas); genomes per
    species, or None for random ones."""
    from alife.world.engine import World  # here: in a worker, after its thread limits are set

    return World(
        config,
        seed,
        generation=generation,
        arena_ids=arena_ids,
        genomes=genomes,
    )


def world_controllers(config, make_world: Callable = new_world) -> list:
    """The controller of every species, as the World built by `make_world` holds them."""
    return make_world(config, 0, 0, np.zeros(1, dtype=np.int64), None).controllers


def success_of(world) -> list[np.ndarray]:
    """Per species (n,) float64: 1 where the agent reached its cued goal (cue worlds), else 0."""
    from alife.world.interact import C_SUCCESS

    won = (world.agents["counters"][:, C_SUCCESS] > 0).astype(np.float64)
    return [won[slice(*world.span(s))] for s in range(world.agents.n_species)]


class WorldEvaluator:
    """Run one World episode over a task's arenas; return the world's scores and successes.

    make_world(config, seed, generation, arena_ids, genomes) -> World builds the World
    (default `new_world`)."""

    def __init__(self, config, seed: int, make_world: Callable = new_world):
        self.config = config
        self.seed = int(seed)
        self.make_world = make_world

    def __call__(self, task: Task) -> Result:
        world = self.make_world(
            self.config, self.seed, task.generation, task.arena_ids, list(task.genomes)
        )
        fitness = world.run_episode()
        return Result(
            fitness=tuple(np.asarray(f, dtype=np.float64).copy() for f in fitness),
            agent_ticks=int(world.agent_ticks),
            success=tuple(success_of(world)),
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
