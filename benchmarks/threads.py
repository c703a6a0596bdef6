"""Thread waiting: how OpenMP's wait setting changes ticks on 2 threads.

Numba's parallel regions run on libgomp threads. A tick is several regions (sensing, the
brains, moving, collisions, claims); between them a thread that has no work either spins for a
while (GOMP_SPINCOUNT busy-wait loops) or sleeps at once (OMP_WAIT_POLICY=PASSIVE, what
alife.jit sets unless the environment says otherwise). Sleeping costs a wake-up per region;
spinning takes a core from whatever else runs. libgomp reads these settings once, so each
setting runs in a Python process of its own; the processes run interleaved round by round and
every row is a median over rounds.

Rows, per setting: the default world (foraging.yaml) at 1,000 agents on 2 threads, and the
open-ended ecology (ecology.yaml in 4 arenas, about 400 agents, from one saved state) on 1 and
on 2 threads; each as the machine is and with another process spinning on a core.

Usage: python -m benchmarks.threads [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORLD = ROOT / "worlds" / "foraging.yaml"
ECOLOGY = ROOT / "worlds" / "ecology.yaml"
SETTINGS = {
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "spin 10k": {"GOMP_SPINCOUNT": "10000"},
    "spin 100k": {"GOMP_SPINCOUNT": "100000"},
    "spin 300k": {"GOMP_SPINCOUNT": "300000"},  # libgomp's own default
}
WAIT_KEYS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def _rate(world, ticks: int) -> float:
    """Agent-ticks/s of `ticks` ticks of world."""
    n0, t0 = world.agent_ticks, time.perf_counter()
    for _ in range(ticks):
        world.tick()
    return (world.agent_ticks - n0) / (time.perf_counter() - t0)


def child(state_file: str, ticks: int) -> dict[str, float]:
    """This process's rates: {'foraging 1k, 2 threads', 'ecology, 1 thread', ...}."""
    from alife.config import load_world
    from alife.jit import set_threads
    from alife.world.engine import World
    from benchmarks.world import ECOLOGY_ARENAS

    set_threads(2)
    config = load_world(WORLD)
    world = World(config, 1, arena_ids=np.arange(25))
    for _ in range(5):
        world.tick()
    out = {"foraging 1k, 2 threads": _rate(world, ticks)}
    eco = load_world(ECOLOGY)
    eco = eco.model_copy(update={"arena": eco.arena.model_copy(update={"count": ECOLOGY_ARENAS})})
    with np.load(state_file, allow_pickle=False) as z:
        state = dict(z)
    for threads in (1, 2):
        set_threads(threads)
        w = World.from_state_arrays(eco, state)
        w.tick()
        out[f"ecology, {threads} thread{'s' if threads > 1 else ''}"] = _rate(w, 2 * ticks)
    return out


def _ecology_state(path: Path) -> None:
    """Save the ecology's state with about 400 agents (benchmarks.world.ecology_state)."""
    import alife
    from benchmarks.world import Engine, ecology_state

    np.savez(path, **ecology_state(Engine("new", alife))[2])


def main(quick: bool = False) -> int:
    rounds, ticks = (1, 40) if quick else (5, 150)
    results: dict[tuple[str, bool], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "ecology.npz"
        _ecology_state(state)
        base = {k: v for k, v in os.environ.items() if k not in WAIT_KEYS}
        for r in range(rounds):
            for busy in (False, True):
                names = list(SETTINGS)
                names = names[r % len(names):] + names[: r % len(names)]  # rotate the order
                spinner = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                           if busy else None)  # fmt: skip
                try:
                    for name in names:
                        env = {**base, **SETTINGS[name], "PYTHONPATH": str(ROOT)}
                        done = subprocess.run(
                            [sys.executable, "-m", "benchmarks.threads", "--child", str(state),
                             str(ticks)], env=env, cwd=ROOT, capture_output=True, text=True,
                        )  # fmt: skip
                        if done.returncode:
                            raise SystemExit(f"{name}: {done.stderr.strip()[-400:]}")
                        results.setdefault((name, busy), []).append(
                            json.loads(done.stdout.strip().splitlines()[-1]))
                finally:
                    if spinner is not None:
                        spinner.kill()
                        spinner.wait()
    print(f"\nThread waiting - agent-ticks/s, medians of {rounds} interleaved rounds, "
          f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.1f}")  # fmt: skip
    for busy in (False, True):
        print("\n" + ("with a busy process" if busy else "as the machine is"))
        rows = list(results[(next(iter(SETTINGS)), busy)][0])
        print(f"{'setting':>12} " + " ".join(f"{k:>24}" for k in rows) + f" {'eco 2t/1t':>10}")
        first = None
        for name in SETTINGS:
            med = {k: float(np.median([x[k] for x in results[(name, busy)]])) for k in rows}
            first = first or med
            cells = " ".join(f"{med[k]:>14,.0f} ({med[k] / first[k]:4.2f}x)" for k in rows)
            scale = med["ecology, 2 threads"] / med["ecology, 1 thread"]
            print(f"{name:>12} {cells} {scale:>9.2f}x")
    print(f"\n(x: relative to '{next(iter(SETTINGS))}' in the same column)")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("STATE", "TICKS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        raise SystemExit(0)
    raise SystemExit(main(args.quick))
