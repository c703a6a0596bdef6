"""Warming up a world's kernels: what the child process compiles is what the World calls."""

import subprocess
import sys
from pathlib import Path

import pytest

from alife.config import load_world
from alife.world import World
from alife.world.warm import warm_up

from world_helpers import births_mutate

WORLDS = Path(__file__).resolve().parent.parent / "worlds"


CHECK = """
import sys
import numpy as np
from alife.brain import ntm
from alife.config import load_world
from alife.evolve.mutation import births_mutate
from alife.world import World
from alife.world.warm import compile_steps
cfg = load_world(sys.argv[1])
compile_steps(cfg)
signatures = lambda: {(key, sig) for key, k in ntm._STEPS.items() for sig in k.signatures}
known = signatures()
world = World(cfg, 1, arena_ids=np.arange(2), mutate=births_mutate(cfg))
for _ in range(3):
    world.tick()
print(len(known), signatures() == known)
"""


@pytest.mark.parametrize("name", ["foraging.yaml", "ecology.yaml"])
def test_compiled_steps_are_the_ones_a_world_calls(name):
    """After compile_steps, a World of the same file steps its controllers without any new
    specialisation of the NTM step, so a cache filled by it serves the World. (A fresh
    process: its dispatcher knows only the specialisations used there.)"""
    done = subprocess.run([sys.executable, "-c", CHECK, str(WORLDS / name)],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True"]


def test_warm_up_with_the_steps_in_a_child_process():
    """Both ways run the world's kernels (open-ended births included) and return; afterwards
    a World of the file ticks as usual."""
    cfg = load_world(WORLDS / "ecology.yaml")
    for elsewhere in (True, False):
        warm_up(cfg, 3, births_mutate(cfg), steps_elsewhere=elsewhere)
    world = World(cfg, 3, mutate=births_mutate(cfg))
    world.tick()
    assert world.agent_ticks > 0


def test_window_commands_warm_up_only_a_cold_cache(monkeypatch, tmp_path):
    """play / view / replay warm up (both cores) before the window opens, only on a cold cache
    and only for a world file that can be read (else the command itself reports it)."""
    from alife import cli
    from alife.evolve import progress
    from alife.world import warm

    warmed = []
    monkeypatch.setattr(warm, "warm_up", lambda config, seed, mutate: warmed.append(config.name))
    bad = tmp_path / "bad.yaml"
    bad.write_text("species: [")
    for cold, path, want in ((True, WORLDS / "ecology.yaml", ["ecology"]),
                             (False, WORLDS / "ecology.yaml", []), (True, bad, []),
                             (True, tmp_path / "missing.yaml", []), (True, None, [])):  # fmt: skip
        warmed.clear()
        monkeypatch.setattr(progress, "numba_cache_cold", lambda cold=cold: cold)
        cli._warm_first_start(path)
        assert warmed == want
