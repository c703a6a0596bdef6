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
from alife.brain.ffb import embed_lanes, random_signs
from alife.brain.wht import LANES, fwht_lanes
from alife.jit import njit_parallel, njit_serial

MODES = ("sign", "reservoir")


@njit_serial
def hash_lanes(keys, key_size, signs, reservoir, z):
    """z (m, LANES) = hash of keys (>= key_size rows, LANES); signs (rounds, m) ±1."""
    rounds, m = signs.shape
    inv = np.float32(1.0 / math.sqrt(m))
    embed_lanes(keys, key_size, signs[0], z)
    for i in range(rounds):
        if i > 0:
            for j in range(m):
                row = z[j]
                s = signs[i, j]
                for t in range(LANES):
                    row[t] *= s
        fwht_lanes(z, inv)
        if i < rounds - 1 or not reservoir:
            for j in range(m):
                row = z[j]
                for t in range(LANES):
                    row[t] = np.float32(1.0) if row[t] >= 0 else np.float32(-1.0)


@njit_serial
def memory_step(w, hv, value, gate, reads_out):
    """Write then read one agent's memory w (d, m) in place.

    hv (R+1, m): R read hashes then the write hash; value (d,); gate in [0, 1];
    reads_out (R, d) = W' h_r / (h_r.h_r) with W' the memory after the write.
    """
    n_reads = hv.shape[0] - 1
    hw = hv[n_reads]
    nw = max(np.dot(hw, hw), np.float32(1e-12))
    nr = np.empty(n_reads, dtype=np.float32)
    cross = np.empty(n_reads, dtype=np.float32)
    for r in range(n_reads):
        nr[r] = max(np.dot(hv[r], hv[r]), np.float32(1e-12))
        cross[r] = np.dot(hw, hv[r])
    for dd in range(w.shape[0]):
        row = w[dd]
        pw = np.float32(0.0)
        for j in range(row.shape[0]):
            pw += row[j] * hw[j]
        for r in range(n_reads):
            pr = np.float32(0.0)
            hr = hv[r]
            for j in range(row.shape[0]):
                pr += row[j] * hr[j]
            reads_out[r, dd] = pr / nr[r]
        ge = gate * (value[dd] - pw / nw)
        for j in range(row.shape[0]):
            row[j] += ge * hw[j]
        for r in range(n_reads):
            reads_out[r, dd] += ge * cross[r] / nr[r]


@njit_parallel
def _hash_rows(keys, signs, reservoir, out):
    batch, key_size = keys.shape
    m = signs.shape[1]
    for blk in prange((batch + LANES - 1) // LANES):
        start = blk * LANES
        stop = min(start + LANES, batch)
        kin = np.zeros((key_size, LANES), dtype=np.float32)
        for t in range(stop - start):
            for i in range(key_size):
                kin[i, t] = keys[start + t, i]
        z = np.empty((m, LANES), dtype=np.float32)
        hash_lanes(kin, key_size, signs, reservoir, z)
        for t in range(stop - start):
            for j in range(m):
                out[start + t, j] = z[j, t]


@njit_parallel
def _read_rows(w, h, out):
    for b in prange(w.shape[0]):
        norm = max(np.dot(h[b], h[b]), np.float32(1e-12))
        for dd in range(w.shape[1]):
            out[b, dd] = np.dot(w[b, dd], h[b]) / norm


@njit_parallel
def _write_rows(w, h, values, gate):
    for b in prange(w.shape[0]):
        norm = max(np.dot(h[b], h[b]), np.float32(1e-12))
        for dd in range(w.shape[1]):
            ge = gate[b] * (values[b, dd] - np.dot(w[b, dd], h[b]) / norm)
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
