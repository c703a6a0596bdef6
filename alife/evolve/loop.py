"""The generational loop: one seed scheme for `run.py evolve`, the window and the experiments.

A generation is scored by an `Evaluate` (world episodes in arenas, or a sequence task); then
`advance` records the best genome ever per species and lets each species breed on its own:
`selection.next_generation` (elites, selection, crossover, mutation) and a shuffle of the rows,
with a Generator from SeedSequence([seed, BREED, generation, species]). Generation-0 genomes come
from SeedSequence([seed, INIT, species]). No random state is carried between generations, so a
run is a pure function of (evaluator, seed, evolution settings): stop + resume, any backend and
any worker count give the same genomes (the evosax/EvoJAX "explicit randomness" convention).
Task, controller and algorithm meet only here, through `Evaluate` and the controllers'
`init_genomes`, as EvoJAX separates task, policy and algorithm.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from alife.config.evolution import EvolutionConfig
from alife.evolve.evaluate import Result
from alife.evolve.selection import FOUNDER, breed

INIT, BREED = 0x1A17, 0xB2EED


class Evaluate(Protocol):
    """Scores one generation."""

    def __call__(self, generation: int, genomes: Sequence[np.ndarray]) -> Result:
        """genomes: per species (pop_s, n_params_s) float32 -> a Result whose fitness holds
        per species (pop_s,) float64 in the same row order."""
        ...


class Controller(Protocol):
    """What the loop needs of a controller: random genomes to start from."""

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """(count, n_params) genomes drawn from `rng`."""
        ...


@dataclass(frozen=True)
class Generation:
    """Generation `index` before its evaluation, and the best genome ever per species.

    genomes: per species (pop_s, n_params_s) float32; best_genomes: per species (n_params_s,)
    float32; best_fitness (S,) float64 (-inf before any evaluation); best_generation (S,) int64
    (the generation it was found in, -1 before any evaluation). parents: per species (pop_s, 2)
    int64, the rows of generation index - 1 each row was bred from (-1: none), and kind: per
    species (pop_s,) int8 (alife.evolve.selection FOUNDER, ELITE, MUTANT, CROSSOVER); None when
    not known (a generation restored from a checkpoint)."""

    index: int
    genomes: tuple[np.ndarray, ...]
    best_genomes: tuple[np.ndarray, ...]
    best_fitness: np.ndarray
    best_generation: np.ndarray
    parents: tuple[np.ndarray, ...] | None = None
    kind: tuple[np.ndarray, ...] | None = None


def start(genomes: Sequence[np.ndarray], index: int = 0) -> Generation:
    """Generation `index` holding `genomes` (per species (pop_s, n_params_s)), no best yet."""
    genomes = tuple(np.ascontiguousarray(g, dtype=np.float32) for g in genomes)
    n = len(genomes)
    return Generation(
        int(index), genomes, tuple(g[0].copy() for g in genomes),
        np.full(n, -np.inf), np.full(n, -1, dtype=np.int64),
        tuple(np.full((g.shape[0], 2), -1, np.int64) for g in genomes),
        tuple(np.full(g.shape[0], FOUNDER, np.int8) for g in genomes),
    )  # fmt: skip


def first_generation(
    controllers: Sequence[Controller], seed: int, populations: Sequence[int], index: int = 0
) -> Generation:
    """Random genomes for every species: species s from SeedSequence([seed, INIT, s])."""
    genomes = []
    for s, (ctrl, pop) in enumerate(zip(controllers, populations, strict=True)):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), INIT, s]))
        genomes.append(ctrl.init_genomes(rng, int(pop)))
    return start(genomes, index)


def advance(
    gen: Generation, fitness: Sequence[np.ndarray], seed: int, cfg: EvolutionConfig
) -> Generation:
    """The next generation, from the fitness of `gen.genomes` (per species (pop_s,) float64;
    NaN counts as worst): the best ever updated, then every species bred. Pure: `gen` is kept."""
    best_genomes = list(gen.best_genomes)
    best_fitness, best_generation = gen.best_fitness.copy(), gen.best_generation.copy()
    children, parents, kind = [], [], []
    for s, (genomes, f) in enumerate(zip(gen.genomes, fitness, strict=True)):
        f = np.asarray(f, dtype=np.float64)
        if f.shape != (genomes.shape[0],):
            raise ValueError(f"species {s}: got fitness {f.shape}, want ({genomes.shape[0]},)")
        i = int(np.argmax(np.where(np.isnan(f), -np.inf, f)))
        if f[i] > best_fitness[s]:
            best_fitness[s], best_generation[s] = f[i], gen.index
            best_genomes[s] = genomes[i].copy()
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), BREED, gen.index, s]))
        bred = breed(genomes, f, rng, cfg)
        order = rng.permutation(bred.genomes.shape[0])
        children.append(np.ascontiguousarray(bred.genomes[order]))
        parents.append(bred.parents[order])
        kind.append(bred.kind[order])
    return Generation(
        gen.index + 1, tuple(children), tuple(best_genomes), best_fitness, best_generation,
        tuple(parents), tuple(kind),
    )  # fmt: skip


def evolve(
    evaluate: Evaluate, gen: Generation, seed: int, cfg: EvolutionConfig, until: int
) -> Iterator[tuple[Generation, Result]]:
    """Evaluate and breed up to generation `until`; yields every generation with its Result."""
    while gen.index < until:
        result = evaluate(gen.index, gen.genomes)
        yield gen, result
        gen = advance(gen, result.fitness, seed, cfg)
