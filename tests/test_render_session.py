"""The window's evolution (Session, no drawing) is `run.py evolve`'s: the same loop, seed scheme
and layout, so a world played for N generations with seed S evolves (and records as lineage and
clusters) what `evolve --seed S` does; named snapshots continue bit-identically."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np
import pytest

from alife.errors import CheckpointError
from alife.evolve.lineage import LINEAGE_COLUMNS, read_lineage
from alife.render.session import Session
from alife.render.snapshots import find_snapshot, list_snapshots, load_snapshot, save_snapshot

from run_helpers import ECO, TINY, comparable, run, write_world

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
    # the same lineage and genome clusters as the run's lineage.csv
    lineage = read_lineage(tmp_path / "run" / "lineage.csv")
    for column in LINEAGE_COLUMNS:
        assert np.array_equal(session.family.lineage[column], lineage[column]), column


def state_after(session: Session, ticks: int) -> dict[str, np.ndarray]:
    session.tick(ticks)
    arrays, meta = session.state()
    arrays["generation"] = np.array(session.generation)
    return arrays


@pytest.mark.parametrize(
    "text, before, after", [(SHOWN, 20, 40), (ECO, 70, 90)], ids=["generational", "open-ended"]
)
def test_snapshot_save_load_continue_equals_uninterrupted(tmp_path, single_thread, text,
                                                          before, after):  # fmt: skip
    session = Session(write_world(tmp_path, text), seed=4, checkpoint_dir=tmp_path / "snaps")
    session.tick(before)  # generational: 25-tick episodes, so the rest crosses a generation
    info = save_snapshot(session, session.checkpoint_dir)
    uninterrupted = state_after(session, after)
    assert session.generation >= 1 or session.world.totals["births"] > 0
    fresh = Session(session.path, seed=4, checkpoint_dir=tmp_path / "snaps")  # `play --load`
    load_snapshot(fresh, find_snapshot(info.name, fresh.checkpoint_dir))
    assert fresh.world.tick_count == info.tick and fresh.generation == info.generation
    resumed = state_after(fresh, after)
    assert resumed.keys() == uninterrupted.keys()
    for name, value in uninterrupted.items():
        assert np.array_equal(resumed[name], value), name
    assert fresh.family.lineage["id"].size == session.family.lineage["id"].size


def test_snapshots_are_named_listed_and_checked(tmp_path, single_thread):
    path = write_world(tmp_path, ECO)
    session = Session(path, seed=1, checkpoint_dir=tmp_path / "snaps")
    first = save_snapshot(session, session.checkpoint_dir)
    session.tick(5)
    second = save_snapshot(session, session.checkpoint_dir)
    assert first.name != second.name and second.tick == 5
    assert [s.name for s in list_snapshots(session.checkpoint_dir)] == [second.name, first.name]
    load_snapshot(session, first.path)
    assert session.world.tick_count == 0
    with pytest.raises(CheckpointError, match="no such snapshot"):
        find_snapshot("nope", session.checkpoint_dir)
    path.write_text(ECO.replace("seed: 5", "seed: 6"))
    with pytest.raises(CheckpointError, match="different version"):
        load_snapshot(session, second.path)
    assert session.world.tick_count == 0  # nothing changed
