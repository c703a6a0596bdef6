"""NTM heads: content mode unchanged bit for bit; location heads move and address a tape exactly;
both mode with the interpolation gate at 0 is location mode; positions are state."""

import hashlib

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.brain import HashMemory, NTMController
from alife.brain.heads import HeadLayout
from alife.jit import set_threads

from reference import address_matrix_ref, heads_ref, ntm_step_ref

# sha256 (first 32 hex digits) of 6 ticks of motors, then the final memory and reads, of
# _fingerprint's runs, pinned: content addressing must reproduce them bit for bit (they are
# those of a controller with content-only memory, compiled with alife.jit's exact arithmetic)
CONTENT_FINGERPRINTS = {
    (16, 8, 256, 2, "sign", 1, 64): "937f818b5ba56c951d207944a50fb3dc",
    (16, 8, 256, 2, "reservoir", 2, 64): "ad2a4fe7878249033b3d1b3dd2d9f1a3",
    (32, 8, 256, 3, "sign", 3, 256): "a67371e0f8f443cabdaa0161b2de02c4",
    (12, 6, 64, 2, "sign", 2, 64): "0d518d63f9b57b7008cec8e799057ff0",
    (8, 4, 16, 1, "reservoir", 1, 32): "46c2b948b3c536a90d974b6ac23cabec",
    None: "325cf76a8532dce8bcdc8121264d2a78",
}


def _fingerprint(cfg) -> str:
    if cfg is None:
        ctrl = NTMController(20, 3, None, width=32, depth=3, seed=11)
    else:
        k, d, m, rounds, mode, reads, width = cfg
        ctrl = NTMController(20, 3, HashMemory(k, d, m, rounds, mode, seed=5), reads=reads,
                             width=width, depth=3, seed=11, addressing="content")
    rng = np.random.default_rng(2024)
    genomes = ctrl.init_genomes(rng, 37)
    state = ctrl.new_state(37)
    digest = hashlib.sha256()
    for _ in range(6):
        sensors = rng.standard_normal((37, 20)).astype(np.float32)
        digest.update(ctrl.step(genomes, state, sensors).tobytes())
    digest.update(state.memory.tobytes())
    digest.update(state.reads.tobytes())
    return digest.hexdigest()[:32]


@pytest.mark.parametrize("cfg", list(CONTENT_FINGERPRINTS), ids=str)
def test_content_mode_reproduces_the_controller_before_heads_bit_for_bit(cfg):
    assert _fingerprint(cfg) == CONTENT_FINGERPRINTS[cfg]


# ----- identity nets: all slopes 1 and depth 1 make y = D0 x sqrt(n_in / width) for the first
# n_sensors outputs (two orthonormal WHTs cancel), so chosen sensors set chosen head outputs.
# With n_in == width the scale is 1 and, for inputs that are multiples of 1/8 below 64, every
# sum and product is exact in float32: the net outputs exactly the numbers chosen.

def _identity(addressing, reads=1, value_size=4, mem_width=16, key_size=4, width=64):
    mem = HashMemory(key_size, value_size, mem_width, 2, "sign", seed=3)
    n_sensors = width - 1 - reads * value_size
    ctrl = NTMController(n_sensors, 1, mem, reads=reads, width=width, depth=1, seed=4,
                         addressing=addressing)
    assert ctrl.n_outputs <= n_sensors and ctrl.n_inputs == width
    return ctrl, np.ones(ctrl.n_params, np.float32)


def _eighths(rng, shape):
    return (rng.integers(-200, 200, shape) / 8).astype(np.float32)


