"""Environment throughput: a random policy through alife.env next to the native World tick.

The default world (worlds/foraging.yaml, 40 foragers per arena) with 8 and 25 arenas (320 and
1,000 agents), one tick per step; every block times the first steps of an episode, the cases
interleaved block by block (each row reports its fastest block), Numba pinned to 2 threads:

- native tick, brains: World.tick() with the NTM brains (what `evolve` runs);
- native tick, random motors: World.tick() with a controller returning random motors - the
  same work as a random policy minus the environment;
- BatchEnv, random: alife.env.BatchEnv.step with random actions (arrays in and out: observations
  sensed for every agent, rewards, deaths);
- ParallelEnv, random: the PettingZoo env, random actions built as the dict it takes, the five
  dicts it returns.

Columns: env steps/s (one step = one tick of every arena), agent-steps/s, and the ratio to the
native tick with brains and with random motors (of the agent-step rates). The machine's speed is
printed before and after (fht-cpu ns per 256-float transform).

Usage: python -m benchmarks.env [--quick]   (or python run.py bench; needs ".[env]")
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

WORLD = Path(__file__).resolve().parent.parent / "worlds" / "foraging.yaml"
THREADS = int(os.environ.get("ALIFE_BENCH_THREADS", "2"))


class RandomMotors:
    """A species' brain replaced by uniform random motors in [-1, 1]."""

    def __init__(self, ctrl, seed: int):
        self.ctrl, self.rng = ctrl, np.random.default_rng(seed)

    def __getattr__(self, name):
        return getattr(self.ctrl, name)

    def step(self, genomes, state, sensors):
        return self.rng.uniform(-1, 1, (sensors.shape[0], self.ctrl.n_motors)).astype(np.float32)


class Case:
    """One way of stepping a world of `arenas` arenas, timed a block of steps at a time."""

    def __init__(self, label: str, arenas: int, how: str, steps: int):
        from alife.config import load_world

        self.label, self.arenas, self.how, self.steps = label, arenas, how, steps
        self.config = load_world(WORLD)
        self.rng = np.random.default_rng(0)
        self.best: float | None = None  # seconds per agent-step
        self.best_step: float | None = None  # seconds per step
        self._start()
        for _ in range(3):  # warm up (JIT, caches)
            self._step()
        self.agents = arenas * self.config.species[0].count

    def _start(self) -> None:
        from alife.env import BatchEnv, WorldParallelEnv
        from alife.world import World, make_controller

        cfg, ids = self.config, np.arange(self.arenas)
        if self.how == "brains":
            self.world = World(cfg, 1, arena_ids=ids)
        elif self.how == "motors":
            self.world = World(cfg, 1, arena_ids=ids, controller_factory=lambda c, s: RandomMotors(
                make_controller(c, s), s))
        elif self.how == "batch":
            self.env = BatchEnv(cfg, arenas=self.arenas, max_steps=10**9)
            self.env.reset(1)
        else:
            self.env = WorldParallelEnv(cfg, arenas=self.arenas, max_steps=10**9)
            self.env.reset(seed=1)

    def _step(self) -> int:
        """One step; returns the agents that acted."""
        if self.how in ("brains", "motors"):
            n = int(self.world.agents["alive"].sum())
            self.world.tick()
            return n
        if self.how == "batch":
            env = self.env
            acts = [self.rng.uniform(-1, 1, (len(r), env.n_actions(s))).astype(np.float32)
                    for r, s in zip(env.live, env.learners, strict=True)]
            env.step(acts)
            return sum(len(a) for a in acts)
        env = self.env
        agents = env.agents
        acts = dict(zip(agents, self.rng.uniform(-1, 1, (len(agents), 2)).astype(np.float32),
                        strict=True))
        env.step(acts)
        return len(agents)

    def block(self) -> None:
        """Time the first `steps` steps of an episode; keep the fastest block."""
        if self.how in ("brains", "motors"):
            self.world.reset()
        else:
            self.env.reset(1) if self.how == "batch" else self.env.reset(seed=1)
        done = 0
        t0 = time.perf_counter()
        for _ in range(self.steps):
            done += self._step()
        elapsed = time.perf_counter() - t0
        per = elapsed / max(done, 1)
        if self.best is None or per < self.best:
            self.best = per
        if self.best_step is None or elapsed / self.steps < self.best_step:
            self.best_step = elapsed / self.steps


HOWS = (
    ("native tick, brains", "brains"),
    ("native tick, random motors", "motors"),
    ("BatchEnv, random", "batch"),
    ("ParallelEnv, random", "parallel"),
)


def main(quick: bool = False) -> int:
    try:
        import alife.env.parallel  # noqa: F401
    except ImportError as err:
        print(f"\nEnvironment throughput: skipped (pip install \".[env]\": {err})")
        return 0
    from alife.jit import set_threads
    from benchmarks.world import machine_yardstick

    set_threads(THREADS)
    speed_before = machine_yardstick()
    sizes = [8] if quick else [8, 25]
    cases = {a: [Case(label, a, how, 20 if a < 20 else 10) for label, how in HOWS]
             for a in sizes}  # fmt: skip
    for _ in range(2 if quick else 12):
        for group in cases.values():
            for case in group:
                case.block()
    print(
        f"\nEnvironment throughput - {WORLD.name}, random policy vs native tick, "
        f"{THREADS} Numba threads, {os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.1f}"
    )
    print(f"machine speed: {speed_before} before, {machine_yardstick()} after the runs")
    print(f"{'agents':>7} {'how':<28} {'steps/s':>8} {'agent-steps/s':>14} {'vs brains':>10} "
          f"{'vs motors':>10}")  # fmt: skip
    for group in cases.values():
        brains, motors = group[0].best, group[1].best
        for case in group:
            print(
                f"{case.agents:>7} {case.label:<28} {1 / case.best_step:>8,.1f} "
                f"{1 / case.best:>14,.0f} "
                f"{brains / case.best:>10.2f} {motors / case.best:>10.2f}"
            )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(quick=parser.parse_args().quick)
