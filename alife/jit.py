"""Numba JIT options in one place (DESIGN section 5: no scattered decorator literals).

`njit_serial` for kernels called per batch; `njit_parallel` for kernels whose outer loop is a
`prange` over disjoint slices; `njit_inline` for per-agent helpers inlined into those kernels.
All cache to disk so warm starts skip compilation.
"""

import numba

JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": True, "error_model": "numpy"}

njit_serial = numba.njit(**JIT_OPTIONS)
njit_parallel = numba.njit(parallel=True, **JIT_OPTIONS)
# Small helpers called per agent inside other kernels: inlined at Numba IR level, so the caller
# is one function without calls, whose array reference counting the compiler can prune.
njit_inline = numba.njit(inline="always", **JIT_OPTIONS)


def set_threads(count: int) -> None:
    """Pin Numba's thread count (1..numba.config.NUMBA_NUM_THREADS)."""
    numba.set_num_threads(max(1, min(int(count), numba.config.NUMBA_NUM_THREADS)))
