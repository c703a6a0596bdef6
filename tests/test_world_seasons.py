"""Seasonal regrowth: the kernel against a NumPy reference, and worlds without seasons unchanged
(their state after a run is pinned, bit for bit)."""

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from alife.config import load_world
from alife.config.loader import parse_model
from alife.config.models import WorldConfig
from alife.world import World
from alife.world.rng import P_REGROW, uniform
from alife.world.spawn import regrow, regrowth_at

from world_helpers import config

pytestmark = pytest.mark.usefixtures("single_thread")

WORLDS = Path(__file__).resolve().parent.parent / "worlds"

# An open-ended world of two species (births, founders, predation, poison) without seasons.
GRAZERS = """
name: grazers
seed: 11
arena: {width: 300, height: 300, boundary: wrap, count: 2}
food: {count: 80, max_count: 100, energy: 0.4, regrowth: 0.02}
poison: {count: 8, energy: 0.4, regrowth: 0.005}
obstacles: {circles: [{x: 150, y: 150, radius: 20}]}
species:
  - name: grazer
    count: 30
    signal: true
    energy: {initial: 1.0, max: 2.5, max_age: 3000}
    brain: {width: 64, depth: 2}
    memory: {width: 64, key_size: 8, value_size: 4, reads: 1}
  - name: hunter
    count: 4
    body: {radius: 7}
    sensors: {sees: [wall, grazer, hunter]}
    brain: {width: 64, depth: 2}
    memory: {enabled: false}
    eats: [grazer]
evolution:
  mode: open_ended
  mutation: {kind: gray, count: 4}
  open_ended: {reproduce_energy: 1.3, child_energy: 0.5, max_population: 60, min_population: 5}
"""

# sha256 (first 16 hex digits) of every state array after the ticks, sorted by name. A change
# of engine that changes any result of a world without seasons changes these.
PINNED = {
    "foraging": (120, "cb5e75e06dd02efa"),
    "foraging with content heads": (120, "1a6cccfeb48afdfe"),
    "predators": (120, "2e0b40b9fea747c4"),
    "grazers": (300, "d51f6237a6f99257"),
}


# arrays of features the pinned worlds do not use (tastes, swapped roles): always zero there
UNUSED = ("agent_taste", "swapped")


def state_digest(world) -> str:
    h = hashlib.sha256()
    for k, v in sorted(world.state_arrays().items()):
        if k in UNUSED:
            continue
        h.update(k.encode())
        h.update(np.ascontiguousarray(v).tobytes())
    return h.hexdigest()[:16]


def _pinned_world(name: str) -> WorldConfig:
    """A pinned world: grazers (above), a shipped world file, or foraging.yaml with content
    heads (the memory every shipped world without an `addressing` key uses)."""
    if name == "grazers":
        return parse_model(GRAZERS, WorldConfig, source="grazers")
    if name == "foraging with content heads":
        cfg = load_world(WORLDS / "foraging.yaml")
        sp = cfg.species[0]
        mem = sp.memory.model_copy(update={"addressing": "content"})
        return cfg.model_copy(update={"species": [sp.model_copy(update={"memory": mem})]})
    return load_world(WORLDS / f"{name}.yaml")


@pytest.mark.parametrize("name", sorted(PINNED))
def test_worlds_without_seasons_are_unchanged_bit_for_bit(name):
    cfg = _pinned_world(name)
    assert cfg.food.seasons is None and cfg.poison.seasons is None
    ticks, pinned = PINNED[name]
    world = World(cfg)
    for _ in range(ticks):
        world.tick()
    assert state_digest(world) == pinned


def test_seasons_with_no_swing_change_nothing():
    plain = config(food={"count": 20, "max_count": 40, "regrowth": 0.05})
    flat = config(food={"count": 20, "max_count": 40, "regrowth": 0.05,
                        "seasons": {"period": 37, "amplitude": 0.0}})  # fmt: skip
    a, b = World(plain), World(flat)
    for _ in range(80):
        a.tick()
        b.tick()
    assert state_digest(a) == state_digest(b)


def regrown_ref(world, tick: int, regrowth: float, period: int, amplitude: float) -> np.ndarray:
    """The slots that regrow at `tick` (all empty before), by the definition of seasons."""
    p = regrowth * (1.0 + amplitude * math.sin(2.0 * math.pi * (tick % period) / period))
    it = world.items
    keys = world.arenas.keys
    u = np.array([uniform(keys[it.farena[f]], tick, P_REGROW, it.flocal[f], 0)
                  for f in range(it.fx.size)])  # fmt: skip
    return it.can_regrow & (it.fkind == 0) & (u < p)


@pytest.mark.parametrize("amplitude", [0.3, 1.0])
def test_regrowth_follows_the_seasons(amplitude):
    period, regrowth = 40, 0.4
    cfg = config(
        arena={"count": 3},
        food={"count": 0, "max_count": 200, "regrowth": regrowth,
              "seasons": {"period": period, "amplitude": amplitude}},
        poison={"count": 0},
    )  # fmt: skip
    world = World(cfg)
    t = world.tables
    counts = []
    for tick in [0, 5, 10, 17, 20, 30, 45, 70, 1234567]:
        world.items.factive[:] = False
        items, arenas, it = world.items, world.arenas, t.items
        regrow(arenas.keys, items.farena, items.flocal, items.fkind, items.can_regrow,
               regrowth_at(it.regrow, it.season_period, it.season_amp, tick), arenas.patch_xy,
               it, t.obstacles.circles, t.obstacles.rects, t.grid.width, t.grid.height, tick,
               items.fx, items.fy, items.factive)  # fmt: skip
        want = regrown_ref(world, tick, regrowth, period, amplitude)
        np.testing.assert_array_equal(world.items.factive, want, err_msg=f"tick {tick}")
        counts.append(int(want.sum()))
    # spring (0), summer (10: 1 + amplitude), autumn (20), winter (30: 1 - amplitude)
    assert counts[2] > counts[0] > counts[5] and counts[2] > counts[4] > counts[5]
    if amplitude == 1.0:
        assert counts[5] == 0  # nothing grows in the depth of winter
