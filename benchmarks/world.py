"""World throughput: agent-ticks/s (sense + think + act + physics, memory on) at 1k/10k/100k.

The default world (worlds/foraging.yaml: 40 foragers per 400x400 arena, default brains with
memory) is run with N/40 arenas, so density - and therefore the work per agent - is the same at
every size; what changes is only how many agents one kernel call steps. Numba is pinned to 2
threads (stated in the output). The per-agent cost ratio 100k/1k shows whether anything grows
faster than O(N). Sense (the sensing pass, with the grid build), think (the controllers' step)
and the rest (everything else: acting, physics, interactions, births, Python) are wall-clock ns
per agent-tick, with the CPU time of all threads per agent-tick, measured in the same run; the
sizes run blocks of ticks in interleaved rounds (so all see the same mix of the host's faster
and slower minutes) and each reports its fastest block (the least disturbed by other
processes), and the median block beside it. The "world only" row replaces the brain by constant
motors.

`--against REV` runs the same cases on the alife package of git revision REV too (imported next
to this tree's, see benchmarks/baseline.py), each with its own revision's world files (the
default world as that revision shipped it), interleaved block by block, and prints new/old.

The machine's speed is printed before and after (fht-cpu ns per 256-float transform, the unit of
benchmarks/brain.py's 'x fht'): on a shared or virtual machine it drifts by tens of percent.

It also prints the fixed (not per-agent) cost of a tick, the open-ended ecology world's rate (4
arenas, about 400 agents) on one and on two threads, as the machine is and with another process
spinning on a core (with the cores other processes used meanwhile, and the lowest and highest
ratio of a round), before and after those rows what two threads gain on pure SIMD arithmetic
(the most a parallel stage can gain on this machine at that time), and the first start on an
empty kernel cache: a fresh process warming up the default world, one running all of
`play --frames 30` off-screen, and one warming up the ecology (wall and CPU seconds).

Usage: python -m benchmarks.world [--quick] [--against REV]   (or python run.py bench)
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import inspect
import os
import time
from pathlib import Path

import numpy as np

WORLD = Path(__file__).resolve().parent.parent / "worlds" / "foraging.yaml"
ECOLOGY = WORLD.parent / "ecology.yaml"
THREADS = int(os.environ.get("ALIFE_BENCH_THREADS", "2"))
FIXED_MOTORS = np.array([0.2, 0.6, 0.0, 0.0, 0.0], np.float32)
ECOLOGY_ARENAS = 4  # the open-ended rows: about 400 agents in all


class _Timed:
    """Wraps a controller so the benchmark can time the think stage. With fixed_motors set,
    the brain is not run (the "world only" row: the same world with constant motors)."""

    def __init__(self, ctrl, acc, fixed_motors=None):
        self.ctrl, self.acc, self.fixed = ctrl, acc, fixed_motors

    def step(self, genomes, state, sensors, live=None):
        t0 = time.perf_counter()
        if self.fixed is None:  # `live` comes only from revisions whose controllers take it
            out = self.ctrl.step(genomes, state, sensors, *(() if live is None else (live,)))
        else:
            out = np.broadcast_to(self.fixed, (sensors.shape[0], self.ctrl.n_motors))
        self.acc["think"] += time.perf_counter() - t0
        return out

    def __getattr__(self, name):
        return getattr(self.ctrl, name)


class Engine:
    """One alife package (this tree's, or a baseline revision's) building benchmark Worlds."""

    def __init__(self, label: str, package, worlds: Path = WORLD.parent):
        import importlib

        self.label = label
        self.package = package
        self.worlds = worlds  # the revision's own world files
        self.load_world = importlib.import_module(f"{package.__name__}.config").load_world
        engine = importlib.import_module(f"{package.__name__}.world.engine")
        self.World, self.make_controller = engine.World, engine.make_controller
        self.factory = "controller_factory" in inspect.signature(self.World).parameters

    def world(self, path: Path, arenas: int, acc: dict, fixed=None):
        """A World of `arenas` arenas whose controllers' steps are timed into acc["think"] and
        its sensing into acc["sense"]."""
        config = self.load_world(path)
        ids = np.arange(arenas)
        if self.factory:
            make = self.make_controller

            def factory(config, s):
                ctrl = make(config, s)
                return _Timed(ctrl, acc, None if fixed is None else fixed[: ctrl.n_motors])

            world = self.World(config, 1, arena_ids=ids, controller_factory=factory)
        else:
            world = self.World(config, 1, arena_ids=ids)  # revisions before controller factories
            world.controllers = [
                _Timed(c, acc, None if fixed is None else fixed[: c.n_motors])
                for c in world.controllers
            ]
        _time_sensing(world, acc)
        return world


def _time_sensing(world, acc: dict) -> None:
    """Time the World's sensing pass into acc["sense"] (revisions with one: a tick's
    pipeline calling `_sense_pass`)."""
    pipeline = getattr(world, "_pipeline", None)
    sense = getattr(pipeline, "_sense_pass", None)
    if sense is None:
        return

    def timed(*args):
        t0 = time.perf_counter()
        try:
            return sense(*args)
        finally:
            acc["sense"] += time.perf_counter() - t0

    pipeline._sense_pass = timed


class Case:
    """One size on one engine: a World of n_agents (N/40 arenas) timed a block of ticks at a
    time. think=False replaces the brain by constant motors (the "world only" row)."""

    def __init__(self, engine: Engine, n_agents: int, ticks: int, think: bool = True):
        per_arena = engine.load_world(engine.worlds / WORLD.name).species[0].count
        self.engine = engine
        self.arenas = max(1, n_agents // per_arena)
        self.agents = self.arenas * per_arena
        self.ticks, self.think = ticks, think
        self.label = f"{self.agents}" if think else f"{self.agents}*"
        self.acc = {"think": 0.0, "sense": 0.0}
        fixed = None if think else FIXED_MOTORS
        self.world = engine.world(engine.worlds / WORLD.name, self.arenas, self.acc, fixed)
        for _ in range(3):  # warm up (JIT, caches, first-touch of memory)
            self.world.tick()
        self.best = None
        self.rates: list[float] = []  # agent-ticks/s of every block

    def block(self) -> None:
        """Time one block of ticks; keep it if it is the fastest so far (the least disturbed
        by other processes and by the host's slower phases)."""
        self.acc.update(think=0.0, sense=0.0)
        n0 = self.world.agent_ticks
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(self.ticks):
            self.world.tick()
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        done = self.world.agent_ticks - n0
        self.rates.append(done / dt)
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
            "median": float(np.median(self.rates)),
            "ns_per_agent": 1e9 * dt / done,
            "cpu_ns": 1e9 * b["cpu"] / done,
            "sense": 1e9 * b["sense"] / done,
            "think": 1e9 * b["think"] / done,
            "rest": 1e9 * (dt - b["think"] - b["sense"]) / done,
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


@functools.cache
def _transforms():
    """The parallel yardstick's kernel, compiled once per process: `repeats` orthonormal
    transforms in place of every row of x (B, 256) float32, cut into `pieces` parallel pieces."""
    from numba import prange

    from alife.brain.wht import fwht_vec
    from alife.jit import njit_parallel

    @njit_parallel
    def transforms(x, pieces, repeats):
        rows = x.shape[0] // pieces
        for c in prange(pieces):
            for _ in range(repeats):
                for r in range(c * rows, (c + 1) * rows):
                    fwht_vec(x[r], x[r], np.float32(0.0625))

    return transforms


def parallel_yardstick(threads: int) -> str:
    """What `threads` threads gain over one on this machine right now, on pure SIMD arithmetic
    with no memory traffic and no Python between: the brain's transform (alife.brain.wht) over
    rows that stay in each core's cache, one piece per thread, ~10 ms a call, median of 15
    interleaved pairs. A parallel stage of a tick cannot scale better than this; where the
    host's cores are shared (a virtual machine's cores on one physical core's hyperthreads, its
    neighbours' load) it drifts far below `threads`x."""
    import numba

    from alife.jit import set_threads

    transforms = _transforms()
    before = numba.get_num_threads()
    x = np.random.default_rng(0).standard_normal((256 * threads, 256)).astype(np.float32)
    times: dict[int, list[float]] = {1: [], threads: []}
    try:
        for r in range(16):
            for t in times:
                set_threads(t)
                t0 = time.perf_counter()
                transforms(x, threads, 1 if r == 0 else 150)
                if r:  # the first pair compiles (once per process) and warms the caches
                    times[t].append(time.perf_counter() - t0)
    finally:
        set_threads(before)
    gain = float(np.median(times[1])) / float(np.median(times[threads]))
    return f"the brain's transform on {threads} threads: {gain:.2f}x one thread"


def fixed_overhead(engine: Engine, rounds: int) -> tuple[float, float]:
    """(us per tick not explained by agents, ns per agent) on one thread, world only: the tick
    time of 1 and of 25 arenas (40 and 1000 agents) fitted by a line, medians of interleaved
    blocks. What does not grow with the agents is Python and dispatch."""
    import numba

    from alife.jit import set_threads

    before = numba.get_num_threads()
    set_threads(1)
    acc = {"think": 0.0, "sense": 0.0}
    path = engine.worlds / WORLD.name
    worlds = {k: engine.world(path, k, acc, FIXED_MOTORS) for k in (1, 25)}
    times = {k: [] for k in worlds}
    for w in worlds.values():
        for _ in range(3):
            w.tick()
    for _ in range(rounds):
        for k, w in worlds.items():
            t0 = time.perf_counter()
            for _ in range(20):
                w.tick()
            times[k].append((time.perf_counter() - t0) / 20)
    set_threads(before)
    small, big = (float(np.median(times[k])) for k in (1, 25))
    n_small, n_big = worlds[1].agent_ticks / worlds[1].tick_count, 1000.0
    per_agent = (big - small) / (n_big - n_small)
    return 1e6 * (small - per_agent * n_small), 1e9 * per_agent


def ecology_state(engine: Engine):
    """(config, World keyword arguments, state arrays, agents alive) of the open-ended ecology
    with ECOLOGY_ARENAS arenas, ticked from seed 11 until about 400 agents live (at most 4000
    ticks): one arena's population rises and falls with the seasons (tens to a few hundred)."""
    config = engine.load_world(engine.worlds / ECOLOGY.name)
    arena = config.arena.model_copy(update={"count": ECOLOGY_ARENAS})
    config = config.model_copy(update={"arena": arena})
    kw = {}
    if "mutate" in inspect.signature(engine.World).parameters:  # revisions whose World took it
        births = importlib.import_module(engine.package.__name__ + ".evolve.mutation")
        kw["mutate"] = births.births_mutate(config)
    world = engine.World(config, 11, **kw)
    while world.tick_count < 4000 and int(world.agents["alive"].sum()) < 390:
        world.tick()
    return config, kw, world.state_arrays(), int(world.agents["alive"].sum())


def open_ended(engine: Engine, rounds: int, ticks: int, busy: bool
               ) -> tuple[dict, list[float], int, float | None]:  # fmt: skip
    """Agent-ticks/s of the open-ended ecology (ecology_state: about 400 agents) on 1 and on
    THREADS threads (medians), each round's THREADS / 1 thread ratio, the agents alive at the
    start, and the cores other processes used meanwhile (None where the kernel does not say):
    blocks of `ticks` ticks, each from the same saved state, interleaved. busy: with another
    process spinning on a core."""
    import subprocess
    import sys

    import numba

    from alife.jit import set_threads
    from alife.world.threads import MachineLoad

    config, kw, state, alive = ecology_state(engine)
    before = numba.get_num_threads()
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    rates: dict[int, list[float]] = {1: [], THREADS: []}
    others = MachineLoad()
    others.busy(THREADS)  # the first reading
    try:
        for r in range(rounds):
            for threads in (1, THREADS) if r % 2 == 0 else (THREADS, 1):
                set_threads(threads)
                w = engine.World.from_state_arrays(config, state, **kw)
                w.tick()
                n0, t0 = w.agent_ticks, time.perf_counter()
                for _ in range(ticks):
                    w.tick()
                rates[threads].append((w.agent_ticks - n0) / (time.perf_counter() - t0))
        others.busy(THREADS)  # the cores the others used over all the blocks
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
        set_threads(before)
    used = others.others if others.last is not None else None
    ratios = [b / a for a, b in zip(rates[1], rates[THREADS], strict=True)]
    return {k: float(np.median(v)) for k, v in rates.items()}, ratios, alive, used


_FIRST_START = """
import importlib, inspect, sys
pkg, path = sys.argv[1], sys.argv[2]
config = importlib.import_module(pkg + ".config").load_world(path)
warm = importlib.import_module(pkg + ".world.warm")
if "mutate" in inspect.signature(warm.warm_up).parameters:  # revisions whose World took it
    mutate = importlib.import_module(pkg + ".evolve.mutation").births_mutate(config)
    warm.warm_up(config, config.seed, mutate)
else:
    warm.warm_up(config, config.seed)
"""

# what `python run.py play WORLD --frames 30` runs (off-screen), output discarded
_FIRST_PLAY = """
import importlib, sys
importlib.import_module(sys.argv[1] + ".cli").main(["play", sys.argv[2], "--frames", "30"])
"""


def first_start(engine: Engine, play: bool = False, world: Path = WORLD
                ) -> tuple[float, float] | None:  # fmt: skip
    """Wall and CPU seconds (its processes' user + system) of a fresh process warming up
    `world` (a file name in the revision's worlds) on an empty Numba cache, as `play` and
    `evolve` do on a first start (play: the whole of `play --frames 30`, window off-screen);
    None if the revision has no warm-up."""
    import resource
    import subprocess
    import sys
    import tempfile

    pkg = engine.package.__name__
    if importlib.util.find_spec(f"{pkg}.world.warm") is None:
        return None
    root = Path(engine.package.__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="alife-first-start-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(root),
               "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", _FIRST_PLAY if play else _FIRST_START, pkg,
                        str(engine.worlds / world.name)], cwd=cache, env=env, check=True,
                       capture_output=True)  # fmt: skip
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _cases(engine: Engine, sizes: list[int]) -> list[Case]:
    cases = [Case(engine, n, max(2, min(20, 20_000 // n))) for n in sizes]
    cases.append(Case(engine, 1_000, 20, think=False))
    return cases


def _print_rows(title: str, rows: list[dict], base: list[dict] | None) -> None:
    print(title)
    extra = f" {'old ns':>7} {'new/old':>7}" if base else ""
    print(
        f"{'agents':>8} {'arenas':>7} {'ticks':>6} {'agent-ticks/s':>14} {'median':>10} "
        f"{'ns/agent':>9} "
        f"{'cpu ns':>7} {'sense':>7} {'think':>7} {'rest':>7} {'cost vs 1k':>10}{extra}"
    )
    first = rows[0]["ns_per_agent"]
    for k, r in enumerate(rows):
        line = (
            f"{r['label']:>8} {r['arenas']:>7} {r['ticks']:>6} {r['rate']:>14,.0f} "
            f"{r['median']:>10,.0f} "
            f"{r['ns_per_agent']:>9.0f} {r['cpu_ns']:>7.0f} {r['sense']:>7.0f} {r['think']:>7.0f} "
            f"{r['rest']:>7.0f} "
            f"{r['ns_per_agent'] / first:>10.2f}"
        )
        if base:
            old = base[k]["ns_per_agent"]
            line += f" {old:>7.0f} {r['ns_per_agent'] / old:>7.2f}"
        print(line)


def main(quick: bool = False, against: str | None = None) -> int:
    import alife
    from alife.jit import set_threads

    set_threads(THREADS)
    speed_before = machine_yardstick()
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    engines = [Engine("new", alife)]
    if against:
        from benchmarks.baseline import baseline_package, baseline_worlds

        old = baseline_package(against)
        engines.insert(0, Engine(f"old ({against})", old, baseline_worlds(old)))
    cases = {e.label: _cases(e, sizes) for e in engines}
    # rounds of one block per case, interleaved (old and new alternating), so every case sees
    # the same mix of the host's faster and slower minutes; each reports its fastest block
    for _ in range(2 if quick else 24):
        for group in zip(*cases.values(), strict=True):
            for case in group:
                case.block()
    print(
        f"\nWorld throughput - {WORLD.name}, {THREADS} Numba threads, "
        f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.1f}"
    )
    print(f"machine speed: {speed_before} before, {machine_yardstick()} after the runs")
    for e in engines:
        sp = e.load_world(e.worlds / WORLD.name).species[0]
        mem = sp.memory
        heads = getattr(mem, "addressing", "content")  # revisions before heads: content
        print(
            f"{e.label:>16} brain: {sp.n_sensors} sensors, width {sp.brain.width}, depth "
            f"{sp.brain.depth}; memory {'on' if mem.enabled else 'off'}: {heads} heads, width "
            f"{mem.width}, key {mem.key_size}, value {mem.value_size}, rounds {mem.rounds}, "
            f"reads {mem.reads}"
        )
    rows = {label: [c.row() for c in group] for label, group in cases.items()}
    base = rows[engines[0].label] if against else None
    for e in engines:
        _print_rows(f"-- {e.label}", rows[e.label], base if e.label == "new" else None)
    print("* world only: the same world with the brain replaced by constant motors (no think)")
    print(f"\nPer tick, world only, 1 thread ({os.environ.get('OMP_WAIT_POLICY', '')} wait):")
    for e in engines:
        fixed, per_agent = fixed_overhead(e, 3 if quick else 15)
        print(f"  {e.label:>16}: {fixed:6.0f} us fixed + {per_agent:4.0f} ns per agent")
    rounds, ticks = (2, 40) if quick else (6, 200)
    print(f"\nOpen-ended ({ECOLOGY.name} x {ECOLOGY_ARENAS} arenas), agent-ticks/s, medians of "
          f"{rounds} interleaved blocks of {ticks} ticks from the same state:")  # fmt: skip
    print(f"  the machine's ceiling before: {parallel_yardstick(THREADS)}")
    for e in engines:
        for busy in (False, True):
            try:
                r, ratios, alive, used = open_ended(e, rounds, ticks, busy)
            except Exception as err:  # a baseline may not read today's world file
                if e.label == "new":
                    raise
                print(f"  {e.label:>16}: cannot run {ECOLOGY.name} ({str(err)[:120]})")
                break
            label = "with a busy process" if busy else "as the machine is"
            cores = "" if used is None else f"; others used {used:.1f} cores"
            print(f"  {e.label:>16} {label:>20}, {alive} agents: 1 thread {r[1]:>9,.0f}, "
                  f"{THREADS} threads {r[THREADS]:>9,.0f} ({r[THREADS] / r[1]:.2f}x; rounds "
                  f"{min(ratios):.2f}-{max(ratios):.2f}x){cores}")  # fmt: skip
    print(f"  the machine's ceiling after:  {parallel_yardstick(THREADS)}")
    rounds = 1 if quick else 2
    print(f"\nFirst start (on an empty kernel cache, both cores: {WORLD.name}'s warm-up and all "
          f"of `play --frames 30` off-screen, and {ECOLOGY.name}'s warm-up), {rounds} "
          "interleaved round(s), seconds:")  # fmt: skip
    for what, play, world in (("warm-up", False, WORLD), ("play", True, WORLD),
                              ("ecology warm-up", False, ECOLOGY)):  # fmt: skip
        starts = {e.label: [] for e in engines}
        for _ in range(rounds):
            for e in engines:
                starts[e.label].append(first_start(e, play, world))
        for e in engines:
            if None in starts[e.label]:
                print(f"  {e.label:>16}: no warm-up in this revision")
                continue
            walls = ", ".join(f"{w:.1f}" for w, _ in starts[e.label])
            cpus = ", ".join(f"{c:.1f}" for _, c in starts[e.label])
            print(f"  {e.label:>16} {what:>15}: wall {walls}; CPU {cpus} "
                  f"(load avg {os.getloadavg()[0]:.1f})")  # fmt: skip
    print(f"machine speed after: {machine_yardstick()}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--against", metavar="REV", help="also run git revision REV, interleaved")
    args = parser.parse_args()
    main(quick=args.quick, against=args.against)
