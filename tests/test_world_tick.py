"""The compiled tick equals the slow reference (tests/reference.py) agent by agent, tick by tick:
each tick the World's state before it is copied, the World ticks (its brains replaced by random
motors, its sensor inputs recorded), and the reference replays that tick from the copy."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.config import load_world
from alife.world import World, make_controller
from alife.world.rng import uniform
from alife.world.spawn import _place_item

from reference import sense_rays_ref, world_tick_ref
from world_helpers import config, species

pytestmark = pytest.mark.usefixtures("single_thread")

WORLDS = Path(__file__).resolve().parent.parent / "worlds"
COMPARED = ("x", "y", "heading", "speed", "energy", "age", "alive", "done", "counters",
            "goal_d", "signal")  # fmt: skip


class Recorder:
    """A species' brain replaced by uniform random motors; records its inputs and outputs."""

    def __init__(self, ctrl, seed):
        self.ctrl, self.rng = ctrl, np.random.default_rng(seed)
        self.sensors = self.motors = None

    def __getattr__(self, name):
        return getattr(self.ctrl, name)

    def step(self, genomes, state, sensors):
        self.sensors = sensors.copy()
        self.motors = self.rng.uniform(-1, 1, (len(sensors), self.ctrl.n_motors))
        return self.motors.astype(np.float32)


def _recording(config, s):
    return Recorder(make_controller(config, s), 100 + s)


def _place_item_ref(world):
    t = world.tables

    def place(key, tick, stream, local, kind, a):
        fx, fy = np.zeros(1), np.zeros(1)
        _place_item(0, key, tick, stream, local, kind, world.arenas.patch_xy, a, t.items,
                    t.obstacles.circles, t.obstacles.rects, t.grid.width, t.grid.height, fx, fy)
        return fx[0], fy[0]

    return place


def _sensors_ref(world, s, row):
    """Ray inputs (rays, classes) of one agent from the reference ray caster."""
    A, I, cfg = world.agents, world.items, world.config
    sp = cfg.species[s]
    sees = sp.sensors.sees
    discs = []
    for f in np.flatnonzero(I.factive & (I.farena == A["apos"][row])):
        kind = "food" if I.fkind[f] == 0 else "poison"
        discs.append((I.fx[f], I.fy[f], world.tables.items.radius[I.fkind[f]], kind))
    for j in np.flatnonzero(A["alive"]):
        if j != row and A["apos"][j] == A["apos"][row]:
            other = cfg.species[A["species"][j]]
            cls = other.name if other.name in sees else "agent"
            discs.append((A["x"][j], A["y"][j], other.body.radius, cls))
    circles, rects = world.tables.obstacles
    return sense_rays_ref(
        A["x"][row], A["y"][row], A["heading"][row], sp.sensors.rays, sp.sensors.fov,
        sp.sensors.range, sees, discs, cfg.arena.width, cfg.arena.height,
        walls=cfg.arena.boundary == "walls", circles=circles, rects=rects,
    )  # fmt: skip


def _replay(cfg, seed, ticks, arenas=2):
    w = World(cfg, seed, arena_ids=range(arenas), controller_factory=_recording)
    for _ in range(ticks):
        before = World.from_state_arrays(cfg, w.state_arrays(), controller_factory=_recording)
        tick = w.tick_count
        w.tick()
        motors = np.zeros((w.agents.n, 5))
        for s, ctrl in enumerate(w.controllers):
            lo, hi = w.agents.span(s)
            motors[lo:hi, : ctrl.n_motors] = ctrl.motors
            n_rays, n_cls = cfg.species[s].sensors.rays, len(cfg.species[s].sensors.sees)
            for row in range(lo, hi):
                if before.agents["alive"][row]:
                    got = ctrl.sensors[row - lo, : n_rays * n_cls].reshape(n_rays, n_cls)
                    want = _sensors_ref(before, s, row)
                    np.testing.assert_allclose(got, want, atol=2e-5, err_msg=f"tick {tick}")
        A, I, eaten, deaths = world_tick_ref(
            before, motors.astype(np.float32), tick, uniform, _place_item_ref(before)
        )
        for k in COMPARED:
            np.testing.assert_allclose(w.agents[k], A[k], atol=1e-9, err_msg=f"{k}, tick {tick}")
        for k in ("fx", "fy", "factive"):
            np.testing.assert_array_equal(getattr(w.items, k), I[k], err_msg=f"{k}, tick {tick}")
        assert (w.last["eaten"], w.last["deaths"]) == (eaten, deaths)
    return w


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), wrap=st.booleans(), crowd=st.integers(8, 40))
def test_tick_equals_reference(seed, wrap, crowd):
    # the arena is wider than twice the sight range plus an obstacle: in wrap-around arenas the
    # kernels look at the nearest image of each obstacle and object only
    cfg = config(
        seed=seed,
        arena={"boundary": "wrap" if wrap else "walls", "width": 260, "height": 240},
        food={"count": 25, "regrowth": 0.2},
        poison={"count": 8, "regrowth": 0.2, "energy": 0.5},
        obstacles={"circles": [{"x": 60, "y": 60, "radius": 18}],
                   "rects": [{"x": 120, "y": 90, "width": 10, "height": 50}]},
        species=[species(count=crowd, body={"max_speed": 4.0, "radius": 7.0}, signal=True,
                         sensors={"range": 50})],
    )  # fmt: skip
    w = _replay(cfg, seed, ticks=12)
    assert w.totals["eaten"] >= 0 and w.agents["alive"].any()


def test_tick_equals_reference_with_predators():
    cfg = config(
        food={"count": 30, "regrowth": 0.1},
        arena={"width": 160, "height": 120},
        species=[
            species(name="prey", count=14, eats=["food", "poison"]),
            species(name="hunter", count=5, eats=["prey"],
                    sensors={"sees": ["wall", "prey", "hunter"]}, body={"max_speed": 5.0}),
        ],
    )  # fmt: skip
    w = _replay(cfg, 4, ticks=30)
    assert w.totals["deaths"] > 0  # some prey were caught


@pytest.mark.parametrize("approach_to", ["either", "cued"])
def test_tick_equals_reference_in_a_cue_world(approach_to):
    cfg = load_world(WORLDS / "tmaze.yaml")
    sp = cfg.species[0]
    scoring = sp.scoring.model_copy(update={"approach_to": approach_to})
    cfg = cfg.model_copy(update={"species": [sp.model_copy(update={"scoring": scoring})]})
    w = _replay(cfg, 2, ticks=cfg.cue.show_ticks + 15, arenas=3)
    assert w.tick_count > cfg.cue.show_ticks