def _sensors(ctrl, shifts, home, value, gate=30.0, interp=None, keys=None):
    """Sensor rows (B, n_sensors) whose identity-net outputs are the given head decisions:
    shifts, home (B, R+1) in {-1, 0, 1} / bool, value (B, d), gate and interp logits."""
    lay = ctrl.layout
    batch = len(shifts)
    y = np.zeros((batch, lay.n_outputs), np.float64)
    for q in range(lay.n_heads):
        o = lay.head(q) + lay.shift
        y[:, o: o + 3] = -1.0
        y[np.arange(batch), o + 1 + np.asarray(shifts)[:, q]] = 1.0
        y[:, o + 3] = np.where(np.asarray(home)[:, q], 1.0, -1.0)
        if interp is not None:
            y[:, o + 4] = interp
        if keys is not None:
            y[:, lay.head(q): lay.head(q) + lay.key_size] = keys[:, q]
    y[:, lay.value: lay.value + lay.value_size] = value
    y[:, lay.gate] = gate
    x = np.zeros((batch, ctrl.n_sensors), np.float32)
    x[:, : lay.n_outputs] = y * ctrl.net.signs[: lay.n_outputs]  # D0 = 1 / D0
    return x


@settings(max_examples=25, deadline=None)
@given(data=st.data(), reads=st.integers(1, 2), log_m=st.integers(2, 8),
       ticks=st.integers(1, 12), batch=st.integers(1, 4))
def test_shift_and_home_move_positions_as_specified(data, reads, log_m, ticks, batch):
    m = 2**log_m
    ctrl, genome = _identity("location", reads, mem_width=m)
    state = ctrl.new_state(batch)
    expected = np.zeros((batch, reads + 1), np.int64)
    for _ in range(ticks):
        shifts = data.draw(st.lists(st.lists(st.sampled_from([-1, 0, 1]), min_size=reads + 1,
                                             max_size=reads + 1), min_size=batch, max_size=batch))
        home = data.draw(st.lists(st.lists(st.booleans(), min_size=reads + 1,
                                           max_size=reads + 1), min_size=batch, max_size=batch))
        sensors = _sensors(ctrl, shifts, home, np.zeros((batch, 4)))
        ctrl.step(genome, state, sensors)
        expected = (np.where(home, 0, expected) + np.asarray(shifts)) % m
        np.testing.assert_array_equal(state.positions, expected)


@settings(max_examples=20, deadline=None)
@given(log_m=st.integers(2, 7), seed=st.integers(0, 2**31), data=st.data())
def test_location_tape_returns_what_was_written_and_cells_do_not_interfere(log_m, seed, data):
    """The write head steps +1 per tick writing a value with gate 1 while read head 0 reads
    the same cell: it returns the value exactly, and every other cell stays as it was; then
    read head 0 walks the tape and finds every value again."""
    m = 2**log_m
    length = data.draw(st.integers(1, m))
    ctrl, genome = _identity("location", reads=1, mem_width=m)
    rng = np.random.default_rng(seed)
    state = ctrl.new_state(1)
    state.memory[:] = _eighths(rng, state.memory.shape)
    state.positions[:] = m - 1  # the first +1 shift lands on cell 0
    values = _eighths(rng, (length, 4))
    for p in range(length):
        before = state.memory.copy()
        ctrl.step(genome, state, _sensors(ctrl, [[1, 1]], [[False, False]], values[p:p + 1]))
        assert state.positions[0].tolist() == [p, p]
        np.testing.assert_array_equal(state.reads[0, 0], values[p])
        others = np.arange(m) != p
        np.testing.assert_array_equal(state.memory[0][:, others], before[0][:, others])
    state.positions[:] = [m - 1, 0]  # read head walks from cell 0; the write head stays put
    for p in range(length):
        ctrl.step(genome, state, _sensors(ctrl, [[1, 0]], [[False, False]], values[:1], -30.0))
        np.testing.assert_array_equal(state.reads[0, 0], values[p])


def test_partial_gate_moves_a_cell_part_of_the_way():
    ctrl, genome = _identity("location", reads=1, mem_width=8)
    state = ctrl.new_state(1)
    state.memory[:] = 1.0
    sensors = _sensors(ctrl, [[0, -1]], [[False, True]], np.full((1, 4), 3.0), gate=0.0)
    ctrl.step(genome, state, sensors)  # write head: home, then -1: cell 7; gate 0.5
    assert state.positions[0].tolist() == [0, 7]
    np.testing.assert_array_equal(state.memory[0, :, 7], 2.0)
    assert (state.memory[0][:, :7] == 1.0).all()


