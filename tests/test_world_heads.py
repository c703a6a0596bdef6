"""Memory heads in a World: the world file's addressing reaches the controllers; head positions
are state (zeroed at episode start and birth, saved and restored); bad files and states are
clear errors."""

import io
from pathlib import Path

import numpy as np
import pytest

from alife.config import load_world
from alife.errors import WorldConfigError, WorldError
from alife.world import World

from world_helpers import config, species

pytestmark = pytest.mark.usefixtures("single_thread")

FORAGING = Path(__file__).resolve().parent.parent / "worlds" / "foraging.yaml"


def _world(addressing="location", **over):
    mem = {"enabled": True, "width": 64, "key_size": 8, "value_size": 4, "reads": 2,
           "addressing": addressing}
    return World(config(species=[species(count=6, memory=mem, **over)]), 3,
                 arena_ids=[0, 1])


def _roundtrip(arrays: dict) -> dict:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("addressing", ["location", "both"])
def test_restore_then_tick_equals_never_stopping_with_positions(addressing):
    a = _world(addressing)
    assert a.controllers[0].addressing == addressing
    for _ in range(25):
        a.tick()
    assert a.states[0].positions.shape == (12, 3) and a.states[0].positions.any()
    b = World.from_state_arrays(a.config, _roundtrip(a.state_arrays()))
    for _ in range(25):
        a.tick()
        b.tick()
    sa, sb = a.state_arrays(), b.state_arrays()
    assert sa.keys() == sb.keys() and "positions_0" in sa
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def test_episode_start_zeroes_positions_and_the_inspector_shows_the_heads():
    w = _world()
    for _ in range(10):
        w.tick()
    view = w.inspect(int(w.snapshot().ids[0]))
    assert view.addressing == "location" and view.read_keys is None and view.write_key is None
    assert view.heads.names == ["read 0", "read 1", "write"]
    row = w.row_of(view.agent_id)
    np.testing.assert_array_equal(view.heads.before, w.states[0].positions[row])
    w.reset()
    assert not w.states[0].positions.any() and not w.states[0].memory.any()


def test_newborns_start_with_heads_at_home():
    cfg = config(
        food={"count": 0}, poison={"count": 0},
        species=[species(count=3, memory={"addressing": "location"})],
        evolution={"mode": "open_ended",
                   "open_ended": {"reproduce_energy": 1.5, "child_energy": 0.4}},
    )  # fmt: skip
    w = World(cfg)
    w.states[0].positions[:] = 5
    w.agents["energy"][1] = 1.9
    w.tick()
    assert w.last["births"] == 1 and w.states[0].positions.shape == (4, 2)
    assert w.states[0].positions[3].tolist() == [0, 0]  # births come after this tick's step
    # the others moved one step from 5, or from home
    assert set(w.states[0].positions[:3].ravel().tolist()) <= {4, 5, 6, 63, 0, 1}


def test_bad_head_states_are_clear_errors():
    w = _world()
    w.tick()
    arrays = w.state_arrays()
    bad = dict(arrays, positions_0=np.full_like(arrays["positions_0"], 64))
    with pytest.raises(WorldError, match=r"positions_0\[0\] = .* not a memory position \(0\.\.63"):
        World.from_state_arrays(w.config, bad)
    bad = dict(arrays)
    del bad["positions_0"]
    with pytest.raises(WorldError, match="missing 'positions_0'"):
        World.from_state_arrays(w.config, bad)
    both = _world("both")
    with pytest.raises(WorldError, match="saved with location addressing, the world file asks "
                                         "for both"):
        World.from_state_arrays(both.config, arrays)
    bad = dict(arrays, positions_0=arrays["positions_0"].astype(np.int64))
    with pytest.raises(WorldError, match="'positions_0' has dtype int64"):
        World.from_state_arrays(w.config, bad)


def test_states_saved_without_positions_restore_as_content_addressing():
    w = _world("content")
    for _ in range(5):
        w.tick()
    arrays = w.state_arrays()
    assert arrays["positions_0"].shape == (12, 0)
    old = {k: v for k, v in arrays.items() if not k.startswith(("positions_", "addressing_"))}
    restored = World.from_state_arrays(w.config, old)
    np.testing.assert_array_equal(restored.states[0].memory, w.states[0].memory)


def _foraging_with(tmp_path, old, new):
    text = FORAGING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "w.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_world_file_addressing_option_and_its_errors(tmp_path):
    assert load_world(FORAGING).species[0].memory.addressing == "location"
    content = _foraging_with(tmp_path, "addressing: location", "addressing: content")
    assert World(load_world(content)).controllers[0].layout.describe().endswith(
        "3 heads (2 read, 1 write) x (key 16) + value 8 + gate 1")
    cfg = load_world(FORAGING)
    assert World(cfg).controllers[0].layout.describe().endswith(
        "3 heads (2 read, 1 write) x (shift 3 + home 1) + value 8 + gate 1")
    bad = _foraging_with(tmp_path, "addressing: location", "addressing: tape")
    with pytest.raises(WorldConfigError) as info:
        load_world(bad)
    assert str(info.value).endswith(
        "species[0].memory.addressing: should be 'content', 'location' or 'both' (got 'tape')")
    wide = _foraging_with(tmp_path, "addressing: location", "addressing: both")
    with pytest.raises(WorldConfigError) as info:
        load_world(wide)
    assert ("74 brain outputs (2 motors + 3 memory heads x 21 (key_size + shift 3 + home 1 + "
            "interpolation 1; both addressing) + value_size 8 + 1 gate) do not fit brain.width "
            "64") in str(info.value)


@pytest.mark.parametrize("addressing", ["content", "location", "both"])
def test_config_counts_the_same_outputs_as_the_controller(addressing):
    w = _world(addressing)
    mem = w.config.species[0].memory
    sp = w.config.species[0]
    expected = sp.n_motors + (mem.reads + 1) * mem.head_outputs + mem.value_size + 1
    assert w.controllers[0].n_outputs == expected
