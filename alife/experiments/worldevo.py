"""Generational evolution on a world file for the experiments: the loop of `python run.py evolve`.

`evolve_seed(config, seed, generations)` evolves exactly the genomes (and fitness, and metrics)
that `python run.py evolve WORLD --seed SEED --generations G` evolves for a world file holding
`config` (`write_world` writes one): the same `alife.evolve.loop` and `WorldGenerations`, in this
process, with all arenas of a generation in one World (arenas never interact, so the cut does not
change any result). It also keeps what the CLI does not record: each generation's success rate
(cue worlds) and the final population ranked by fitness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from alife.evolve import loop
from alife.evolve.backends import SerialBackend
from alife.evolve.evaluate import (
    Layout,
    Task,
    WorldEvaluator,
    WorldGenerations,
    new_world,
    world_controllers,
)


def write_world(path: Path, config) -> Path:
    """Write `config` as a world file that `run.py evolve` and the window read back as equal."""
    data = config.model_dump(mode="json", exclude_unset=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
    return path


@dataclass
class History:
    """One seed's run, per generation (G,) float64, species 0: best, mean and median fitness,
    population success rate; `ranked`: the last evaluated genomes, best first."""

    best: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    success: np.ndarray
    ranked: np.ndarray


def evolve_seed(
    config, seed: int, generations: int, make_world: Callable = new_world
) -> History:
    """Evolve generations 0 .. generations - 1 of `config` from `seed` (single-species worlds;
    make_world as for `WorldEvaluator`)."""
    if len(config.species) != 1:
        raise ValueError("evolve_seed reports single-species worlds")
    layout = Layout.of(config)
    backend = SerialBackend()
    backend.start(WorldEvaluator(config, seed, make_world))
    try:
        evaluate = WorldGenerations(layout, backend.map, batch=layout.total)
        first = loop.first_generation(
            world_controllers(config, make_world), seed, layout.population
        )
        rows = []
        for gen, result in loop.evolve(evaluate, first, seed, config.evolution, generations):
            f = result.fitness[0]
            rows.append((f.max(), f.mean(), np.median(f), result.success[0].mean()))
            ranked = gen.genomes[0][np.argsort(-f, kind="stable")]
    finally:
        backend.close()
    best, mean, median, success = np.array(rows, dtype=np.float64).T
    return History(best, mean, median, success, ranked)


def evaluate_genome(
    config, genome: np.ndarray, episodes: int, seed: int
) -> tuple[float, float]:
    """(mean fitness, success rate) of one genome copied into `episodes` fresh arenas (all
    agents of an arena carry it), on generation 10**6 (never used in evolution)."""
    rows = episodes * config.species[0].count
    task = Task(10**6, np.arange(episodes, dtype=np.int64), (np.repeat(genome[None], rows, 0),))
    result = WorldEvaluator(config, seed)(task)
    return float(result.fitness[0].mean()), float(result.success[0].mean())


def eaten(config, genomes: np.ndarray, seed: int) -> np.ndarray:
    """(n, 2) int64: good and bad items eaten by each of `genomes` (n, n_params) float32 of
    species 0, placed as evolution places a population of n genomes (groups of the species'
    count, `evolution.episodes` arenas each), summed over its episodes on generation 10**6
    (never used in evolution). Good and bad follow the items' roles, so a swapped arena's
    poison-looking berries count as good."""
    from alife.world.interact import C_FOOD, C_POISON

    per = config.species[0].count
    layout = Layout(genomes.shape[0] // per, (per,), config.evolution.episodes)
    task = layout.task(10**6, [genomes], np.arange(layout.total))
    world = new_world(config, seed, task.generation, task.arena_ids, list(task.genomes))
    world.run_episode()
    lo, hi = world.span(0)
    counts = world.agents["counters"][lo:hi][:, [C_FOOD, C_POISON]].astype(np.int64)
    return counts.reshape(layout.episodes, -1, 2).sum(axis=0)


def memory_variants(config) -> dict:
    """{'location heads', 'content heads', 'memory off'}: `config` with every species' memory
    addressing set to location / content, or its memory disabled (reads are zeros)."""

    def each(**update):
        species = [sp.model_copy(update={"memory": sp.memory.model_copy(update=update)})
                   for sp in config.species]  # fmt: skip
        return config.model_copy(update={"species": species})

    return {
        "location heads": each(addressing="location"),
        "content heads": each(addressing="content"),
        "memory off": each(enabled=False),
    }
