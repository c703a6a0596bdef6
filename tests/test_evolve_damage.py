"""Damaged run directories: every kind of damage to every file gives one clear error line naming
the file (and the newest usable checkpoint where there is one), changes nothing on disk, and
never a traceback, a crash or a silently different result; damage to files a run does not
read back (or rewrites from its checkpoint) changes nothing in the result."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from alife import cli
from alife.evolve import checkpoint as ck
from alife.evolve.files import sealed_json
from alife.evolve.npzfile import npz_bytes

from run_helpers import ECO, TINY, assert_same, comparable, run, write_world

GENERATIONS = 4  # the damaged runs stop at 3; resuming runs the 4th


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """For each mode: a run stopped at generation 3 (checkpoints 1, 2, 3) and the same run
    finished to generation 4 (what resuming an undamaged copy gives)."""
    tmp = tmp_path_factory.mktemp("damage")
    out = {}
    for name, text in (("generational", TINY.replace("checkpoint_every: 2",
                                                     "checkpoint_every: 1")),
                       ("open_ended", ECO)):  # fmt: skip
        world = write_world(tmp, text, f"{name}.yaml")
        run(world, tmp / f"{name}-3", generations=3)
        run(world, tmp / f"{name}-4", generations=GENERATIONS)
        out[name] = (tmp / f"{name}-3", comparable(tmp / f"{name}-4"))
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def resume(folder: Path, capsys, *extra) -> tuple[int, str, str]:
    code = cli.main(["evolve", "--resume", str(folder), "--generations", str(GENERATIONS),
                     "--backend", "serial", "--no-progress", *extra])  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def outcome(folder: Path, expected: dict, capsys) -> str:
    """Resume a damaged copy: 'refused' (one error line, nothing changed on disk, and if it
    offers an older checkpoint, continuing from it gives the right result) or 'identical'
    (it ran, and the result equals the undamaged run's). Anything else fails the test."""
    before = snapshot(folder)
    code, out, err = resume(folder, capsys)
    assert "Traceback" not in out + err
    if code == 0:
        assert_same(comparable(folder), expected)
        return "identical"
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert str(folder) in lines[0], lines[0]
    assert snapshot(folder) == before, "a refused resume changed files"
    if "--from-generation" in lines[0]:
        g = lines[0].rsplit("--from-generation ", 1)[1].split()[0]
        code, out, err = resume(folder, capsys, "--from-generation", g)
        assert code == 0, err
        assert_same(comparable(folder), expected)
    return "refused"


# ------------------------------------------------------------------------------ the corpus
def newest(folder: Path) -> Path:
    return ck.latest_checkpoint(folder / "checkpoints")


def data_of(json_path: Path) -> Path:
    return json_path.with_name(json.loads(json_path.read_text())["npz_file"])


def reseal(path: Path, **changes) -> None:
    """A deliberate edit that keeps the file's seal valid."""
    data = json.loads(path.read_text())
    data.update(changes)
    data.pop("sha256")
    path.write_bytes(sealed_json(data))


def replace_text(path: Path, old: str, new: str) -> None:
    data = path.read_bytes()
    assert old.encode() in data, (path, old)
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


def plant(folder: Path, **arrays) -> None:
    """Give the newest checkpoint other arrays, its hashes updated (a consistent forgery)."""
    path = newest(folder)
    ckpt = ck.load_checkpoint(path)
    merged = {**ckpt.arrays, **arrays}
    data = npz_bytes(merged)
    data_of(path).write_bytes(data)
    reseal(path, npz_sha256=ck.sha256_bytes(data))


def modified(folder: Path, name: str, change) -> np.ndarray:
    a = ck.load_checkpoint(newest(folder)).arrays[name].copy()
    change(a)
    return a


def truncate(path: Path, keep: float = 0.5) -> None:
    path.write_bytes(path.read_bytes()[: int(len(path.read_bytes()) * keep)])


def manifest_cases(f: Path) -> dict:
    m = f / "manifest.json"
    return {
        "manifest truncated": lambda: truncate(m),
        "manifest deleted": m.unlink,
        "manifest value edited": lambda: replace_text(m, '"seed": ', '"seed": 1'),
        "manifest seed 1e400": lambda: replace_text(m, '"seed": ', '"seed": 1e400, "x": '),
        "manifest resumed 5": lambda: reseal(m, resumed=5),
        "manifest generations -5": lambda: reseal(m, generations=-5),
        "manifest seed float": lambda: reseal(m, seed=3.0),
        "manifest other seed": lambda: reseal(m, seed=12345),
        "manifest species": lambda: reseal(m, species=["x"]),
        "manifest old format": lambda: reseal(m, format_version=1),
        "manifest unknown field": lambda: reseal(m, extra=1),
        "world.yaml edited": lambda: replace_text(f / "world.yaml", "name:", "name: x"),
        "world.yaml deleted": (f / "world.yaml").unlink,
    }


def checkpoint_cases(f: Path) -> dict:
    j = newest(f)
    return {
        "checkpoint json truncated": lambda: truncate(j),
        "checkpoint json edited": lambda: replace_text(j, '"agent_ticks": ', '"agent_ticks": 1'),
        "checkpoint generation 3->4": lambda: reseal(j, generation=4),
        "checkpoint generation -3": lambda: reseal(j, generation=-3),
        "checkpoint wall_time negative": lambda: reseal(j, wall_time=-1.0),
        "checkpoint seed 1e400": lambda: replace_text(j, '"seed": ', '"seed": 1e400, "y": '),
        "checkpoint metrics mark": lambda: reseal(j, files={
            **json.loads(j.read_text())["files"],
            "metrics.csv": {"bytes": 10, "sha256": "0" * 64}}),  # fmt: skip
        "checkpoint json deleted, older ones used": j.unlink,
        "checkpoint data truncated": lambda: truncate(data_of(j)),
        "checkpoint data deleted": lambda: data_of(j).unlink(),
        "checkpoint data header 10^11": lambda: plant_raw_header(j),
        "all checkpoints deleted": lambda: shutil.rmtree(f / "checkpoints"),
        "metrics.csv deleted": (f / "metrics.csv").unlink,
        "metrics.csv header mistyped": lambda: replace_text(f / "metrics.csv", "generation,",
                                                            "genration,"),  # fmt: skip
        "metrics.csv last row cut": lambda: truncate(f / "metrics.csv", 0.97),
        "metrics.csv value edited": lambda: replace_text(f / "metrics.csv", "\r\n1,", "\r\n2,"),
        "metrics.csv rows appended": lambda: append(f / "metrics.csv", b"9,x,1\r\n"),
        "fitness.png junk": lambda: (f / "fitness.png").write_bytes(b"junk"),
        "lock file deleted": (f / ".lock").unlink,
    }


def plant_raw_header(j: Path) -> None:
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }"
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    member = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 8
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("genomes_0.npy", member)
        z.writestr("world_agent_x.npy", member)
    data_of(j).write_bytes(buf.getvalue())
    reseal(j, npz_sha256=ck.sha256_bytes(buf.getvalue()))


