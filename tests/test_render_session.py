"""The window's evolution (Session, no drawing) is `run.py evolve`'s: the same loop, seed scheme
and layout, so a world played for N generations with seed S evolves what `evolve --seed S`
evolves."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np
import pytest

from alife.render.session import Session

from run_helpers import TINY, comparable, run, write_world

# the window shows 2 of the layout's 6 x 2 arenas; the rest are played off-screen
SHOWN = TINY.replace("boundary: walls}", "boundary: walls, count: 2}").replace(
    "arenas: 6", "arenas: 6\n  episodes: 2"
)
# everyone starves by tick ~13: the window ends the episode at tick 20 instead of 25
STARVE = "\n    energy: {base_cost: 0.08}"
STARVING = SHOWN.replace("eats: [food, poison]", "eats: [food, poison]" + STARVE)
STARVING = STARVING.replace("eats: [prey]", "eats: [prey]" + STARVE)


@pytest.mark.parametrize("text", [SHOWN, STARVING], ids=["shown-2-of-12", "all-die-early"])
def test_window_generations_equal_evolve_generations(tmp_path, single_thread, text):
    world = write_world(tmp_path, text)
    session = Session(world, seed=4, checkpoint_dir=tmp_path / "ckpt")
    assert session.world.n_arenas == 2
    ticks = 0
    while session.generation < 3:
        ticks += 1
        session.tick()
    run(world, tmp_path / "run", generations=3, seed=4)
    ref = comparable(tmp_path / "run")
    if text is STARVING:
        assert ticks == 3 * 20  # the early end was taken
    for s in range(2):
        genomes = session.population.genomes[s]
        assert genomes.tobytes() == ref["arrays"][f"genomes_{s}"].tobytes()
    for name in ("prey", "predator"):
        rows = [r for r in ref["rows"] if r["species"] == name]
        assert session.history[f"{name} best"] == [float(r["best"]) for r in rows]
        assert session.history[f"{name} mean"] == [float(r["mean"]) for r in rows]


def test_window_checkpoint_keeps_the_population(tmp_path, single_thread):
    session = Session(write_world(tmp_path, SHOWN), seed=4, checkpoint_dir=tmp_path / "ckpt")
    for _ in range(30):  # into generation 1
        session.tick()
    session.save_checkpoint()
    genomes = [g.copy() for g in session.population.genomes]
    for _ in range(30):
        session.tick()
    session.load_checkpoint()
    assert session.generation == 1 and session.world.tick_count == 5
    for a, b in zip(genomes, session.population.genomes, strict=True):
        assert np.array_equal(a, b)


def test_open_ended_window_shows_populations_and_the_season(tmp_path, single_thread):
    from run_helpers import ECO

    text = ECO.replace("regrowth: 0.05}", "regrowth: 0.05, seasons: {period: 200, amplitude: 1}}")
    session = Session(write_world(tmp_path, text, "eco.yaml"), checkpoint_dir=tmp_path / "c")
    assert session.chart_title()[0] == "population per species"
    assert session.chart_colors() == {"grazer": (80, 170, 255)}
    seen = set()
    for _ in range(8):
        line = session.score_line(3, 2)
        assert line.startswith("births 3  deaths 2") and "episode score" not in line
        seen.add(line.split()[4])
        session.tick(25)
    assert seen == {"spring:", "summer:", "autumn:", "winter:"}
    pops = session.history["grazer"]
    assert len(pops) == 8 and pops[-1] == session.world.snapshot().population
    session.tick(350 - session.world.tick_count)  # the depth of the second winter
    assert "winter: food regrows x0.00" in session.score_line(0, 0)
    gen = Session(write_world(tmp_path, TINY), checkpoint_dir=tmp_path / "g")
    assert gen.chart_colors() is None and gen.score_line(0, 0).startswith("episode score")
