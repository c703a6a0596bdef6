"""FFBNet: forward against the literal NumPy reference; explain's C @ x == y; linear case."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.brain import FFBNet

from reference import ffb_forward_ref


def _net_and_data(n_in, n_out, width, depth, batch, seed):
    net = FFBNet(n_in, n_out, width, depth, seed=seed)
    rng = np.random.default_rng(seed)
    genomes = net.init_genomes(rng, batch)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    return net, genomes, x


def _reference(net, genomes, x):
    return np.stack([
        ffb_forward_ref(genomes[i], net.signs, x[i], net.depth, net.width, net.n_out)
        for i in range(x.shape[0])
    ])


@pytest.mark.parametrize("n_in, n_out, width, depth, batch",
                         [(5, 3, 8, 2, 70), (49, 44, 64, 3, 100), (1, 1, 1, 1, 3),
                          (256, 256, 256, 4, 33), (3, 7, 1024, 1, 2)])
def test_forward_matches_reference_per_agent_and_shared(n_in, n_out, width, depth, batch):
    net, genomes, x = _net_and_data(n_in, n_out, width, depth, batch, seed=width + depth)
    np.testing.assert_allclose(net.forward(genomes, x), _reference(net, genomes, x),
                               atol=2e-5, rtol=1e-4)
    shared = np.repeat(genomes[:1], batch, axis=0)
    np.testing.assert_allclose(net.forward(genomes[0], x), _reference(net, shared, x),
                               atol=2e-5, rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(log_w=st.integers(0, 8), depth=st.integers(1, 4), batch=st.integers(1, 40),
       seed=st.integers(0, 2**31), data=st.data())
def test_forward_property(log_w, depth, batch, seed, data):
    width = 2**log_w
    n_in = data.draw(st.integers(1, width))
    n_out = data.draw(st.integers(1, width))
    net, genomes, x = _net_and_data(n_in, n_out, width, depth, batch, seed)
    y = net.forward(genomes, x)
    assert y.shape == (batch, n_out) and y.dtype == np.float32
    np.testing.assert_allclose(y, _reference(net, genomes, x), atol=3e-5, rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(log_w=st.integers(1, 8), depth=st.integers(1, 4), seed=st.integers(0, 2**31),
       data=st.data())
def test_explain_condensed_map_reproduces_output(log_w, depth, seed, data):
    width = 2**log_w
    n_in = data.draw(st.integers(1, width))
    net, genomes, x = _net_and_data(n_in, width, width, depth, 1, seed)
    states, c = net.explain(genomes[0], x[0])
    y = net.forward(genomes, x)[0]
    assert states.shape == (depth, width) and states.dtype == bool
    assert c.shape == (width, n_in)
    np.testing.assert_allclose(c @ x[0], y, atol=1e-4 * max(1.0, np.abs(y).max()))


def test_switch_states_follow_the_sign_of_each_layer():
    net, genomes, x = _net_and_data(4, 4, 4, 1, 1, seed=3)
    states, _ = net.explain(genomes[0], x[0])
    from reference import embed_ref, wht_ref
    pre = wht_ref(net.signs * embed_ref(x[0].astype(np.float64), 4))
    np.testing.assert_array_equal(states[0], pre >= 0)


def test_unit_slopes_make_an_orthogonal_linear_map():
    width = 128
    net = FFBNet(width, width, width, 3, seed=5)
    ones = np.ones(net.n_params, np.float32)
    x = np.random.default_rng(0).standard_normal((50, width)).astype(np.float32)
    y = net.forward(ones, x)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-4)
    _, c = net.explain(ones, x[0])
    np.testing.assert_allclose(c @ c.T, np.eye(width), atol=1e-4)
    np.testing.assert_allclose(net.forward(ones, 2 * x), 2 * y, rtol=1e-4, atol=1e-5)


def test_same_seed_same_net_different_seed_different_signs():
    assert (FFBNet(3, 3, 64, 2, seed=1).signs == FFBNet(3, 3, 64, 2, seed=1).signs).all()
    assert (FFBNet(3, 3, 64, 2, seed=1).signs != FFBNet(3, 3, 64, 2, seed=2).signs).any()
    net = FFBNet(3, 3, 64, 2, seed=1)
    a = net.init_genomes(np.random.default_rng(9), 4)
    b = net.init_genomes(np.random.default_rng(9), 4)
    assert a.dtype == np.float32 and a.shape == (4, net.n_params) and (a == b).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_in=3, n_out=3, width=48, depth=2), "power of two"),
    (dict(n_in=3, n_out=3, width=0, depth=2), "power of two"),
    (dict(n_in=65, n_out=3, width=64, depth=2), "<= width"),
    (dict(n_in=3, n_out=3, width=64, depth=0), "depth"),
])
def test_bad_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FFBNet(**kwargs)


def test_bad_forward_arguments():
    net, genomes, x = _net_and_data(5, 3, 8, 2, 4, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(any, 5\)"):
        net.forward(genomes, x[:, :4])
    with pytest.raises(ValueError, match="float32"):
        net.forward(genomes, x.astype(np.float64))
    with pytest.raises(ValueError, match="genomes must have shape"):
        net.forward(genomes[:3], x)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        net.forward(genomes, bad)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=6), st.integers(0, 3))
def test_prepare_after_checks_and_copies_only_the_appended_rows(steps, branch):
    """Preparing a growing genome array row batch by row batch (`after`) gives what preparing
    it whole gives; an older result extended again (a branch) leaves the later ones intact;
    bad appended rows are refused; the prepared copy ignores later edits of the array."""
    net = FFBNet(5, 3, 8, 2, seed=1)
    rng = np.random.default_rng(len(steps))
    genomes = net.init_genomes(rng, sum(steps) + 2)
    x = rng.standard_normal((genomes.shape[0], 5)).astype(np.float32)
    prepared, n = [net.prepare(genomes[:2])], 2
    for k in steps:
        n += k
        prepared.append(net.prepare(genomes[:n], after=prepared[-1]))
    whole = net.forward(genomes, x)
    np.testing.assert_array_equal(net.forward(prepared[-1], x), whole)
    old = prepared[min(branch, len(prepared) - 1)]
    other = genomes[: len(old) + 1].copy()
    other[-1] += 1.0
    net.prepare(other, after=old)  # a branch off an older result: later results unchanged
    np.testing.assert_array_equal(net.forward(prepared[-1], x), whole)
    for p in prepared:
        np.testing.assert_array_equal(p.array, genomes[: len(p)])
    bad = np.concatenate([genomes, genomes[:1]])
    bad[-1, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        net.prepare(bad, after=prepared[-1])
    genomes[:] = 0.0
    np.testing.assert_array_equal(net.forward(prepared[-1], x), whole)
