"""The open-ended ecology lives: population statistics, and worlds/ecology.yaml over a long
headless run is never at its cap and rises and falls (slow)."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alife.config import load_world
from alife.evolve.population import oscillation_peaks, population_stats
from alife.world import World

ROOT = Path(__file__).resolve().parent.parent


@given(periods=st.integers(1, 12), noise=st.floats(0.0, 0.3), seed=st.integers(0, 100))
def test_peaks_count_rises_and_falls_not_noise(periods, noise, seed):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, periods, 40 * periods, endpoint=False)
    wave = np.sin(2 * np.pi * t) + noise * rng.uniform(-1, 1, t.size)
    assert oscillation_peaks(wave, 1.0) == periods
    assert oscillation_peaks(noise * rng.uniform(-1, 1, t.size), 1.0) == 0


def test_population_stats():
    x = np.array([5, 5, 40, 100, 100, 60, 20, 5, 30, 90, 50])
    st_ = population_stats(x, cap=100, floor=5)
    assert (st_.low, st_.high, st_.peaks) == (5, 100, 2)
    assert st_.at_cap == pytest.approx(2 / 11) and st_.at_floor == pytest.approx(3 / 11)
    assert st_.mean == pytest.approx(x.mean())


@pytest.mark.slow
def test_ecology_lives_below_its_cap(single_thread):
    """Five years of worlds/ecology.yaml: grazers rise and fall with the seasons and the hunt,
    hunters follow them, nobody is ever at the cap."""
    config = load_world(ROOT / "worlds" / "ecology.yaml")
    oe, year = config.evolution.open_ended, config.food.seasons.period
    world = World(config)
    pops = []
    for t in range(1, 5 * year + 1):
        world.tick()
        if t % 50 == 0 and t > year:
            a = world.agents
            pops.append(np.bincount(a["species"][a["alive"]], minlength=2))
    pops = np.array(pops)
    grazers = population_stats(pops[:, 0], oe.max_population, oe.min_population)
    hunters = population_stats(pops[:, 1], oe.max_population, oe.min_population)
    assert grazers.at_cap == 0 and hunters.at_cap == 0
    assert grazers.high < 0.8 * oe.max_population  # food and hunters limit them, not the cap
    assert grazers.high >= 3 * grazers.low and grazers.peaks >= 3  # about one a year
    assert hunters.high >= 3 * max(hunters.low, 1) and hunters.peaks >= 2
    assert grazers.at_floor == 0
