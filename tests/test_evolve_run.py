"""Headless runs end to end with the real World: run directory, determinism across backends and
worker counts (Ray included), bit-identical resume, damaged runs -> CheckpointError, open-ended."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess

import numpy as np
import pytest

from alife import cli
from alife.errors import CheckpointError, WorldConfigError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.backends import ProcessBackend, RayBackend, SerialBackend
from alife.evolve.files import sealed_json
from alife.evolve.runner import EvolutionRun

from run_helpers import ECO, TINY, assert_same, comparable, run, write_world


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """4 generations of TINY on the serial backend, run once for the module."""
    tmp = tmp_path_factory.mktemp("ref")
    world = write_world(tmp)
    run(world, tmp / "run")
    return world, tmp / "run", comparable(tmp / "run")


def test_run_directory_contents(reference):
    world, out, ref = reference
    names = {p.name for p in out.iterdir()}
    assert {"world.yaml", "manifest.json", "metrics.csv", "fitness.png", "best.npz"} <= names
    assert (out / "world.yaml").read_bytes() == world.read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "alife-run" and manifest["seed"] == 3
    assert manifest["generations"] == 4 and manifest["command"] == ["test"]
    assert manifest["layout"] == {
        "arenas": 6,
        "agents_per_arena": [3, 1],
        "population": [18, 6],
        "arenas_per_task": 1,
    }
    assert {"numpy", "numba", "python"} <= set(manifest["packages"])
    assert manifest["git"] is None or len(manifest["git"]["revision"]) == 40
    assert [(int(r["generation"]), r["species"]) for r in ref["rows"]] == [
        (g, s) for g in range(4) for s in ("prey", "predator")
    ]
    for r in ref["rows"]:
        assert float(r["worst"]) <= float(r["median"]) <= float(r["best"]) <= float(r["best_ever"])
        assert int(r["agent_ticks"]) > 0
    ckpts = sorted(p.name for p in (out / "checkpoints").glob("*.json"))
    assert ckpts == ["gen_000000.json", "gen_000002.json", "gen_000004.json"]
    assert ref["generation"] == 4 and ref["arrays"]["genomes_0"].shape[0] == 18
    assert (out / "fitness.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = rundir.load_best(out)
    assert best.species == ["prey", "predator"] and np.all(best.generation >= 0)
    by_species = {r["species"]: float(r["best_ever"]) for r in ref["rows"]}
    assert best.fitness.tolist() == [by_species["prey"], by_species["predator"]]


@pytest.mark.parametrize("workers", [1, 2])
def test_processes_backend_matches_serial(reference, tmp_path, workers):
    world, _, ref = reference
    run(world, tmp_path / "p", ProcessBackend(workers))
    assert_same(comparable(tmp_path / "p"), ref)


@pytest.mark.slow  # starting Ray takes ~30 s
def test_ray_backend_matches_serial(reference, tmp_path):
    pytest.importorskip("ray")
    world, _, ref = reference
    run(world, tmp_path / "r", RayBackend(2))
    assert_same(comparable(tmp_path / "r"), ref)


def test_other_seed_gives_other_run(reference, tmp_path):
    world, _, ref = reference
    run(world, tmp_path / "s", seed=4)
    other = comparable(tmp_path / "s")
    assert other["arrays"]["genomes_0"].tobytes() != ref["arrays"]["genomes_0"].tobytes()


def test_ten_generations_equal_five_plus_resume_five(tmp_path):
    # checkpoint_every 3: the resume starts from the end-of-run checkpoint (5), not a periodic one
    world = write_world(tmp_path, TINY.replace("checkpoint_every: 2", "checkpoint_every: 3"))
    run(world, tmp_path / "full", generations=10)
    out = tmp_path / "half"
    run(world, out, generations=5)
    resumed = EvolutionRun.resume(out, generations=10, command=["resume"])
    assert resumed.generation == 5
    resumed.run(SerialBackend())
    assert_same(comparable(out), comparable(tmp_path / "full"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resumed"][0]["at_generation"] == 5 and manifest["generations"] == 10
    assert manifest["resumed"][0]["command"] == ["resume"]


def test_resume_from_older_checkpoint_cuts_metrics(reference, tmp_path):
    """As after a kill -9 between checkpoints: rows past the checkpoint are dropped and redone."""
    world, _, ref = reference
    out = tmp_path / "killed"
    run(world, out, generations=3)  # checkpoints 0, 2, 3
    for p in (out / "checkpoints").glob("gen_000003.*"):
        p.unlink()
    r = EvolutionRun.resume(out, generations=4)
    assert r.generation == 2 and len(r.metrics.rows) == 4
    r.run(SerialBackend())
    assert_same(comparable(out), ref)


def test_changed_world_file_is_refused(reference, tmp_path):
    world, _, _ = reference
    out = tmp_path / "w"
    run(world, out, generations=1)
    text = (out / "world.yaml").read_text().replace("length: 25", "length: 26")
    (out / "world.yaml").write_text(text)
    with pytest.raises(CheckpointError, match="world file changed"):
        EvolutionRun.resume(out)


def test_damaged_and_foreign_checkpoints_are_refused(reference, tmp_path):
    world, ref_out, _ = reference
    out = tmp_path / "d"
    run(world, out, generations=1)
    latest = ck.latest_checkpoint(out / "checkpoints")
    npz = ck.load_checkpoint(latest).path.with_name(json.loads(latest.read_text())["npz_file"])
    npz.write_bytes(npz.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="damaged or truncated.*generation 0"):
        EvolutionRun.resume(out)
    # a checkpoint of another run (other seed) dropped into this one
    for p in (ref_out / "checkpoints").glob("gen_000004.*"):
        shutil.copy(p, out / "checkpoints")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["seed"] = 99
    del manifest["sha256"]
    (out / "manifest.json").write_bytes(sealed_json(manifest))
    with pytest.raises(CheckpointError, match="belongs to another run"):
        EvolutionRun.resume(out)


def test_checkpoint_with_wrong_shapes_is_refused(reference, tmp_path):
    world, _, _ = reference
    out = tmp_path / "shape"
    run(world, out, generations=1)
    latest = ck.load_checkpoint(ck.latest_checkpoint(out / "checkpoints"))
    arrays = dict(latest.arrays)
    arrays["genomes_1"] = arrays["genomes_1"][:, :-1].copy()
    meta = {k: v for k, v in latest.meta.items() if not k.startswith(("format", "npz"))}
    ck.save_checkpoint(out / "checkpoints", ck.Checkpoint(latest.generation, meta, arrays))
    with pytest.raises(CheckpointError, match="genomes_1.*shape"):
        EvolutionRun.resume(out)


def test_new_run_refuses_existing_directory_and_bad_layout(reference, tmp_path):
    world, ref_out, _ = reference
    with pytest.raises(CheckpointError, match="--resume"):
        EvolutionRun.new(world, ref_out)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(CheckpointError, match="not empty"):
        EvolutionRun.new(world, tmp_path / "full")
    bad = write_world(tmp_path, TINY.replace("arenas: 6", "arenas: 6\n  population: 7"), "b.yaml")
    with pytest.raises(WorldConfigError, match=r"b\.yaml:\d+:\d+: evolution\.population: 7 is not"):
        EvolutionRun.new(bad, tmp_path / "bad")


def test_cli_evolve_resume_and_errors(reference, tmp_path, capsys):
    world, _, ref = reference
    out = tmp_path / "cli"
    args = ["--backend", "serial", "--no-progress"]
    assert cli.main(["evolve", str(world), "--out", str(out), "--generations", "3", *args]) == 0
    assert cli.main(["evolve", "--resume", str(out), "--generations", "4", *args]) == 0
    text = capsys.readouterr().out
    assert "run directory" in text and "resuming" in text and "done: 4 generations" in text
    got = comparable(out)
    assert got["rows"] == ref["rows"] and got["best"] == ref["best"]
    for argv, message in [
        (["evolve", "--resume", str(tmp_path / "nope")], "no such run directory"),
        (["evolve", str(world), "--resume", str(out)], "not both"),
        (["evolve", str(world), "--generations", "0"], "--generations must be >= 1"),
        (["evolve", str(world), "--backend", "serial", "--address", "x:1"], "--address"),
        (["evolve", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "m")], "not found"),
    ]:
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_open_ended_run_records_births_and_resumes_identically(tmp_path):
    world = write_world(tmp_path, ECO, "eco.yaml")
    full = run(world, tmp_path / "full")
    rows = full.metrics.rows
    assert [int(r["generation"]) for r in rows] == [0, 1, 2, 3]
    pop = [int(r["population"]) for r in rows]
    start = 2 * 8
    for i, r in enumerate(rows):
        before = start if i == 0 else pop[i - 1]
        assert pop[i] == before + int(r["births"]) - int(r["deaths"])
    with open(tmp_path / "full" / "lineage.csv", newline="") as fh:
        lineage = list(csv.DictReader(fh))
    founders = [r for r in lineage if r["generation"] == "-1"]
    born = [r for r in lineage if r["generation"] != "-1"]
    assert len(founders) == 16 and all(r["parent_id"] == "-1" for r in founders)
    assert len(born) == sum(int(r["births"]) for r in rows)
    assert any(int(r["parent_id"]) >= 0 for r in born), "no agent reproduced"
    assert max(int(r["max_lineage_depth"]) for r in rows) >= 1
    # 2 chunks + resume 2 chunks == 4 chunks
    half = tmp_path / "half"
    run(world, half, generations=2)
    EvolutionRun.resume(half, generations=4).run(SerialBackend())
    a, b = comparable(tmp_path / "full"), comparable(half)
    assert a["rows"] == b["rows"] and a["arrays"].keys() == b["arrays"].keys()
    for k in a["arrays"]:
        assert a["arrays"][k].tobytes() == b["arrays"][k].tobytes(), k
    assert (tmp_path / "full" / "lineage.csv").read_text() == (half / "lineage.csv").read_text()


def test_interrupt_during_evaluation_then_resume(reference, tmp_path):
    """SIGINT while a generation is evaluated: that generation is dropped, resume redoes it."""
    world, _, ref = reference
    out = tmp_path / "int"
    r = EvolutionRun.new(world, out, command=["test"])
    backend = SerialBackend()
    real_map, calls = backend.map, []

    def map_then_interrupt(tasks):
        calls.append(1)
        if len(calls) == 3:  # in the middle of generation 2
            os.kill(os.getpid(), signal.SIGINT)
        return real_map(tasks)

    backend.map = map_then_interrupt
    result = r.run(backend)
    assert result.interrupted and result.generation == 2
    assert result.checkpoint.name == "gen_000002.json"
    EvolutionRun.resume(out).run(SerialBackend())
    assert_same(comparable(out), ref)


def test_open_ended_interrupt_mid_chunk_then_resume(tmp_path):
    world = write_world(tmp_path, ECO, "eco.yaml")
    out = tmp_path / "int"
    r = EvolutionRun.new(world, out, command=["test"])
    real_tick, ticks = r.mode.world.tick, []

    def tick():
        ticks.append(1)
        if len(ticks) == 60:  # chunk_ticks is 40: this is inside chunk 1
            os.kill(os.getpid(), signal.SIGINT)
        real_tick()

    r.mode.world.tick = tick
    result = r.run(SerialBackend())
    assert result.interrupted and result.generation == 1
    EvolutionRun.resume(out).run(SerialBackend())
    full = tmp_path / "full"
    run(world, full)
    a, b = comparable(out), comparable(full)
    assert a["rows"] == b["rows"]
    for k in a["arrays"]:
        assert a["arrays"][k].tobytes() == b["arrays"][k].tobytes(), k
    assert (out / "lineage.csv").read_text() == (full / "lineage.csv").read_text()


def test_interrupted_creation_leaves_nothing_and_the_same_command_works(reference, tmp_path,
                                                                        monkeypatch):
    """A start cut short (an error, Ctrl-C, or kill -9 leaving a half-made copy) leaves no run
    directory; the next start with the same --out removes what was left and succeeds."""
    world, _, ref = reference
    out = tmp_path / "r"
    real = ck.save_checkpoint

    def crash(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(ck, "save_checkpoint", crash)
    with pytest.raises(KeyboardInterrupt):
        EvolutionRun.new(world, out)
    assert not out.exists() and not list(tmp_path.iterdir())
    monkeypatch.setattr(ck, "save_checkpoint", real)
    dead = _dead_pid()
    (tmp_path / f".r.creating-{dead}" / "checkpoints").mkdir(parents=True)  # what kill -9 leaves
    with pytest.raises(CheckpointError, match="interrupted while being created.*same command"):
        EvolutionRun.resume(out)
    run(world, out)
    assert [p.name for p in tmp_path.iterdir()] == ["r"]
    assert_same(comparable(out), ref)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
