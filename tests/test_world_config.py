"""World-file models: clear errors for bad values; every valid random world runs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alife.config.models import SpeciesConfig, WorldConfig
from alife.world import World

from world_helpers import config, species

pytestmark = pytest.mark.usefixtures("single_thread")


def _error(**over) -> str:
    with pytest.raises(ValidationError) as info:
        config(**over)
    return str(info.value)


@pytest.mark.parametrize(
    "over, expect",
    [
        ({"species": [species(brain={"width": 60})]}, "power of two"),
        ({"species": [species(memory={"width": 100})]}, "try 64 or 128"),
        ({"species": [species(count=0)]}, "greater than or equal to 1"),
        ({"species": [species(body={"radius": -1})]}, "greater than 0"),
        ({"species": [species(sensors={"sees": ["wall", "rocks"]})]}, "unknown class 'rocks'"),
        ({"species": [species(eats=["a"])]}, "cannot eat itself"),
        ({"species": [species(eats=["meat"])]}, "unknown item 'meat'"),
        ({"species": [species(sensors={"rays": 16})]}, "do not fit brain.width 64"),
        ({"species": [species(memory={"key_size": 24, "reads": 2})]}, "brain outputs"),
        ({"species": [species(), species()]}, "species names must be unique"),
        ({"species": [species(name="food")]}, "reserved"),
        ({"species": [species(sensors={"cue": True})]}, "the world has no cue"),
        ({"species": [species(energy={"initial": 3.0})]}, "exceeds max"),
        ({"species": [species(spawn={"area": [0, 0, 500, 10]})]}, "outside the arena"),
        ({"obstacles": {"rects": [{"x": 390, "y": 0, "width": 20, "height": 5}]}}, "outside"),
        ({"food": {"count": 10, "max_count": 5}}, "smaller than count"),
        ({"food": {"seasons": {"period": 1}}}, "greater than or equal to 2"),
        ({"food": {"seasons": {"amplitude": 1.5}}}, "less than or equal to 1"),
        ({"name": "n" * 81}, "at most 80 characters"),
        (
            {"arena": {"count": 100_000}, "species": [species(count=100)]},
            "arena.count: the world would hold 100,000 arenas x 100 agents = 10,000,000",
        ),
    ],
)
def test_bad_values_give_clear_messages(over, expect):
    assert expect in _error(**over)


def test_unknown_key_is_rejected():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        SpeciesConfig.model_validate({"name": "a", "legs": 4})


def test_defaults_fit_the_default_brain():
    sp = SpeciesConfig(name="x")
    assert sp.n_sensors == 36 and sp.n_motors == 2
    assert WorldConfig(species=[sp]).food.count == 40


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.floats(60, 2000),
    height=st.floats(60, 2000),
    wrap=st.booleans(),
    count=st.integers(1, 30),
    radius=st.floats(0.5, 12),
    speed=st.floats(0.1, 12),
    rays=st.integers(1, 8),
    fov=st.floats(1, 360),
    srange=st.floats(1, 400),
    food=st.integers(0, 60),
    regrowth=st.floats(0, 1),
    circles=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(1, 40)), max_size=3),
    seed=st.integers(0, 2**32),
)  # fmt: skip

def test_any_valid_world_runs(width, height, wrap, count, radius, speed, rays, fov, srange, food,
                              regrowth, circles, seed):  # fmt: skip
    try:
        cfg = config(
            seed=seed,
            arena={"width": width, "height": height, "boundary": "wrap" if wrap else "walls"},
            food={"count": food, "regrowth": regrowth},
            obstacles={"circles": [{"x": a * width, "y": b * height, "radius": r}
                                   for a, b, r in circles]},  # fmt: skip
            species=[
                species(count=count, body={"radius": radius, "max_speed": speed},
                        sensors={"rays": rays, "fov": fov, "range": srange}),
            ],
        )  # fmt: skip
    except ValidationError:
        return  # e.g. a body too big for the arena: rejected with a message, fine
    w = World(cfg, arena_ids=[0, 1])
    for _ in range(15):
        w.tick()
    A = w.agents
    for k in ("x", "y", "heading", "energy"):
        assert np.isfinite(A[k]).all()
    assert ((A["x"] >= 0) & (A["x"] <= width) & (A["y"] >= 0) & (A["y"] <= height)).all()
    sensors = w.sense(0, np.arange(len(A["x"]), dtype=np.int64))
    assert np.isfinite(sensors).all() and sensors[:, : rays * 4].min() >= 0
