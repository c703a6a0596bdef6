"""Checkpoint files: exact round trip, atomic layout and re-saves, every kind of damage (edits,
bit flips, lying .npz headers, objects) -> one clear CheckpointError line."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from alife.errors import CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.files import sealed_json
from alife.evolve.metrics import GENERATIONAL_COLUMNS, MetricsLog
from alife.evolve.npzfile import npz_bytes


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
    data = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert path.name == "gen_000005.json" and len(data) == 1
    assert data[0].startswith("gen_000005.") and json.loads(path.read_text())["npz_file"] == data[0]
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
    names = sorted(p.name.split(".")[0] + "." + p.suffix for p in tmp_path.iterdir())
    assert names == [f"gen_0000{g:02d}..{e}" for g in (7, 10, 12) for e in ("json", "npz")]
    assert ck.generations(tmp_path) == [7, 10, 12]
    assert ck.latest_checkpoint(tmp_path).name == "gen_000012.json"


def test_incomplete_writes_are_ignored_and_cleaned_up(tmp_path):
    ck.save_checkpoint(tmp_path, sample(4))
    # what a kill -9 can leave: a temp file, and a data file whose JSON never got written
    (tmp_path / ".gen_000005.json.123.tmp").write_bytes(b"half")
    (tmp_path / "gen_000005.0123456789abcdef.npz").write_bytes(npz_bytes(sample(5).arrays))
    latest = ck.latest_checkpoint(tmp_path)
    assert latest.name == "gen_000004.json"
    assert ck.load_checkpoint(latest).generation == 4
    ck.save_checkpoint(tmp_path, sample(6))
    names = sorted(p.name[:10] for p in tmp_path.iterdir())
    assert names == ["gen_000004"] * 2 + ["gen_000006"] * 2


def test_resaving_a_generation_never_leaves_a_mismatched_pair(tmp_path, monkeypatch):
    """Saving generation 5 again (Ctrl-C after a checkpoint, the window's S key): a crash at
    any step of the second save leaves a checkpoint that loads, old or new."""
    first = ck.save_checkpoint(tmp_path, sample(5))
    second = sample(5)
    second.arrays["ids"] = second.arrays["ids"] + 100
    writes = []
    real = ck.atomic_write_bytes

    def crash_after(n):
        def write(path, data):
            if len(writes) == n:
                raise KeyboardInterrupt  # the process dies here
            writes.append(path)
            real(path, data)
        return write

    for n in range(2):
        writes.clear()
        monkeypatch.setattr(ck, "atomic_write_bytes", crash_after(n))
        with pytest.raises(KeyboardInterrupt):
            ck.save_checkpoint(tmp_path, second)
        back = ck.load_checkpoint(first)
        assert back.arrays["ids"].tolist() in (list(range(7)), list(range(100, 107)))
    monkeypatch.setattr(ck, "atomic_write_bytes", real)
    ck.save_checkpoint(tmp_path, second)
    assert ck.load_checkpoint(first).arrays["ids"].tolist() == list(range(100, 107))
    assert len(list(tmp_path.glob("*.npz"))) == 1  # the replaced data file is gone


def test_no_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint found"):
        ck.latest_checkpoint(tmp_path / "nowhere")


def data_of(json_path):
    return json_path.with_name(json.loads(json_path.read_text())["npz_file"])


def reseal(json_path, **changes):
    """Edit a checkpoint JSON and give it a valid seal again (a deliberate, consistent edit)."""
    meta = json.loads(json_path.read_text())
    meta.update(changes)
    meta.pop("sha256")
    json_path.write_bytes(sealed_json(meta))


def plant(json_path, arrays):
    """Replace a checkpoint's data by `arrays` (or raw bytes) and fix both hashes."""
    data = arrays if isinstance(arrays, bytes) else npz_bytes(arrays)
    data_of(json_path).write_bytes(data)
    reseal(json_path, npz_sha256=ck.sha256_bytes(data))


def npy_member(name, header: str, payload: bytes) -> bytes:
    """An .npz with one member whose .npy header says `header` (a dict literal)."""
    text = header.encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + payload
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name + ".npy", npy)
    return buf.getvalue()


