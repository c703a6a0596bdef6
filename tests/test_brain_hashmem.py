"""HashMemory: exact recall, SimHash arcsine law, decorrelation by rounds, CLT crosstalk."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.brain import HashMemory

from reference import hash_ref, memory_read_ref, memory_write_ref


# kernel paths: any k (embed, full transforms); k % 16 == 0 (embedding fused into the first
# pass); k == 16 (first round from the precomputed table, in-register transforms only)
@pytest.mark.parametrize("key_size, width", [(12, 64), (32, 256), (16, 256), (16, 16)])
@pytest.mark.parametrize("mode", ["sign", "reservoir"])
@pytest.mark.parametrize("rounds", [1, 2, 3])
def test_hash_matches_reference(key_size, width, mode, rounds):
    mem = HashMemory(key_size, 4, width, rounds, mode, seed=rounds)
    keys = np.random.default_rng(0).standard_normal((40, key_size)).astype(np.float32)
    h = mem.hash(keys)
    for row, key in zip(h, keys, strict=True):
        ref, margin = hash_ref(key, mem.signs, mode, with_margin=True)
        if margin > 1e-4:  # values this close to 0 may take either sign in float32
            np.testing.assert_allclose(row, ref, atol=1e-5)
    if mode == "sign":
        assert set(np.unique(h)) == {-1.0, 1.0}


@pytest.mark.parametrize("mode", ["sign", "reservoir"])
def test_write_then_read_same_key_returns_value(mode):
    mem = HashMemory(16, 8, 256, 2, mode, seed=1)
    rng = np.random.default_rng(2)
    w = mem.new_state(50)
    keys = rng.standard_normal((50, 16)).astype(np.float32)
    values = rng.standard_normal((50, 8)).astype(np.float32)
    mem.write(w, keys, values, np.ones(50, np.float32))
    np.testing.assert_allclose(mem.read(w, keys), values, atol=1e-5)


def test_read_and_write_match_reference_with_partial_gate():
    mem = HashMemory(8, 3, 32, 2, "sign", seed=4)
    rng = np.random.default_rng(3)
    w = rng.standard_normal((6, 3, 32)).astype(np.float32)
    keys = rng.standard_normal((6, 8)).astype(np.float32)
    values = rng.standard_normal((6, 3)).astype(np.float32)
    gate = rng.uniform(0, 1, 6).astype(np.float32)
    h = [hash_ref(k, mem.signs, "sign") for k in keys]
    expected = np.stack([memory_write_ref(w[i], h[i], values[i], gate[i]) for i in range(6)])
    before = np.stack([memory_read_ref(w[i], h[i]) for i in range(6)])
    np.testing.assert_allclose(mem.read(w, keys), before, atol=1e-5)
    mem.write(w, keys, values, gate)
    np.testing.assert_allclose(w, expected, atol=1e-5)
    # the recall moved exactly `gate` of the way from the old recall to the value
    np.testing.assert_allclose(mem.read(w, keys), before + gate[:, None] * (values - before),
                               atol=1e-5)


def _correlated_pairs(rng, count, size, rho):
    a = rng.standard_normal((count, size))
    b = rho * a + np.sqrt(1 - rho**2) * rng.standard_normal((count, size))
    return a.astype(np.float32), b.astype(np.float32)


def _mean_overlap(mem, a, b):
    return float(np.mean(np.sum(mem.hash(a) * mem.hash(b), axis=1) / mem.width))


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 0.99])
def test_simhash_overlap_follows_the_arcsine_law(rho):
    mem = HashMemory(256, 1, 256, 1, "sign", seed=7)
    a, b = _correlated_pairs(np.random.default_rng(8), 400, 256, rho)
    assert _mean_overlap(mem, a, b) == pytest.approx(2 / np.pi * np.arcsin(rho), abs=0.02)


def test_more_rounds_decorrelate_similar_keys():
    a, b = _correlated_pairs(np.random.default_rng(9), 400, 256, 0.9)
    overlaps = [_mean_overlap(HashMemory(256, 1, 256, r, "sign", seed=3), a, b)
                for r in (1, 2, 4)]
    assert overlaps[0] == pytest.approx(0.713, abs=0.02)
    # each round applies the arcsine law again to the previous overlap
    assert overlaps[1] == pytest.approx(2 / np.pi * np.arcsin(overlaps[0]), abs=0.03)
    assert overlaps[0] > overlaps[1] + 0.15 > overlaps[2] + 0.3


@pytest.mark.parametrize("width, items", [(256, 32), (1024, 64)])
def test_hebbian_crosstalk_follows_the_central_limit_theorem(width, items):
    mem = HashMemory(width, 1, width, 1, "sign", seed=width)
    rng = np.random.default_rng(items)
    ratios = []
    for _ in range(30):
        keys = rng.standard_normal((items, width)).astype(np.float32)
        values = rng.standard_normal(items)
        h = mem.hash(keys)
        w = (values @ h).astype(np.float32)  # Hebbian: W = sum_i v_i h_i
        recall = mem.read(np.broadcast_to(w, (items, 1, width)).copy(), keys)[:, 0]
        ratios.append(np.var(recall - values) / np.var(values))
    assert np.mean(ratios) == pytest.approx((items - 1) / width, rel=0.2)


@settings(max_examples=30, deadline=None)
@given(log_m=st.integers(0, 9), rounds=st.integers(1, 4),
       mode=st.sampled_from(["sign", "reservoir"]), seed=st.integers(0, 2**31), data=st.data())
def test_hash_shapes_property(log_m, rounds, mode, seed, data):
    m = 2**log_m
    k = data.draw(st.integers(1, m))
    mem = HashMemory(k, 2, m, rounds, mode, seed=seed)
    keys = np.random.default_rng(seed).standard_normal((3, k)).astype(np.float32)
    h = mem.hash(keys)
    assert h.shape == (3, m) and h.dtype == np.float32 and np.isfinite(h).all()
    for row, key in zip(h, keys, strict=True):
        ref, margin = hash_ref(key, mem.signs, mode, with_margin=True)
        if margin > 1e-4:  # exact ties (tiled tiny keys) may round either way in float32
            np.testing.assert_allclose(row, ref, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="power of two"):
        HashMemory(8, 4, 100)
    with pytest.raises(ValueError, match="key_size must be <= memory width"):
        HashMemory(300, 4, 256)
    with pytest.raises(ValueError, match="mode"):
        HashMemory(8, 4, 256, mode="cosine")
    mem = HashMemory(8, 4, 64)
    w = mem.new_state(2)
    keys = np.zeros((2, 8), np.float32)
    values = np.zeros((2, 4), np.float32)
    with pytest.raises(ValueError, match="finite"):
        mem.write(w, keys, values, np.array([np.nan, 1], np.float32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mem.write(w, keys, values, np.array([2, 1], np.float32))
    with pytest.raises(ValueError, match="W must be"):
        mem.read(np.zeros((2, 4, 32), np.float32), keys)
    with pytest.raises(ValueError, match="keys must have shape"):
        mem.hash(np.zeros((2, 7), np.float32))