def generational_cases(f: Path) -> dict:
    def nan(a):
        a.flat[a.size // 2] = np.nan

    return {
        "genomes NaN": lambda: plant(f, genomes_0=modified(f, "genomes_0", nan)),
        "genomes wrong shape": lambda: plant(f, genomes_1=np.zeros((5, 3), np.float32)),
        "genomes float64": lambda: plant(f, genomes_0=modified(f, "genomes_0", nan)
                                         .astype(np.float64)),  # fmt: skip
        "best_fitness NaN": lambda: plant(f, best_fitness=modified(f, "best_fitness", nan)),
        "best_fitness changed": lambda: plant(
            f, best_fitness=modified(f, "best_fitness", lambda a: a.__setitem__(0, a[0] + 1))),
        "best_generation 7": lambda: plant(
            f, best_generation=modified(f, "best_generation", lambda a: a.__setitem__(0, 7))),
        "best genome inf": lambda: plant(
            f, best_genome_0=modified(f, "best_genome_0", lambda a: a.__setitem__(0, np.inf))),
        "object array": lambda: plant_object(f),
        "manifest layout": lambda: reseal(f / "manifest.json", layout={
            **json.loads((f / "manifest.json").read_text())["layout"], "arenas": 7}),
        "best.npz junk": lambda: (f / "best.npz").write_bytes(b"junk"),
    }


def plant_object(f: Path) -> None:
    import io
    import zipfile

    path = newest(f)
    buf = io.BytesIO(data_of(path).read_bytes())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_STORED) as z:
        obj = io.BytesIO()
        np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        z.writestr("evil.npy", obj.getvalue())
    data_of(path).write_bytes(buf.getvalue())
    reseal(path, npz_sha256=ck.sha256_bytes(buf.getvalue()))


