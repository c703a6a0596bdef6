"""The resource estimate (alife/config/resources.py): every command that loads a world refuses,
at the key to change, one that needs more memory than the limit for the way the command runs it,
before allocating anything; the estimate follows what real window sessions and evolution runs
allocate (measured with tracemalloc)."""

from __future__ import annotations

import gc
import os
import tracemalloc
from pathlib import Path

import pytest
import yaml

from alife.cli import main
from alife.config import load_world, resources
from alife.config.resources import (
    MEMORY_ENV,
    SAFETY,
    batch_arenas,
    estimate,
    layout_of,
    memory_limit,
    parse_size,
    size_text,
)
from alife.errors import WorldConfigError
from alife.evolve.backends import SerialBackend
from alife.evolve.evaluate import batch_arenas as runner_batch_arenas
from alife.evolve.runner import EvolutionRun

from run_helpers import ECO, TINY

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parent.parent
FORAGING = (ROOT / "worlds" / "foraging.yaml").read_text(encoding="utf-8")
BIG_MEMORY = """\
species:
  - name: a
    count: 1000
    brain: {width: 4096, depth: 3}
    memory: {width: 65536, value_size: 256, key_size: 16, reads: 1}
evolution: {arenas: 1}
"""
MANY_BIG_BRAINS = """\
species:
  - name: a
    count: 1000
    brain: {width: 1024, depth: 8}
evolution: {arenas: 2000}
"""
LIMIT = "allowed (set by --max-memory / ALIFE_MAX_MEMORY)"


@pytest.fixture
def limit_16g(monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "16G")


