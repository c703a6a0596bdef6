"""Generational evolution on a world file for the experiments: several seeds stepped together.

The same parts as `python run.py evolve` (alife.evolve.generational): the world file's layout
(`evolution.arenas` x agents per arena), one World episode per arena seeded from (seed,
generation, arena), `selection.next_generation` with the file's `evolution:` settings, and a
shuffle of the children over the arenas. The difference is batching: the populations of all
seeds of one condition live in one World (seed k's arenas get ids k * ARENA_BLOCK + a, so every
arena still has its own random stream), so a generation of 5 seeds costs one episode's Python
overhead instead of five. Breeding of seed k uses SeedSequence([seed_k, BREED, generation]).
Single-species generational worlds only (tmaze, foraging).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from alife.evolve.selection import next_generation

ARENA_BLOCK = 1_000_000
INIT, BREED = 0x1A17, 0xB2EED


def make_world(
    config, seed: int, generation: int, arena_ids: np.ndarray, genomes: np.ndarray | None
):
    """The project's World (the hook experiments replace to swap the controller)."""
    from alife.world.engine import World

    return World(
        config,
        seed,
        generation=generation,
        arena_ids=arena_ids,
        genomes=None if genomes is None else [genomes],
    )


@dataclass
class History:
    """Per generation, per seed: (G, S) float64 arrays."""

    best: list[np.ndarray] = field(default_factory=list)
    mean: list[np.ndarray] = field(default_factory=list)
    success: list[np.ndarray] = field(default_factory=list)  # population success rate

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.array(getattr(self, k)) for k in ("best", "mean", "success")}


def success_of(world) -> np.ndarray:
    """(n,) float64: 1 where the agent reached the cued goal (cue worlds), else 0."""
    from alife.world.interact import C_SUCCESS

    lo, hi = int(world.offsets[0]), int(world.offsets[1])
    return (world.agents["counters"][lo:hi, C_SUCCESS] > 0).astype(np.float64)


def evolve_seeds(
    config,
    seeds: list[int],
    generations: int,
    *,
    world_fn: Callable = make_world,
    episodes: int = 1,
    progress: Callable | None = None,
) -> tuple[list[np.ndarray], History]:
    """Evolve one population per seed for `generations`; returns (final genomes per seed,
    ordered best first by the last evaluation, and the History).

    episodes > 1 (one-agent arenas only, e.g. the T-maze): every genome runs in that many arenas
    per generation and its fitness is the mean, which cuts the evaluation noise of a 0/1 task.
    """
    if len(config.species) != 1 or config.evolution.mode != "generational":
        raise ValueError("worldevo handles single-species generational worlds")
    evo = config.evolution
    arenas, per = evo.layout([config.species[0].count])
    pop = arenas * per[0]
    if episodes > 1 and per[0] != 1:
        raise ValueError("episodes > 1 needs one agent per arena")
    probe = world_fn(config, seeds[0], 0, np.zeros(1, dtype=np.int64), None)
    ctrl = probe.controllers[0]
    genomes = []
    for seed in seeds:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), INIT, 0]))
        genomes.append(np.ascontiguousarray(ctrl.init_genomes(rng, pop), dtype=np.float32))
    ids = np.concatenate(
        [k * ARENA_BLOCK + np.arange(arenas * episodes) for k in range(len(seeds))]
    )
    hist = History()
    ranked = genomes
    for g in range(generations):
        stacked = np.concatenate([np.repeat(x, episodes, axis=0) for x in genomes])
        world = world_fn(config, seeds[0], g, ids, stacked)
        fit = world.run_episode()[0]
        succ = success_of(world)
        fit_k = fit.reshape(len(seeds), pop, episodes).mean(axis=2)
        succ_k = succ.reshape(len(seeds), pop, episodes).mean(axis=2)
        hist.best.append(fit_k.max(axis=1))
        hist.mean.append(fit_k.mean(axis=1))
        hist.success.append(succ_k.mean(axis=1))
        if progress is not None:
            progress(g, hist)
        ranked = [genomes[k][np.argsort(-fit_k[k], kind="stable")] for k in range(len(seeds))]
        if g == generations - 1:
            break
        new = []
        for k, seed in enumerate(seeds):
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), BREED, g]))
            child = next_generation(genomes[k], fit_k[k], rng, evo)
            new.append(np.ascontiguousarray(child[rng.permutation(pop)]))
        genomes = new
    return ranked, hist


def evaluate_genome(
    config, genome: np.ndarray, episodes: int, seed: int, *, world_fn: Callable = make_world
) -> tuple[float, float]:
    """(mean fitness, success rate) of one genome copied into `episodes` fresh arenas (all
    agents of an arena carry it), on generation 10**6 (never used in evolution)."""
    per = config.species[0].count
    ids = np.arange(episodes, dtype=np.int64)
    g = np.repeat(genome[None], episodes * per, axis=0)
    world = world_fn(config, seed, 10**6, ids, g)
    fit = world.run_episode()[0]
    return float(fit.mean()), float(success_of(world).mean())
