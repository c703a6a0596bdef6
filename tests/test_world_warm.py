"""Warming up a world's kernels: what the child process compiles is what the World calls."""

import functools
import json
import os
import subprocess
import sys
from contextlib import contextmanager
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
from alife.world import agents, births, passes, interact
cfg = load_world(sys.argv[1])
world = World(cfg, 1, arena_ids=np.arange(2))
for name in world.pass_names():
    world.compile_pass(name)
kernels = (passes.sense_pass, passes.act_pass, passes.catch_pass, passes.finish_pass,
           interact.goals_reached, births._plan, births._spawn, births.fit_inside,
           agents._clear_rows)
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


def test_the_child_imports_this_alife_whatever_the_working_directory(tmp_path, monkeypatch):
    """The child process imports the parent's alife package, not one in the working directory
    (which `python -c` would put first on its path): otherwise it compiles other code, or
    under other cache keys, and the parent compiles everything again."""
    decoy = tmp_path / "alife"
    decoy.mkdir()
    marker = tmp_path / "decoy imported"
    (decoy / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    warm_up(load_world(WORLDS / "foraging.yaml"), 1, with_child=True)
    assert not marker.exists()


def test_compile_share_ends_with_also_for_whoever_gets_there_first(tmp_path):
    """After its passes, each process claims the caller's `also`: the first to finish its
    passes runs it, the other does not."""
    from alife.world import warm

    compiled = []
    parent, child = _Recorder(), _Recorder()
    warm.compile_share(parent, "cfg", tmp_path, "sense", compiled.append)
    assert parent.compiled == ["sense", "act", "goals", "finish"] and compiled == ["cfg"]
    warm.compile_share(child, "cfg", tmp_path, "act", compiled.append)
    assert child.compiled == [] and compiled == ["cfg"]


def test_also_must_be_a_function_the_child_can_import():
    """The child finds `also` by its module and name: a module-level function goes by name,
    anything else is refused before any process starts."""
    from alife.evolve.clusters import compile_kernels
    from alife.world import warm

    assert warm._name_of(compile_kernels) == "alife.evolve.clusters:compile_kernels"
    assert warm._named(warm._name_of(compile_kernels)) is compile_kernels
    assert warm._name_of(None) is None and warm._named(None) is None
    def nested(config):
        pass

    cfg = load_world(WORLDS / "foraging.yaml")
    for bad in (lambda config: None, nested, functools.partial(compile_kernels)):
        with pytest.raises(ValueError, match="module-level function"):
            warm.warm_up(cfg, 1, also=bad)


CLUSTERS = """
import json
import sys
from alife.config import load_world
from alife.evolve import clusters
from alife.evolve.clusters import compile_kernels
from alife.render.session import Session
compile_kernels(load_world(sys.argv[1]))
kernels = (clusters._speciate, clusters._nearest)
known = [list(k.signatures) for k in kernels]
session = Session(sys.argv[1])
session.family.agent_clusters(session.world)
session.tick(30)
print(json.dumps({"counts": [len(s) for s in known],
                  "same": [list(k.signatures) for k in kernels] == known}))
"""


@pytest.mark.parametrize("name, counts", [("foraging.yaml", [1, 0]), ("ecology.yaml", [1, 1])])
def test_clusters_compile_kernels_compiles_what_the_window_calls(name, counts):
    """clusters.compile_kernels compiles the clustering kernels for the very types the window calls
    them with (the nearest-cluster search only for open-ended worlds, whose births use it): a
    Session of the file, colouring by cluster and ticking (open-ended: re-clustering) afterwards
    add no specialisation (a fresh process)."""
    done = subprocess.run([sys.executable, "-c", CLUSTERS, str(WORLDS / name)],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["counts"] == counts and out["same"]


class _TickRecorder:
    def __init__(self, order):
        self.order = order

    def tick(self):
        self.order.append("tick")


def test_warming_up_runs_its_body_between_the_share_and_the_ticks(monkeypatch):
    """The caller's setup runs once this process has compiled its share, before the ticks;
    when it fails, the child is killed and waited for, and the claims are removed."""
    from alife.world import warm

    order, children, claims = [], [], []
    popen, mkdtemp = subprocess.Popen, warm.tempfile.mkdtemp

    def spawn(*args, **kw):
        children.append(popen(*args, **kw))
        return children[-1]

    def claims_dir(**kw):
        claims.append(mkdtemp(**kw))
        return claims[-1]

    monkeypatch.setattr(warm, "compile_share", lambda *args: order.append("share"))
    monkeypatch.setattr(warm, "_small_world", lambda *args, **kw: _TickRecorder(order))
    monkeypatch.setattr(warm.subprocess, "Popen", spawn)
    monkeypatch.setattr(warm.tempfile, "mkdtemp", claims_dir)
    cfg = load_world(WORLDS / "foraging.yaml")
    with warm.warming_up(cfg, 1):
        order.append("body")
    assert order == ["share", "body", "tick", "tick"]
    assert children[-1].returncode == 0 and not Path(claims[-1]).exists()
    order.clear()
    with pytest.raises(RuntimeError), warm.warming_up(cfg, 1):
        order.append("body")
        raise RuntimeError("the window could not open")
    assert order == ["share", "body"]
    assert children[-1].returncode is not None and not Path(claims[-1]).exists()


def test_window_commands_warm_up_only_a_cold_cache(monkeypatch, tmp_path):
    """play / view / replay warm up (both cores) around building their World, only on a cold
    cache and only for a world file that can be read (else the command itself reports it)."""
    from alife.evolve import progress
    from alife.render import launch
    from alife.world import warm

    warmed = []

    @contextmanager
    def warming_up(config, seed, also):
        warmed.append((config.name, also.__name__))
        yield

    monkeypatch.setattr(warm, "warming_up", warming_up)
    bad = tmp_path / "bad.yaml"
    bad.write_text("species: [")
    for cold, path, want in ((True, WORLDS / "ecology.yaml", [("ecology", "compile_kernels")]),
                             (False, WORLDS / "ecology.yaml", []), (True, bad, []),
                             (True, tmp_path / "missing.yaml", [])):  # fmt: skip
        warmed.clear()
        monkeypatch.setattr(progress, "numba_cache_cold", lambda cold=cold: cold)
        with launch._first_start(path):
            pass
        assert warmed == want


PLAY = """
import json
import sys
from numba.core import event
from alife.cli import main
from alife.render import launch

compiled = []


class Compiles(event.Listener):
    def on_start(self, ev):
        pass

    def on_end(self, ev):
        compiled.append(ev.data["dispatcher"].py_func.__qualname__)


run_window = launch.run_window


def watched(session, **window):
    with event.install_listener("numba:compile", Compiles()):
        return run_window(session, **window)


launch.run_window = watched
main(["play", sys.argv[1], "--frames", "3"])
print(json.dumps(compiled))
"""


@pytest.mark.slow
def test_play_on_a_cold_cache_compiles_nothing_once_its_window_runs(tmp_path):
    """`play` on an empty kernel cache compiles everything its window's first frames call
    before the window runs (the warm-up's share of both processes, the World and clusters
    built meanwhile), and says so on the terminal."""
    script = tmp_path / "play.py"
    script.write_text(PLAY, encoding="utf-8")
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"), PYTHONPATH=path,
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")  # fmt: skip
    done = subprocess.run([sys.executable, str(script), str(WORLDS / "foraging.yaml")], env=env,
                          cwd=root, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("compiling kernels (first start only)")
    assert json.loads(lines[-1]) == []
