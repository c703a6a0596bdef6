"""Mutation and crossover on flat genome batches.

The default is the "continuous Gray code" style of the source material: a few randomly chosen
parameters move by +-c * exp(-u * precision) with u ~ U(0, 1), so step sizes are spread
log-uniformly over many orders of magnitude (big jumps and fine tuning from one operator).
Gaussian steps (the usual ES perturbation, as in evosax) are the alternative. Genomes are
(pop, n_params) float32 arrays; every function takes an explicit np.random.Generator and works on
the whole batch at once (no Python loop over genomes).
"""

from __future__ import annotations

import numpy as np

from alife.config.evolution import MutationConfig


def _check(genomes: np.ndarray) -> np.ndarray:
    genomes = np.asarray(genomes)
    if genomes.ndim != 2:
        raise ValueError(f"genomes must be (pop, n_params), got shape {genomes.shape}")
    if genomes.dtype != np.float32:
        raise ValueError(f"genomes must be float32, got {genomes.dtype}")
    return genomes


def mutation_mask(
    shape: tuple[int, int], rng: np.random.Generator, rate: float | None, count: int
) -> np.ndarray:
    """Which parameters to change: (pop, n_params) bool.

    rate given: each parameter independently with probability `rate`; otherwise exactly
    min(count, n_params) distinct parameters per row, chosen uniformly.
    """
    pop, n = shape
    if rate is not None:
        return rng.random(shape) < rate
    k = min(int(count), n)
    mask = np.zeros(shape, dtype=bool)
    if pop == 0 or k == 0:
        return mask
    if k == n:
        mask[:] = True
        return mask
    # k distinct random columns per row: the k smallest of n uniform keys
    cols = np.argpartition(rng.random(shape), k - 1, axis=1)[:, :k]
    np.put_along_axis(mask, cols, True, axis=1)
    return mask


def gray_steps(size: int, rng: np.random.Generator, c: float, precision: float) -> np.ndarray:
    """`size` steps +-c*exp(-u*precision), u ~ U(0,1), random sign; float32 (size,)."""
    u = rng.random(size)
    sign = np.where(rng.random(size) < 0.5, -1.0, 1.0)
    return (sign * c * np.exp(-u * precision)).astype(np.float32)


def gray_mutate(
    genomes: np.ndarray,
    rng: np.random.Generator,
    rate: float | None = None,
    c: float = 0.5,
    precision: float = 12.0,
    count: int = 2,
) -> np.ndarray:
    """Continuous-Gray-code mutation of every row; returns a new (pop, n_params) float32 array."""
    genomes = _check(genomes)
    mask = mutation_mask(genomes.shape, rng, rate, count)
    out = genomes.copy()
    out[mask] += gray_steps(int(mask.sum()), rng, c, precision)
    return out


def gaussian_mutate(
    genomes: np.ndarray,
    rng: np.random.Generator,
    rate: float | None = None,
    sigma: float = 0.05,
    count: int = 2,
) -> np.ndarray:
    """Add N(0, sigma^2) to the chosen parameters of every row; new float32 array."""
    genomes = _check(genomes)
    mask = mutation_mask(genomes.shape, rng, rate, count)
    out = genomes.copy()
    out[mask] += (sigma * rng.standard_normal(int(mask.sum()))).astype(np.float32)
    return out


def mutate(genomes: np.ndarray, rng: np.random.Generator, cfg: MutationConfig) -> np.ndarray:
    """Mutate as configured by the world file's `evolution.mutation` block (both modes)."""
    if cfg.kind == "gray":
        return gray_mutate(genomes, rng, cfg.rate, cfg.c, cfg.precision, cfg.count)
    return gaussian_mutate(genomes, rng, cfg.rate, cfg.sigma, cfg.count)


def crossover(
    first: np.ndarray, second: np.ndarray, rng: np.random.Generator, prob: float
) -> np.ndarray:
    """Uniform crossover: with probability `prob` per row, each parameter comes from either parent.

    first, second: (pop, n_params) float32 parents (row i of each pairs up). Rows not crossed
    are copies of `first`. Returns a new float32 array.
    """
    return crossover_rows(first, second, rng, prob)[0]


def crossover_rows(
    first: np.ndarray, second: np.ndarray, rng: np.random.Generator, prob: float
) -> tuple[np.ndarray, np.ndarray]:
    """`crossover`, also returning which rows were crossed: (children, crossed (pop,) bool)."""
    first, second = _check(first), _check(second)
    if first.shape != second.shape:
        raise ValueError(f"parent shapes differ: {first.shape} vs {second.shape}")
    crossed = rng.random(first.shape[0]) < prob
    take_second = (rng.random(first.shape) < 0.5) & crossed[:, None]
    return np.where(take_second, second, first), crossed

