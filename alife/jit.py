"""Numba JIT options in one place (DESIGN section 5: no scattered decorator literals).

`njit_serial` for kernels called per batch; `njit_parallel` for kernels whose outer loop is a
`prange` over disjoint slices; `njit_inline` for per-agent helpers inlined into those kernels.
All cache to disk so warm starts skip compilation.

Floating point is exact IEEE arithmetic as written, so results are bit-identical on every x86-64
instruction set (SSE2, AVX, AVX2, AVX-512; with or without FMA): the only fast-math freedoms are
the assumptions that no value is NaN or infinite and that the sign of zero does not matter.
Contraction into FMA, reassociation (vector reductions of another width) and approximate
reciprocals or functions would each make the bits depend on the CPU. Numba's cache does not key
its entries by these options; `_KeyedCache` adds them, so changing them never loads kernels
compiled with others.
"""

import numba
from numba.core.caching import FunctionCache

FASTMATH = frozenset({"nnan", "ninf", "nsz"})
JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": set(FASTMATH), "error_model": "numpy"}


class _KeyedCache(FunctionCache):
    """Numba's on-disk cache with the JIT options in every entry's key."""

    def _index_key(self, sig, codegen):
        return (*super()._index_key(sig, codegen), ("fastmath", tuple(sorted(FASTMATH))))


def _jit(**extra):
    decorate = numba.njit(**JIT_OPTIONS, **extra)

    def apply(fn):
        dispatcher = decorate(fn)
        dispatcher._cache = _KeyedCache(dispatcher.py_func)
        return dispatcher

    return apply


njit_serial = _jit()
njit_parallel = _jit(parallel=True)
# Small helpers called per agent inside other kernels: inlined at Numba IR level, so the caller
# is one function without calls, whose array reference counting the compiler can prune.
njit_inline = _jit(inline="always")


def set_threads(count: int) -> None:
    """Pin Numba's thread count (1..numba.config.NUMBA_NUM_THREADS)."""
    numba.set_num_threads(max(1, min(int(count), numba.config.NUMBA_NUM_THREADS)))
