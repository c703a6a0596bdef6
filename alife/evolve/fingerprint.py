"""What a machine's results depend on besides a run's inputs: its `node_fingerprint()`.

Two machines with equal fingerprints compute bit-identical generations (see
docs/algorithms.md, "Bit-identical results"): the same alife source, Python, NumPy, Numba and
llvmlite, C library and CPU architecture, and the same NumPy SIMD level (NumPy picks other
code for a few float functions, e.g. sin and cos, on CPUs with AVX-512). The Numba kernels do
not enter: they compute the same bits on every x86-64 instruction set (see alife.jit).
"""

from __future__ import annotations

import functools
import hashlib
import platform
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """SHA-256 (16 hex digits) of every alife/**/*.py file, path and content."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def numpy_simd_level() -> str:
    """The highest of NumPy's runtime-dispatch targets this CPU runs (its baseline if none)."""
    from numpy._core._multiarray_umath import (
        __cpu_baseline__,
        __cpu_dispatch__,
        __cpu_features__,
    )

    usable = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
    return usable[-1] if usable else (__cpu_baseline__[-1] if __cpu_baseline__ else "none")


@functools.lru_cache(maxsize=1)
def node_fingerprint() -> dict[str, str]:
    import llvmlite
    import numba
    import numpy

    return {
        "alife source": source_digest(),
        "CPU architecture": platform.machine(),
        "C library": " ".join(platform.libc_ver()),
        "Python": platform.python_version(),
        "NumPy": numpy.__version__,
        "NumPy SIMD level": numpy_simd_level(),
        "Numba": numba.__version__,
        "llvmlite": llvmlite.__version__,
    }
