"""all_finite: the NaN/inf scan behind every float32 argument check (NumPy below PARALLEL_MIN
elements, a parallel scan of the exponent bits above)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.brain.checks import PARALLEL_MIN, all_finite


@settings(max_examples=40, deadline=None)
@given(size=st.sampled_from([1, 17, PARALLEL_MIN - 1, PARALLEL_MIN, PARALLEL_MIN + 16385]),
       seed=st.integers(0, 2**31), bad=st.sampled_from([np.nan, np.inf, -np.inf, None]),
       data=st.data())
def test_all_finite_agrees_with_numpy(size, seed, bad, data):
    x = np.random.default_rng(seed).standard_normal(size).astype(np.float32) * 1e30
    if bad is not None:
        x[data.draw(st.integers(0, size - 1))] = bad
    assert all_finite(x) == bool(np.isfinite(x).all())
    assert all_finite(x.reshape(1, -1)) == all_finite(x)


@pytest.mark.parametrize("position", [0, PARALLEL_MIN // 2, -1])
def test_parallel_scan_finds_one_bad_value_anywhere(position):
    x = np.zeros(PARALLEL_MIN + 100, np.float32)
    assert all_finite(x)
    x[position] = np.nan
    assert not all_finite(x)


def test_extreme_finite_values_pass():
    x = np.zeros(PARALLEL_MIN + 5, np.float32)
    x[[0, 1, 2, -1]] = [np.finfo(np.float32).max, -np.finfo(np.float32).max, 1e-45, -0.0]
    assert all_finite(x)
