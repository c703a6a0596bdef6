"""cue.balanced: a genome's episodes alternate cue sides (half each side)."""

from pathlib import Path

import numpy as np
import pytest

from alife.config import load_world
from alife.evolve.evaluate import Layout
from alife.world import World

pytestmark = pytest.mark.usefixtures("single_thread")

TMAZE = Path(__file__).resolve().parents[1] / "worlds" / "tmaze.yaml"


def _tmaze(balanced: bool):
    cfg = load_world(TMAZE)
    evo = cfg.evolution.model_copy(update={"arenas": 8, "episodes": 4})
    cue = cfg.cue.model_copy(update={"balanced": balanced})
    return cfg.model_copy(update={"evolution": evo, "cue": cue})


def test_each_genome_meets_both_sides_equally_often():
    cfg = _tmaze(True)
    layout = Layout.of(cfg)
    ids = np.arange(layout.total)
    w = World(cfg, 3, arena_ids=ids)
    w.reset()
    sides = w.arenas.cue_side.reshape(layout.episodes, layout.arenas)  # (episode, group)
    assert (sides.sum(axis=0) == 2).all()  # every group: 2 of 4 episodes on each side
    assert (sides[1] == 1 - sides[0]).all()
    plain = World(_tmaze(False), 3, arena_ids=ids)
    plain.reset()
    np.testing.assert_array_equal(sides[0], plain.arenas.cue_side[: layout.arenas])
    assert 0 < sides[0].sum() < layout.arenas  # the first episode's side is still drawn
    # the food marks the cued goal
    goal = np.flatnonzero(~w.items.can_regrow)
    np.testing.assert_array_equal(w.items.fx[goal], w.tables.goals[w.arenas.cue_side, 0])
    # another generation draws other first sides
    later = World(cfg, 3, generation=1, arena_ids=ids)
    later.reset()
    assert not np.array_equal(later.arenas.cue_side, w.arenas.cue_side)