def write(tmp_path: Path, text: str, name: str = "w.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(WorldConfigError) as info:
        load_world(path)
    (line,) = info.value.problems
    return line


def test_big_brain_memory_is_refused_at_memory_width(tmp_path, limit_16g):
    path = write(tmp_path, BIG_MEMORY)
    assert refusal(path) == (
        f"{path}:5:21: species[0].memory.width: the window needs about 125.8 GiB of memory "
        "(1,000 agents x 128.8 MiB, mostly brain memory: width 65,536 x value_size 256 x 4 "
        f"bytes), more than the 16.0 GiB {LIMIT}"
    )
    with resources.checking(resources.EVOLVE):  # one arena: evolve holds it all at once too
        assert "species[0].memory.width: evolve needs about 63.1 GiB" in refusal(path)


def test_many_agents_with_big_brains_are_refused_at_the_count(tmp_path, limit_16g):
    path = write(tmp_path, MANY_BIG_BRAINS)
    with resources.checking(resources.EVOLVE):
        assert refusal(path) == (
            f"{path}:5:21: evolution.arenas: evolve needs about 610.6 GiB of memory (2,000,000 "
            "agents x 320.1 KiB (evolution.arenas x agents per arena)), more than the 16.0 GiB "
            f"{LIMIT}"
        )


def test_generational_layout_is_estimated_with_its_own_arenas(tmp_path, limit_16g):
    text = FORAGING.replace("arenas: 8 ", "arenas: 20000 ").replace("count: 40 ", "count: 100 ")
    text = text.replace("width: 64 ", "width: 512 ")  # genomes of 12 KiB
    path = write(tmp_path, text)
    line = refusal(path)
    row = text[: text.index("arenas: 20000")].count("\n") + 1
    assert line.startswith(f"{path}:{row}:11: evolution.arenas: the window needs about ")
    assert "(2,000,000 agents x " in line and "evolution.arenas x agents per arena" in line


def test_each_command_checks_the_way_it_runs_the_world(tmp_path, monkeypatch):
    """The window keeps all of a generation's arenas in memory; evolve a batch per worker."""
    text = FORAGING.replace("arenas: 8 ", "arenas: 2000 ").replace("count: 40 ", "count: 100 ")
    path = write(tmp_path, text.replace("width: 256 ", "width: 4096 "))  # 128 KiB of memory
    with resources.checking():
        window, evolve = estimate(load_world(path))
    assert window.runs == (resources.WINDOW,) and evolve.runs == (resources.EVOLVE,)
    assert evolve.bytes < window.bytes / 10
    monkeypatch.setenv(MEMORY_ENV, str(evolve.bytes * 2))
    assert "evolution.arenas: the window needs about" in refusal(path)  # validate: every way
    with resources.checking(resources.EVOLVE):
        assert load_world(path).evolution.arenas == 2000
    with resources.checking(resources.WINDOW):
        assert "the window needs about" in refusal(path)
    out = tmp_path / "run"
    assert main(["play", str(path), "--frames", "1"]) == 1
    assert not out.exists()


def test_the_limit_can_be_raised(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, BIG_MEMORY)
    monkeypatch.setenv(MEMORY_ENV, "16G")
    assert main(["validate", str(path)]) == 1
    assert main(["validate", "--max-memory", "1T", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "species[0].memory.width: the window needs about 125.8 GiB" in out[0]
    assert out[1] == (
        f"{path}: ok (evolution: 1,000 agents, 500,000 agent-ticks per generation, about "
        "125.8 GiB in the window, 63.1 GiB in evolve)"
    )
    with pytest.raises(SystemExit) as info:
        main(["validate", "--max-memory", "lots", str(path)])
    assert info.value.code == 2
    assert "'lots' is not a memory size like 512M, 64G or 1.5T" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, who",
    [
        (["evolve", "{world}", "--out", "{out}", "--backend", "serial", "--no-progress"],
         "evolve needs about 63.1 GiB"),
        (["play", "{world}", "--frames", "1"], "the window needs about 125.8 GiB"),
    ],
    ids=["evolve", "play"],
)  # fmt: skip
def test_commands_refuse_before_allocating(tmp_path, limit_16g, capsys, argv, who):
    world = write(tmp_path, BIG_MEMORY)
    out = tmp_path / "run"
    assert main([a.format(world=world, out=out) for a in argv]) == 1
    assert f"{world}:5:21: species[0].memory.width: {who}" in capsys.readouterr().err
    assert not out.exists()


def test_default_limit_is_a_share_of_the_available_memory(monkeypatch):
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    limit, how = memory_limit()
    available = None
    if Path("/proc/meminfo").exists():
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    if available is None:
        pytest.skip("no MemAvailable in /proc/meminfo")
    assert abs(limit - SAFETY * available) < 0.1 * available  # (it moves a little meanwhile)
    assert how.startswith("80% of the ") and how.endswith("available; raise with --max-memory")


@pytest.mark.parametrize(
    "text, size",
    [("512M", 512 * 2**20), ("64G", 64 * 2**30), ("1.5T", int(1.5 * 2**40)), ("64GiB", 64 * 2**30),
     ("1000", 1000), ("2k", 2048), (" 3 GB ", 3 * 2**30)],
)  # fmt: skip
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "-1G", "0", "1X", "nan", "inf", "1e999"])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError, match="is not a memory size"):
        parse_size(text)


def test_grid_cell_size_is_the_engines():
    from alife.world.tables import cell_min

    for path in sorted((ROOT / "worlds").glob("*.yaml")):
        cfg = load_world(path)
        assert resources._cell_size(cfg) == cell_min(cfg), path.name


def test_batch_rule_is_the_runners():
    for arenas in (1, 3, 8, 40, 1000):
        for per in ([1], [40], [3, 1], [300], [7, 90]):
            assert batch_arenas(arenas, per) == runner_batch_arenas(arenas, per)


# --- the estimate against what the engine really allocates ----------------------------------


