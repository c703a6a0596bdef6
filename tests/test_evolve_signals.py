"""Real processes, real signals: Ctrl-C saves and exits cleanly (workers too); kill -9 at any
moment leaves the last complete checkpoint loadable, and resuming still gives the same run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alife.evolve import checkpoint as ck
from alife.evolve.backends import SerialBackend
from alife.evolve.runner import EvolutionRun

from run_helpers import TINY, assert_same, comparable

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")

WORLD = TINY.replace("checkpoint_every: 2", "checkpoint_every: 1")


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "run.py", "evolve", *args, "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )


def newest_generation(out: Path) -> int:
    try:
        return ck.load_checkpoint(ck.latest_checkpoint(out / "checkpoints")).generation
    except Exception:  # not there yet, or (briefly) mid-prune
        return -1


def wait_for_generation(proc: subprocess.Popen, out: Path, generation: int, timeout=300.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        g = newest_generation(out)
        if g >= generation:
            return g
        if proc.poll() is not None:
            raise AssertionError(f"run ended early: {proc.communicate()}")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("no checkpoint in time")


def group_gone(pgid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_ctrl_c_saves_and_exits_cleanly(tmp_path):
    world = tmp_path / "w.yaml"
    world.write_text(WORLD)
    out = tmp_path / "run"
    proc = start([str(world), "--out", str(out), "--generations", "100000",
                  "--backend", "processes", "--workers", "2"])  # fmt: skip
    wait_for_generation(proc, out, 2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted: saved generation" in stdout and "--resume" in stdout
    assert "Traceback" not in stderr, stderr
    assert group_gone(proc.pid), "worker processes left behind"
    run = EvolutionRun.resume(out, generations=None)
    saved = run.generation
    assert saved >= 2
    generations = [int(r["generation"]) for r in run.metrics.rows]
    assert generations == sorted(generations) and generations[-1] == saved - 1


def test_kill_9_at_any_moment_leaves_a_loadable_checkpoint(tmp_path):
    world = tmp_path / "w.yaml"
    world.write_text(WORLD)
    out = tmp_path / "run"
    rnd = random.Random(1234)
    args = [str(world), "--out", str(out), "--generations", "100000", "--backend", "serial"]
    seen = 0
    for _ in range(3):
        proc = start(args)
        seen = wait_for_generation(proc, out, seen + 1)
        time.sleep(rnd.uniform(0.0, 0.25))  # land anywhere in a generation or a save
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert newest_generation(out) >= seen  # the last complete checkpoint loads
        args = ["--resume", str(out), "--generations", "100000", "--backend", "serial"]
    # finish in-process and compare with a run that was never interrupted
    resumed = EvolutionRun.resume(out, generations=newest_generation(out) + 1)
    target = resumed.target
    resumed.run(SerialBackend())
    clean = EvolutionRun.new(world, tmp_path / "clean", generations=target, command=["x"])
    clean.run(SerialBackend())
    assert_same(comparable(out), comparable(tmp_path / "clean"))
