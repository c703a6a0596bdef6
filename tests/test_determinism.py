"""Bit-identical results on every x86-64 instruction set: the same runs compiled for other CPU
targets (NUMBA_CPU_NAME with only that CPU's features: SSE2 without FMA, AVX without FMA, AVX2
with FMA) and with the WHT's radix-16 passes forced on or off, each in a fresh process with its
own Numba cache, give exactly the bits of this process (compiled for the host)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from run_helpers import run_digest

HERE = Path(__file__).resolve().parent

_SCRIPT = """
import json, sys, tempfile
from pathlib import Path
from run_helpers import run_digest
from alife.brain.wht import RADIX16
with tempfile.TemporaryDirectory() as d:
    print(json.dumps({"radix16": RADIX16, "digest": run_digest(Path(d))}))
"""


def digest_in_fresh_process(tmp_path: Path, **env) -> dict:
    path = os.pathsep.join([str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH", "")])
    full = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"), PYTHONPATH=path,
                NUMBA_NUM_THREADS="1", **env)  # fmt: skip
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=full, cwd=HERE.parent,
                         capture_output=True, text=True, timeout=1800)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def host_digest(tmp_path_factory):
    return run_digest(tmp_path_factory.mktemp("host"))


VARIANTS = {
    "x86-64 (SSE2, no FMA)": {"NUMBA_CPU_NAME": "x86-64", "NUMBA_CPU_FEATURES": ""},
    "sandybridge (AVX, no FMA)": {"NUMBA_CPU_NAME": "sandybridge", "NUMBA_CPU_FEATURES": ""},
    "haswell (AVX2, FMA)": {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ""},
    "radix-16 on": {"ALIFE_RADIX16": "1"},
    "radix-16 off": {"ALIFE_RADIX16": "0"},
}


@pytest.mark.slow  # each variant compiles every kernel afresh (1.5-5 min)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_other_cpu_targets_compute_the_same_bits(tmp_path, host_digest, variant):
    got = digest_in_fresh_process(tmp_path, **VARIANTS[variant])
    if "radix" in variant:
        assert got["radix16"] == (variant == "radix-16 on")
    assert got["digest"] == host_digest
