"""Real processes, real signals: Ctrl-C saves and exits cleanly (workers too); kill -9 at any
moment leaves the last complete checkpoint loadable, and resuming still gives the same run."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alife.evolve import checkpoint as ck
from alife.evolve.runner import EvolutionRun

from run_helpers import ECO, TINY, assert_same, comparable

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


def wait_for(proc: subprocess.Popen, event, timeout: float) -> None:
    """Poll every millisecond until event() or the process ends or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not event():
        time.sleep(0.001)


def kill_runs(tmp_path: Path, text: str, generations: int, kills: int, seed: int) -> dict:
    """Start a run, kill -9 it, then `--resume` it (or, if the kill came before its directory
    existed, run the same command again); `kills` times, then let it finish. Kills land at a
    random moment of the whole run, or just after its directory started being created, or just
    after a checkpoint started being written. Asserts that after every kill the run directory
    is absent or resumable, and that the finished run is bit-identical to an uninterrupted
    one. Returns how many kills landed in each phase."""
    world = tmp_path / "w.yaml"
    world.write_text(text)
    common = ["--generations", str(generations), "--backend", "serial"]
    t0 = time.monotonic()
    ref = start([str(world), "--out", str(tmp_path / "ref"), *common])
    assert ref.wait(timeout=600) == 0, ref.communicate()
    span = time.monotonic() - t0  # one uninterrupted run, start-up included
    out, ckpts = tmp_path / "run", tmp_path / "run" / "checkpoints"
    rnd = random.Random(seed)
    landed = {"anywhere": 0, "creating": 0, "saving": 0}
    after = {"absent": 0, "resumable": 0}

    def command():
        if out.exists():
            return ["--resume", str(out), *common]
        return [str(world), "--out", str(out), *common]

    def staging():
        return [p for p in tmp_path.iterdir() if p.name.startswith(".run.creating-")]

    def finish_and_compare(proc):
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0 and "Traceback" not in stderr, (stdout, stderr)
        assert_same(comparable(out), comparable(tmp_path / "ref"))
        after["identical"] += 1

    after["identical"] = 0
    done = 0
    while done < kills:
        how = rnd.choice(["anywhere", "creating" if not out.exists() else "saving"])
        seen = set(ckpts.iterdir()) if ckpts.exists() else set()
        proc = start(command())
        if how == "anywhere":
            time.sleep(rnd.uniform(0.0, span))
        elif how == "creating":
            wait_for(proc, lambda: bool(staging()), span)
        else:
            wait_for(proc, lambda s=seen: ckpts.exists() and set(ckpts.iterdir()) != s, span)
        if how != "anywhere":
            time.sleep(rnd.uniform(0.0, 0.02))
        if proc.poll() is not None:  # it finished first: check it, then start a fresh run
            finish_and_compare(proc)
            shutil.rmtree(out)
            continue
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        done += 1
        landed[how] += 1
        if out.exists():  # then it is complete and resumable, and no half-made copy is left
            EvolutionRun.resume(out, generations=generations)
            assert not staging()
            after["resumable"] += 1
        else:
            after["absent"] += 1
    finish_and_compare(start(command()))
    return {**landed, **after}


@pytest.mark.parametrize("text, generations, kills", [
    (WORLD.replace("checkpoint_every: 1", "checkpoint_every: 2"), 20, 8),
    (ECO.replace("checkpoint_every: 1", "checkpoint_every: 2"), 8, 5),
], ids=["generational", "open_ended"])  # fmt: skip
def test_kill_9_at_any_moment_then_resume_is_bit_identical(tmp_path, text, generations, kills):
    counts = kill_runs(tmp_path, text, generations, kills, seed=kills)
    print(f"\n{kills} kills; {counts}")


@pytest.mark.slow
@pytest.mark.parametrize("text, generations, kills", [
    (WORLD.replace("checkpoint_every: 1", "checkpoint_every: 2"), 30, 40),
    (ECO.replace("checkpoint_every: 1", "checkpoint_every: 2"), 8, 40),
], ids=["generational", "open_ended"])  # fmt: skip
def test_kill_9_many_times_then_resume_is_bit_identical(tmp_path, text, generations, kills):
    counts = kill_runs(tmp_path, text, generations, kills, seed=1000 + kills)
    print(f"\n{kills} kills; {counts}")