def damage_cases():
    def truncate(j):
        n = data_of(j)
        n.write_bytes(n.read_bytes()[: len(n.read_bytes()) // 2])

    def flip(j):
        n = data_of(j)
        b = bytearray(n.read_bytes())
        b[len(b) // 2] ^= 0xFF
        n.write_bytes(bytes(b))

    def flip_json_value(j):
        j.write_text(j.read_text().replace('"seed": 3', '"seed": 7'))

    def bad_json(j):
        j.write_text("{not json")

    def foreign_json(j):
        reseal(j, format="something-else")

    def future_version(j):
        reseal(j, format_version=99)

    def missing_npz(j):
        data_of(j).unlink()

    def missing_fields(j):
        j.write_bytes(sealed_json({"format": ck.FORMAT, "format_version": ck.FORMAT_VERSION}))

    def binary_json(j):
        j.write_bytes(b"\xff\xfe\x00garbage")

    def not_a_zip(j):
        plant(j, b"PK\x03\x04 this is not a zip file at all")

    def generation_edited(j):
        reseal(j, generation=6)

    def negative_generation(j):
        reseal(j, generation=-3)

    def huge_number(j):
        j.write_text(j.read_text().replace('"seed": 3', '"seed": 1e400'))

    def path_in_name(j):
        reseal(j, npz_file="../../etc/gen_000005.0123456789abcdef.npz")

    def header_lie(j):  # 10^11 float64 elements declared (745 GiB), 8 bytes present
        plant(j, npy_member("x", "{'descr': '<f8', 'fortran_order': False, "
                                 "'shape': (100000000000,), }", b"\0" * 8))

    def object_array(j):
        plant(j, npy_member("x", "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                            b"\0" * 8))

    def compressed(j):
        buf = io.BytesIO()
        np.savez_compressed(buf, x=np.zeros(10))
        plant(j, buf.getvalue())

    return {
        "truncated npz": (truncate, "damaged or truncated"),
        "bit flip in npz": (flip, "damaged or truncated"),
        "edited JSON value": (flip_json_value, "damaged or edited checkpoint"),
        "bad json": (bad_json, "not valid JSON"),
        "foreign json": (foreign_json, "not an alife checkpoint"),
        "future version": (future_version, "version 99"),
        "missing npz": (missing_npz, "missing"),
        "missing fields": (missing_fields, "field 'generation' is missing"),
        "binary json": (binary_json, "not valid JSON"),
        "not a zip": (not_a_zip, "not a readable .npz"),
        "generation edited": (generation_edited, "not the one its name says"),
        "negative generation": (negative_generation, "field 'generation'"),
        "1e400": (huge_number, "damaged or edited"),
        "path in data name": (path_in_name, "field 'npz_file'"),
        "npz header lie": (header_lie, r"declares shape \(100000000000,\)"),
        "object array": (object_array, "not plain data"),
        "compressed member": (compressed, "compressed"),
    }


@pytest.mark.parametrize("case", sorted(damage_cases()))
def test_damage_gives_one_clear_checkpoint_error(tmp_path, case):
    damage, match = damage_cases()[case]
    json_path = ck.save_checkpoint(tmp_path, sample())
    damage(json_path)
    with pytest.raises(CheckpointError, match=match) as info:
        ck.load_checkpoint(json_path)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message


def test_plain_data_only_is_written(tmp_path):
    with pytest.raises(ValueError, match="plain data"):
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
    with pytest.raises(CheckpointError, match="not a readable .npz"):
        rundir.load_best(tmp_path)
    (tmp_path / "best.npz").write_bytes(npz_bytes({"species": np.array(["a"]),
                                                   "fitness": np.zeros(1)}))
    with pytest.raises(CheckpointError, match="wrong type or shape"):
        rundir.load_best(tmp_path)
    with pytest.raises(CheckpointError, match="no best"):
        rundir.load_best(tmp_path / "none")


def test_manifest_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no such run"):
        rundir.read_manifest(tmp_path / "missing")
    with pytest.raises(CheckpointError, match="not a run directory"):
        rundir.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        rundir.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(CheckpointError, match="no sha256 seal"):
        rundir.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_bytes(sealed_json({"format": "other"}))
    with pytest.raises(CheckpointError, match="not an alife run"):
        rundir.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_bytes(sealed_json({"format": "alife-run",
                                                          "format_version": 2, "seed": 1}))
    with pytest.raises(CheckpointError, match="field 'world_file' is missing"):
        rundir.read_manifest(tmp_path)


def test_world_change_detected(tmp_path):
    (tmp_path / "world.yaml").write_text("name: a\n")
    sha = ck.sha256_bytes(b"name: a\n")
    assert rundir.check_world_unchanged(tmp_path, sha) == "name: a\n"
    (tmp_path / "world.yaml").write_text("name: b\n")
    with pytest.raises(CheckpointError, match="changed since the run started"):
        rundir.check_world_unchanged(tmp_path, sha)


def test_metrics_log_marks_verify_and_cut(tmp_path):
    path = tmp_path / "metrics.csv"
    log = MetricsLog(path, GENERATIONAL_COLUMNS)
    log.create()
    rows = [
        {
            c: (g if c == "generation" else "s" if c == "species" else 0.1 * g + 1 / 3)
            for c in GENERATIONAL_COLUMNS
        }
        for g in range(6)
    ]
    log.append(rows[:3])
    at3 = log.mark()
    log.append(rows[3:])
    with open(path, "a") as fh:
        fh.write("6,s,0.5")  # a row cut short by a crash after the checkpoint
    again = MetricsLog(path, GENERATIONAL_COLUMNS)
    assert len(again.rows) == 6 and again.series("best", "s")[4] == 0.4 + 1 / 3  # exact floats
    kept = again.verify(at3, tmp_path / "gen_000003.json")
    assert [int(r["generation"]) for r in kept] == [0, 1, 2]
    again.continue_at(at3, kept)
    again.append(rows[3:4])
    assert MetricsLog(path, GENERATIONAL_COLUMNS).rows == kept + again.rows[3:]
    assert again.mark()["bytes"] == path.stat().st_size
    # damage inside the vouched-for bytes is an error, never silently rewritten
    data = path.read_bytes()
    for damaged, match in [
        (data.replace(b"generation,species", b"generation,specie", 1), "line 1 is not the "),
        (data[: at3["bytes"] - 5], "cut short"),
        (data.replace(b"0.3333333333333333", b"0.3333333333333334", 1), "edited or damaged"),
    ]:
        path.write_bytes(damaged)
        with pytest.raises(CheckpointError, match=match):
            again.verify(at3, tmp_path / "gen_000003.json")
    path.unlink()
    with pytest.raises(CheckpointError, match="missing"):
        again.verify(at3, tmp_path / "gen_000003.json")
