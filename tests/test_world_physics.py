"""Physics and interactions: obstacles, walls, wrap, agent pushes, eating, predation, cues."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.world import World
from alife.world.interact import C_FAILURE, C_FOOD, C_PREY, C_SUCCESS

from reference import disc_overlaps_obstacle_ref
from world_helpers import (
    clear_items,
    config,
    fixed_motors,
    pose,
    put_item,
    species,
)

pytestmark = pytest.mark.usefixtures("single_thread")


OBSTACLES = {
    "circles": [{"x": 100, "y": 100, "radius": 30}, {"x": 300, "y": 200, "radius": 15}],
    "rects": [{"x": 180, "y": 40, "width": 20, "height": 120}, {"x": 0, "y": 250,
              "width": 120, "height": 10}],
}  # fmt: skip


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 1000), wrap=st.booleans())
def test_agents_stay_out_of_obstacles_and_in_bounds(seed, wrap):
    cfg = config(
        seed=seed,
        arena={"boundary": "wrap" if wrap else "walls"},
        obstacles=OBSTACLES,
        species=[species(count=60, body={"max_speed": 4.0})],
    )
    w = World(cfg, arena_ids=[0, 1], controller_factory=fixed_motors(seed=seed))
    circles, rects = w.tables.obstacles
    for _ in range(40):
        w.tick()
        A = w.agents
        assert ((A["x"] >= 0) & (A["x"] <= 400) & (A["y"] >= 0) & (A["y"] <= 300)).all()
        for i in range(0, len(A["x"]), 7):
            assert not disc_overlaps_obstacle_ref(
                A["x"][i], A["y"][i], 5.0, circles, rects, tol=1e-6
            ), (A["x"][i], A["y"][i])
        if not wrap:
            assert (A["x"] >= 5 - 1e-9).all() and (A["x"] <= 395 + 1e-9).all()


def test_overlapping_agents_are_pushed_apart():
    cfg = config(food={"count": 0}, poison={"count": 0}, species=[species(count=2)])
    w = World(cfg, controller_factory=fixed_motors(motors=np.zeros(2)))
    pose(w, 0, 200.0, 150.0)
    pose(w, 1, 206.0, 150.0)
    w.tick()
    A = w.agents
    assert math.hypot(A["x"][1] - A["x"][0], A["y"][1] - A["y"][0]) == pytest.approx(10.0)
    assert A["x"][0] + A["x"][1] == pytest.approx(406.0)  # symmetric push
    pose(w, 1, 200.0, 150.0)  # the very same spot: split deterministically along x
    w.tick()
    assert A["x"][0] < A["x"][1]


def test_wrap_moves_across_the_edge():
    cfg = config(arena={"boundary": "wrap"}, species=[species(count=1)])
    w = World(cfg, controller_factory=fixed_motors(motors=np.array([0.0, 1.0])))
    pose(w, 0, 398.5, 150.0, 0.0)
    w.tick()
    assert w.agents["x"][0] == pytest.approx(1.5)


def test_eating_lowest_row_wins_and_energy_moves():
    cfg = config(poison={"count": 2, "energy": 0.4}, species=[species(count=2)])
    w = World(cfg, controller_factory=fixed_motors(motors=np.zeros(2)))
    clear_items(w)
    pose(w, 0, 100.0, 100.0)
    pose(w, 1, 110.0, 100.0)
    put_item(w, 0, 105.0, 100.0)  # both touch it: row 0 wins
    put_item(w, 20, 300.0, 100.0)  # poison (slots 20..24), far away
    e0 = w.agents["energy"].copy()
    w.tick()
    A = w.agents
    assert not w.items.factive[0] and w.items.factive[20]
    assert A["counters"][0, C_FOOD] == 1 and A["counters"][1, C_FOOD] == 0
    cost = cfg.species[0].energy.base_cost
    assert A["energy"][0] == pytest.approx(e0[0] + 0.3 - cost)
    pose(w, 1, 300.0, 104.0)
    w.tick()
    assert A["energy"][1] == pytest.approx(e0[1] - 0.4 - 2 * cost)


def test_predator_catches_prey():
    cfg = config(
        food={"count": 0}, poison={"count": 0},
        species=[species(name="prey", count=2),
                 species(name="hunter", count=1, eats=["prey"], prey_energy=0.5)],
    )  # fmt: skip
    w = World(cfg, controller_factory=fixed_motors(motors=np.zeros(2)))
    pose(w, 0, 100.0, 100.0)
    pose(w, 1, 300.0, 100.0)
    pose(w, 2, 108.0, 100.0)
    w.tick()
    A = w.agents
    assert not A["alive"][0] and A["alive"][1]
    assert A["counters"][2, C_PREY] == 1
    assert A["energy"][2] == pytest.approx(1.0 + 0.5 * 1.0 - 0.002, abs=1e-9)
    assert w.snapshot().population == 2 and w.last["deaths"] == 1


def _tmaze():
    from pathlib import Path

    from alife.config import load_world

    return load_world(Path(__file__).resolve().parent.parent / "worlds" / "tmaze.yaml")


def test_tmaze_cue_hold_and_pose_reset():
    cfg = _tmaze()
    w = World(cfg, 1, arena_ids=range(6), controller_factory=fixed_motors(seed=3))
    start = (w.agents["x"].copy(), w.agents["y"].copy(), w.agents["heading"].copy())
    cue_inputs = []
    for t in range(cfg.cue.show_ticks + 3):
        sensors = w.sense(0, np.arange(6, dtype=np.int64))
        cue_inputs.append(sensors[:, -2:].copy())
        w.tick()
        if t < cfg.cue.show_ticks - 1:  # held still while the light shows
            np.testing.assert_array_equal(w.agents["x"], start[0])
        if t == cfg.cue.show_ticks - 1:  # light off: back to the start pose exactly
            for got, want in zip(
                (w.agents["x"], w.agents["y"], w.agents["heading"]), start, strict=True
            ):
                np.testing.assert_array_equal(got, want)
    sides = w.arenas.cue_side
    for t, c in enumerate(cue_inputs):
        if t < cfg.cue.show_ticks:
            np.testing.assert_array_equal(c[:, 1], sides)  # light 1 on iff side 1
            np.testing.assert_array_equal(c[:, 0], 1 - sides)
        else:
            assert (c == 0).all()
    assert len(set(sides.tolist())) == 2  # both sides occur among 6 arenas (seeded)
    assert not w.agents["done"].any()
    # teleport agent 0 into its correct goal, agent 1 into the wrong one
    for row, good in ((0, True), (1, False)):
        side = sides[row] if good else 1 - sides[row]
        pose(w, row, *cfg.cue.goals[side])
    w.tick()
    assert w.agents["counters"][0, C_SUCCESS] == 1 and w.agents["done"][0]
    assert w.agents["counters"][1, C_FAILURE] == 1 and w.agents["done"][1]
    f = w.fitness()[0]
    # success 1.0 vs failure 0.0, plus up to 0.3 for getting closer to the cued goal
    # (approach_to: cued): agent 0 reached it, agent 1 stands in the other arm, 160 from it
    d0 = np.hypot(*(np.subtract(cfg.cue.goals[0], (100.0, 15.0))))  # the start: x 100, y 15
    assert f[0] == pytest.approx(1.3, abs=0.02)
    assert f[1] == pytest.approx(0.3 * (1.0 - 160.0 / d0), abs=0.02)
    assert f[2:].max() < 0.3
    x_done = w.agents["x"][:2].copy()
    w.tick()
    np.testing.assert_array_equal(w.agents["x"][:2], x_done)  # finished agents stop


def test_open_ended_birth_gives_mutated_child():
    cfg = config(
        food={"count": 0}, poison={"count": 0},
        species=[species(count=3)],
        evolution={"mode": "open_ended",
                   "open_ended": {"reproduce_energy": 1.5, "child_energy": 0.4}},
    )  # fmt: skip
    w = World(cfg, controller_factory=fixed_motors(motors=np.zeros(2)))
    w.agents["energy"][1] = 1.9
    parent_genome = w.genomes[0][1].copy()
    parent_id = int(w.agents["ids"][1])
    w.tick()
    A = w.agents
    assert A.agent_rows == 4 and w.last["births"] == 1
    child = 3
    assert A["parent"][child] == parent_id and A["ids"][child] == 3
    assert A["energy"][child] == pytest.approx(0.4 * (1.9 - 0.002))
    assert A["energy"][1] == pytest.approx(0.6 * (1.9 - 0.002))
    diff = np.flatnonzero(w.genomes[0][child] != parent_genome)
    assert 1 <= diff.size <= cfg.evolution.mutation.count
    assert w.states[0].memory.shape[0] == 4 and not w.states[0].memory[child].any()
    # starvation kills: the row stays, dead, until dead rows make up a quarter of the table
    A["energy"][0] = 0.001
    w.tick()
    assert not w.agents["alive"][0] and w.last["deaths"] == 1 and w.snapshot().population == 3


def test_newborns_are_placed_outside_obstacles():
    from alife.world.agents import empty_columns
    from alife.world.births import fit_inside

    cfg = config(obstacles=OBSTACLES)
    w = World(cfg)
    child = empty_columns(3)
    child.x[:] = [100.0, 190.0, -4.0]  # inside a circle, inside a box, outside the arena
    child.y[:] = [100.0, 100.0, 50.0]
    circles, rects = w.tables.obstacles
    grid = w.tables.grid
    fit_inside(child.x, child.y, 0, 3, 5.0, grid.width, grid.height, grid.wrap, circles, rects)
    for q in range(3):
        assert not disc_overlaps_obstacle_ref(child.x[q], child.y[q], 5.0, circles, rects)
        assert 5.0 <= child.x[q] <= 395.0


def test_births_of_any_species_fill_its_free_rows_in_place():
    """Once a species has free rows, its newborns go there: no row of any species moves, the
    newborns follow their species' agents with fresh ids and zeroed brains; births that do not
    fit are refused; make_room keeps every agent (dead ones too), drop_dead only the living."""
    from alife.world.agents import room_for, take_columns

    cfg = config(
        food={"count": 0}, poison={"count": 0},
        species=[species(name="a", count=3), species(name="b", count=2)],
        evolution={"mode": "open_ended"},
    )  # fmt: skip
    w = World(cfg, controller_factory=fixed_motors(motors=np.zeros(2)))
    A = w.agents
    A.make_room([0, 0])
    assert [A.span(s) for s in range(2)] == [(0, 3), (3 + room_for(3), 3 + room_for(3) + 2)]
    columns, b_lo = A.columns, A.span(1)[0]
    b_before = {k: v[b_lo : b_lo + 2].copy() for k, v in columns._asdict().items()}
    w.states[0].memory[:] = 1.0
    born = take_columns(columns, np.array([0, 1]))
    born.ids[:] = -1
    genomes = np.full((2, A.genomes[0].shape[1]), 0.5, np.float32)
    next_id = A.next_id
    A.append(0, born, genomes)
    assert A.columns is columns and A.span(0) == (0, 5) and A.span(1)[0] == b_lo
    for k, v in b_before.items():
        np.testing.assert_array_equal(columns._asdict()[k][b_lo : b_lo + 2], v, err_msg=k)
    assert list(A["ids"][3:5]) == [next_id, next_id + 1] and A.next_id == next_id + 2
    assert (A.genomes[0][3:] == 0.5).all() and not A.states[0].memory[3:].any()
    assert A.states[0].memory[:3].all()  # the agents already there keep their memories
    too_many = take_columns(columns, np.zeros(A.room(1) + 1, np.int64))
    with pytest.raises(ValueError, match="do not fit"):
        A.append(1, too_many, np.zeros((len(too_many.x), A.genomes[1].shape[1]), np.float32))
    assert A.span(1) == (b_lo, b_lo + 2)
    A["alive"][1] = False
    ids = A["ids"][:5].copy()
    A.make_room([0, 40])
    assert A.room(1) >= 40 and list(A["ids"][:5]) == list(ids)
    assert (A.genomes[0][3:] == 0.5).all() and A.states[0].memory[:3].all()
    A.drop_dead()
    assert A.agent_rows == 6 and list(A["ids"][:4]) == list(ids[[0, 2, 3, 4]])
    assert (A.genomes[0][2:] == 0.5).all() and A.states[0].memory[:2].all()
