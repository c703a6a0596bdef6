"""Soak: the open-ended ecology (worlds/ecology.yaml) run through `run.py evolve`'s own loop for
10^6 ticks (or --ticks N): memory must stay flat and no value may become NaN or infinite.

The run is an ordinary EvolutionRun (metrics, lineage, checkpoints, chart) in a temporary run
directory, on 1 Numba thread. After every chunk (500 ticks) the process's resident memory (RSS)
is sampled and the world checked: every float of the agents, genomes, brain states and items
finite. Memory is measured from the end of warm-up to the end; warm-up is the first 10% of the
ticks (at least two chunks: compiled code, the first checkpoints), or longer, until the
population first reaches 90% of its cap (`max_population` per arena: the world's arrays grow
with it, by design); the bar is growth < 5%. Printed: ticks, agent-ticks, population range,
births and deaths, RSS at warm-up, at the end and its peak, growth, and the agent-ticks/s rate.

Usage: python -m benchmarks.soak [--ticks N] [--quick]
(not part of `python run.py bench`: 10^6 ticks take most of an hour on one core)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORLD = ROOT / "worlds" / "ecology.yaml"
BAR = 0.05


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def non_finite(world) -> list[str]:
    """Names of the world's float arrays holding NaN or infinity."""
    agents, items = world.agents.columns, world.items
    bad = [f"agent {k}" for k, v in zip(agents._fields, agents, strict=True)
           if v.dtype.kind == "f" and not np.isfinite(v).all()]  # fmt: skip
    bad += [f"item {k}" for k, v in zip(items._fields, items, strict=True)
            if v.dtype.kind == "f" and not np.isfinite(v).all()]  # fmt: skip
    for s, (g, st) in enumerate(zip(world.genomes, world.states, strict=True)):
        if not np.isfinite(g).all():
            bad.append(f"genomes {s}")
        if not (np.isfinite(st.memory).all() and np.isfinite(st.reads).all()):
            bad.append(f"brain state {s}")
    return bad


def soak(ticks: int, out: Path) -> dict:
    """Run the ecology for `ticks` ticks in run directory `out`; return the figures."""
    from alife.config import load_world
    from alife.evolve.backends import SerialBackend
    from alife.evolve.runner import EvolutionRun
    from alife.jit import set_threads

    set_threads(1)
    config = load_world(WORLD)
    chunk = config.evolution.open_ended.chunk_ticks
    cap = config.evolution.open_ended.max_population * config.arena.count * len(config.species)
    chunks = max(4, -(-ticks // chunk))
    run = EvolutionRun.new(WORLD, out, generations=chunks, command=["soak"])
    samples: list[int] = []
    population: list[int] = []
    bad: list[str] = []

    def sample(info) -> None:
        samples.append(rss_bytes())
        population.append(int(info.best[0]))
        bad.extend(non_finite(run.mode.world))

    t0 = time.perf_counter()
    run.run(SerialBackend(), progress=sample)
    seconds = time.perf_counter() - t0
    rows = run.metrics.rows
    nan_rows = sum(1 for r in rows for v in r.values() if v.lower() in ("nan", "inf", "-inf"))
    full = next((i + 1 for i, p in enumerate(population) if p >= 0.9 * cap), 0)
    warm = min(max(2, chunks // 10, full), chunks - 1)
    after_warm = samples[warm - 1]
    return {
        "ticks": chunks * chunk,
        "agent_ticks": run.agent_ticks,
        "seconds": seconds,
        "population": (min(population), max(population), population[warm - 1],
                       population[-1]),
        "births": sum(int(r["births"]) for r in rows),
        "deaths": sum(int(r["deaths"]) for r in rows),
        "rss_warm": after_warm,
        "rss_end": samples[-1],
        "rss_peak": max(samples[warm - 1 :]),
        "growth": samples[-1] / after_warm - 1.0,
        "non_finite": sorted(set(bad)),
        "nan_metrics": nan_rows,
        "warm_chunks": warm,
        "chunks": chunks,
    }


def report(f: dict) -> bool:
    mib = 1 << 20
    ok = f["growth"] < BAR and not f["non_finite"] and not f["nan_metrics"]
    lo, hi, at_warm, last = f["population"]
    print(f"ecology soak: {f['ticks']:,} ticks ({f['chunks']} chunks of "
          f"{f['ticks'] // f['chunks']}), {f['agent_ticks']:,} agent-ticks in "
          f"{f['seconds']:.0f} s ({f['agent_ticks'] / f['seconds']:,.0f} agent-ticks/s, 1 thread)")
    print(f"population {lo}..{hi} ({at_warm} after warm-up, {last} at the end); births "
          f"{f['births']:,}, deaths {f['deaths']:,}")
    print(f"RSS after warm-up ({f['warm_chunks']} chunks) {f['rss_warm'] / mib:.1f} MiB, at the "
          f"end {f['rss_end'] / mib:.1f} MiB, peak {f['rss_peak'] / mib:.1f} MiB: growth "
          f"{100 * f['growth']:+.2f}% (bar < {100 * BAR:.0f}%)")
    print(f"non-finite values: {', '.join(f['non_finite']) or 'none'} in the world, "
          f"{f['nan_metrics']} in metrics.csv -> {'PASS' if ok else 'FAIL'}")
    return ok


def main(quick: bool = False, ticks: int | None = None) -> int:
    ticks = ticks or (20_000 if quick else 1_000_000)
    print("\n== soak: open-ended ecology, memory and finiteness ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="alife-soak-") as tmp:
        ok = report(soak(ticks, Path(tmp) / "run"))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--ticks", type=int, default=None)
    args = parser.parse_args()
    sys.exit(main(quick=args.quick, ticks=args.ticks))
