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


@pytest.fixture
def every_stage_parallel(monkeypatch):
    """Every stage of a World's tick runs on all of Numba's threads, however small and however
    busy the machine (for tests that compare thread counts)."""
    import alife.world.threads as threads
    import alife.world.tick as tick

    monkeypatch.setattr(tick, "SERIAL_BELOW", 0)
    monkeypatch.setattr(threads, "STARTS_PARALLEL", True)
    monkeypatch.setattr(threads, "PROBE_EVERY", 0)
    monkeypatch.setattr(threads, "LOAD_EVERY", 0)
