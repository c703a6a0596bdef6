"""Soak: the open-ended ecology for 100,000 ticks through the real run loop keeps its memory flat
(< 5% RSS growth after warm-up) and every value finite (benchmarks/soak.py runs 10^6)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parent.parent / "benchmarks" / "soak.py"


@pytest.mark.slow  # about 5 minutes on one core
def test_ecology_soak_keeps_memory_flat_and_values_finite(tmp_path):
    spec = importlib.util.spec_from_file_location("soak_benchmark", SOAK)
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    figures = soak.soak(100_000, tmp_path / "run")
    assert soak.report(figures)
    assert figures["growth"] < soak.BAR and figures["ticks"] >= 100_000
    assert not figures["non_finite"] and not figures["nan_metrics"]
