"""Hashed associative memory: keys hashed to ±1 (or continuous) vectors, values in W (d, m).

hash: z = embed(key) to width m; r rounds of z = Hm(D_i z), each followed by
sign except the last round in "reservoir" mode. One sign round is SimHash (Charikar 2002), a
locality-sensitive hash; more rounds decorrelate unrelated keys. read = W h / (h.h);
write = delta rule W += g outer(value - read, h), so a gate of 1 stores the value exactly.
Hebbian crosstalk between k stored items ~ (k-1)/m of the value variance (central limit theorem).
Kernels: per-agent helpers on flat offsets (hash_at, memory_vec) inlined into the NTM step; for
16-float keys the first round is one product with a precomputed table (first_round_table).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alife.brain.checks import require_float32, require_positive, require_power_of_two
from alife.brain.ffb import embed_vec, random_signs
from alife.brain.simd import (
    WIDTH,
    axpy16,
    dot4x1x16,
    dot4x2x16,
    dot4x3x16,
    dot16,
    h16_embed,
    h16_sign,
    sign16,
    sign_mul8,
)
from alife.brain.wht import ROWS_PER_TASK, cross16, fwht_vec
from alife.jit import njit_inline, njit_parallel, njit_serial

MODES = ("sign", "reservoir")


@njit_inline
def _hash16(src, s_off, k, tables, reservoir, z, z_off):
    """hash_at for k % 16 == 0, m % k == 0. The first round: for k = 16 one 16-float product
    with the precomputed first-round table and one in-register H16 per block (see
    first_round_table); otherwise embedding fused into the first pass. Each sign round's
    output times the next diagonal is fused into the first pass of the following transform."""
    rounds, m = tables.shape[0] - 1, tables.shape[1]
    inv = np.float32(1.0 / math.sqrt(m))
    one = np.float32(1.0)
    if k == 16:
        for base in range(0, m, 16):
            h16_embed(src, s_off, tables, rounds * m + base, z, z_off + base, one, one)
    else:
        escale = np.float32(math.sqrt(k / m))
        for base in range(0, m, k):
            for i in range(0, k, 16):
                h16_embed(src, s_off + i, tables, base + i, z, z_off + base + i, escale, inv)
        cross16(z, z_off, m)
    for i in range(1, rounds):
        for j in range(0, m, 16):
            h16_sign(z, z_off + j, tables, i * m + j, inv)
        cross16(z, z_off, m)
    if not reservoir:
        for j in range(z_off, z_off + m, 16):
            sign16(z, j)


@njit_inline
def hash_at(src, s_off, k, tables, reservoir, z, z_off):
    """z[z_off : z_off + m] = hash of the key src[s_off : s_off + k]; src, z 1-D float32;
    tables (rounds + 1, m) from HashMemory.tables.

    Flat offsets instead of per-agent views (views cost reference counting on every call)."""
    if k % 16 == 0 and tables.shape[1] % k == 0:
        _hash16(src, s_off, k, tables, reservoir, z, z_off)
    else:
        _hash_any(src[s_off:s_off + k], tables, reservoir, z[z_off:z_off + tables.shape[1]])


@njit_serial
def _hash_any(key, tables, reservoir, z):
    """hash_at for any key size: z (m,) = hash of key (k,); tables (rounds + 1, m): the ±1
    diagonals D_1..D_r, then the first-round table (unused here). Plain embedding and full
    transforms; each sign round's output times the next diagonal in one pass."""
    rounds, m = tables.shape[0] - 1, tables.shape[1]
    inv = np.float32(1.0 / math.sqrt(m))
    embed_vec(key, tables[0], z)
    for i in range(rounds):
        fwht_vec(z, z, inv)
        if i < rounds - 1:  # z = sign(z) * D_{i+1}
            if m >= WIDTH:
                for j in range(0, m, WIDTH):
                    sign_mul8(z, j, tables[i + 1], j)
            else:
                for j in range(m):
                    z[j] = tables[i + 1, j] if z[j] >= 0 else -tables[i + 1, j]
        elif not reservoir:
            for j in range(m):
                z[j] = np.float32(1.0) if z[j] >= 0 else np.float32(-1.0)


