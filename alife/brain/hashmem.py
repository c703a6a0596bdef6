"""Hashed associative memory: keys hashed to ±1 (or continuous) vectors, values in W (d, m).

DESIGN section 3. hash: z = embed(key) to width m; r rounds of z = Hm(D_i z), each followed by
sign except the last round in "reservoir" mode. One sign round is SimHash (Charikar 2002), a
locality-sensitive hash; more rounds decorrelate unrelated keys. read = W h / (h.h);
write = delta rule W += g outer(value - read, h), so a gate of 1 stores the value exactly.
Hebbian crosstalk between k stored items ~ (k-1)/m of the value variance (central limit theorem).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alife.brain.checks import require_float32, require_positive, require_power_of_two
from alife.brain.ffb import embed_vec, random_signs
from alife.brain.simd import WIDTH, axpy16, dot2x16, h16_embed, h16_sign, sign_mul8
from alife.brain.wht import ROWS_PER_TASK, cross16, fwht_vec
from alife.jit import njit_inline, njit_parallel, njit_serial

MODES = ("sign", "reservoir")


@njit_serial
def _hash_vec16(key, signs, reservoir, z):
    """hash_vec for k % 16 == 0, m % k == 0: the embedding and each sign round's output times
    the next diagonal are fused into the first pass of the following transform."""
    rounds, m = signs.shape
    k = key.shape[0]
    inv = np.float32(1.0 / math.sqrt(m))
    escale = np.float32(math.sqrt(k / m))
    for base in range(0, m, k):
        for i in range(0, k, 16):
            h16_embed(key, i, signs, base + i, z, base + i, escale, inv)
    cross16(z)
    for i in range(1, rounds):
        for j in range(0, m, 16):
            h16_sign(z, j, signs, i * m + j, inv)
        cross16(z)
    if not reservoir:
        for j in range(m):
            z[j] = np.float32(1.0) if z[j] >= 0 else np.float32(-1.0)


@njit_serial
def hash_vec(key, signs, reservoir, z):
    """z (m,) = hash of one key (k,); signs (rounds, m) ±1. Sign rounds fuse the next diagonal."""
    rounds, m = signs.shape
    k = key.shape[0]
    if k % 16 == 0 and m % k == 0:
        _hash_vec16(key, signs, reservoir, z)
        return
    inv = np.float32(1.0 / math.sqrt(m))
    embed_vec(key, signs[0], z)
    for i in range(rounds):
        fwht_vec(z, z, inv)
        if i < rounds - 1:  # z = sign(z) * D_{i+1}
            if m >= WIDTH:
                for j in range(0, m, WIDTH):
                    sign_mul8(z, j, signs[i + 1], j)
            else:
                for j in range(m):
                    z[j] = signs[i + 1, j] if z[j] >= 0 else -signs[i + 1, j]
        elif not reservoir:
            for j in range(m):
                z[j] = np.float32(1.0) if z[j] >= 0 else np.float32(-1.0)


@njit_inline
def _dot(a, b):
    acc = np.float32(0.0)
    for j in range(a.shape[0]):
        acc += a[j] * b[j]
    return acc


@njit_serial
def memory_vec(memory, a, hv, v, off_value, gate, reads, norms, signed):
    """Write then read agent a's memory W = memory[a] (d, m) in place.

    hv (R+1, m): R read hashes then the write hash; the value is v[off_value:off_value + d];
    gate in [0, 1]; reads[a] (R, d) = W' h_r / (h_r.h_r) with W' the memory after the write;
    norms (2 R + 1,) scratch; signed: hashes are ±1, so h.h = m exactly.
    Indexes the batch arrays directly (no per-agent views: their reference counts would be
    atomics shared by all threads); a leaf function (no calls), so it needs no refcounting.
    Each row of W is read once for its dot products, then updated.
    """
    n_reads = hv.shape[0] - 1
    m = hv.shape[1]
    hw = hv[n_reads]
    nw = np.float32(m) if signed else max(_dot(hw, hw), np.float32(1e-12))
    for r in range(n_reads):
        norms[r] = np.float32(m) if signed else max(_dot(hv[r], hv[r]), np.float32(1e-12))
        norms[n_reads + r] = _dot(hw, hv[r])
    d = memory.shape[1]
    done = 0
    if n_reads == 1 and m % 16 == 0:  # the default: explicit 16-wide SIMD, one pass per row
        hr = hv[0]
        base = a * d * m
        for dd in range(d):
            pw, pr = dot2x16(memory, base + dd * m, hw, hr, m)
            reads[a, 0, dd] = pr / norms[0]
            ge = gate * (v[off_value + dd] - pw / nw)
            axpy16(memory, base + dd * m, hw, ge, m)
            reads[a, 0, dd] += ge * norms[1] / norms[0]
        done = d
    elif n_reads == 1:  # 4 rows at a time share the hash loads, 8 FMA chains
        hr = hv[0]
        for d0 in range(0, d - 3, 4):
            pw0 = pw1 = pw2 = pw3 = pr0 = pr1 = pr2 = pr3 = np.float32(0.0)
            for j in range(m):
                x = hw[j]
                y = hr[j]
                w0 = memory[a, d0, j]
                w1 = memory[a, d0 + 1, j]
                w2 = memory[a, d0 + 2, j]
                w3 = memory[a, d0 + 3, j]
                pw0 += w0 * x
                pr0 += w0 * y
                pw1 += w1 * x
                pr1 += w1 * y
                pw2 += w2 * x
                pr2 += w2 * y
                pw3 += w3 * x
                pr3 += w3 * y
            _update_row(memory, a, d0, hw, v[off_value + d0], gate, pw0, pr0, nw, norms, reads)
            _update_row(memory, a, d0 + 1, hw, v[off_value + d0 + 1], gate, pw1, pr1, nw, norms,
                        reads)
            _update_row(memory, a, d0 + 2, hw, v[off_value + d0 + 2], gate, pw2, pr2, nw, norms,
                        reads)
            _update_row(memory, a, d0 + 3, hw, v[off_value + d0 + 3], gate, pw3, pr3, nw, norms,
                        reads)
            done = d0 + 4
    for dd in range(done, d):
        pw = np.float32(0.0)
        for j in range(m):
            pw += memory[a, dd, j] * hw[j]
        for r in range(n_reads):
            pr = np.float32(0.0)
            for j in range(m):
                pr += memory[a, dd, j] * hv[r, j]
            reads[a, r, dd] = pr / norms[r]
        ge = gate * (v[off_value + dd] - pw / nw)
        for j in range(m):
            memory[a, dd, j] += ge * hw[j]
        for r in range(n_reads):
            reads[a, r, dd] += ge * norms[n_reads + r] / norms[r]


@njit_inline
def _update_row(memory, a, dd, hw, value, gate, pw, pr, nw, norms, reads):
    """One read (R = 1): reads[a, 0, dd] from pr, then the delta-rule write of row dd."""
    reads[a, 0, dd] = pr / norms[0]
    ge = gate * (value - pw / nw)
    for j in range(hw.shape[0]):
        memory[a, dd, j] += ge * hw[j]
    reads[a, 0, dd] += ge * norms[1] / norms[0]


@njit_parallel
def _hash_rows(keys, signs, reservoir, out):
    batch = keys.shape[0]
    for c in prange((batch + ROWS_PER_TASK - 1) // ROWS_PER_TASK):
        for b in range(c * ROWS_PER_TASK, min(batch, (c + 1) * ROWS_PER_TASK)):
            hash_vec(keys[b], signs, reservoir, out[b])


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
        self.signs = np.stack([random_signs(s, width) for s in ss.spawn(rounds)])

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
            _hash_rows(keys, self.signs, self.reservoir, out)
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
