"""Ray sensing against the brute-force reference on hand-made and random scenes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.world import World
from alife.world.sensors import ray_angles, sensor_names

from reference import sense_rays_ref
from world_helpers import (
    clear_items,
    config,
    pose,
    put_item,
    rows,
    species,
)

pytestmark = pytest.mark.usefixtures("single_thread")

CLASSES = ["wall", "food", "poison", "agent"]


def _ref_for(world, row, classes=CLASSES):
    A, I, cfg = world.agents, world.items._asdict(), world.config
    sp = cfg.species[A["species"][row]]
    discs = []
    for f in np.flatnonzero(I["factive"]):
        kind = "food" if I["fkind"][f] == 0 else "poison"
        r = cfg.food.radius if kind == "food" else cfg.poison.radius
        discs.append((I["fx"][f], I["fy"][f], r, kind))
    for j in np.flatnonzero(A["alive"]):
        if j != row and A["apos"][j] == A["apos"][row]:
            discs.append((A["x"][j], A["y"][j], cfg.species[A["species"][j]].body.radius, "agent"))
    return sense_rays_ref(
        A["x"][row], A["y"][row], A["heading"][row], sp.sensors.rays, sp.sensors.fov,
        sp.sensors.range, classes, discs, cfg.arena.width, cfg.arena.height,
        walls=cfg.arena.boundary == "walls", circles=world.tables.obstacles.circles,
        rects=world.tables.obstacles.rects,
    )  # fmt: skip


def test_food_on_a_ray_and_wall_at_known_distance():
    w = World(config(poison={"count": 0}, species=[species(count=1)]))
    clear_items(w)
    ang = ray_angles(8, 120)[4]  # +7.5 degrees
    pose(w, 0, 100.0, 100.0, 0.0)
    put_item(w, 0, 100 + 50 * math.cos(ang), 100 + 50 * math.sin(ang))
    out = w.sense(0, rows(w))[0]
    n_cls = 4
    food = out[1 : 8 * n_cls : n_cls]
    assert food[4] == pytest.approx(1 - 47 / 80, abs=1e-5)  # centre at 50, radius 3
    assert (np.delete(food, 4) == 0).all()
    # a wall straight ahead at 40 units: ray 4 hits it at 40 / cos(7.5 deg)
    pose(w, 0, 360.0, 100.0, 0.0)
    out = w.sense(0, rows(w))[0]
    assert out[4 * n_cls + 0] == pytest.approx(1 - (40 / math.cos(ang)) / 80, abs=1e-5)
    # the outermost rays (52.5 degrees off) meet the same wall at 40 / cos(52.5 deg)
    edge = 1 - (40 / math.cos(math.radians(52.5))) / 80
    assert out[0] == pytest.approx(edge, abs=1e-5) and out[7 * n_cls] == pytest.approx(
        edge, abs=1e-5
    )
    np.testing.assert_allclose(out[: 8 * n_cls].reshape(8, n_cls), _ref_for(w, 0), atol=1e-5)


def test_wall_hides_food_behind_it():
    cfg = config(
        poison={"count": 0},
        species=[species(count=1)],
        obstacles={"rects": [{"x": 140, "y": 80, "width": 10, "height": 40}]},
    )
    w = World(cfg)
    clear_items(w)
    pose(w, 0, 100.0, 100.0, 0.0)
    put_item(w, 0, 170.0, 100.0)
    out = w.sense(0, rows(w))[0].reshape(-1)[:32].reshape(8, 4)
    assert out[:, 1].max() == 0.0  # the box is in the way
    assert out[3:5, 0].min() > 0.4  # ...and is seen as a wall at ~40 units
    np.testing.assert_allclose(out, _ref_for(w, 0), atol=1e-5)


def test_species_classes_and_touching():
    cfg = config(
        food={"count": 0}, poison={"count": 0},
        species=[
            species(name="prey", count=1, sensors={"sees": ["hunter", "prey"]}),
            species(name="hunter", count=1, sensors={"sees": ["prey", "wall"]}, eats=["prey"]),
        ],
    )  # fmt: skip
    w = World(cfg)
    pose(w, 0, 100.0, 100.0, 0.0)  # prey looks at the hunter right in front
    pose(w, 1, 130.0, 100.0, math.pi)
    prey_in = w.sense(0, rows(w, 0))[0][:16].reshape(8, 2)
    hunter_in = w.sense(1, rows(w, 1))[0][:16].reshape(8, 2)
    assert prey_in[3:5, 0].min() > 0.6 and prey_in[:, 1].max() == 0
    assert hunter_in[3:5, 0].min() > 0.6
    pose(w, 1, 104.0, 100.0, 0.0)  # overlapping bodies: every ray reads "touching"
    assert (w.sense(0, rows(w, 0))[0][0:16:2] == 1.0).all()


def test_wrap_arena_sees_across_the_edge():
    cfg = config(arena={"boundary": "wrap"}, poison={"count": 0}, species=[species(count=1)])
    w = World(cfg)
    clear_items(w)
    pose(w, 0, 390.0, 150.0, 0.0)
    put_item(w, 0, 20.0, 150.0 + 30 * math.tan(math.radians(7.5)))
    out = w.sense(0, rows(w))[0][:32].reshape(8, 4)
    assert out[:, 0].max() == 0.0  # no walls in a wrap-around world
    assert out[4, 1] == pytest.approx(1 - (30 / math.cos(math.radians(7.5)) - 3) / 80, abs=0.01)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), fov=st.sampled_from([60, 120, 250, 360]),
       rays=st.integers(1, 12), wrap=st.booleans())  # fmt: skip
def test_random_scenes_match_reference(seed, fov, rays, wrap):
    cfg = config(
        seed=seed,
        arena={"boundary": "wrap" if wrap else "walls"},
        food={"count": 60},
        poison={"count": 20},
        obstacles={
            "circles": [{"x": 200, "y": 150, "radius": 25}],
            "rects": [{"x": 60, "y": 40, "width": 30, "height": 90}],
        },
        species=[species(count=30, sensors={"rays": rays, "fov": fov, "range": 70})],
    )
    w = World(cfg)
    out = w.sense(0, rows(w))
    for row in range(0, 30, 3):
        got = out[row, : rays * 4].reshape(rays, 4)
        np.testing.assert_allclose(got, _ref_for(w, row), atol=2e-5)


def test_extra_inputs_and_names():
    cfg = config(species=[species(count=2, sensors={"clock_period": 10})])
    w = World(cfg)
    names = sensor_names(cfg.species[0])
    assert names[:2] == ["ray0.wall", "ray0.food"]
    assert names[-4:] == ["energy", "speed", "clock.sin", "clock.cos"]
    w.agents["energy"][0] = 0.5
    w.agents["speed"][0] = -1.5
    w.tick_count = 3
    out = w.sense(0, rows(w))[0]
    assert len(names) == out.shape[0] == cfg.species[0].n_sensors
    assert out[-4] == pytest.approx(0.25)  # energy / max (2.0)
    assert out[-3] == pytest.approx(-0.5)  # speed / max_speed (3.0)
    assert out[-2] == pytest.approx(math.sin(2 * math.pi * 0.3), abs=1e-6)
    w.agents["alive"][1] = False
    assert (w.sense(0, rows(w))[1] == 0).all()