def test_location_equals_both_with_the_interpolation_gate_at_zero():
    """Both mode with interpolation logits of -100 (gate exactly 0) addresses a(p) alone: its
    memory W, seen as tape cells W A / m, and its reads equal location mode's."""
    rng = np.random.default_rng(8)
    m, batch, reads = 16, 3, 2
    loc, g_loc = _identity("location", reads, mem_width=m)
    both, g_both = _identity("both", reads, mem_width=m)
    s_loc, s_both = loc.new_state(batch), both.new_state(batch)
    a = address_matrix_ref(both.address_signs)
    np.testing.assert_array_equal(loc.address_signs, both.address_signs)
    for _ in range(10):
        shifts = rng.integers(-1, 2, (batch, reads + 1))
        home = rng.random((batch, reads + 1)) < 0.2
        value = rng.standard_normal((batch, 4))
        gate = rng.uniform(-3, 3, batch)
        keys = rng.standard_normal((batch, reads + 1, 4))
        loc.step(g_loc, s_loc, _sensors(loc, shifts, home, value, gate))
        both.step(g_both, s_both, _sensors(both, shifts, home, value, gate, -100.0, keys))
        np.testing.assert_array_equal(s_loc.positions, s_both.positions)
        np.testing.assert_allclose(s_both.reads, s_loc.reads, atol=1e-5)
        np.testing.assert_allclose(s_both.memory @ a / m, s_loc.memory, atol=1e-5)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), reads=st.integers(1, 3), log_m=st.integers(2, 6),
       ticks=st.integers(1, 6))
