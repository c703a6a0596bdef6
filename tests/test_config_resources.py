"""The resource estimate (alife/config/resources.py): every command that loads a world refuses,
at the key to change, one whose memory need is above the limit, before allocating anything;
the estimate follows what a real World allocates (measured with tracemalloc)."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import yaml

from alife.cli import main
from alife.config import load_world
from alife.config.resources import (
    MEMORY_ENV,
    SAFETY,
    batch_arenas,
    estimate,
    memory_limit,
    parse_size,
    size_text,
)
from alife.errors import WorldConfigError
from alife.evolve.backends import SerialBackend
from alife.evolve.evaluate import batch_arenas as runner_batch_arenas
from alife.evolve.runner import EvolutionRun
from alife.world import World

from run_helpers import ECO, TINY
from world_helpers import config, species

pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parent.parent
FORAGING = (ROOT / "worlds" / "foraging.yaml").read_text(encoding="utf-8")
BIG_MEMORY = """\
species:
  - name: a
    count: 1000
    brain: {width: 4096, depth: 3}
    memory: {width: 65536, value_size: 256, key_size: 16, reads: 1}
"""
MANY_BIG_BRAINS = """\
arena: {count: 2000}
species:
  - name: a
    count: 1000
    brain: {width: 1024, depth: 8}
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
        f"{path}:5:21: species[0].memory.width: the window needs about 62.9 GiB of memory "
        "(1,000 agents x 64.4 MiB, mostly brain memory: width 65,536 x value_size 256 x 4 bytes), "
        f"more than the 16.0 GiB {LIMIT}"
    )


def test_many_agents_with_big_brains_are_refused_at_the_count(tmp_path, limit_16g):
    path = write(tmp_path, MANY_BIG_BRAINS)
    assert refusal(path) == (
        f"{path}:1:16: arena.count: the window needs about 504.7 GiB of memory (2,000,000 agents "
        f"x 264.6 KiB (arena.count x species counts)), more than the 16.0 GiB {LIMIT}"
    )


def test_generational_layout_is_estimated_with_its_own_arenas(tmp_path, limit_16g):
    text = FORAGING.replace("arenas: 8 ", "arenas: 20000 ").replace("count: 40 ", "count: 100 ")
    text = text.replace("width: 64 ", "width: 512 ")  # genomes of 12 KiB
    path = write(tmp_path, text)
    line = refusal(path)
    row = text[: text.index("arenas: 20000")].count("\n") + 1
    assert line.startswith(f"{path}:{row}:11: evolution.arenas: evolution needs about ")
    assert "(2,000,000 agents x " in line and "evolution.arenas x agents per arena" in line


def test_the_limit_can_be_raised(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, BIG_MEMORY)
    monkeypatch.setenv(MEMORY_ENV, "16G")
    assert main(["validate", str(path)]) == 1
    assert main(["validate", "--max-memory", "1T", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "species[0].memory.width: the window needs about 62.9 GiB" in out[0]
    assert out[1].startswith(f"{path}: ok (window: 1,000 agents, about 62.9 GiB, ")
    with pytest.raises(SystemExit) as info:
        main(["validate", "--max-memory", "lots", str(path)])
    assert info.value.code == 2
    assert "'lots' is not a memory size like 512M, 64G or 1.5T" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["evolve", "{world}", "--out", "{out}", "--backend", "serial", "--no-progress"],
        ["play", "{world}", "--frames", "1"],
    ],
    ids=["evolve", "play"],
)
def test_commands_refuse_before_allocating(tmp_path, limit_16g, capsys, argv):
    world = write(tmp_path, BIG_MEMORY)
    out = tmp_path / "run"
    assert main([a.format(world=world, out=out) for a in argv]) == 1
    err = capsys.readouterr().err
    assert f"{world}:5:21: species[0].memory.width: the window needs about 62.9 GiB" in err
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


def _window(cfg):
    def run():
        world = World(cfg)
        for _ in range(3):
            world.tick()

    return run


@pytest.mark.parametrize(
    "over",
    [
        {"species": [species(count=300)]},
        {"species": [species(count=40, brain={"width": 256, "depth": 3},
                             memory={"width": 4096, "value_size": 32, "key_size": 16,
                                     "reads": 2})]},
        {"species": [species(count=60, brain={"width": 2048, "depth": 6},
                             memory={"enabled": False})]},
        {"arena": {"count": 300, "width": 2000, "height": 2000},
         "species": [species(count=2, sensors={"range": 10})]},
        {"arena": {"count": 40}, "food": {"count": 3000}, "species": [species(count=5)]},
    ],
    ids=["agents", "brain-memory", "genomes", "grids", "items"],
)  # fmt: skip
def test_window_estimate_follows_a_real_world(over):
    World(config()).tick()  # kernels loaded before measuring
    cfg = config(**over)
    need = estimate(cfg)[0]
    peak = _peak(_window(cfg))
    assert 0.8 * peak <= need.bytes <= 2.0 * peak, (size_text(need.bytes), size_text(peak))


def _run(tmp_path: Path, text: str, generations: int):
    world = write(tmp_path, text)
    cfg = load_world(world)

    def run():
        EvolutionRun.new(world, tmp_path / "run", generations=generations, command=["t"]).run(
            SerialBackend()
        )

    return cfg, run


def test_generational_estimate_follows_a_real_run(tmp_path):
    data = yaml.safe_load(TINY)
    data["evolution"]["arenas"] = 32
    for sp in data["species"]:
        sp["brain"] = {"width": 1024, "depth": 8}
    cfg, run = _run(tmp_path, yaml.safe_dump(data), generations=2)
    need = estimate(cfg, workers=1)[1]
    peak = _peak(run)
    assert need.layout.name == "evolution" and need.agents == 32 * 4
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
    need = estimate(cfg)[1]
    holder = {}
    peak = _peak(lambda: holder.setdefault("run", run()))
    assert need.layout.name == "open-ended evolution" and need.agents == 2 * 400
    assert 0.8 * peak <= need.bytes <= 2.0 * peak, (size_text(need.bytes), size_text(peak))
    assert np.isfinite(need.bytes)
