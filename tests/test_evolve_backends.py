"""Backends on a small pure problem: same results for every backend and worker count, errors
reported clearly, arenas cut into worker-independent batches."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from alife.errors import AlifeError, BackendError
from alife.evolve.backends import ProcessBackend, SerialBackend, make_backend
from alife.evolve.evaluate import (
    Layout,
    Result,
    SphereEvaluator,
    Task,
    WorldGenerations,
    batch_arenas,
    make_tasks,
    merge_results,
)

ROOT = Path(__file__).resolve().parent.parent


def population(seed=0):
    rng = np.random.default_rng(seed)
    # two species: 3 and 1 agents per arena, 10 arenas
    return [
        rng.standard_normal((30, 12)).astype(np.float32),
        rng.standard_normal((10, 5)).astype(np.float32),
    ]


def test_make_tasks_covers_all_arenas_in_order():
    g = population()
    tasks = make_tasks(4, g, [3, 1], 10, 4)
    assert [t.arena_ids.tolist() for t in tasks] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(t.generation == 4 for t in tasks)
    assert np.array_equal(np.concatenate([t.genomes[0] for t in tasks]), g[0])
    assert np.array_equal(np.concatenate([t.genomes[1] for t in tasks]), g[1])
    assert tasks[2].genomes[0].shape == (6, 12)
    with pytest.raises(ValueError, match="genomes but"):
        make_tasks(0, g, [2, 1], 10, 4)


def test_batch_size_depends_on_layout_only():
    assert batch_arenas(8, [40]) == 2
    assert batch_arenas(1000, [1]) == 250
    assert batch_arenas(100, [1, 1]) == 25
    assert batch_arenas(1, [500]) == 1


def test_episodes_score_each_genome_by_its_mean_over_its_arenas():
    """episodes 3: arena ids 0..14 replay the 5 groups 3 times; fitness = mean of the 3."""
    g = population()[:1]  # 30 genomes of one species, as 5 groups of 6
    ev = SphereEvaluator(seed=7, noise=1.0)
    layout = Layout(arenas=5, per_arena=(6,), episodes=3)
    with SerialBackend() as backend:
        backend.start(ev)
        got = WorldGenerations(layout, backend.map)(2, g)
    per_arena = [ev(Task(2, np.array([a]), (g[0][(a % 5) * 6 : (a % 5 + 1) * 6],))).fitness[0]
                 for a in range(15)]  # fmt: skip
    want = np.mean(np.stack([np.concatenate(per_arena[e * 5 : e * 5 + 5]) for e in range(3)]), 0)
    assert np.array_equal(got.fitness[0], want) and got.agent_ticks == 90


def test_sphere_noise_depends_on_arena_not_batch():
    ev = SphereEvaluator(seed=7, noise=1.0)
    g = population()
    whole = merge_results([ev(t) for t in make_tasks(2, g, [3, 1], 10, 10)]).fitness
    split = merge_results([ev(t) for t in make_tasks(2, g, [3, 1], 10, 3)]).fitness
    for a, b in zip(whole, split, strict=True):
        assert np.array_equal(a, b)
    other_gen = merge_results([ev(t) for t in make_tasks(3, g, [3, 1], 10, 10)]).fitness
    assert not np.array_equal(whole[0], other_gen[0])


def run_backend(backend, tasks, evaluator):
    with backend:
        backend.start(evaluator)
        first = merge_results(backend.map(tasks))
        second = merge_results(backend.map(tasks[::-1]))  # reused workers, any order
    return (first.fitness, first.agent_ticks), (second.fitness, second.agent_ticks)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_processes_equal_serial_for_any_worker_count(workers):
    tasks = make_tasks(1, population(), [3, 1], 10, 2)
    ev = SphereEvaluator(seed=11, noise=0.5)
    (ref, ticks), _ = run_backend(SerialBackend(), tasks, ev)
    (got, got_ticks), (rev, _) = run_backend(ProcessBackend(workers), tasks, ev)
    assert ticks == got_ticks == 40
    for a, b in zip(ref, got, strict=True):
        assert a.dtype == np.float64 and np.array_equal(a, b)
    # reversed task order gives the same per-task results, reversed
    assert np.array_equal(
        rev[1], np.concatenate([ref[1][8:], ref[1][6:8], ref[1][4:6], ref[1][2:4], ref[1][0:2]])
    )


class FailingEvaluator:
    """Fails on arena 3: with a plain error, or with an AlifeError."""

    def __init__(self, alife: bool):
        self.alife = alife

    def __call__(self, task: Task) -> Result:
        if 3 in task.arena_ids:
            if self.alife:
                raise AlifeError("arena 3 is broken")
            raise ZeroDivisionError("boom")
        return Result((np.zeros(task.arena_ids.size),), int(task.arena_ids.size))


@pytest.mark.parametrize("alife", [False, True])
def test_worker_errors_are_reported(alife):
    tasks = make_tasks(0, [np.zeros((6, 2), np.float32)], [1], 6, 2)
    with ProcessBackend(2) as backend:
        backend.start(FailingEvaluator(alife))
        if alife:
            with pytest.raises(AlifeError, match="arena 3 is broken"):
                backend.map(tasks)
        else:
            with pytest.raises(BackendError, match="ZeroDivisionError: boom"):
                backend.map(tasks)


def test_dead_worker_is_reported():
    with ProcessBackend(1) as backend:
        backend.start(SphereEvaluator(0))
        backend._procs[0].kill()
        backend._procs[0].join()
        with pytest.raises(BackendError, match="died"):
            backend.map(make_tasks(0, [np.zeros((2, 2), np.float32)], [1], 2, 1))


def test_unknown_backend():
    with pytest.raises(BackendError, match="choose one of"):
        make_backend("gpu")


class FlakyEvaluator:
    """Generation 0 fails on arena 3 (slowly elsewhere); fitness = 10 * generation + arena."""

    def __call__(self, task: Task) -> Result:
        if task.generation == 0:
            if 3 in task.arena_ids:
                raise AlifeError("arena 3 is broken")
            time.sleep(0.05)
        f = 10.0 * task.generation + task.arena_ids.astype(np.float64)
        return Result((f,), int(task.arena_ids.size))


def test_results_left_over_from_a_failed_map_are_ignored():
    g = [np.zeros((8, 2), np.float32)]
    with ProcessBackend(2) as backend:
        backend.start(FlakyEvaluator())
        with pytest.raises(AlifeError, match="arena 3"):
            backend.map(make_tasks(0, g, [1], 8, 1))
        fitness = merge_results(backend.map(make_tasks(1, g, [1], 8, 1))).fitness
    assert fitness[0].tolist() == [10.0 + a for a in range(8)]


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_workers_exit_when_the_parent_is_killed():
    code = (
        "from alife.evolve.backends import ProcessBackend\n"
        "from alife.evolve.evaluate import SphereEvaluator\n"
        "import time\n"
        "if __name__ == '__main__':\n"
        "    b = ProcessBackend(2)\n"
        "    b.start(SphereEvaluator(0))\n"
        "    print(' '.join(str(p.pid) for p in b._procs), flush=True)\n"
        "    time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    proc.kill()  # kill -9 of the parent only
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_state(p) not in (None, "Z") for p in pids):
        time.sleep(0.2)
    assert all(_state(p) in (None, "Z") for p in pids), "orphaned workers kept running"
