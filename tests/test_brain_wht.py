"""wht against a dense Sylvester Hadamard matrix; self-inverse; norm-preserving; bad input."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.brain import wht

from reference import hadamard, wht_ref


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048])
def test_matches_dense_hadamard(n):
    x = np.random.default_rng(n).standard_normal((37, n)).astype(np.float32)
    np.testing.assert_allclose(wht(x), wht_ref(x), atol=2e-5 * np.sqrt(n), rtol=1e-4)


def test_one_vector_and_empty_batch():
    x = np.arange(8, dtype=np.float32)
    np.testing.assert_allclose(wht(x), wht_ref(x), atol=1e-5)
    assert wht(np.zeros((0, 16), np.float32)).shape == (0, 16)


def test_dense_matrix_is_sylvester():
    h = hadamard(4)
    assert (h == np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]])).all()


@settings(max_examples=40, deadline=None)
@given(log_n=st.integers(0, 11), batch=st.integers(1, 70), seed=st.integers(0, 2**32 - 1))
def test_self_inverse_and_norm_preserving(log_n, batch, seed):
    n = 2**log_n
    x = np.random.default_rng(seed).standard_normal((batch, n)).astype(np.float32)
    y = wht(x)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-4)
    np.testing.assert_allclose(wht(y), x, atol=1e-4)


def test_input_not_modified():
    x = np.random.default_rng(0).standard_normal((5, 32)).astype(np.float32)
    before = x.copy()
    wht(x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((3, 12), np.float32), "power of two"),
        (np.zeros((3, 16), np.float64), "float32"),
        (np.zeros((2, 3, 16), np.float32), "shape"),
        ([1.0, 2.0], "float32"),
    ],
)
def test_bad_input_is_a_clear_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        wht(bad)


_RADIX8_CHECK = """
import numpy as np
from alife.brain import HashMemory, wht
from alife.brain.wht import RADIX16
from reference import hash_ref, wht_ref
assert not RADIX16
for n in (16, 64, 256, 512, 1024, 2048):
    x = np.random.default_rng(n).standard_normal((5, n)).astype(np.float32)
    np.testing.assert_allclose(wht(x), wht_ref(x), atol=2e-5 * np.sqrt(n), rtol=1e-4)
mem = HashMemory(16, 4, 256, 2, "reservoir", seed=3)
keys = np.random.default_rng(0).standard_normal((4, 16)).astype(np.float32)
ref = np.stack([hash_ref(k, mem.signs, "reservoir") for k in keys])
np.testing.assert_allclose(mem.hash(keys), ref, atol=1e-5)
"""


def test_radix8_passes_used_without_avx512(tmp_path):
    """CPUs without AVX-512 take radix-8 passes (16 vectors would not fit in 16 registers):
    that path, forced by ALIFE_RADIX16=0 in a fresh process with its own Numba cache."""
    root = Path(__file__).resolve().parent.parent
    # this tree's alife and the tests' plain modules (reference), whatever PYTHONPATH says
    path = os.pathsep.join([str(root), str(root / "tests"), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, ALIFE_RADIX16="0", NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=path)
    subprocess.run([sys.executable, "-c", _RADIX8_CHECK], env=env, cwd=root, check=True,
                   timeout=600)


@given(batch=st.integers(0, 5000), threads=st.integers(1, 16))
def test_task_rows_split_a_batch_evenly_over_the_threads(batch, threads):
    from alife.brain.wht import ROWS_PER_TASK, task_rows

    per = task_rows(batch, threads)
    assert 1 <= per <= ROWS_PER_TASK
    tasks = -(-batch // per)
    rounds = max(1, -(-batch // (threads * ROWS_PER_TASK)))  # tasks each thread runs
    assert tasks <= threads * rounds
    # tasks split evenly over the threads (in order): no thread gets more than its share of
    # rows and one task's rounding (a batch of 35 on 2 threads: 18 and 17, not 32 and 3)
    rows = [min(batch, (t + 1) * per) - t * per for t in range(tasks)]
    cut = np.linspace(0, tasks, threads + 1).round().astype(int)
    busiest = max(sum(rows[cut[i]:cut[i + 1]]) for i in range(threads))
    assert busiest <= -(-batch // threads) + rounds
