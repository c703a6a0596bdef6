"""World throughput: agent-ticks/s (sense + think + act + physics, memory on) at 1k/10k/100k.

The default world (worlds/foraging.yaml: 40 foragers per 400x400 arena, default brains with
memory) is run with N/40 arenas, so density - and therefore the work per agent - is the same at
every size; what changes is only how many agents one kernel call steps. Numba is pinned to 2
threads (stated in the output). The per-agent cost ratio 100k/1k shows whether anything grows
faster than O(N). Stage times (sense, think, the rest; wall-clock ns per agent-tick) and the
CPU time of all threads per agent-tick are measured in the same run; the sizes run blocks of
ticks in interleaved rounds (so all see the same mix of the host's faster and slower minutes) and
each reports its fastest block (the least disturbed by other processes).

The machine's speed is printed before and after (fht-cpu ns per 256-float transform, the unit of
benchmarks/brain.py's 'x fht'): on a shared or virtual machine it drifts by tens of percent.

Targets (issue 3): >= 500,000 agent-ticks/s at 1k agents; per-agent cost at 100k <= 1.5x 1k.
Usage: python -m benchmarks.world [--quick]   (or python run.py bench)
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

WORLD = Path(__file__).resolve().parent.parent / "worlds" / "foraging.yaml"
THREADS = int(os.environ.get("ALIFE_BENCH_THREADS", "2"))


class _Timed:
    """Wraps a controller so the benchmark can time the think stage. With fixed_motors set,
    the brain is not run (the "world only" row: the same world with constant motors)."""

    def __init__(self, ctrl, acc, fixed_motors=None):
        self.ctrl, self.acc, self.fixed = ctrl, acc, fixed_motors

    def step(self, genomes, state, sensors):
        t0 = time.perf_counter()
        if self.fixed is None:
            out = self.ctrl.step(genomes, state, sensors)
        else:
            out = np.broadcast_to(self.fixed, (sensors.shape[0], self.ctrl.n_motors))
        self.acc["think"] += time.perf_counter() - t0
        return out

    def __getattr__(self, name):
        return getattr(self.ctrl, name)


class Case:
    """One size: a World of n_agents (N/40 arenas) whose blocks of ticks are timed one at a time.

    think=False replaces the brain by constant motors (the "world only" row)."""

    def __init__(self, n_agents: int, ticks: int, config, think: bool = True):
        from alife.world import World

        per_arena = config.species[0].count
        self.arenas = max(1, n_agents // per_arena)
        self.agents = self.arenas * per_arena
        self.ticks, self.think = ticks, think
        self.label = f"{self.agents}" if think else f"{self.agents}*"
        self.world = World(config, 1, arena_ids=np.arange(self.arenas))
        self.acc = {"think": 0.0, "sense": 0.0}
        real_sense = self.world.sense

        def timed_sense(*args, **kw):
            t0 = time.perf_counter()
            out = real_sense(*args, **kw)
            self.acc["sense"] += time.perf_counter() - t0
            return out

        self.world.sense = timed_sense
        fixed = None if think else np.array([0.2, 0.6, 0.0, 0.0, 0.0], np.float32)
        self.world.controllers = [
            _Timed(c, self.acc, None if fixed is None else fixed[: c.n_motors])
            for c in self.world.controllers
        ]
        for _ in range(3):  # warm up (JIT, caches, first-touch of memory)
            self.world.tick()
        self.best = None

    def block(self) -> None:
        """Time one block of ticks; keep it if it is the fastest so far (the least disturbed
        by other processes and by the host's slower phases)."""
        self.acc["think"] = self.acc["sense"] = 0.0
        n0 = self.world.agent_ticks
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(self.ticks):
            self.world.tick()
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        done = self.world.agent_ticks - n0
        if self.best is None or dt / done < self.best["seconds"] / self.best["done"]:
            self.best = {"seconds": dt, "cpu": cpu, "done": done, **self.acc}

    def row(self) -> dict:
        b = self.best
        dt, done = b["seconds"], b["done"]
        return {
            "label": self.label,
            "agents": self.agents,
            "arenas": self.arenas,
            "ticks": self.ticks,
            "rate": done / dt,
            "ns_per_agent": 1e9 * dt / done,
            "cpu_ns": 1e9 * b["cpu"] / done,
            "sense": 1e9 * b["sense"] / done,
            "think": 1e9 * b["think"] / done,
            "rest": 1e9 * (dt - b["sense"] - b["think"]) / done,
        }


def machine_yardstick() -> str:
    """This machine's speed right now: ns per 256-float fht-cpu transform (1 thread, batch
    1000, median of 30), the unit benchmarks/brain.py's 'x fht' column counts in. A shared
    or virtual machine drifts by tens of percent between minutes; quote rates with it."""
    try:
        import fht_cpu
    except ImportError:
        return "fht-cpu not installed (pip install .[bench])"
    x = np.random.default_rng(0).standard_normal((1000, 256)).astype(np.float32)
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        fht_cpu.fht(x, num_threads=1)
        times.append(time.perf_counter() - t0)
    return f"fht-cpu n=256 {1e9 * float(np.median(times)) / 1000:.0f} ns/vector"


def main(quick: bool = False) -> int:
    from alife.config import load_world
    from alife.jit import set_threads

    set_threads(THREADS)
    config = load_world(WORLD)
    speed_before = machine_yardstick()
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    cases = [Case(n, max(2, min(20, 20_000 // n)), config) for n in sizes]
    cases.append(Case(1_000, 20, config, think=False))
    # rounds of one block per case, interleaved, so every size sees the same mix of the host's
    # faster and slower minutes; each reports its fastest block
    for _ in range(2 if quick else 24):
        for case in cases:
            case.block()
    rows = [c.row() for c in cases[:-1]]
    world_only = cases[-1].row()
    sp = config.species[0]
    mem = sp.memory
    print(
        f"\nWorld throughput - {WORLD.name}, {THREADS} Numba threads, "
        f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.1f}"
    )
    print(f"machine speed: {speed_before} before, {machine_yardstick()} after the runs")
    print(
        f"brain: {sp.n_sensors} sensors, width {sp.brain.width}, depth {sp.brain.depth}; "
        f"memory {'on' if mem.enabled else 'off'}: width {mem.width}, key {mem.key_size}, "
        f"value {mem.value_size}, rounds {mem.rounds}, reads {mem.reads}"
    )
    print(
        f"{'agents':>8} {'arenas':>7} {'ticks':>6} {'agent-ticks/s':>14} {'ns/agent':>9} "
        f"{'cpu ns':>7} {'sense':>7} {'think':>7} {'rest':>7} {'cost vs 1k':>10}"
    )
    base = rows[0]["ns_per_agent"]
    for r in [*rows, world_only]:
        print(
            f"{r['label']:>8} {r['arenas']:>7} {r['ticks']:>6} {r['rate']:>14,.0f} "
            f"{r['ns_per_agent']:>9.0f} {r['cpu_ns']:>7.0f} {r['sense']:>7.0f} {r['think']:>7.0f} "
            f"{r['rest']:>7.0f} "
            f"{r['ns_per_agent'] / base:>10.2f}"
        )
    print("* world only: the same world with the brain replaced by constant motors (no think)")
    ok_rate = rows[0]["rate"] >= 500_000
    ratio = rows[-1]["ns_per_agent"] / base
    print(
        f"target >= 500,000 agent-ticks/s at 1k: {'met' if ok_rate else 'NOT met'} "
        f"({rows[0]['rate']:,.0f}); per-agent cost {rows[-1]['agents']}/1k = {ratio:.2f} "
        f"(target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(quick=parser.parse_args().quick)
