"""Test-wide fixtures."""

from __future__ import annotations

import numba
import pytest

from alife.jit import set_threads


@pytest.fixture
def single_thread():
    """Run a test on one Numba thread (fast and steady on a busy 2-core machine); a test may set
    its own count; restored afterwards. World test modules use it for every test."""
    before = numba.get_num_threads()
    set_threads(1)
    yield
    set_threads(before)
