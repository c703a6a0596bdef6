"""Does the open-ended ecology live? worlds/ecology.yaml run headless for a long time.

One World of the file (its seed, its arena), ticked `TICKS` times, every species' population
sampled every 50 ticks. Per species: lowest and highest population after the first year
(season period), the mean, the fraction of samples at the cap (evolution.open_ended
.max_population) and at the floor (min_population, where random founders are added), and the
number of rises and falls (alife.evolve.population.oscillation_peaks, prominence a quarter of
the range). A living ecology is never at its cap and rises and falls with the seasons and the
hunt. Numba runs on 1 thread (a world of ~100-300 agents ticks serially anyway).

Usage: python -m benchmarks.ecology [--quick] [--ticks N]   (or python run.py bench)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

WORLD = Path(__file__).resolve().parent.parent / "worlds" / "ecology.yaml"
EVERY = 50


def population_curve(path: Path, ticks: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(sample ticks (K,), populations (K, S) int64, agent-ticks/s) of `ticks` ticks."""
    from alife.config import load_world
    from alife.world import World

    config = load_world(path)
    world = World(config)
    n_sp = len(config.species)
    at, pops = [], []
    t0, n0 = time.perf_counter(), world.agent_ticks
    for t in range(1, ticks + 1):
        world.tick()
        if t % EVERY == 0:
            a = world.agents
            at.append(t)
            pops.append(np.bincount(a["species"][a["alive"]], minlength=n_sp))
    rate = (world.agent_ticks - n0) / (time.perf_counter() - t0)
    return np.array(at), np.array(pops, dtype=np.int64), rate


def main(quick: bool = False, ticks: int | None = None) -> int:
    from alife.config import load_world
    from alife.evolve.population import population_stats
    from alife.jit import set_threads

    set_threads(1)
    config = load_world(WORLD)
    oe = config.evolution.open_ended
    ticks = ticks or (6_000 if quick else 30_000)
    at, pops, rate = population_curve(WORLD, ticks)
    year = config.food.seasons.period if config.food.seasons else 0
    keep = at > year
    print(f"\nEcology - {WORLD.name}, {ticks:,} ticks, populations every {EVERY} ticks after the "
          f"first {year:,}; cap {oe.max_population}, floor {oe.min_population}; "
          f"{rate:,.0f} agent-ticks/s")  # fmt: skip
    print(f"{'species':<10} {'low':>5} {'high':>5} {'mean':>6} {'at cap':>7} {'at floor':>9} "
          f"{'peaks':>6}")  # fmt: skip
    for s, sp in enumerate(config.species):
        st = population_stats(pops[keep, s], oe.max_population, oe.min_population)
        print(f"{sp.name:<10} {st.low:>5} {st.high:>5} {st.mean:>6.0f} {st.at_cap:>7.1%} "
              f"{st.at_floor:>9.1%} {st.peaks:>6}")  # fmt: skip
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--ticks", type=int, default=None)
    args = parser.parse_args()
    main(quick=args.quick, ticks=args.ticks)