def test_reference_location_mode_is_both_with_interpolation_zero(seed, reads, log_m, ticks):
    m = 2**log_m
    mem = HashMemory(4, 3, m, 2, "sign", seed=seed % 1000)
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], m)
    rng = np.random.default_rng(seed)
    w_loc = w_both = rng.standard_normal((3, m))
    pos_loc = pos_both = list(rng.integers(0, m, reads + 1))
    for _ in range(ticks):
        heads = [{"key": rng.standard_normal(4), "shift": rng.standard_normal(3),
                  "home": rng.standard_normal(), "interp": rng.standard_normal()}
                 for _ in range(reads + 1)]
        value, gate = rng.standard_normal(3), rng.standard_normal()
        w_loc, r_loc, pos_loc = heads_ref("location", heads, value, gate, w_loc, pos_loc, mem,
                                          signs)
        w_both, r_both, pos_both = heads_ref("both", heads, value, gate, w_both, pos_both, mem,
                                             signs, interp=0.0)
        assert pos_loc == pos_both
        np.testing.assert_allclose(w_both, w_loc, atol=1e-12)
        np.testing.assert_allclose(r_both, r_loc, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(addressing=st.sampled_from(["location", "both"]), log_m=st.integers(0, 8),
       scale=st.sampled_from([1.0, 30.0]), seed=st.integers(0, 2**31))
def test_positions_stay_in_range_from_any_start(addressing, log_m, scale, seed):
    """Whatever the genomes and whatever int32 positions a state starts from, a step leaves
    every position in [0, m) (positions are taken mod m)."""
    m = 2**log_m
    mem = HashMemory(min(m, 4), 2, m, 2, "sign", seed=seed % 997)
    ctrl = NTMController(6, 2, mem, reads=2, width=64, depth=2, seed=seed % 991,
                         addressing=addressing)
    rng = np.random.default_rng(seed)
    genomes = (ctrl.init_genomes(rng, 9) * np.float32(scale)).astype(np.float32)
    state = ctrl.new_state(9)
    state.positions[:] = rng.integers(-2**31, 2**31, state.positions.shape, dtype=np.int64)
    for _ in range(4):
        ctrl.step(genomes, state, rng.standard_normal((9, 6)).astype(np.float32))
        assert ((state.positions >= 0) & (state.positions < m)).all()


@pytest.mark.parametrize("addressing", ["location", "both"])
def test_positional_heads_are_deterministic_for_any_thread_count(addressing):
    def run(threads, seed=3):
        set_threads(threads)
        mem = HashMemory(8, 4, 64, 2, "reservoir", seed=seed)
        ctrl = NTMController(10, 2, mem, reads=2, width=64, depth=2, seed=seed,
                             addressing=addressing)
        rng = np.random.default_rng(seed)
        genomes = ctrl.init_genomes(rng, 70)
        state = ctrl.new_state(70)
        motors = [ctrl.step(genomes, state, rng.standard_normal((70, 10)).astype(np.float32))
                  for _ in range(6)]
        return np.stack(motors), state

    before = numba.get_num_threads()
    try:
        (m1, s1), (m2, s2), (m3, _) = run(1), run(2), run(1, seed=4)
    finally:
        set_threads(before)
    np.testing.assert_array_equal(m1, m2)
    for name in ("memory", "reads", "positions"):
        np.testing.assert_array_equal(getattr(s1, name), getattr(s2, name))
    assert not np.array_equal(m1, m3)
    assert len(np.unique(s1.positions)) > 3  # the heads did move


def test_positions_are_state_rows_carried_by_take_concat_copy_and_zeroed_by_reset():
    ctrl = NTMController(10, 2, HashMemory(8, 4, 64), reads=2, width=64, addressing="location")
    assert ctrl.new_state(3).positions.shape == (3, 3)
    assert ctrl.new_state(3).positions.dtype == np.int32
    content = NTMController(10, 2, HashMemory(8, 4, 64), reads=2, width=64)
    assert content.new_state(3).positions.shape == (3, 0)
    state = ctrl.new_state(5)
    state.positions[:] = np.arange(15).reshape(5, 3)
    part = state.take([1, 3])
    assert part.positions.tolist() == [[3, 4, 5], [9, 10, 11]]
    both = state.concat(part)
    assert both.positions.shape == (7, 3) and both.positions[6].tolist() == [9, 10, 11]
    copy = state.copy()
    state.reset_rows(np.array([True, False, False, False, True]))
    assert state.positions[0].tolist() == [0, 0, 0] and state.positions[1].tolist() == [3, 4, 5]
    assert copy.positions[0].tolist() == [0, 1, 2]


def test_trace_reports_the_heads_decisions_and_the_step_they_make():
    ctrl, genome = _identity("both", reads=2, mem_width=16)
    state = ctrl.new_state(2)
    state.positions[:] = [[5, 6, 7], [1, 2, 3]]
    sensors = _sensors(ctrl, [[1, 0, -1], [0, 1, 1]], [[False, True, False], [True, False, False]],
                       np.zeros((2, 4)), interp=2.0, keys=np.ones((2, 3, 4)))
    trace = ctrl.trace(genome, state, 1, sensors[1])
    heads = trace["heads"]
    assert heads.names == ["read 0", "read 1", "write"] and heads.width == 16
    assert heads.before.tolist() == [1, 2, 3] and heads.after.tolist() == [0, 3, 4]
    assert heads.shifts.tolist() == [0, 1, 1] and heads.home.tolist() == [True, False, False]
    np.testing.assert_allclose(heads.interp, 1 / (1 + np.exp(-2.0)), rtol=1e-6)
    assert state.positions[1].tolist() == [1, 2, 3]  # trace does not change the state
    ctrl.step(genome, state, sensors)
    np.testing.assert_array_equal(state.positions[1], heads.after)
    loc, g = _identity("location", reads=1)
    assert loc.trace(g, loc.new_state(1), 0, np.zeros(loc.n_sensors, np.float32))[
        "heads"].interp is None
    content = NTMController(10, 2, HashMemory(8, 4, 64), width=64)
    genome = content.init_genomes(np.random.default_rng(0), 1)[0]
    assert content.trace(genome, content.new_state(1), 0, np.zeros(10, np.float32))[
        "heads"] is None


def test_layout_names_every_output():
    lay = HeadLayout("both", 3, 2, 16, 8)
    assert lay.head_size == 21 and lay.n_outputs == 3 + 3 * 21 + 8 + 1
    assert lay.describe() == ("motors 3 + 3 heads (2 read, 1 write) x (key 16 + shift 3 + home 1 "
                              "+ interpolation 1) + value 8 + gate 1")
    content = HeadLayout("content", 3, 2, 16, 8)
    assert (content.head(0), content.head(2), content.value, content.gate) == (3, 35, 51, 59)
    assert HeadLayout("location", 3, 2, 16, 8).n_outputs == 3 + 3 * 4 + 9
    y = np.arange(lay.n_outputs, dtype=np.float32)
    parts = NTMController(40, 3, HashMemory(16, 8, 256), reads=2, width=128,
                          addressing="both").split_outputs(y)
    assert parts["read_keys"].shape == (2, 16) and parts["write_key"][0] == 3 + 2 * 21
    assert parts["shift_logits"].shape == (3, 3) and parts["shifts"].tolist() == [1, 1, 1]
    assert parts["home_logits"].tolist() == [3 + 16 + 3, 3 + 21 + 19, 3 + 42 + 19]
    assert parts["interp_logits"][0] == 3 + 20 and parts["write_value"][0] == 3 + 63


def test_bad_heads_arguments_are_clear():
    with pytest.raises(ValueError, match=r"addressing must be one of \('content', 'location', "
                                         r"'both'\), got 'tape'"):
        NTMController(10, 2, HashMemory(8, 4, 64), addressing="tape")
    with pytest.raises(ValueError, match=r"outputs 75 \(motors 3 \+ 3 heads \(2 read, 1 write\) "
                                         r"x \(key 16 \+ shift 3 \+ home 1 \+ interpolation 1\)"):
        NTMController(40, 3, HashMemory(16, 8, 256), reads=2, width=64, addressing="both")
    ctrl = NTMController(10, 2, HashMemory(8, 4, 64), reads=2, width=64, addressing="location")
    state = ctrl.new_state(4)
    state.positions = state.positions.astype(np.int64)
    genomes = ctrl.init_genomes(np.random.default_rng(0), 4)
    with pytest.raises(ValueError, match=r"state.positions must be a C-contiguous int32 array "
                                         r"of shape \(4, 3\)"):
        ctrl.step(genomes, state, np.zeros((4, 10), np.float32))


@pytest.mark.parametrize("mem_width", [1, 2, 8, 16, 32])
@pytest.mark.parametrize("addressing", ["location", "both"])
def test_small_tapes_equal_reference(addressing, mem_width):
    """Memory widths below one 16-float block take the scalar address path. (One reservoir
    round: no signs, so the tiny tiled keys' exact ties cannot round either way.)"""
    mem = HashMemory(1, 3, mem_width, 1, "reservoir", seed=mem_width)
    ctrl = NTMController(12, 2, mem, reads=2, width=64, depth=2, seed=7, addressing=addressing)
    rng = np.random.default_rng(mem_width)
    genomes = ctrl.init_genomes(rng, 6)
    state = ctrl.new_state(6)
    a = address_matrix_ref(ctrl.address_signs)
    ref = [(np.zeros((3, mem_width)), np.zeros((2, 3)), [0, 0, 0]) for _ in range(6)]
    for _ in range(5):
        sensors = rng.standard_normal((6, 12)).astype(np.float32)
        ctrl.step(genomes, state, sensors)
        for i in range(6):
            _, w, rd, pos = ntm_step_ref(ctrl, genomes[i], *ref[i][:2], sensors[i], ref[i][2])
            ref[i] = (w, rd, pos)
            np.testing.assert_array_equal(state.positions[i], pos)
            np.testing.assert_allclose(state.reads[i], rd, atol=1e-4, rtol=1e-4)
            tape = w @ a / mem_width if addressing == "location" else w
            np.testing.assert_allclose(state.memory[i], tape, atol=1e-4, rtol=1e-4)
