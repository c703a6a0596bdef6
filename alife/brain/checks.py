"""Argument checks shared by the brain's public wrappers: clear ValueErrors, never silent casts."""

from __future__ import annotations

import numpy as np
from numba import prange

from alife.jit import njit_parallel

_FLOAT32 = np.dtype(np.float32)
_EXPONENT = 0x7F800000  # float32 exponent bits: all ones = inf or NaN
_CHUNK = 16384  # elements per parallel task
# below this, np.isfinite: as fast on an idle machine, and a parallel region's barrier costs
# milliseconds when other processes hold the cores
PARALLEL_MIN = 1 << 18


@njit_parallel
def _max_exponent(bits, out):
    """out[c] = largest exponent field among bits[c*_CHUNK : (c+1)*_CHUNK] (uint32 views of
    float32). Integer max: vectorises, and fastmath cannot assume the NaNs away."""
    for c in prange(out.shape[0]):
        chunk = bits[c * _CHUNK : (c + 1) * _CHUNK]  # a view: indices from 0 need no wraparound
        worst = np.uint32(0)
        mask = np.uint32(_EXPONENT)
        for i in range(chunk.shape[0]):
            e = chunk[i] & mask
            if e > worst:
                worst = e
        out[c] = worst


def all_finite(arr: np.ndarray) -> bool:
    """True if the C-contiguous float32 array holds no NaN or inf. Large arrays take a parallel
    scan: a (1000, 384) genome batch in half of np.isfinite(arr).all()'s time on 2 threads."""
    if arr.size < PARALLEL_MIN:
        return bool(np.isfinite(arr).all())
    out = np.empty((arr.size + _CHUNK - 1) // _CHUNK, np.uint32)
    _max_exponent(arr.reshape(-1).view(np.uint32), out)
    return bool(out.max() < _EXPONENT)


def is_power_of_two(n: int) -> bool:
    return isinstance(n, (int, np.integer)) and n >= 1 and (n & (n - 1)) == 0


def require_power_of_two(name: str, n: int) -> int:
    if not is_power_of_two(n):
        raise ValueError(f"{name} must be a power of two (1, 2, 4, 8, ...), got {n!r}")
    return int(n)


def require_positive(name: str, n: int, minimum: int = 1) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def require_float32(name: str, arr, shape: tuple) -> np.ndarray:
    """Return `arr` as a C-contiguous float32 array of `shape` (None = any size on that axis).

    Raises ValueError if it is not a float32 array of that shape or holds NaN/inf.
    """
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name} must be a numpy float32 array of shape {_fmt(shape)}, "
                         f"got {type(arr).__name__}")
    if arr.dtype != _FLOAT32:
        raise ValueError(f"{name} must have dtype float32, got {arr.dtype}")
    if arr.ndim != len(shape) or any(
        want is not None and want != got for want, got in zip(shape, arr.shape, strict=True)
    ):
        raise ValueError(f"{name} must have shape {_fmt(shape)}, got {arr.shape}")
    arr = np.ascontiguousarray(arr)
    if not all_finite(arr):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return arr


def _fmt(shape: tuple) -> str:
    inner = ", ".join("any" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
