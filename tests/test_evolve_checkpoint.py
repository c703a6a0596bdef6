"""Checkpoint files: exact round trip, atomic layout, every kind of damage -> CheckpointError."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from alife.errors import CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.metrics import GENERATIONAL_COLUMNS, MetricsLog


def sample(generation=5):
    rng = np.random.default_rng(generation)
    arrays = {
        "genomes_0": rng.standard_normal((12, 34)).astype(np.float32),
        "best_fitness": np.array([1.5, -np.inf, np.nan]),
        "ids": np.arange(7, dtype=np.int64),
        "flags": np.array([True, False]),
        "empty": np.zeros((0, 3), np.float32),
    }
    return ck.Checkpoint(generation, {"seed": 3, "note": "x"}, arrays)


def test_round_trip_is_exact(tmp_path):
    path = ck.save_checkpoint(tmp_path, sample())
    assert path.name == "gen_000005.json" and (tmp_path / "gen_000005.npz").exists()
    back = ck.load_checkpoint(path)
    assert back.generation == 5 and back.meta["seed"] == 3 and back.meta["note"] == "x"
    for name, arr in sample().arrays.items():
        got = back.arrays[name]
        assert got.dtype == arr.dtype and got.shape == arr.shape
        assert np.array_equal(got, arr, equal_nan=arr.dtype.kind == "f")
    assert not list(tmp_path.glob(".*tmp"))  # no temp files left behind


def test_latest_and_pruning(tmp_path):
    for g in (0, 3, 10, 7, 12):
        ck.save_checkpoint(tmp_path, sample(g), keep=3)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"gen_0000{g:02d}.{e}" for g in (7, 10, 12) for e in ("json", "npz")]
    assert ck.latest_checkpoint(tmp_path).name == "gen_000012.json"


def test_incomplete_writes_are_ignored(tmp_path):
    ck.save_checkpoint(tmp_path, sample(4))
    # what a kill -9 can leave: a temp file, and a renamed .npz whose JSON never got written
    (tmp_path / ".gen_000005.npz.123.tmp").write_bytes(b"half")
    npz, _ = ck.checkpoint_paths(tmp_path, 5)
    npz.write_bytes(ck.npz_bytes(sample(5).arrays))
    latest = ck.latest_checkpoint(tmp_path)
    assert latest.name == "gen_000004.json"
    assert ck.load_checkpoint(latest).generation == 4


def test_no_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint found"):
        ck.latest_checkpoint(tmp_path / "nowhere")


def damage_cases():
    def truncate(j, n):
        n.write_bytes(n.read_bytes()[: len(n.read_bytes()) // 2])

    def flip(j, n):
        b = bytearray(n.read_bytes())
        b[len(b) // 2] ^= 0xFF
        n.write_bytes(bytes(b))

    def bad_json(j, n):
        j.write_text("{not json")

    def foreign_json(j, n):
        j.write_text(json.dumps({"format": "something-else", "generation": 5}))

    def future_version(j, n):
        meta = json.loads(j.read_text())
        meta["format_version"] = 99
        j.write_text(json.dumps(meta))

    def missing_npz(j, n):
        n.unlink()

    def missing_fields(j, n):
        j.write_text(json.dumps({"format": ck.FORMAT, "format_version": ck.FORMAT_VERSION}))

    def binary_json(j, n):
        j.write_bytes(b"\xff\xfe\x00garbage")

    def not_a_zip(j, n):
        data = b"PK\x03\x04 this is not a zip file at all"
        n.write_bytes(data)
        meta = json.loads(j.read_text())
        meta["npz_sha256"] = ck.sha256_bytes(data)
        j.write_text(json.dumps(meta))

    return {
        "truncated npz": (truncate, "corrupt or truncated"),
        "bit flip": (flip, "corrupt or truncated"),
        "bad json": (bad_json, "bad JSON"),
        "foreign json": (foreign_json, "not an alife checkpoint"),
        "future version": (future_version, "version 99"),
        "missing npz": (missing_npz, "missing"),
        "missing fields": (missing_fields, "lacks"),
        "binary json": (binary_json, "bad JSON"),
        "not a zip": (not_a_zip, "unreadable"),
    }


@pytest.mark.parametrize("case", sorted(damage_cases()))
def test_damage_gives_checkpoint_error(tmp_path, case):
    damage, match = damage_cases()[case]
    json_path = ck.save_checkpoint(tmp_path, sample())
    damage(json_path, json_path.with_suffix(".npz"))
    with pytest.raises(CheckpointError, match=match):
        ck.load_checkpoint(json_path)


def test_pickled_objects_are_never_loaded(tmp_path):
    """A well-formed manifest pointing at an .npz with an object array: refused, not unpickled."""
    buf = io.BytesIO()
    np.savez(buf, evil=np.array([{"a": 1}], dtype=object))
    data = buf.getvalue()
    (tmp_path / "gen_000001.npz").write_bytes(data)
    meta = {
        "format": ck.FORMAT,
        "format_version": ck.FORMAT_VERSION,
        "generation": 1,
        "npz_file": "gen_000001.npz",
        "npz_sha256": ck.sha256_bytes(data),
    }
    (tmp_path / "gen_000001.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="unreadable"):
        ck.load_checkpoint(tmp_path / "gen_000001.json")
    with pytest.raises(ValueError, match="object"):
        ck.save_checkpoint(tmp_path, ck.Checkpoint(2, {}, {"x": np.array([None])}))


def test_require_array_checks_dtype_and_shape(tmp_path):
    c = ck.load_checkpoint(ck.save_checkpoint(tmp_path, sample()))
    assert ck.require_array(c, "genomes_0", np.float32, (12, None)).shape == (12, 34)
    with pytest.raises(CheckpointError, match="missing"):
        ck.require_array(c, "genomes_1", np.float32, None)
    with pytest.raises(CheckpointError, match="dtype"):
        ck.require_array(c, "genomes_0", np.float64, None)
    with pytest.raises(CheckpointError, match="shape"):
        ck.require_array(c, "genomes_0", np.float32, (12, 33))


def test_best_npz_round_trip_and_errors(tmp_path):
    best = rundir.BestGenomes(
        ["prey", "predator"],
        [np.arange(5, dtype=np.float32), np.ones(3, np.float32)],
        np.array([2.5, -1.0]),
        np.array([4, 9]),
    )
    rundir.save_best(tmp_path / "best.npz", best)
    back = rundir.load_best(tmp_path)
    assert back.species == ["prey", "predator"]
    assert np.array_equal(back.genomes[0], best.genomes[0]) and back.genomes[1].shape == (3,)
    assert list(back.fitness) == [2.5, -1.0] and list(back.generation) == [4, 9]
    (tmp_path / "best.npz").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="unreadable"):
        rundir.load_best(tmp_path)
    with pytest.raises(CheckpointError, match="no best"):
        rundir.load_best(tmp_path / "none")


def test_manifest_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no such run"):
        rundir.read_manifest(tmp_path / "missing")
    with pytest.raises(CheckpointError, match="not a run directory"):
        rundir.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2")
    with pytest.raises(CheckpointError, match="unreadable"):
        rundir.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(CheckpointError, match="not an alife run"):
        rundir.read_manifest(tmp_path)


def test_world_change_detected(tmp_path):
    (tmp_path / "world.yaml").write_text("name: a\n")
    sha = ck.sha256_bytes(b"name: a\n")
    assert rundir.check_world_unchanged(tmp_path, sha) == "name: a\n"
    (tmp_path / "world.yaml").write_text("name: b\n")
    with pytest.raises(CheckpointError, match="changed since the run started"):
        rundir.check_world_unchanged(tmp_path, sha)


def test_metrics_log_round_trip_and_truncate(tmp_path):
    path = tmp_path / "metrics.csv"
    log = MetricsLog(path, GENERATIONAL_COLUMNS)
    rows = [
        {
            c: (g if c == "generation" else "s" if c == "species" else 0.1 * g + 1 / 3)
            for c in GENERATIONAL_COLUMNS
        }
        for g in range(6)
    ]
    log.append(rows)
    with open(path, "a") as fh:
        fh.write("6,s,0.5")  # a row cut short by a crash
    again = MetricsLog(path, GENERATIONAL_COLUMNS)
    assert len(again.rows) == 6
    assert again.series("best", "s")[4] == 0.4 + 1 / 3  # floats round-trip exactly
    again.truncate(3)
    assert [int(r["generation"]) for r in MetricsLog(path, GENERATIONAL_COLUMNS).rows] == [0, 1, 2]
