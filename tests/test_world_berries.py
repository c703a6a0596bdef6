"""Food and poison that swap roles per episode (`swap`) and the taste sensor (`sensors.taste`)."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from alife.config import load_world
from alife.config.models import MemoryConfig
from alife.errors import WorldConfigError, WorldError
from alife.world import World
from alife.world.interact import C_FOOD, C_POISON, L_FOOD, L_POISON, L_SPENT
from alife.world.sensors import sensor_names

from world_helpers import clear_items, config, pose, put_item, rows, species

pytestmark = pytest.mark.usefixtures("single_thread")

WORLDS = Path(__file__).resolve().parents[1] / "worlds"


def _tasting(**over):
    sp = species(count=1, sensors={"taste": True}, body={"max_speed": 3.0})
    return config(species=[sp], food={"count": 1, "energy": 0.3},
                  poison={"count": 1, "energy": 0.2}, **over)  # fmt: skip


def _bite(world, kind: int):
    """Put agent 0 on an item of `kind` (slot 0 food, slot 1 poison), standing still, and tick
    once; returns its taste inputs on the next tick and its energy change."""
    clear_items(world)
    pose(world, 0, 200.0, 150.0)
    world.agents["speed"][0] = 0.0
    put_item(world, kind, 200.0, 150.0)
    before = float(world.agents["energy"][0])
    world.tick()
    return world.sense(0, rows(world))[0][-2:], float(world.agents["energy"][0]) - before


@pytest.mark.parametrize("swap, kind, taste, role", [
    (0.0, 0, (1.0, 0.0), 0),
    (0.0, 1, (0.0, -1.0), 1),
    (1.0, 0, (-1.0, 0.0), 1),
    (1.0, 1, (0.0, 1.0), 0),
])  # fmt: skip
def test_taste_says_good_or_bad_per_look_and_roles_decide_energy(swap, kind, taste, role):
    w = World(_tasting(swap=swap), 5)
    assert bool(w.arenas.swapped[0]) == (swap == 1.0)
    got, gained = _bite(w, kind)
    np.testing.assert_array_equal(got, taste)
    counters, ledger = w.agents["counters"][0], w.agents["ledger"][0]
    base = w.tables.species.base_cost[0]
    assert counters[C_FOOD] == (role == 0) and counters[C_POISON] == (role == 1)
    if role == 0:  # a good item gives food.energy, whatever it looks like
        assert ledger[L_FOOD] == pytest.approx(0.3) and ledger[L_POISON] == 0
    else:  # a bad one costs poison.energy
        assert ledger[L_POISON] == pytest.approx(0.2) and ledger[L_FOOD] == 0
    spent = ledger[L_SPENT]  # living and moving this tick
    assert gained == pytest.approx((0.3 if role == 0 else -0.2) - spent, abs=1e-9)
    assert spent >= base
    # the taste lasts one tick
    clear_items(w)
    w.tick()
    assert (w.sense(0, rows(w))[0][-2:] == 0).all()


def test_scores_follow_roles():
    w = World(_tasting(swap=1.0), 5)
    _bite(w, 1)  # poison-looking item, good this episode: scores as food
    assert w.fitness()[0][0] == pytest.approx(1.0)
    _bite(w, 0)  # food-looking item, bad: scores as poison (-1 by default)
    assert w.fitness()[0][0] == pytest.approx(0.0)


def test_swaps_are_drawn_per_arena_and_episode_from_the_seed():
    cfg = _tasting(swap=0.5, arena={"count": 64})
    a, b = World(cfg, 9), World(cfg, 9)
    np.testing.assert_array_equal(a.arenas.swapped, b.arenas.swapped)
    assert 16 < a.arenas.swapped.sum() < 48
    assert not np.array_equal(a.arenas.swapped, World(cfg, 10).arenas.swapped)
    later = World(cfg, 9, generation=1)  # another generation: other episodes, other draws
    assert not np.array_equal(a.arenas.swapped, later.arenas.swapped)
    assert not World(_tasting(arena={"count": 64}), 9).arenas.swapped.any()  # swap 0: never


def test_balanced_swaps_give_every_genome_both_roles():
    """swap_balanced: a genome group's episodes (arenas g, g + groups) alternate the roles,
    starting from the roles drawn for arena g; without it each arena draws its own."""
    evo = {"mode": "generational", "arenas": 16, "episodes": 4}
    cfg = _tasting(swap=0.5, swap_balanced=True, evolution=evo)
    ids = np.arange(64)
    balanced = World(cfg, 9, arena_ids=ids).arenas.swapped.reshape(4, 16)
    drawn = World(cfg.model_copy(update={"swap_balanced": False}), 9,
                  arena_ids=ids).arenas.swapped.reshape(4, 16)  # fmt: skip
    np.testing.assert_array_equal(balanced[0], drawn[0])
    np.testing.assert_array_equal(balanced[1], ~drawn[0])
    np.testing.assert_array_equal(balanced[2:], balanced[:2])
    assert 0 < balanced[0].sum() < 16
    assert not (drawn[1] == ~drawn[0]).all()  # unbalanced: episodes drawn on their own


def test_taste_inputs_are_named_and_counted():
    cfg = _tasting()
    names = sensor_names(cfg.species[0])
    assert names[-2:] == ["taste.food", "taste.poison"]
    assert len(names) == cfg.species[0].n_sensors


def test_dawn_input_shows_which_look_nourishes_then_goes_dark():
    sp = species(count=1, sensors={"dawn": 3})
    cfg = config(species=[sp], swap=0.5, arena={"count": 16})
    names = sensor_names(cfg.species[0])
    assert names[-1] == "dawn" and len(names) == cfg.species[0].n_sensors
    w = World(cfg, 4)
    w.reset()
    every = np.arange(w.agents.n, dtype=np.int64)
    expect = np.where(w.arenas.swapped[w.agents["apos"]], -1.0, 1.0)
    assert (expect == 1).any() and (expect == -1).any()
    for tick in range(5):
        np.testing.assert_array_equal(w.sense(0, every)[:, -1], expect if tick < 3 else 0.0)
        w.tick()


def test_bad_swap_is_a_clear_error(tmp_path):
    text = (WORLDS / "berries.yaml").read_text().replace("swap: 0.5", "swap: 1.5")
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(WorldConfigError, match="swap"):
        load_world(path)


def test_state_saved_before_tasting_loads_and_swaps_round_trip():
    cfg = _tasting(swap=0.5, arena={"count": 8})
    w = World(cfg, 3)
    for _ in range(5):
        w.tick()
    arrays = w.state_arrays()
    again = World.from_state_arrays(cfg, arrays)
    np.testing.assert_array_equal(again.arenas.swapped, w.arenas.swapped)
    plain = World(config(), 3)  # a state saved before agents tasted and items swapped
    arrays = {k: v for k, v in plain.state_arrays().items()
              if k not in ("agent_taste", "swapped")}  # fmt: skip
    back = World.from_state_arrays(config(), arrays)
    assert not back.agents["taste"].any() and not back.arenas.swapped.any()
    bad = World(cfg, 3).state_arrays()
    bad["agent_taste"][0] = 9
    with pytest.raises(WorldError, match="agent_taste"):
        World.from_state_arrays(cfg, bad)


def _fingerprint(path: Path, ticks: int = 30) -> str:
    """A hash of a world file's agents and items after `ticks` ticks, with its species' memory
    set to the content heads all world files had when the fingerprints were recorded."""
    cfg = load_world(path)
    content = MemoryConfig(width=256, key_size=16, value_size=8, rounds=2, reads=2)
    cfg = cfg.model_copy(update={"species": [
        sp.model_copy(update={"memory": content.model_copy(update={"enabled": sp.memory.enabled})})
        for sp in cfg.species
    ]})  # fmt: skip
    w = World(cfg, 1)
    for _ in range(ticks):
        w.tick()
    h = hashlib.sha256()
    a = w.agents
    for arr in (np.round(a["x"], 6), np.round(a["y"], 6), np.round(a["energy"], 6),
                a["counters"], a["alive"], w.items.factive, np.round(w.items.fx, 6)):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


# 30 ticks of the world files without swaps or tastes, recorded with the engine without them
# (positions and energies rounded to 1e-6; every species with content heads, memory width 256,
# key 16, value 8, 2 rounds, 2 reads)
BEFORE_SWAP = {
    "ecology.yaml": "0d3d05416bcd286a",
    "foraging.yaml": "6cbfa13a07a46d5d",
    "predators.yaml": "befaddaac96fcc08",
    "tmaze.yaml": "60f17bd8babcc921",
}


@pytest.mark.parametrize("name", sorted(BEFORE_SWAP))
def test_worlds_without_swap_or_taste_are_unchanged(name):
    assert _fingerprint(WORLDS / name) == BEFORE_SWAP[name]


def test_eaten_counts_are_what_the_fitness_scores():
    """worldevo.eaten: good and bad berries per genome (roles, not looks) over its episodes;
    berries.yaml scores +1 per good and -0.5 per bad one, averaged over the episodes."""
    from alife.evolve.evaluate import Layout, WorldEvaluator
    from alife.experiments.worldevo import eaten, world_controllers

    cfg = load_world(WORLDS / "berries.yaml")
    cfg = cfg.model_copy(update={"evolution": cfg.evolution.model_copy(update={"arenas": 4})})
    ctrl = world_controllers(cfg)[0]
    genomes = ctrl.init_genomes(np.random.default_rng(2), 16)
    counts = eaten(cfg, genomes, 7)
    assert counts.shape == (16, 2) and counts.sum() > 0
    layout = Layout.of(cfg)
    result = WorldEvaluator(cfg, 7)(layout.task(10**6, [genomes], np.arange(layout.total)))
    fitness = layout.fitness(result).fitness[0]
    np.testing.assert_allclose(fitness, (counts[:, 0] - 0.5 * counts[:, 1]) / layout.episodes)
