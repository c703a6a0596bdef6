"""Compile a world's kernels before its first tick, on two cores at once.

On a cold Numba cache, the controllers' steps (about half of the compile time) compile in a
child process while this process compiles the world's own kernels on a small World whose
controllers give fixed motors (the passes do not depend on what the motors are); both land in
Numba's on-disk cache, so the caller's Worlds (and any workers) load them instead of compiling.
The child steps each species' controller exactly as a World does (prepared genomes, a zeroed
state, C-contiguous float32 sensors), so what it compiles is what the World calls.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from alife.config.models import WorldConfig
from alife.world.births import Mutate
from alife.world.engine import World, make_controller


class _FixedMotors:
    """A species' controller whose step returns zero motors (the brain is not compiled)."""

    def __init__(self, ctrl):
        self._ctrl = ctrl

    def step(self, genomes, state, sensors) -> np.ndarray:
        return np.zeros((sensors.shape[0], self._ctrl.n_motors), np.float32)

    def __getattr__(self, name):
        return getattr(self._ctrl, name)


def _fixed_motors(config: WorldConfig, s: int) -> _FixedMotors:
    return _FixedMotors(make_controller(config, s))


# the child process: reads the WorldConfig as JSON on stdin, then compiles the steps
_CHILD = (
    "import sys\n"
    "from alife.config.models import WorldConfig\n"
    "from alife.world.warm import compile_steps\n"
    "compile_steps(WorldConfig.model_validate_json(sys.stdin.buffer.read()))\n"
)


def compile_steps(config: WorldConfig) -> None:
    """Compile (or load) every species' controller step: one step of two agents each."""
    rng = np.random.default_rng(0)
    for s in range(len(config.species)):
        ctrl = make_controller(config, s)
        genomes = ctrl.prepare(ctrl.init_genomes(rng, 2))
        ctrl.step(genomes, ctrl.new_state(2), np.zeros((2, ctrl.n_sensors), np.float32))


def warm_up(
    config: WorldConfig, seed: int, mutate: Mutate | None = None, *, steps_elsewhere: bool = True
) -> None:
    """Compile (or load from cache) every kernel a World of `config` ticks with (mutate: as the
    World takes it), by two ticks of a one-arena World. steps_elsewhere (for a cold cache: a
    child process costs a second or two to start): the controllers' steps compile in a child
    Python process meanwhile (silent; killed if this one is interrupted); one that fails costs
    only time (the first World that steps them compiles them)."""
    child, factory = None, make_controller
    if steps_elsewhere:
        root = str(Path(__file__).resolve().parents[2])  # where this alife package is found
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        child = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "PYTHONPATH": path})  # fmt: skip
        with child.stdin:
            child.stdin.write(config.model_dump_json().encode())
        factory = _fixed_motors
    done = False
    try:
        world = World(config, seed, arena_ids=np.zeros(1, np.int64), mutate=mutate,
                      controller_factory=factory)  # fmt: skip
        for _ in range(2):
            world.tick()
        done = True
    finally:
        if child is not None:
            if not done:
                child.kill()
            child.wait()
