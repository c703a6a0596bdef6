"""alife.world.state_checks: a World's own state passes; each kind of damage a kernel would index
or compute with unchecked is a WorldStateError naming the array (and from_state_arrays refuses
it before building anything)."""

from __future__ import annotations

import numpy as np
import pytest

from alife.config.loader import parse_model
from alife.config.models import WorldConfig
from alife.errors import AlifeError, WorldStateError
from alife.world import World
from alife.world.engine import make_controller
from alife.world.state_checks import check_state

from run_helpers import ECO, TINY


def check(config, arrays):
    check_state(config, arrays, [make_controller(config, s) for s in range(len(config.species))])

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def eco():
    """The open-ended test world after 60 ticks (births and deaths have happened)."""
    config = parse_model(ECO, WorldConfig, source="eco.yaml")
    world = World(config, 5)
    for _ in range(60):
        world.tick()
    return config, world.state_arrays()


def changed(arrays, name, index, value):
    out = dict(arrays)
    out[name] = arrays[name].copy()
    out[name][index] = value
    return out


def test_a_worlds_own_state_passes_and_round_trips(eco):
    config, arrays = eco
    check(config, arrays)
    again = World.from_state_arrays(config, arrays).state_arrays()
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)


@pytest.mark.parametrize("name, index, value, match", [
    ("agent_apos", 0, 2, r"agent_apos\[0\] = 2 is not an arena position \(0..1\)"),
    ("agent_apos", 3, -1, r"agent_apos\[3\]"),
    ("agent_x", 1, 1e6, r"agent_x\[1\] = 1000000.0 is outside the arena \(0..150\)"),
    ("agent_y", 2, np.nan, r"agent_y\[2\] = nan is not finite"),
    ("agent_species", -1, 5, "not a species index"),
    ("agent_ids", 1, 0, "repeats an id"),
    ("agent_ids", 0, 10**9, "not an id below next_id"),
    ("agent_parent", 0, -5, "agent_parent"),
    ("agent_energy", 0, np.inf, "not finite"),
    ("agent_counters", (0, 1), -1, "negative"),
    ("agent_signal", (0, 2), np.nan, r"agent_signal\[0\]"),
    ("item_farena", 0, 1, "item_farena' does not match"),
    ("item_fkind", 3, 2, "item_fkind' does not match"),
    ("item_fx", 0, -5.0, "outside the arena"),
    ("genomes_0", (0, 0), np.nan, r"genomes_0\[0\]"),
    ("cue_side", 0, 3, r"is not a goal index \(0..1\)"),
    ("agent_taste", 0, 7, "not a taste code"),
    ("patch_xy", (0, 0, 0), np.nan, "patch_xy"),
    ("arena_ids", 1, 0, "repeats an arena"),
])  # fmt: skip
def test_out_of_range_values_are_refused(eco, name, index, value, match):
    config, arrays = eco
    bad = changed(arrays, name, index, value)
    with pytest.raises(WorldStateError, match=match):
        check(config, bad)
    with pytest.raises(WorldStateError, match=match) as info:
        World.from_state_arrays(config, bad)
    assert isinstance(info.value, AlifeError)


@pytest.fixture(scope="module")
def tiny():
    """The two-species generational test world (prey with memory, predators) after 10 ticks."""
    config = parse_model(TINY, WorldConfig, source="tiny.yaml")
    world = World(config, 3)
    for _ in range(10):
        world.tick()
    return config, world.state_arrays()


def test_shapes_dtypes_order_and_missing_arrays_are_refused(eco, tiny):
    config, arrays = eco
    for bad, match in [
        ({**arrays, "agent_x": arrays["agent_x"][1:]}, r"agent_x' has shape"),
        ({**arrays, "genomes_0": arrays["genomes_0"].astype(np.float64)}, "dtype float64"),
        ({k: v for k, v in arrays.items() if k != "memory_0"}, "'memory_0' is missing"),
        ({**arrays, "next_id": np.array(-1)}, "next_id = -1 is negative"),
        ({**arrays, "tick_count": np.array(3.0)}, "tick_count' has dtype float64"),
    ]:
        with pytest.raises(WorldStateError, match=match):
            check(config, bad)
    config, arrays = tiny
    check(config, arrays)
    species = arrays["agent_species"].copy()
    species[0], species[-1] = species[-1], species[0]  # a predator row before the prey rows
    with pytest.raises(WorldStateError, match="not in species order"):
        check(config, {**arrays, "agent_species": species})
    with pytest.raises(WorldStateError, match="reads_0' has shape"):
        check(config, {**arrays, "reads_0": arrays["reads_0"][:, :, :1]})
    with pytest.raises(WorldStateError, match=r"memory_0\[1\] .* not finite"):
        check(config, changed(arrays, "memory_0", (1, 0, 1), np.inf))


def test_memory_positions_are_checked_when_present():
    """Location heads save per-agent memory positions (B, reads + 1) int32: inside the memory."""
    text = TINY.replace("rounds: 2, reads: 1}", "rounds: 2, reads: 1, addressing: location}")
    config = parse_model(text, WorldConfig, source="tiny.yaml")
    world = World(config, 3)
    world.tick()
    arrays = world.state_arrays()
    n = arrays["genomes_0"].shape[0]
    memory = config.species[0].memory
    ok = np.full((n, memory.reads + 1), memory.width - 1, np.int32)
    check(config, {**arrays, "positions_0": ok})
    bad = ok.copy()
    bad[2, 1] = memory.width
    with pytest.raises(WorldStateError, match=r"positions_0\[2\] .* not a memory position"):
        check(config, {**arrays, "positions_0": bad})
    with pytest.raises(WorldStateError, match="positions_0' has dtype int64"):
        check(config, {**arrays, "positions_0": ok.astype(np.int64)})