def open_ended_cases(f: Path) -> dict:
    def set_(name, index, value):
        return lambda: plant(f, **{name: modified(f, name,
                                                  lambda a: a.__setitem__(index, value))})

    return {
        "agent arena index out of range": set_("world_agent_apos", 0, 2),
        "agent arena index negative": set_("world_agent_apos", 1, -1),
        "agent position out of arena": set_("world_agent_x", 0, 1e6),
        "agent position NaN": set_("world_agent_y", 2, np.nan),
        "agent species 5": set_("world_agent_species", -1, 5),
        "agent ids repeat": set_("world_agent_ids", 1, 0),
        "agent id past next_id": set_("world_agent_ids", 0, 10**9),
        "agent energy inf": set_("world_agent_energy", 0, np.inf),
        "agent counters negative": set_("world_agent_counters", 0, -1),
        "item arena changed": set_("world_item_farena", 0, 1),
        "item position out of arena": set_("world_item_fx", 0, -5.0),
        "genomes NaN": set_("world_genomes_0", 0, np.nan),
        "next_id negative": lambda: plant(f, world_next_id=np.array(-1)),
        "tick moved": lambda: plant(f, world_tick_count=np.array(7)),
        "lineage depth negative": set_("lineage_depth", 0, -1),
        "lineage ids mismatch": set_("lineage_ids", 0, -7),
        "arena_ids repeat": lambda: plant(f, world_arena_ids=np.zeros(2, np.int64)),
        "agents dropped": lambda: plant(f, **{k: v[1:] for k, v in ck.load_checkpoint(
            newest(f)).arrays.items() if k.startswith("world_agent_") and v.ndim}),  # fmt: skip
        "manifest arenas": lambda: reseal(f / "manifest.json", arenas=3),
        "lineage.csv deleted": (f / "lineage.csv").unlink,
        "lineage.csv edited": lambda: replace_text(f / "lineage.csv", "\r\n-1,0,", "\r\n-1,9,"),
    }


CASES = {
    "generational": [manifest_cases, checkpoint_cases, generational_cases],
    "open_ended": [manifest_cases, checkpoint_cases, open_ended_cases],
}


def cases_for(mode: str, folder: Path) -> dict:
    """{name: damage()} for a run directory of `mode` (nothing is damaged until called)."""
    out = {}
    for make in CASES[mode]:
        out.update(make(folder))
    return out


@pytest.mark.parametrize("mode", ["generational", "open_ended"])
def test_damage_corpus(runs, tmp_path, capsys, mode):
    """Each case on a fresh copy: refused with one clear line (nothing changed), or harmless."""
    source, expected = runs[mode]
    results = {}
    for i, name in enumerate(cases_for(mode, source)):
        folder = tmp_path / f"case{i}"
        shutil.copytree(source, folder)
        cases_for(mode, folder)[name]()
        results[name] = outcome(folder, expected, capsys)
    harmless = {"checkpoint json deleted, older ones used", "metrics.csv rows appended",
                "best.npz junk", "fitness.png junk", "lock file deleted"}  # fmt: skip
    wrong = {n: r for n, r in results.items() if (r == "identical") != (n in harmless)}
    assert not wrong, wrong
    print(f"\n{mode}: {len(results)} damaged dirs; "
          f"{sum(r == 'refused' for r in results.values())} refused with one line, "
          f"{sum(r == 'identical' for r in results.values())} harmless and identical")


def flip_random_bit(folder: Path, rnd: random.Random) -> str:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.stat().st_size]
    path = rnd.choice(files)
    data = bytearray(path.read_bytes())
    i = rnd.randrange(len(data))
    data[i] ^= 1 << rnd.randrange(8)
    path.write_bytes(bytes(data))
    return str(path.relative_to(folder))


@pytest.mark.parametrize("mode, flips", [("generational", 40), ("open_ended", 30)])
def test_random_bit_flips(runs, tmp_path, capsys, mode, flips):
    """A random bit of a random file of the run directory flipped: refused or harmless."""
    tally = random_flips(runs[mode], tmp_path, capsys, flips, seed=len(mode))
    print(f"\n{mode}: {flips} bit flips: {tally}")


@pytest.mark.slow
@pytest.mark.parametrize("mode, flips", [("generational", 400), ("open_ended", 300)])
def test_many_random_bit_flips(runs, tmp_path, capsys, mode, flips):
    tally = random_flips(runs[mode], tmp_path, capsys, flips, seed=100 + len(mode))
    print(f"\n{mode}: {flips} bit flips: {tally}")


def random_flips(ref, tmp_path, capsys, flips, seed) -> dict:
    source, expected = ref
    rnd = random.Random(seed)
    tally: dict[str, dict[str, int]] = {}
    for i in range(flips):
        folder = tmp_path / f"flip{i}"
        shutil.copytree(source, folder)
        name = flip_random_bit(folder, rnd)
        kind = name.split("/")[0].split(".")[0] if "/" not in name else (
            "checkpoint " + name.rsplit(".", 1)[1])  # fmt: skip
        result = outcome(folder, expected, capsys)
        tally.setdefault(kind, {"refused": 0, "identical": 0})[result] += 1
        shutil.rmtree(folder)
    return tally
