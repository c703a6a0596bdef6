"""Parent selection with elitism, and one generational step.

Tournament selection (best of k uniform picks) and truncation selection (uniform picks among
the best fraction), as in classic GA texts and neat-python's reproduction; ties are broken by
population index so the result is a pure function of (fitness, rng). NaN fitness counts as
worst. `next_generation` = elites copied unchanged + children from selected parents (optional
uniform crossover, then mutation), the whole batch at once; `breed` also says which rows of the
previous generation every row comes from (the lineage).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from alife.config.evolution import EvolutionConfig
from alife.evolve.mutation import crossover_rows, mutate

# how a genome came to be (the `kind` of a lineage record)
FOUNDER, ELITE, MUTANT, CROSSOVER = 0, 1, 2, 3
KIND_NAMES = ("founder", "elite", "mutant", "crossover")


def _clean(fitness: np.ndarray) -> np.ndarray:
    fitness = np.asarray(fitness, dtype=np.float64)
    if fitness.ndim != 1 or fitness.size == 0:
        raise ValueError(f"fitness must be a non-empty (pop,) array, got shape {fitness.shape}")
    return np.where(np.isnan(fitness), -np.inf, fitness)


def ranking(fitness: np.ndarray) -> np.ndarray:
    """Indices from best to worst; equal fitness keeps the lower index first. (pop,) int64."""
    return np.argsort(-_clean(fitness), kind="stable")


def elite_indices(fitness: np.ndarray, count: int) -> np.ndarray:
    """The `count` best indices, best first."""
    return ranking(fitness)[: max(0, int(count))]


def tournament(fitness: np.ndarray, rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """n parent indices, each the winner of `size` uniform picks (with replacement). (n,) int64."""
    fit = _clean(fitness)
    rank = np.empty(fit.size, dtype=np.int64)
    rank[ranking(fit)] = np.arange(fit.size)  # 0 = best; strict total order
    picks = rng.integers(0, fit.size, size=(int(n), max(1, int(size))))
    winners = np.argmin(rank[picks], axis=1)
    return picks[np.arange(int(n)), winners]


def truncation(
    fitness: np.ndarray, rng: np.random.Generator, n: int, fraction: float
) -> np.ndarray:
    """n parent indices picked uniformly among the best ceil(fraction * pop). (n,) int64."""
    order = ranking(fitness)
    keep = max(1, int(np.ceil(fraction * order.size)))
    return order[rng.integers(0, keep, size=int(n))]


def select_parents(
    fitness: np.ndarray, rng: np.random.Generator, n: int, cfg: EvolutionConfig
) -> np.ndarray:
    """n parent indices as configured by `evolution.selection`."""
    sel = cfg.selection
    if sel.method == "tournament":
        return tournament(fitness, rng, n, sel.tournament_size)
    return truncation(fitness, rng, n, sel.truncation)


class Offspring(NamedTuple):
    """One species' next generation: genomes (pop, n_params) float32; parents (pop, 2) int64:
    the rows of the previous generation each row comes from (second -1 unless crossed over);
    kind (pop,) int8: ELITE (an unchanged copy), MUTANT or CROSSOVER."""

    genomes: np.ndarray
    parents: np.ndarray
    kind: np.ndarray


def breed(
    genomes: np.ndarray, fitness: np.ndarray, rng: np.random.Generator, cfg: EvolutionConfig
) -> Offspring:
    """One generational step for one species: (pop, n_params) float32 -> Offspring of the same
    size. Rows 0..elitism-1 are the best genomes unchanged (best first); the rest are mutated
    children of selected parents, crossed over with a second parent with probability
    `cfg.crossover`."""
    genomes = np.asarray(genomes)
    pop = genomes.shape[0]
    if np.asarray(fitness).shape != (pop,):
        raise ValueError(f"fitness shape {np.shape(fitness)} does not match population {pop}")
    elites = elite_indices(fitness, min(cfg.elitism, pop))
    n_children = pop - elites.size
    first = select_parents(fitness, rng, n_children, cfg)
    children = genomes[first]
    second = np.full(n_children, -1, dtype=np.int64)
    crossed = np.zeros(n_children, dtype=bool)
    if cfg.crossover > 0.0:
        picked = select_parents(fitness, rng, n_children, cfg)
        children, crossed = crossover_rows(children, genomes[picked], rng, cfg.crossover)
        second = np.where(crossed, picked, -1)
    children = mutate(children, rng, cfg.mutation)
    parents = np.stack(
        [np.concatenate([elites, first]), np.concatenate([np.full(elites.size, -1), second])],
        axis=1,
    ).astype(np.int64)
    kind = np.concatenate(
        [np.full(elites.size, ELITE), np.where(crossed, CROSSOVER, MUTANT)]
    ).astype(np.int8)
    out = np.concatenate([genomes[elites], children], axis=0).astype(np.float32, copy=False)
    return Offspring(out, parents, kind)


def next_generation(
    genomes: np.ndarray, fitness: np.ndarray, rng: np.random.Generator, cfg: EvolutionConfig
) -> np.ndarray:
    """The genomes of `breed` (pop, n_params) float32."""
    return breed(genomes, fitness, rng, cfg).genomes