def first_round_table(signs0: np.ndarray, key_size: int) -> np.ndarray:
    """(m,) float32 T with Hm(D1 embed(key)) = concat over blocks P of H16(key * T[16P:16P+16])
    for key_size 16 (zeros otherwise).

    Sylvester order makes Hm = H(m/16) (x) H16, and the tiled key repeats every 16 entries, so
    Hm's across-block stages act on the signs alone: T[16P + q] = sqrt(16/m)/sqrt(m) *
    (H(m/16) applied to the blocks of D1)[P, q], exact integers before the scale."""
    m = signs0.shape[0]
    if key_size != 16 or m % 16:
        return np.zeros(m, np.float32)
    x = signs0.astype(np.float64).reshape(m // 16, 16)
    h = 1
    while h < m // 16:  # in-place butterflies over the block index (Sylvester order)
        x = x.reshape(-1, 2, h, 16)
        x = np.stack([x[:, 0] + x[:, 1], x[:, 0] - x[:, 1]], axis=1).reshape(-1, 16)
        h *= 2
    return (x.ravel() * (math.sqrt(16 / m) / math.sqrt(m))).astype(np.float32)


@njit_inline
def _dot(a, b):
    acc = np.float32(0.0)
    for j in range(a.shape[0]):
        acc += a[j] * b[j]
    return acc


@njit_inline
def _dot_at(x, i, j, m):
    """x[i : i + m] . x[j : j + m] for x 1-D (SIMD when m % 16 == 0)."""
    if m % 16 == 0:
        return dot16(x, i, x, j, m)
    acc = np.float32(0.0)
    for t in range(m):
        acc += x[i + t] * x[j + t]
    return acc


@njit_inline
def memory_vec(memory, a, hv, v, off_value, gate, reads, norms, dots, signed):
    """Write then read agent a's memory W = memory[a] (d, m) in place.

    hv ((R+1) m,) flat: R read hashes then the write hash; the value is
    v[off_value:off_value + d]; gate in [0, 1]; reads[a] (R, d) = W' h_r / (h_r.h_r) with W'
    the memory after the write; scratch: norms (2 R + 1,), dots (12 ceil((R+1)/3),); signed:
    hashes are ±1, so h.h = m. Flat offsets, no per-agent views (their reference counts would
    be atomics shared by all threads). Rows go 4 at a time: one pass for all their dot
    products (up to 12 accumulators), then each row's delta-rule update while it sits in L1.
    """
    d, m = memory.shape[1], memory.shape[2]
    n_reads = hv.shape[0] // m - 1
    ow = n_reads * m  # offset of the write hash
    nw = np.float32(m) if signed else max(_dot_at(hv, ow, ow, m), np.float32(1e-12))
    for r in range(n_reads):
        norms[r] = np.float32(m) if signed else max(_dot_at(hv, r * m, r * m, m),
                                                    np.float32(1e-12))
        norms[n_reads + r] = _dot_at(hv, ow, r * m, m)
    if m % 16 or d % 4:
        _memory_rows(memory, a, hv, v, off_value, gate, reads, norms, nw)
        return
    base = a * d * m
    for d0 in range(0, d, 4):
        # vector q = 0 is the write hash, q = 1 + r read hash r; up to 3 per pass over the rows
        for q in range(0, n_reads + 1, 3):
            o0 = _hash_offset(q, n_reads, m)
            o1 = _hash_offset(min(q + 1, n_reads), n_reads, m)
            o2 = _hash_offset(min(q + 2, n_reads), n_reads, m)
            left = n_reads + 1 - q
            if left >= 3:
                dot4x3x16(memory, base + d0 * m, m, hv, o0, o1, o2, m, dots, 4 * q)
            elif left == 2:
                dot4x2x16(memory, base + d0 * m, m, hv, o0, o1, o2, m, dots, 4 * q)
            else:
                dot4x1x16(memory, base + d0 * m, m, hv, o0, o1, o2, m, dots, 4 * q)
        for i in range(4):
            dd = d0 + i
            for r in range(n_reads):
                q = r + 1
                reads[a, r, dd] = dots[4 * (q - q % 3) + 3 * i + q % 3] / norms[r]
            ge = gate * (v[off_value + dd] - dots[3 * i] / nw)
            axpy16(memory, base + dd * m, hv, ow, ge, m)
            for r in range(n_reads):
                reads[a, r, dd] += ge * norms[n_reads + r] / norms[r]


@njit_inline
def _hash_offset(q, n_reads, m):
    """Flat offset in hv of vector q: 0 = the write hash (stored last), 1 + r = read hash r."""
    return ((q - 1) % (n_reads + 1)) * m


@njit_serial
def _memory_rows(memory, a, hv, v, off_value, gate, reads, norms, nw):
    """memory_vec one row at a time with plain loops (any m and d)."""
    m = memory.shape[2]
    n_reads = hv.shape[0] // m - 1
    ow = n_reads * m
    for dd in range(memory.shape[1]):
        pw = np.float32(0.0)
        for j in range(m):
            pw += memory[a, dd, j] * hv[ow + j]
        for r in range(n_reads):
            pr = np.float32(0.0)
            for j in range(m):
                pr += memory[a, dd, j] * hv[r * m + j]
            reads[a, r, dd] = pr / norms[r]
        ge = gate * (v[off_value + dd] - pw / nw)
        for j in range(m):
            memory[a, dd, j] += ge * hv[ow + j]
        for r in range(n_reads):
            reads[a, r, dd] += ge * norms[n_reads + r] / norms[r]


@njit_parallel
def _hash_rows(keys, tables, reservoir, out):
    batch = keys.shape[0]
    for c in prange((batch + ROWS_PER_TASK - 1) // ROWS_PER_TASK):
        for b in range(c * ROWS_PER_TASK, min(batch, (c + 1) * ROWS_PER_TASK)):
            hash_at(keys[b], 0, keys.shape[1], tables, reservoir, out[b], 0)


@njit_parallel
def _read_rows(w, h, out):
    for b in prange(w.shape[0]):
        norm = max(_dot(h[b], h[b]), np.float32(1e-12))
        for dd in range(w.shape[1]):
            out[b, dd] = _dot(w[b, dd], h[b]) / norm


@njit_parallel
def _write_rows(w, h, values, gate):
    for b in prange(w.shape[0]):
        norm = max(_dot(h[b], h[b]), np.float32(1e-12))
        for dd in range(w.shape[1]):
            ge = gate[b] * (values[b, dd] - _dot(w[b, dd], h[b]) / norm)
            for j in range(w.shape[2]):
                w[b, dd, j] += ge * h[b, j]


class HashMemory:
    """Per-agent associative memory W (value_size, width); keys (key_size,) hashed to width."""

    def __init__(self, key_size: int, value_size: int, width: int, rounds: int = 2,
                 mode: str = "sign", seed: int = 0):
        self.width = require_power_of_two("memory width", width)
        self.key_size = require_positive("key_size", key_size)
        self.value_size = require_positive("value_size", value_size)
        self.rounds = require_positive("rounds", rounds)
        if key_size > width:
            raise ValueError(f"key_size must be <= memory width {width}, got {key_size}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        self.seed = seed
        ss = np.random.SeedSequence([seed, 0x4A5])
        signs = np.stack([random_signs(s, width) for s in ss.spawn(rounds)])
        # what the kernels take: the diagonals D_1..D_r, then the first-round table
        self.tables = np.vstack([signs, first_round_table(signs[0], key_size)])
        self.signs = self.tables[:rounds]  # (rounds, m) ±1, a view

    @property
    def reservoir(self) -> bool:
        return self.mode == "reservoir"

    def new_state(self, batch: int) -> np.ndarray:
        """Zeroed memories W (batch, value_size, width) float32."""
        return np.zeros((batch, self.value_size, self.width), dtype=np.float32)

    def hash(self, keys: np.ndarray) -> np.ndarray:
        """keys (B, key_size) float32 -> h (B, width) float32 (±1 in sign mode)."""
        keys = require_float32("keys", keys, (None, self.key_size))
        out = np.empty((keys.shape[0], self.width), dtype=np.float32)
        if keys.shape[0]:
            _hash_rows(keys, self.tables, self.reservoir, out)
        return out

    def _check_w(self, w: np.ndarray, batch: int) -> None:
        if not (isinstance(w, np.ndarray) and w.dtype == np.float32 and w.flags.c_contiguous
                and w.shape == (batch, self.value_size, self.width)):
            got = f"{w.dtype} {w.shape}" if isinstance(w, np.ndarray) else type(w).__name__
            raise ValueError(f"W must be a C-contiguous float32 array of shape "
                             f"({batch}, {self.value_size}, {self.width}), got {got}")

    def read(self, w: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Recall (B, value_size) float32 = W h / (h.h) for each row's key."""
        h = self.hash(keys)
        self._check_w(w, h.shape[0])
        out = np.empty((h.shape[0], self.value_size), dtype=np.float32)
        _read_rows(w, h, out)
        return out

    def write(self, w: np.ndarray, keys: np.ndarray, values: np.ndarray,
              gate: np.ndarray) -> None:
        """Delta-rule write in place: W += gate * outer(value - read(key), h)."""
        h = self.hash(keys)
        batch = h.shape[0]
        self._check_w(w, batch)
        values = require_float32("values", values, (batch, self.value_size))
        gate = require_float32("gate", gate, (batch,))
        if ((gate < 0) | (gate > 1)).any():
            raise ValueError("gate must lie in [0, 1]")
        _write_rows(w, h, values, gate)
