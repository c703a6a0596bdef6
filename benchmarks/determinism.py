"""What bit-identical floating point costs: the kernels compiled with alife.jit's exact options
(FASTMATH: nnan, ninf, nsz) vs full fast-math (fastmath=True: also FMA contraction,
reassociation, approximate reciprocals), side by side in one run.

Each variant runs in its own worker process (1 Numba thread; its own cache entries, keyed by the
options); the parent asks them for a block of work in turn (A B, then B A, ...), so both see the
same mix of the host's faster and slower minutes (a third worker, a second copy of exact, shows
what the host's noise alone makes of a ratio), and reports each variant's fastest block per
workload in CPU time (the process's, so time lost to other processes while it waits does not
count; the fastest block is the least disturbed) and the ratio exact / fast:
  world:   worlds/foraging.yaml, 1,000 agents (25 arenas, memory on), 20 ticks
  ecology: worlds/ecology.yaml (open-ended, births and deaths), 20 ticks
(each block starts from the same saved World, so both variants do the same work)
  brain:   NTMController.step of foraging's brain (memory on), 1,000 agents, 20 steps
The machine's speed (fht-cpu ns per 256-float transform) is printed before and after.

Usage: python -m benchmarks.determinism [--quick]   (or python run.py bench)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("fast", "exact", "exact again")  # the last: a control, showing the noise floor

_WORKER = r"""
import json, sys, time
import numpy as np
if sys.argv[1] == "fast":  # full fast-math: rebuild alife.jit's decorators before any kernel
    import alife.jit as jit
    jit.FASTMATH = frozenset({"fast"})
    jit.JIT_OPTIONS["fastmath"] = True
    jit.njit_serial, jit.njit_parallel = jit._jit(), jit._jit(parallel=True)
    jit.njit_inline = jit._jit(inline="always")
from alife.config import load_world
from alife.jit import set_threads
from alife.world import World

set_threads(1)
root = sys.argv[2]
forage = load_world(root + "/worlds/foraging.yaml")
eco = load_world(root + "/worlds/ecology.yaml")
starts = {"world": (forage, World(forage, 1, arena_ids=np.arange(25)).state_arrays()),
          "ecology": (eco, World(eco, 1).state_arrays())}
ctrl = World(forage, 1).controllers[0]
rng = np.random.default_rng(0)
genomes = ctrl.prepare(ctrl.init_genomes(rng, 1000))
state = ctrl.new_state(1000)
sensors = rng.standard_normal((1000, ctrl.n_sensors)).astype(np.float32)

def world_block(name):
    w = World.from_state_arrays(*starts[name])  # the same start every block, in both variants
    n0, t0 = w.agent_ticks, time.process_time()
    for _ in range(20):
        w.tick()
    return (time.process_time() - t0) / max(1, w.agent_ticks - n0)

def brain_block():
    t0 = time.process_time()
    for _ in range(20):
        ctrl.step(genomes, state, sensors)
    return (time.process_time() - t0) / 20000

for _ in range(2):  # compile (or load) and warm up
    world_block("world"), world_block("ecology"), brain_block()
print("ready", flush=True)
for line in sys.stdin:
    print(json.dumps({"world": world_block("world"), "ecology": world_block("ecology"),
                      "brain": brain_block()}), flush=True)
"""


def main(quick: bool = False) -> int:
    from benchmarks.world import machine_yardstick

    env = dict(os.environ, NUMBA_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]))  # fmt: skip
    print("\n== exact floating point (bit-identical on every CPU) vs full fast-math ==")
    print("compiling both variants (first run only: a few minutes) ...", flush=True)
    workers = {
        v: subprocess.Popen([sys.executable, "-c", _WORKER, v, str(ROOT)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for v in VARIANTS
    }  # fmt: skip
    for v, w in workers.items():
        if w.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {v} worker failed to start")
    before = machine_yardstick()
    best: dict[str, dict[str, float]] = {v: {} for v in VARIANTS}
    rounds = 4 if quick else 30
    for r in range(rounds):
        for v in VARIANTS[r % 3 :] + VARIANTS[: r % 3]:
            workers[v].stdin.write("go\n")
            workers[v].stdin.flush()
            times = json.loads(workers[v].stdout.readline())
            for k, t in times.items():
                best[v][k] = min(best[v].get(k, t), t)
    for w in workers.values():
        w.stdin.close()
        w.wait(timeout=60)
    print(f"machine speed: {before} before, {machine_yardstick()} after; "
          f"fastest of {rounds} interleaved blocks per variant, 1 Numba thread each")  # fmt: skip
    print(f"{'workload':<9} {'fast ns':>9} {'exact ns':>9} {'exact/fast':>10} "
          f"{'control':>8}   (CPU ns per agent-tick; control: exact again / exact)")
    for k in best["fast"]:
        fast, exact, again = (1e9 * best[v][k] for v in VARIANTS)
        print(f"{k:<9} {fast:>9.0f} {exact:>9.0f} {exact / fast:>10.3f} {again / exact:>8.3f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    sys.exit(main(quick=parser.parse_args().quick))
