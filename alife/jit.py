"""Numba JIT options in one place (no scattered decorator literals).

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

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# OpenMP threads that wait for work sleep instead of spinning: a spinning thread takes a core
# from whatever else runs (another process, or this process's own Python between parallel
# regions), which on a busy machine made two threads ten times slower than one. Set before Numba
# starts its threads; a wait setting in the environment (either variable) wins.
if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba.core import event  # noqa: E402
from numba.core.caching import FunctionCache  # noqa: E402
from numba.core.typing.typeof import _typeof_tuple, typeof_impl  # noqa: E402

FASTMATH = frozenset({"nnan", "ninf", "nsz"})
# no_cfunc_wrapper: nothing takes a kernel's address as a C function pointer
JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": set(FASTMATH), "error_model": "numpy",
               "no_cfunc_wrapper": True}  # fmt: skip


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
# In a `prange` loop, an array the loop writes must be a function argument or a name bound by a
# plain `name = ...` assignment: Numba's parfor lowering loses writes made through a tuple (a
# NamedTuple argument, or a name bound by tuple unpacking). Reading through tuples is fine, and
# tuples of scalars are unpacked before the loop.
# Only explicit `prange` loops run in parallel: Numba's other rewrites (NumPy calls, array
# expressions, comprehensions into parallel loops; fusing loops) are off, so array code outside
# the prange stays serial and in order, and compiling skips their analyses.
njit_parallel = _jit(parallel={"prange": True, "reduction": True, "numpy": False,
                               "comprehension": False, "inplace_binop": False,
                               "setitem": False, "stencil": False, "fusion": False})
# Kernels called only from other kernels: no CPython entry point is compiled for them (Python
# cannot call them; compiling the entry of a kernel that takes tables costs seconds).
njit_callee = _jit(no_cpython_wrapper=True)
# Small helpers called per agent inside other kernels: inlined at Numba IR level, so the caller
# is one function without calls, whose array reference counting the compiler can prune.
njit_inline = _jit(inline="always")


def set_threads(count: int) -> None:
    """Pin Numba's thread count (1..numba.config.NUMBA_NUM_THREADS)."""
    numba.set_num_threads(max(1, min(int(count), numba.config.NUMBA_NUM_THREADS)))



def kernel_tuple(cls):
    """Class decorator for a NamedTuple that kernels take: Numba then types it from a cache
    keyed on its members' kinds (dtype, dimensions, layout, writeability of arrays; the type of
    scalars) instead of rebuilding every member's type on every call (~10 us per array)."""
    cache: dict = {}

    def member_key(value):
        if isinstance(value, np.ndarray):
            f = value.flags
            return value.dtype, value.ndim, f.c_contiguous, f.f_contiguous, f.writeable
        return type(value), typeof_impl(value, None) if isinstance(value, tuple) else None

    @typeof_impl.register(cls)
    def _typeof(value, context):
        key = tuple(map(member_key, value))
        found = cache.get(key)
        if found is None:
            found = cache[key] = _typeof_tuple(value, context)
        return found

    return cls


class Dispatch:
    """Calls a compiled kernel that is called again and again with the same arrays (a tick's
    passes), skipping Numba's typing of every argument when it can.

    Numba types each argument on every call; for a NamedTuple of arrays that is a Python-level
    walk over all its arrays (tens of microseconds per call for a World's passes). A call whose
    arguments are the very objects of the previous call (scalars: of the same Python type) cannot
    have other types, so it goes straight to the compiled code chosen last time."""

    _SCALARS = (bool, int, float)

    def __init__(self, kernel):
        self.kernel = kernel
        self._last: tuple | None = None
        self._entry = None

    def __call__(self, *args):
        last = self._last
        if last is not None and len(args) == len(last):
            for a, b in zip(args, last, strict=True):
                if a is not b and not (type(a) is type(b) and type(a) in self._SCALARS):
                    break
            else:
                return self._entry(*args)
        out = self.kernel(*args)
        types = tuple(self.kernel.typeof_pyval(a) for a in args)
        compiled = self.kernel.overloads.get(types)
        self._last, self._entry = (args, compiled.entry_point) if compiled else (None, None)
        return out


class _CompileCounter(event.Listener):
    def __init__(self, report: Callable[[int, float], None]):
        self.report = report
        self.compiled = 0
        self.seconds = 0.0
        self._t0: float | None = None
        self._depth = 0

    def on_start(self, ev) -> None:
        if self._depth == 0:
            self._t0 = time.perf_counter()
        self._depth += 1

    def on_end(self, ev) -> None:
        self._depth -= 1
        self.compiled += 1
        running = time.perf_counter() - self._t0
        if self._depth == 0:
            self.seconds += running
            running = 0.0
        self.report(self.compiled, self.seconds + running)


@contextmanager
def watch_compiles(report: Callable[[int, float], None]) -> Iterator[_CompileCounter]:
    """While active, report(kernels compiled, seconds spent compiling) after each function Numba
    compiles (functions loaded from its cache do not count). The counter is yielded."""
    counter = _CompileCounter(report)
    with event.install_listener("numba:compile", counter):
        yield counter
