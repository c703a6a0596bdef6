"""Fixed patch centres (`patches.centres`) and a cue that decides the roles (`cue.swap_roles`):
worlds/meadows.yaml, where a light at dawn says which of two meadows is good today."""

from pathlib import Path

import numpy as np
import pytest

from alife.config import load_world
from alife.errors import WorldConfigError
from alife.world import World
from alife.world.views import make_snapshot

from world_helpers import clear_items, config, pose, put_item, species

pytestmark = pytest.mark.usefixtures("single_thread")

WORLDS = Path(__file__).resolve().parents[1] / "worlds"
CUE = {"lights": [[50, 250], [350, 250]], "goals": [[50, 250], [350, 250]], "goal_radius": 20,
       "hold_agents": False, "stop_at_goal": False, "food_at_goal": False}  # fmt: skip


def _meadows(**over):
    sp = species(count=1, sensors={"cue": True})
    base = {"species": [sp], "cue": {**CUE, "swap_roles": True},
            "food": {"count": 12, "patches": {"count": 1, "radius": 25, "centres": [[60, 240]]}},
            "poison": {"count": 12, "patches": {"count": 2, "radius": 25,
                                                "centres": [[340, 240], [200, 60]]}},
            "arena": {"count": 16}}  # fmt: skip
    return config(**{**base, **over})


def test_fixed_patch_centres_hold_every_episode_and_arena():
    cfg = _meadows()
    for generation in (0, 5):
        w = World(cfg, 9, generation=generation)
        w.reset()
        np.testing.assert_array_equal(w.arenas.patch_xy[:, 0], [[60, 240]] * 16)
        np.testing.assert_array_equal(w.arenas.patch_xy[:, 1:], [[[340, 240], [200, 60]]] * 16)
        it = w.items
        on = it.factive
        food = on & (it.fkind == 0)
        assert food.sum() == 12 * 16
        assert np.hypot(it.fx[food] - 60, it.fy[food] - 240).max() <= 25 + 1e-9
        near = [np.hypot(it.fx[on & (it.fkind == 1)] - x, it.fy[on & (it.fkind == 1)] - y)
                for x, y in ((340, 240), (200, 60))]  # fmt: skip
        assert (np.minimum(*near) <= 25 + 1e-9).all()


def test_drawn_patches_are_unchanged_by_the_key():
    """Without centres the patches are drawn as before; centres of one kind leave the other
    kind's drawn centres alone."""
    drawn = _meadows(poison={"count": 12, "patches": {"count": 2, "radius": 25}})
    plain = drawn.model_copy(update={"food": drawn.food.model_copy(update={
        "patches": drawn.food.patches.model_copy(update={"centres": None})})})  # fmt: skip
    a, b = World(drawn, 4), World(plain, 4)
    np.testing.assert_array_equal(a.arenas.patch_xy[:, 1:], b.arenas.patch_xy[:, 1:])
    assert not np.allclose(b.arenas.patch_xy[:, 0], [60, 240])
    assert len({tuple(p) for p in b.arenas.patch_xy[:, 0]}) > 1  # drawn anew per arena


def test_swap_roles_follows_the_cue_side_and_decides_scores():
    cfg = _meadows()
    w = World(cfg, 3)
    w.reset()
    side = w.arenas.cue_side
    assert 0 < side.sum() < side.size
    np.testing.assert_array_equal(w.arenas.swapped, side == 1)
    assert make_snapshot(w).swapped is not None  # the window shows the good kind
    off = World(_meadows(cue={**CUE, "swap_roles": False}), 3)
    np.testing.assert_array_equal(off.arenas.cue_side, side)
    assert not off.arenas.swapped.any()
    a = int(np.flatnonzero(side == 1)[0])  # an arena where magenta (poison-looking) is good
    row = int(np.flatnonzero(w.agents["apos"] == a)[0])
    clear_items(w)
    pose(w, row, 200.0, 150.0)
    w.agents["speed"][row] = 0.0
    slot = int(np.flatnonzero((w.items.farena == a) & (w.items.fkind == 1))[0])
    put_item(w, slot, 200.0, 150.0)
    w.tick()
    assert w.fitness()[0][row] == pytest.approx(1.0)


def test_balanced_cue_gives_every_genome_both_roles():
    evo = {"mode": "generational", "arenas": 8, "episodes": 2}
    cfg = _meadows(cue={**CUE, "swap_roles": True, "balanced": True}, evolution=evo)
    w = World(cfg, 5, arena_ids=np.arange(16))
    swapped = w.arenas.swapped.reshape(2, 8)
    np.testing.assert_array_equal(swapped[1], ~swapped[0])


def test_meadows_world_is_a_cue_world_with_fixed_meadows():
    cfg = load_world(WORLDS / "meadows.yaml")
    assert cfg.cue.swap_roles and cfg.cue.balanced and cfg.roles_can_swap
    assert cfg.food.patches.centres == [tuple(cfg.cue.goals[0])]
    assert cfg.poison.patches.centres == [tuple(cfg.cue.goals[1])]


@pytest.mark.parametrize("old, new, words", [
    ("centres: [[55, 185]]", "centres: [[55, 185], [60, 60]]", "centres lists 2 positions"),
    ("centres: [[55, 185]]", "centres: [[55, 285]]", "food.patches.centres"),
    ("centres: [[55, 185]]", "centres: [55, 185]", "centres"),
    ("swap_roles: true", "swap_roles: maybe", "swap_roles"),
    ("name: meadows", "swap: 0.5\nname: meadows", "swap must be 0"),
    ("goals: [[55, 185], [185, 185]]", "goals: [[55, 185], [185, 185], [55, 100], [185, 100]]",
     "swap_roles needs 2 goals"),
])  # fmt: skip
def test_bad_meadows_keys_are_clear_errors(tmp_path, old, new, words):
    text = (WORLDS / "meadows.yaml").read_text()
    assert old in text
    path = tmp_path / "w.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(WorldConfigError, match=words):
        load_world(path)
