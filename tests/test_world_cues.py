"""Cue worlds: balanced episodes (cue.balanced) and sequences of lights (the double T-maze)."""

from pathlib import Path

import numpy as np
import pytest

from alife.config import load_world
from alife.evolve.evaluate import Layout
from alife.world import World
from alife.world.interact import C_FAILURE, C_SUCCESS

from world_helpers import fixed_motors

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


DOUBLE = Path(__file__).resolve().parents[1] / "worlds" / "double_tmaze.yaml"


def test_double_tmaze_shows_two_lights_in_turn_then_scores_the_goal_they_name():
    cfg = load_world(DOUBLE)
    w = World(cfg, 7, arena_ids=np.arange(16))
    w.reset()
    goal = w.arenas.cue_side.copy()
    assert set(goal.tolist()) == {0, 1, 2, 3}
    every = np.arange(w.agents.n, dtype=np.int64)
    start = (w.agents["x"].copy(), w.agents["y"].copy())
    for tick in range(12):
        lights = w.sense(0, every)[:, -2:]
        if tick < 5:  # the first junction's light: the high bit
            expect = goal >> 1
        elif tick < 10:  # then the second junction's
            expect = goal & 1
        else:
            expect = None
        if expect is None:
            assert (lights == 0).all()
        else:
            np.testing.assert_array_equal(lights[:, 1], expect)
            np.testing.assert_array_equal(lights[:, 0], 1 - expect)
            np.testing.assert_array_equal(w.agents["x"], start[0])  # held still
        w.tick()
    # every agent jumps onto goal g = its arena index mod 4: success where g is the cued one
    g = np.arange(16) % 4
    w.agents["x"][:] = w.tables.goals[g, 0]
    w.agents["y"][:] = w.tables.goals[g, 1]
    w.tick()
    np.testing.assert_array_equal(w.agents["counters"][:, C_SUCCESS], g == goal)
    np.testing.assert_array_equal(w.agents["counters"][:, C_FAILURE], g != goal)


def test_balanced_episodes_visit_every_goal():
    cfg = load_world(DOUBLE)
    evo = cfg.evolution.model_copy(update={"arenas": 8})
    cfg = cfg.model_copy(update={"evolution": evo})
    w = World(cfg, 3, arena_ids=np.arange(32))
    w.reset()
    goals = w.arenas.cue_side.reshape(4, 8)  # (episode, group)
    for col in goals.T:
        assert sorted(col.tolist()) == [0, 1, 2, 3]
    # a saved double T-maze (goal indices up to 3) restores
    again = World.from_state_arrays(cfg, w.state_arrays())
    np.testing.assert_array_equal(again.arenas.cue_side, w.arenas.cue_side)


@pytest.mark.parametrize("approach_to", ["either", "cued"])
def test_approach_scores_the_nearest_goal_or_the_cued_one(approach_to):
    cfg = _tmaze(True)
    sp = cfg.species[0]
    scoring = sp.scoring.model_copy(update={"approach_to": approach_to})
    cfg = cfg.model_copy(update={"species": [sp.model_copy(update={"scoring": scoring})]})
    groups = Layout.of(cfg).arenas
    w = World(cfg, 3, arena_ids=groups * np.arange(2), controller_factory=fixed_motors(np.zeros(2)))
    w.reset()
    assert w.arenas.cue_side.tolist() in ([0, 1], [1, 0])
    for _ in range(cfg.cue.show_until):  # held while the light shows, then back at the start
        w.tick()
    start = w.fitness()[0]
    np.testing.assert_array_equal(start, 0.0)
    # both agents stand halfway between the junction and goal 0 (the left arm)
    w.agents["x"][:] = 60.0
    w.agents["y"][:] = 160.0
    w.tick()
    f = w.fitness()[0]
    counters = w.agents["counters"]
    assert (counters[:, C_SUCCESS] == 0).all() and (counters[:, C_FAILURE] == 0).all()
    left = w.arenas.cue_side == 0
    d0 = np.hypot(100.0 - 20.0, 160.0 - 15.0)  # start to either goal
    want = sp.scoring.approach * (1.0 - 40.0 / d0)
    if approach_to == "either":
        np.testing.assert_allclose(f, want)
    else:  # the right-cued agent counts its distance to the right goal
        np.testing.assert_allclose(f[left], want)
        np.testing.assert_allclose(f[~left], sp.scoring.approach * (1.0 - 120.0 / d0))
