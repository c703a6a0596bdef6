"""NTMController: batched step == reference agent by agent; determinism; memory matters."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.brain import HashMemory, NTMController

from reference import address_matrix_ref, ntm_step_ref, tape_ref


def _controller(memory=True, mode="sign", rounds=2, reads=1, width=64, seed=1, value_size=8,
                key_size=16, mem_width=256, addressing="content"):
    mem = HashMemory(key_size, value_size, mem_width, rounds, mode, seed=seed) if memory else None
    return NTMController(40, 3, mem, reads=reads, width=width, depth=3, seed=seed,
                         addressing=addressing)


# value size 8: rows 4 at a time (SIMD dot products, read hashes in pairs); 6: one row at a
# time; key 12 with memory width 64: the hash for any key size
@pytest.mark.parametrize("addressing", ["content", "location", "both"])
@pytest.mark.parametrize("memory, mode, reads, value_size, key_size, mem_width",
                         [(True, "sign", 1, 8, 16, 256), (True, "reservoir", 2, 8, 16, 256),
                          (True, "sign", 3, 8, 16, 256), (True, "sign", 2, 6, 16, 256),
                          (True, "sign", 2, 6, 12, 64), (False, "sign", 1, 8, 16, 256)])
def test_batched_step_equals_reference_agent_by_agent(addressing, memory, mode, reads, value_size,
                                                      key_size, mem_width):
    ctrl = _controller(memory, mode, reads=reads, value_size=value_size, key_size=key_size,
                       mem_width=mem_width, addressing=addressing,
                       width=64 if reads < 2 or (reads == 2 and addressing != "both") else 128)
    rng = np.random.default_rng(5)
    batch = 45  # not a multiple of the rows per task
    genomes = ctrl.init_genomes(rng, batch)
    state = ctrl.new_state(batch)
    ref = [(state.memory[i].astype(np.float64), state.reads[i].astype(np.float64),
            list(state.positions[i])) for i in range(batch)]
    # in location mode the kernel keeps tape cells V = W A / m
    tape = address_matrix_ref(ctrl.address_signs) if addressing == "location" and memory else None
    for _tick in range(4):
        sensors = rng.uniform(-1, 1, (batch, 40)).astype(np.float32)
        motors = ctrl.step(genomes, state, sensors)
        assert motors.shape == (batch, 3) and (np.abs(motors) <= 1).all()
        for i in range(batch):
            m, mem, rd, pos = ntm_step_ref(ctrl, genomes[i], *ref[i][:2], sensors[i], ref[i][2])
            ref[i] = (mem, rd, pos)
            np.testing.assert_allclose(motors[i], m, atol=1e-4)
            np.testing.assert_allclose(state.reads[i], rd, atol=1e-3, rtol=1e-3)
            expected = mem if tape is None else tape_ref(mem, tape)
            np.testing.assert_allclose(state.memory[i], expected, atol=1e-3, rtol=1e-3)
            np.testing.assert_array_equal(state.positions[i], pos)


def test_same_seed_gives_identical_results_and_shared_genome_works():
    def run(seed):
        ctrl = _controller(seed=seed)
        rng = np.random.default_rng(seed)
        genomes = ctrl.init_genomes(rng, 70)
        state = ctrl.new_state(70)
        outs = [ctrl.step(genomes, state, rng.standard_normal((70, 40)).astype(np.float32))
                for _ in range(5)]
        return np.stack(outs), state.memory
    a, b, c = run(3), run(3), run(4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    ctrl = _controller()
    genome = ctrl.init_genomes(np.random.default_rng(0), 1)[0]
    sensors = np.random.default_rng(1).standard_normal((10, 40)).astype(np.float32)
    shared = ctrl.step(genome, ctrl.new_state(10), sensors)
    per_agent = ctrl.step(np.tile(genome, (10, 1)), ctrl.new_state(10), sensors)
    np.testing.assert_array_equal(shared, per_agent)


def test_memory_changes_what_the_controller_does_on_a_later_tick():
    ctrl = _controller()
    rng = np.random.default_rng(7)
    genomes = ctrl.init_genomes(rng, 32)
    state = ctrl.new_state(32)
    for _ in range(5):
        ctrl.step(genomes, state, rng.standard_normal((32, 40)).astype(np.float32))
    assert np.abs(state.memory).max() > 0
    wiped = state.copy()
    wiped.memory[:] = 0.0  # same reads and genomes, memory contents forgotten
    probe = rng.standard_normal((32, 40)).astype(np.float32)
    ctrl.step(genomes, state, probe)
    ctrl.step(genomes, wiped, probe)
    assert not np.allclose(state.reads, wiped.reads)  # reads recall what was written
    later = ctrl.step(genomes, state, probe)
    later_wiped = ctrl.step(genomes, wiped, probe)
    assert np.abs(later - later_wiped).max() > 1e-3


def test_memory_off_ablation_has_no_reads():
    ctrl = _controller(memory=False)
    assert ctrl.n_inputs == 41 and ctrl.n_outputs == 3
    state = ctrl.new_state(4)
    assert state.reads.shape == (4, 0, 0)
    m1 = ctrl.step(np.ones(ctrl.n_params, np.float32), state, np.ones((4, 40), np.float32))
    m2 = ctrl.step(np.ones(ctrl.n_params, np.float32), state, np.ones((4, 40), np.float32))
    np.testing.assert_array_equal(m1, m2)  # no state: same input, same output


def test_trace_describes_one_step_without_changing_state():
    ctrl = _controller()
    rng = np.random.default_rng(2)
    genomes = ctrl.init_genomes(rng, 8)
    state = ctrl.new_state(8)
    ctrl.step(genomes, state, rng.standard_normal((8, 40)).astype(np.float32))
    sensors = rng.standard_normal((8, 40)).astype(np.float32)
    before = state.copy()
    trace = ctrl.trace(genomes[3], state, 3, sensors[3])
    np.testing.assert_array_equal(state.memory, before.memory)
    motors = ctrl.step(genomes, state, sensors)
    np.testing.assert_allclose(trace["motors"], motors[3], atol=1e-6)
    np.testing.assert_allclose(trace["memory"], state.memory[3], atol=1e-6)
    np.testing.assert_allclose(trace["condensed"] @ trace["inputs"], trace["raw"], atol=1e-4)
    assert trace["switch_states"].shape == (3, 64)
    assert 0 <= trace["write_gate"] <= 1 and trace["read_keys"].shape == (1, 16)
    assert len(ctrl.input_names([f"s{i}" for i in range(40)])) == ctrl.n_inputs


def test_state_rows_take_reset_concat():
    ctrl = _controller()
    state = ctrl.new_state(5)
    state.memory[:] = 1.0
    state.reads[:] = 2.0
    part = state.take([1, 3])
    assert len(part) == 2 and part.memory.flags.c_contiguous
    state.reset_rows(np.array([True, False, False, False, True]))
    assert state.memory[0].max() == 0 and state.memory[1].min() == 1
    assert len(state.concat(part)) == 7


@settings(max_examples=15, deadline=None)
@given(n_sensors=st.integers(1, 20), n_motors=st.integers(1, 4), reads=st.integers(1, 2),
       batch=st.integers(1, 40), seed=st.integers(0, 2**31))
def test_step_shapes_property(n_sensors, n_motors, reads, batch, seed):
    ctrl = NTMController(n_sensors, n_motors, HashMemory(4, 2, 32, 2, seed=seed), reads=reads,
                         width=32, depth=2, seed=seed)
    rng = np.random.default_rng(seed)
    genomes = ctrl.init_genomes(rng, batch)
    state = ctrl.new_state(batch)
    motors = ctrl.step(genomes, state, rng.standard_normal((batch, n_sensors)).astype(np.float32))
    assert motors.shape == (batch, n_motors) and np.isfinite(state.memory).all()


@settings(max_examples=12, deadline=None)
@given(addressing=st.sampled_from(["content", "location", "both"]), memory=st.booleans(),
       batch=st.integers(1, 80), seed=st.integers(0, 2**31))
def test_rows_that_are_not_live_are_skipped_and_the_others_step_as_usual(addressing, memory,
                                                                       batch, seed):
    ctrl = _controller(memory, addressing=addressing, seed=seed % 7)
    rng = np.random.default_rng(seed)
    genomes = ctrl.init_genomes(rng, batch)
    every, some = ctrl.new_state(batch), ctrl.new_state(batch)
    for _tick in range(3):
        live = rng.random(batch) < 0.6
        sensors = rng.uniform(-1, 1, (batch, 40)).astype(np.float32)
        before = some.copy()
        motors = ctrl.step(genomes, some, sensors, live)
        full = ctrl.step(genomes, every, sensors)
        np.testing.assert_array_equal(motors[live], full[live])
        assert (motors[~live] == 0).all()
        for name in ("memory", "reads", "positions"):
            got, want, kept = (getattr(x, name) for x in (some, every, before))
            np.testing.assert_array_equal(got[~live], kept[~live])
            np.testing.assert_array_equal(got[live], want[live])
            getattr(every, name)[~live] = kept[~live]  # both runs go on from the same state


@pytest.mark.parametrize("addressing", ["content", "location"])
def test_thread_count_never_changes_a_step(addressing):
    """Batches of every size split into tasks by the thread count: the same bits on 1 and 2."""
    import numba

    from alife.jit import set_threads

    ctrl = _controller(addressing=addressing)
    rng = np.random.default_rng(3)
    before = numba.get_num_threads()
    try:
        for batch in (1, 2, 3, 17, 35, 64, 65, 100):
            genomes = ctrl.init_genomes(rng, batch)
            sensors = rng.uniform(-1, 1, (3, batch, 40)).astype(np.float32)
            live = rng.random(batch) < 0.8
            runs = []
            for threads in (1, 2):
                set_threads(threads)
                state = ctrl.new_state(batch)
                motors = [ctrl.step(genomes, state, s, live) for s in sensors]
                runs.append((np.stack(motors), state.memory, state.reads, state.positions))
            for one, two in zip(*runs, strict=True):
                np.testing.assert_array_equal(one, two)
    finally:
        set_threads(before)


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="too small"):
        NTMController(60, 3, HashMemory(16, 8, 256), width=64)
    with pytest.raises(ValueError, match="power of two"):
        NTMController(10, 3, None, width=96)
    ctrl = _controller()
    genomes = ctrl.init_genomes(np.random.default_rng(0), 4)
    state = ctrl.new_state(4)
    with pytest.raises(ValueError, match=r"sensors must have shape \(any, 40\)"):
        ctrl.step(genomes, state, np.zeros((4, 39), np.float32))
    with pytest.raises(ValueError, match="state.memory"):
        ctrl.step(genomes, ctrl.new_state(3), np.zeros((4, 40), np.float32))
    with pytest.raises(ValueError, match="float32"):
        ctrl.step(genomes.astype(np.float64), state, np.zeros((4, 40), np.float32))
    for live in (np.ones(3, bool), np.ones(4, np.int64), [True] * 4):
        with pytest.raises(ValueError, match=r"live must be a bool array of shape \(4,\)"):
            ctrl.step(genomes, state, np.zeros((4, 40), np.float32), live)
