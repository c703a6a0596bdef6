"""Walsh–Hadamard transform (Sylvester / natural order), orthonormal: Hn = H / sqrt(n).

Batches are rows (B, n), one vector per row: `fwht_vec` transforms one contiguous vector with
explicit 16-wide SIMD (alife.brain.simd): the in-vector stages h = 1..8 by shuffles (`h16`), then
the stages across vectors by radix-16 (AVX-512) or 8, then 4 or 2 butterfly passes, all in L1.
The public `wht`, the FFB net and the NTM controllers all use it: agents stay row-major, so no
transposition is needed.
Reference: the fast WHT as in Fino & Algazi (1976); fht-cpu is the speed yardstick.
"""

from __future__ import annotations

import math
import os

import numpy as np
from numba import prange

from alife.brain.checks import require_power_of_two
from alife.brain.simd import (
    WIDTH,
    bfly2x16,
    bfly4x16,
    bfly8x16,
    bfly16x16,
    h8,
    h16,
    host_has_avx512,
)
from alife.jit import njit_inline, njit_parallel, njit_serial

ROWS_PER_TASK = 32  # rows per parallel task (at most, see task_rows)
# compile-time constant: radix-16 passes only with 32 vector registers; ALIFE_RADIX16=0 turns
# them off, =1 on (on any CPU; both give the same bits), each with its own NUMBA_CACHE_DIR:
# Numba's cache does not see this switch
RADIX16 = {"0": False, "1": True}.get(os.environ.get("ALIFE_RADIX16", ""), host_has_avx512())


def task_rows(batch: int, threads: int) -> int:
    """Rows per parallel task for a batch of `batch` rows on `threads` threads: at most
    ROWS_PER_TASK, and the tasks a multiple of `threads` of nearly equal size, so that a
    parallel loop's even split of its tasks gives every thread nearly the same rows (a batch
    of 35 on 2 threads: tasks of 18 and 17 rows, not 32 and 3). A kernel takes it as an
    argument: reading the thread count inside one would keep Numba from caching it."""
    per_thread = max(1, -(-batch // (threads * ROWS_PER_TASK)))  # tasks per thread
    return max(1, -(-batch // (threads * per_thread)))


@njit_inline
def _small_vec(src, dst, scale):
    """fwht_vec for n < WIDTH: plain scalar butterflies."""
    n = src.shape[0]
    for j in range(n):
        dst[j] = src[j] * scale
    h = 1
    while h < n:
        for i in range(0, n, 2 * h):
            for j in range(i, i + h):
                a = dst[j]
                b = dst[j + h]
                dst[j] = a + b
                dst[j + h] = a - b
        h *= 2


@njit_serial
def fwht_vec(src, dst, scale):
    """dst = scale * H src for one contiguous float32 vector (n,), n a power of two.

    src may be dst (in place). A leaf function, called per agent (inlining it everywhere
    lengthens the cold compile for no gain). Passes, on 16-float vectors (one
    AVX-512 register; LLVM splits them in two where there is none; faster than 8-float
    ones): h16 (stages 1..8 by shuffles, scale fused), then cross16.
    """
    n = src.shape[0]
    if n < 16:
        if n == WIDTH:
            h8(src, 0, dst, 0, scale)
        else:
            _small_vec(src, dst, scale)
        return
    for r in range(0, n, 16):
        h16(src, r, dst, r, scale)
    cross16(dst, 0, n)


@njit_inline
def cross16(x, off, n):
    """The WHT stages h >= 16 of x[off : off + n] (flat offsets), n >= 16, after the in-vector
    ones (h16): radix-16 passes (AVX-512) or radix-8 ones, then one radix-4 or radix-2 pass."""
    h = 16
    while h < n:
        if RADIX16 and 16 * h <= n:
            for i in range(off, off + n, 16 * h):
                for j in range(i, i + h, 16):
                    bfly16x16(x, j, h)
            h *= 16
        elif 8 * h <= n:
            for i in range(off, off + n, 8 * h):
                for j in range(i, i + h, 16):
                    bfly8x16(x, j, h)
            h *= 8
        elif 4 * h == n:
            for j in range(off, off + h, 16):
                bfly4x16(x, j, h)
            h *= 4
        else:
            for j in range(off, off + h, 16):
                bfly2x16(x, j, h)
            h *= 2


@njit_parallel
def wht_rows(x, out, scale):
    """out[b] = scale * H x[b] for x, out (B, n) float32 C-contiguous (out may be x)."""
    batch = x.shape[0]
    nchunks = (batch + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for c in prange(nchunks):
        for r in range(c * ROWS_PER_TASK, min(batch, (c + 1) * ROWS_PER_TASK)):
            fwht_vec(x[r], out[r], scale)


def wht(x: np.ndarray) -> np.ndarray:
    """Orthonormal WHT (H / sqrt(n)) along the last axis of float32 x (B, n) or (n,); new array."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim not in (1, 2):
        raise ValueError(
            "wht expects a float32 array of shape (B, n) or (n,), got "
            + (f"{x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray)
               else type(x).__name__)
        )
    n = require_power_of_two("wht length (last axis)", x.shape[-1])
    rows = np.ascontiguousarray(x.reshape(-1, n))
    out = np.empty_like(rows)
    if rows.shape[0]:
        wht_rows(rows, out, np.float32(1.0 / math.sqrt(n)))
    return out.reshape(x.shape)
