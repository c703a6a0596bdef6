"""Mutation, crossover and selection: statistics, invariants and determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.config.evolution import EvolutionConfig, MutationConfig
from alife.evolve.mutation import (
    crossover,
    gaussian_mutate,
    gray_mutate,
    gray_steps,
    mutate,
    mutation_mask,
)
from alife.evolve.selection import (
    elite_indices,
    next_generation,
    ranking,
    tournament,
    truncation,
)


def rng(seed=0):
    return np.random.default_rng(seed)


@settings(max_examples=60, deadline=None)
@given(
    pop=st.integers(0, 20),
    n=st.integers(1, 50),
    count=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_count_mask_changes_exactly_count_distinct_params(pop, n, count, seed):
    mask = mutation_mask((pop, n), rng(seed), None, count)
    assert mask.shape == (pop, n) and mask.dtype == bool
    assert np.all(mask.sum(axis=1) == min(count, n))


def test_count_mask_columns_are_uniform():
    mask = mutation_mask((20000, 10), rng(1), None, 2)
    freq = mask.mean(axis=0)  # each column chosen with probability 2/10
    assert np.allclose(freq, 0.2, atol=0.015)


def test_rate_mask_frequency_matches_rate():
    mask = mutation_mask((2000, 100), rng(2), 0.05, 3)
    p = mask.mean()
    sd = np.sqrt(0.05 * 0.95 / mask.size)
    assert abs(p - 0.05) < 5 * sd


def test_gray_steps_are_log_uniform_with_random_sign():
    c, precision = 0.5, 12.0
    steps32 = gray_steps(200_000, rng(3), c, precision)
    assert steps32.dtype == np.float32 and steps32.shape == (200_000,)
    steps = steps32.astype(np.float64)
    assert np.all(np.abs(steps) <= c * (1 + 1e-6))
    assert np.all(np.abs(steps) >= c * np.exp(-precision) * (1 - 1e-6))
    # u = -log(|step|/c)/precision must be U(0,1): compare the empirical CDF (Kolmogorov-Smirnov)
    u = np.sort(-np.log(np.abs(steps) / c) / precision)
    ecdf = np.arange(1, u.size + 1) / u.size
    assert np.max(np.abs(ecdf - u)) < 1.63 / np.sqrt(u.size) * 1.5  # ~1% level, with slack
    assert abs(np.mean(steps > 0) - 0.5) < 0.01


def test_gray_mutate_changes_count_params_and_keeps_input():
    g = np.zeros((500, 64), np.float32)
    out = gray_mutate(g, rng(4), rate=None, c=0.5, precision=12.0, count=3)
    assert out.dtype == np.float32 and out.shape == g.shape
    assert np.all(g == 0)  # input untouched
    assert np.all((out != 0).sum(axis=1) == 3)
    assert np.all(np.abs(out) <= 0.5)


def test_gaussian_mutate_step_std():
    g = np.ones((4000, 32), np.float32)
    out = gaussian_mutate(g, rng(5), rate=None, sigma=0.2, count=4)
    d = (out - g)[(out - g) != 0]
    assert d.size == 4000 * 4
    assert abs(d.std() - 0.2) < 0.01 and abs(d.mean()) < 0.01


def test_mutate_dispatches_and_is_deterministic():
    g = rng(6).standard_normal((30, 40)).astype(np.float32)
    for cfg in (MutationConfig(), MutationConfig(kind="gaussian", rate=0.1)):
        a, b = mutate(g, rng(9), cfg), mutate(g, rng(9), cfg)
        assert np.array_equal(a, b) and not np.array_equal(a, g)
    gauss = mutate(g, rng(9), MutationConfig(kind="gaussian", count=40, sigma=1e-3))
    assert np.all(gauss != g) and np.max(np.abs(gauss - g)) < 0.01


def test_mutation_rejects_bad_arrays():
    with pytest.raises(ValueError, match="float32"):
        gray_mutate(np.zeros((2, 3)), rng())
    with pytest.raises(ValueError, match="pop, n_params"):
        gray_mutate(np.zeros(3, np.float32), rng())


def test_crossover_mixes_parents():
    a = np.zeros((2000, 50), np.float32)
    b = np.ones((2000, 50), np.float32)
    assert np.array_equal(crossover(a, b, rng(7), 0.0), a)
    child = crossover(a, b, rng(7), 1.0)
    assert set(np.unique(child)) <= {0.0, 1.0}
    assert abs(child.mean() - 0.5) < 0.01
    half = crossover(a, b, rng(8), 0.5)
    crossed_rows = half.any(axis=1).mean()
    assert 0.45 < crossed_rows < 0.55
    with pytest.raises(ValueError, match="differ"):
        crossover(a, b[:3], rng(), 0.5)


def test_ranking_stable_and_nan_is_worst():
    f = np.array([1.0, 5.0, np.nan, 5.0, -2.0])
    assert list(ranking(f)) == [1, 3, 0, 4, 2]
    assert list(elite_indices(f, 2)) == [1, 3]


def test_tournament_matches_order_statistics():
    n, k = 10, 3
    f = np.arange(n, dtype=np.float64)  # index 9 best
    picks = tournament(f, rng(10), 100_000, k)
    p_best = np.mean(picks == 9)
    expected = 1 - (1 - 1 / n) ** k
    assert abs(p_best - expected) < 0.01
    p_worst = np.mean(picks == 0)  # worst wins only if all k picks are it
    assert abs(p_worst - (1 / n) ** k) < 0.003
    uniform = tournament(f, rng(11), 50_000, 1)
    assert np.allclose(np.bincount(uniform, minlength=n) / 50_000, 0.1, atol=0.01)


def test_truncation_picks_only_the_best_fraction():
    f = rng(12).standard_normal(100)
    picks = truncation(f, rng(13), 20_000, 0.2)
    top = set(ranking(f)[:20].tolist())
    assert set(np.unique(picks).tolist()) == top
    counts = np.bincount(picks, minlength=100)[list(top)]
    assert counts.min() > 800 and counts.max() < 1200


@pytest.mark.parametrize("method", ["tournament", "truncation"])
def test_next_generation_keeps_elites_and_size(method):
    g = rng(14).standard_normal((40, 16)).astype(np.float32)
    f = rng(15).standard_normal(40)
    f[7] = np.nan
    cfg = EvolutionConfig.model_validate(
        {"elitism": 3, "crossover": 0.3, "selection": {"method": method}}
    )
    out = next_generation(g, f, rng(16), cfg)
    assert out.shape == g.shape and out.dtype == np.float32
    assert np.array_equal(out[:3], g[ranking(f)[:3]])
    assert np.array_equal(out, next_generation(g, f, rng(16), cfg))
    with pytest.raises(ValueError, match="fitness shape"):
        next_generation(g, f[:5], rng(), cfg)


def test_selection_and_mutation_optimise_a_sphere():
    """The operators together make steady progress on a noisy sphere (sanity of the loop)."""
    cfg = EvolutionConfig.model_validate(
        {"elitism": 2, "mutation": {"count": 2, "c": 0.5, "precision": 8}}
    )
    g = np.zeros((64, 8), np.float32)
    first = None
    for gen in range(60):
        f = -np.mean((g.astype(np.float64) - 1.0) ** 2, axis=1)
        f += 0.001 * rng(gen).standard_normal(f.size)
        first = f.mean() if first is None else first
        g = next_generation(g, f, rng(1000 + gen), cfg)
    final = -np.mean((g.astype(np.float64) - 1.0) ** 2, axis=1).mean()
    assert first == pytest.approx(-1.0, abs=0.01)
    assert final > -0.3


@settings(max_examples=40, deadline=None)
@given(
    pop=st.integers(1, 30),
    n_out=st.integers(1, 40),
    size=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    ties=st.booleans(),
)
def test_tournament_matches_loop_reference(pop, n_out, size, seed, ties):
    from reference import tournament_ref

    f = rng(seed).standard_normal(pop)
    if ties:
        f = np.round(f)  # many equal values
        f[::3] = np.nan
    got = tournament(f, rng(seed + 1), n_out, size)
    picks = rng(seed + 1).integers(0, pop, size=(n_out, size))  # the same draws
    assert np.array_equal(got, tournament_ref(f, picks))


@settings(max_examples=40, deadline=None)
@given(
    pop=st.integers(1, 12),
    n=st.integers(1, 40),
    count=st.integers(1, 8),
    rate=st.one_of(st.none(), st.floats(0.01, 1.0)),
    seed=st.integers(0, 2**32 - 1),
)
def test_gray_mutate_matches_loop_reference(pop, n, count, rate, seed):
    from reference import gray_apply_ref

    g = rng(seed).standard_normal((pop, n)).astype(np.float32)
    got = gray_mutate(g, rng(seed + 1), rate=rate, c=0.7, precision=9.0, count=count)
    r = rng(seed + 1)  # replay the draws: mask, then magnitudes, then signs
    mask = mutation_mask(g.shape, r, rate, count)
    m = int(mask.sum())
    u, sign_u = r.random(m), r.random(m)
    assert np.array_equal(got, gray_apply_ref(g, mask, u, sign_u, 0.7, 9.0))