def _peak(make) -> int:
    """Peak bytes traced (numpy buffers included) while `make()` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        make()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _tiny(species=None, **sections) -> str:
    """TINY (two species, 6 arenas) with settings of its sections and of both species updated."""
    data = yaml.safe_load(TINY)
    for name, values in sections.items():
        data[name].update(values)
    for sp in data["species"]:
        for key, value in (species or {}).items():
            sp[key] = dict(sp[key], **value) if isinstance(value, dict) else value
    return yaml.safe_dump(data)


BIG_BRAINS = {"brain": {"width": 1024, "depth": 8}}
BIG_MEMORIES = {"brain": {"width": 256},
                "memory": {"enabled": True, "width": 8192, "value_size": 32, "key_size": 8}}
WINDOW_CASES = {
    "agents": _tiny(evolution={"arenas": 50}, species={"count": 8}),
    "brain-memory": _tiny(evolution={"arenas": 16}, species=BIG_MEMORIES),
    "genomes": _tiny(evolution={"arenas": 32}, species=BIG_BRAINS),
    "genomes-episodes": _tiny(evolution={"arenas": 32, "episodes": 3}, species=BIG_BRAINS),
    "grids": _tiny(evolution={"arenas": 150}, arena={"width": 2000, "height": 2000},
                   species={"sensors": {"range": 10}}),
    "items": _tiny(evolution={"arenas": 40}, food={"count": 3000}, species={"count": 1}),
}  # fmt: skip


@pytest.mark.parametrize("name", WINDOW_CASES)
def test_window_estimate_follows_a_real_session(tmp_path, name):
    from alife.render.session import Session

    world = write(tmp_path, WINDOW_CASES[name])
    need = estimate(load_world(world))[0]

    def one_generation():  # (the next generation's Worlds are built at its end)
        session = Session(world, seed=1, checkpoint_dir=tmp_path / "ckpt")
        while session.generation < 1:
            session.tick()

    one_generation()  # kernels loaded before measuring
    peak = _peak(one_generation)
    assert need.runs == (resources.WINDOW,)
    assert 0.8 * peak <= need.bytes <= 2.0 * peak, (size_text(need.bytes), size_text(peak))


def _run(tmp_path: Path, text: str, generations: int):
    world = write(tmp_path, text)
    cfg = load_world(world)

    runs = iter(range(2))

    def run():
        out = tmp_path / f"run{next(runs)}"
        EvolutionRun.new(world, out, generations=generations, command=["t"]).run(SerialBackend())

    return cfg, run


@pytest.mark.parametrize("episodes", [1, 6])
def test_evolve_estimate_follows_a_real_run(tmp_path, episodes):
    text = _tiny(evolution={"arenas": 32, "episodes": episodes}, species=BIG_BRAINS)
    cfg, run = _run(tmp_path, text, generations=2)
    need = estimate(cfg, workers=1)[1]  # the serial backend: one batch at a time
    run()  # kernels loaded before measuring
    peak = _peak(run)
    assert need.runs == (resources.EVOLVE,) and layout_of(cfg).agents == 32 * episodes * 4
    assert 0.8 * peak <= need.bytes <= 2.0 * peak, (size_text(need.bytes), size_text(peak))


@pytest.mark.slow
def test_open_ended_estimate_follows_a_real_run(tmp_path):
    data = yaml.safe_load(ECO)
    data["food"].update(count=400, max_count=400, energy=1.0, regrowth=0.5)
    sp = data["species"][0]
    sp["memory"] = {"enabled": True, "width": 2048, "value_size": 16, "key_size": 8, "reads": 1}
    sp["brain"]["width"] = 128
    sp["energy"].update(max_age=0, base_cost=0.001)
    data["evolution"]["open_ended"].update(max_population=400, reproduce_energy=1.2,
                                           chunk_ticks=100)  # fmt: skip
    cfg, run = _run(tmp_path, yaml.safe_dump(data), generations=3)
    (need,) = estimate(cfg)
    peak = _peak(run)
    assert need.runs == (resources.WINDOW, resources.EVOLVE) and layout_of(cfg).agents == 800
    assert 0.8 * peak <= need.bytes <= 2.0 * peak, (size_text(need.bytes), size_text(peak))
