"""Evolution benchmark: generations/s per backend, and does evolution work?

1. Generations/s on the default world (worlds/foraging.yaml) for serial (one process, Numba
   pinned to 1 thread) vs processes (2 workers, 1 thread each) vs ray (2 local actors, 1 thread
   each), measured side by side in this run, steady state (the first generation, which includes
   worker start-up and kernel loading, is excluded). Bar: processes >= 1.7x serial on 2 cores.
2. Fitness: foraging, 3 seeds, mean fitness of generation 0 vs generation 30 (processes backend).

Run: `python -m benchmarks.evolve [--quick] [--fitness/--no-fitness]`, or `python run.py bench`.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORLD = ROOT / "worlds" / "foraging.yaml"
BAR = 1.7


def _timed_run(world: Path, out: Path, backend, generations: int, seed: int = 1):
    """Run `generations` generations; return (seconds of each generation after the first,
    seconds until the first generation ended (start-up included))."""
    from alife.evolve.runner import EvolutionRun

    run = EvolutionRun.new(world, out, seed=seed, generations=generations, command=["bench"])
    stamps: list[float] = []
    t0 = time.perf_counter()
    run.run(backend, progress=lambda info: stamps.append(time.perf_counter()))
    return list(np.diff(stamps)), stamps[0] - t0


def speed_table(quick: bool, tmp: Path) -> dict[str, float]:
    from alife.config import load_world
    from alife.evolve.backends import ProcessBackend, RayBackend, SerialBackend
    from alife.evolve.evaluate import Layout
    from alife.evolve.runner import warm_up

    config = load_world(WORLD)
    layout = Layout.of(config)
    arenas, per = layout.total, layout.per_arena
    ticks_per_gen = arenas * sum(per) * config.episode.length
    gens = 4 if quick else 6
    warm_up(config, config.seed)  # compile once here so no backend pays for compilation
    print(
        f"world {WORLD.name}: {arenas} arenas x {sum(per)} agents x {config.episode.length} "
        f"ticks = {ticks_per_gen:,} agent-ticks per generation; {gens} generations each"
    )
    print("threads: serial = 1 Numba thread; each worker = 1 Numba/OMP/BLAS thread")
    backends = [
        ("serial", lambda: SerialBackend()),
        ("processes(1)", lambda: ProcessBackend(1)),  # shows the backend's own overhead
        ("processes(2)", lambda: ProcessBackend(2)),
    ]
    try:
        import ray  # noqa: F401

        backends.append(("ray(2)", lambda: RayBackend(2)))
    except ImportError:
        print("ray: not installed, skipped (pip install 'alife[ray]')")
    # interleaved repeats, best generation time of each backend: other load on the machine
    # only ever slows a generation down, so the minimum is the least disturbed measurement
    repeats = 2 if quick else 3
    times: dict[str, list[float]] = {name: [] for name, _ in backends}
    starts: dict[str, list[float]] = {name: [] for name, _ in backends}
    workers: dict[str, int] = {}
    for r in range(repeats):
        for name, make in backends:
            backend = make()
            sec, startup = _timed_run(
                WORLD, tmp / f"speed-{r}-{len(workers)}-{name}", backend, gens
            )
            times[name] += sec
            starts[name].append(startup)
            workers[name] = backend.workers
    print(f"best generation of {repeats} interleaved repeats x {gens - 1} generations each")
    print(
        f"{'backend':<13} {'workers':>7} {'gens/s':>8} {'s/gen':>7} {'median':>7} "
        f"{'agent-ticks/s':>14} {'start s':>8} {'vs serial':>9}"
    )
    results: dict[str, float] = {}
    for name, _ in backends:
        sec = min(times[name])
        results[name] = 1.0 / sec
        ratio = results[name] / results["serial"]
        print(
            f"{name:<13} {workers[name]:>7} {1 / sec:>8.3f} {sec:>7.3f} "
            f"{np.median(times[name]):>7.3f} {ticks_per_gen / sec:>14,.0f} "
            f"{min(starts[name]):>8.2f} {ratio:>8.2f}x"
        )
    ratio = results["processes(2)"] / results["serial"]
    verdict = "PASS" if ratio >= BAR else "FAIL"
    print(f"bar: processes(2) >= {BAR}x serial -> {ratio:.2f}x {verdict}")
    return results


def fitness_table(quick: bool, tmp: Path, generations: int = 30) -> list[tuple[int, float, float]]:
    from alife.evolve.backends import ProcessBackend
    from alife.evolve.runner import EvolutionRun

    rows = []
    print(f"\nfitness on {WORLD.name}: mean fitness, generation 0 vs generation {generations}")
    print(f"{'seed':>4} {'gen 0':>9} {f'gen {generations}':>9} {'gain':>8} {'best ever':>9}")
    for seed in (1, 2, 3):
        out = tmp / f"fitness-{seed}"
        run = EvolutionRun.new(
            WORLD, out, seed=seed, generations=generations + 1, command=["bench"]
        )
        run.run(ProcessBackend(2))
        with open(out / "metrics.csv", newline="") as fh:
            mean = {int(r["generation"]): float(r["mean"]) for r in csv.DictReader(fh)}
        best = float(run.best.fitness[0])
        rows.append((seed, mean[0], mean[generations]))
        print(
            f"{seed:>4} {mean[0]:>9.3f} {mean[generations]:>9.3f} "
            f"{mean[generations] - mean[0]:>+8.3f} {best:>9.3f}"
        )
    return rows


def main(quick: bool = False, fitness: bool | None = None, speed: bool = True) -> int:
    """Print the tables; `fitness` defaults to on for the full run, off for --quick."""
    if fitness is None:
        fitness = not quick
    print("== evolution backends ==")
    with tempfile.TemporaryDirectory(prefix="alife-bench-evolve-") as tmp:
        if speed:
            speed_table(quick, Path(tmp))
        if fitness:
            fitness_table(quick, Path(tmp))
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--fitness", action=argparse.BooleanOptionalAction, default=None)
    ap.add_argument("--speed", action=argparse.BooleanOptionalAction, default=True)
    a = ap.parse_args()
    sys.exit(main(quick=a.quick, fitness=a.fitness, speed=a.speed))
