"""Warming up a world's kernels: what the child process compiles is what the World calls."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alife.config import load_world
from alife.world import World
from alife.world.warm import compile_passes, warm_up

WORLDS = Path(__file__).resolve().parent.parent / "worlds"


CHECK = """
import sys
import numpy as np
from alife.brain import ntm
from alife.config import load_world
from alife.world import World
from alife.world.warm import compile_steps
cfg = load_world(sys.argv[1])
compile_steps(cfg)
signatures = lambda: {(key, sig) for key, k in ntm._STEPS.items() for sig in k.signatures}
known = signatures()
world = World(cfg, 1, arena_ids=np.arange(2))
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


PASSES = """
import json
import sys
import numpy as np
from alife.config import load_world
from alife.world import World
from alife.world import births, passes, interact
cfg = load_world(sys.argv[1])
world = World(cfg, 1, arena_ids=np.arange(2))
for name in world.pass_names():
    world.compile_pass(name)
kernels = (passes.sense_pass, passes.act_pass, passes.catch_pass, passes.finish_pass,
           interact.goals_reached, births._census, births._plan, births._spawn, births.fit_inside)
known = [list(k.signatures) for k in kernels]
if world.open_ended:  # every agent can have a child, one species dies out (founders)
    world.agents["energy"][:] = 2.0
    world.agents["age"][:] = 1000
    world.agents["alive"][world.agents["species"] == 1] = False
for _ in range(3):
    world.tick()
assert not world.open_ended or world.totals["births"] > 10
print(json.dumps({"passes": world.pass_names(), "counts": [len(s) for s in known],
                  "same": [list(k.signatures) for k in kernels] == known}))
"""


@pytest.mark.parametrize(
    "name, passes",
    [("foraging.yaml", "sense act finish"), ("predators.yaml", "sense act catch finish"),
     ("tmaze.yaml", "sense act goals finish"),
     ("ecology.yaml", "sense act catch finish births")],
)  # fmt: skip
def test_compile_pass_compiles_what_the_tick_calls(name, passes):
    """World.compile_pass compiles each pass of the tick for the very types the tick calls it
    with: ticking afterwards adds no specialisation (a fresh process: its dispatchers know only
    what was used there)."""
    done = subprocess.run([sys.executable, "-c", PASSES, str(WORLDS / name)],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["passes"] == passes.split()
    kernels = ["sense", "act", "catch", "finish", "goals"] + ["births"] * 4
    assert out["counts"] == [int(k in out["passes"]) for k in kernels]
    assert out["same"]


class _Recorder:
    def __init__(self):
        self.compiled = []

    def pass_names(self):
        return ["sense", "act", "goals", "finish"]

    def compile_pass(self, name):
        self.compiled.append(name)


def test_compile_passes_takes_only_unclaimed_passes_starting_with_its_first(tmp_path):
    """Two processes share the passes: each compiles those it claims first, in its own order,
    and none twice."""
    parent, child = _Recorder(), _Recorder()
    compile_passes(parent, tmp_path, "sense")
    compile_passes(child, tmp_path, "act")
    assert parent.compiled == ["sense", "act", "goals", "finish"] and child.compiled == []
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "sense").touch()  # the other process took sensing
    compile_passes(child, tmp_path / "again", "act")
    assert child.compiled == ["act", "goals", "finish"]
    alone = _Recorder()
    compile_passes(alone, None, "finish")
    assert alone.compiled == ["finish", "sense", "act", "goals"]


def test_warm_up_with_the_steps_in_a_child_process():
    """Both ways run the world's kernels (open-ended births included) and return; afterwards
    a World of the file ticks as usual."""
    cfg = load_world(WORLDS / "ecology.yaml")
    for elsewhere in (True, False):
        warm_up(cfg, 3, with_child=elsewhere)
    world = World(cfg, 3)
    world.tick()
    assert world.agent_ticks > 0


def test_window_commands_warm_up_only_a_cold_cache(monkeypatch, tmp_path):
    """play / view / replay warm up (both cores) before the window opens, only on a cold cache
    and only for a world file that can be read (else the command itself reports it)."""
    from alife import cli
    from alife.evolve import progress
    from alife.world import warm

    warmed = []
    monkeypatch.setattr(warm, "warm_up", lambda config, seed: warmed.append(config.name))
    bad = tmp_path / "bad.yaml"
    bad.write_text("species: [")
    for cold, path, want in ((True, WORLDS / "ecology.yaml", ["ecology"]),
                             (False, WORLDS / "ecology.yaml", []), (True, bad, []),
                             (True, tmp_path / "missing.yaml", []), (True, None, [])):  # fmt: skip
        warmed.clear()
        monkeypatch.setattr(progress, "numba_cache_cold", lambda cold=cold: cold)
        cli._warm_first_start(path)
        assert warmed == want
