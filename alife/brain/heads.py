"""NTM heads: how the R read heads and the write head address an agent's memory (d, m).

Three addressing modes (`NTMController(addressing=...)`, world file `memory.addressing`):

- content: a head's address is the hash h of a key the net emits (alife.brain.hashmem);
  the memory holds W; read W h / (h.h), delta-rule write W += g outer(value - read, h).
- location: a head has a position p in [0, m). Each tick the net moves it: home (p = 0) if its
  home output is > 0, then p = p + s mod m with s = argmax(3 shift logits) - 1 in {-1, 0, +1}
  (ties to the first). The address of p is a(p) = D * (row p of the Sylvester Hadamard matrix),
  a(p)[j] = D[j] (-1)^popcount(p & j), D a fixed ±1 diagonal: a(p).a(q) = m if p == q else 0,
  so the m positions form a tape without crosstalk. The memory is kept in that basis:
  V = W A / m (A the m x m matrix with columns a(p)), so column p of V is tape cell p. A read
  is V[:, p] and a write V[:, p] = (1 - g) V[:, p] + g value: O(d) per head, no hashing.
- both: address x = c h + (1 - c) a(p), c = sigmoid(the head's interpolation output); the
  memory holds W; read W x / (x.x), write W += g outer(value - W x / (x.x), x).

Net outputs (`HeadLayout`): motors | head 0 .. head R-1 (the read heads) | head R (the write
head) | write value (d) | write gate (1). A head's block: key (k; content, both), shift logits
(3) and home (1) (location, both), interpolation (1; both). Content mode is thus
motors | R read keys | write key | value | gate. Per tick: the write head moves, then writes;
then each read head moves and reads (after the write).

Positions are per-agent state `NTMState.positions` (B, R+1) int32, read heads first, write head
last; a controller without positional heads keeps (B, 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from alife.brain.ffb import random_signs
from alife.brain.simd import mix16
from alife.jit import njit_inline

ADDRESSING = ("content", "location", "both")
CONTENT, LOCATION, BOTH = 0, 1, 2  # kernel codes: ADDRESSING.index(name)
SHIFTS = 3  # shift logits per head: -1, 0, +1


class HeadLayout:
    """Where the heads' outputs sit in the net output y (n_outputs,); all offsets are ints."""

    def __init__(self, addressing: str, n_motors: int, reads: int, key_size: int,
                 value_size: int):
        if addressing not in ADDRESSING:
            raise ValueError(f"addressing must be one of {ADDRESSING}, got {addressing!r}")
        self.addressing = addressing
        self.code = ADDRESSING.index(addressing)
        self.n_motors = n_motors
        self.reads = reads
        self.n_heads = reads + 1
        self.key_size = 0 if addressing == "location" else key_size
        self.positional = addressing != "content"
        self.interpolated = addressing == "both"
        self.shift = self.key_size  # offset of the shift logits inside a head's block
        self.head_size = self.key_size + (SHIFTS + 1) * self.positional + self.interpolated
        self.value = n_motors + self.n_heads * self.head_size
        self.value_size = value_size
        self.gate = self.value + value_size
        self.n_outputs = self.gate + 1

    def describe(self) -> str:
        """The output layout in words, e.g. 'motors 3 + 2 heads x (shift 3 + home 1) + ...'."""
        parts = []
        if self.key_size:
            parts.append(f"key {self.key_size}")
        if self.positional:
            parts += [f"shift {SHIFTS}", "home 1"]
        if self.interpolated:
            parts.append("interpolation 1")
        return (f"motors {self.n_motors} + {self.n_heads} heads ({self.reads} read, 1 write) x "
                f"({' + '.join(parts)}) + value {self.value_size} + gate 1")

    def head(self, q: int) -> int:
        """Offset of head q's block (q < R: read head q; q == R: the write head)."""
        return self.n_motors + q * self.head_size

    def split(self, y: np.ndarray) -> dict:
        """Name the parts of one raw net output y (n_outputs,): read_keys (R, k) and
        write_key (k,) [content, both]; shift_logits (R+1, 3), shifts (R+1,) int in {-1, 0, 1},
        home_logits, home (R+1,) [location, both]; interp_logits, interp_gates (R+1,) [both];
        write_value (d,), write_gate (a float in [0, 1])."""
        blocks = np.stack([y[self.head(q): self.head(q) + self.head_size]
                           for q in range(self.n_heads)])
        parts = {}
        if self.key_size:
            keys = blocks[:, : self.key_size]
            parts["read_keys"] = keys[: self.reads]
            parts["write_key"] = keys[self.reads]
        if self.positional:
            logits = blocks[:, self.shift: self.shift + SHIFTS]
            parts["shift_logits"] = logits
            parts["shifts"] = np.argmax(logits, axis=1) - 1
            parts["home_logits"] = blocks[:, self.shift + SHIFTS]
            parts["home"] = parts["home_logits"] > 0
        if self.interpolated:
            parts["interp_logits"] = blocks[:, self.shift + SHIFTS + 1]
            parts["interp_gates"] = 1.0 / (1.0 + np.exp(-parts["interp_logits"].astype(
                np.float64)))
        parts["write_value"] = y[self.value: self.value + self.value_size]
        parts["write_gate"] = float(1.0 / (1.0 + np.exp(-float(y[self.gate]))))
        return parts


@dataclass(frozen=True)
class HeadTrace:
    """One agent's positional heads over one step, for the inspector. Arrays (R+1,), read heads
    first, the write head last: before, after int32 positions in [0, m); shifts int8 in
    {-1, 0, 1}; home bool; interp float32 in [0, 1] (both mode) or None (location mode)."""

    addressing: str
    width: int
    before: np.ndarray
    after: np.ndarray
    shifts: np.ndarray
    home: np.ndarray
    interp: np.ndarray | None

    def __post_init__(self) -> None:
        for arr in (self.before, self.after, self.shifts, self.home, self.interp):
            if arr is not None:
                arr.flags.writeable = False

    @property
    def names(self) -> list[str]:
        return [f"read {r}" for r in range(self.before.size - 1)] + ["write"]


def address_tables(seed: int, width: int) -> np.ndarray:
    """What the kernels take for location addresses: (width + 256,) float32, the fixed ±1
    diagonal D (width,), then the 16 rows of the ±1 Sylvester Hadamard matrix H16."""
    h = np.ones((1, 1), np.float32)
    while h.shape[0] < 16:
        h = np.block([[h, h], [h, -h]])
    return np.concatenate([random_signs(np.random.SeedSequence([seed, 0xADD]), width),
                           h.ravel()])


@njit_inline
def sigmoid(x):
    return np.float32(1.0 / (1.0 + math.exp(-x)))


@njit_inline
def move_head(v, off, p, m):
    """New position of a head at p (any int, taken mod m) given its shift logits v[off:off+3]
    and home output v[off+3]: home (0) if v[off+3] > 0, then + argmax - 1 (ties to the first
    max), mod m (a power of two)."""
    best = 0
    if v[off + 1] > v[off]:
        best = 1
    if v[off + 2] > v[off + best]:
        best = 2
    if v[off + SHIFTS] > 0:
        p = 0
    return (p + best - 1) & (m - 1)


@njit_inline
def _parity(x):
    """popcount(x) & 1 for 0 <= x < 2^32 (0x6996: the parities of 0..15 as bits)."""
    if x >= 16:
        x ^= x >> 16
        x ^= x >> 8
        x ^= x >> 4
    return (0x6996 >> (x & 15)) & 1


@njit_inline
def mix_address(z, z_off, tables, p, c):
    """z[z_off : z_off + m] = c z + (1 - c) a(p) for the location address a(p) of position p
    (0 <= p < m); tables: address_tables (m + 256,).

    Walsh row p is a Kronecker product: with blocks of b = min(m, 16) entries,
    (-1)^popcount(p & (b J + q)) = (-1)^popcount((p // b) & J) H16[p % b, q], so a(p) is one ±1
    per block times a row of H16 times D: m multiply-adds on 16-float vectors."""
    m = tables.shape[0] - 256
    b = min(m, 16)
    lo, hi = p % b, p // b
    row = m + 16 * lo  # H16 row p % b; its first b entries are row p % b of H_b
    rest = np.float32(1.0) - c
    if b == 16:
        for blk in range(m // 16):
            mix16(z, z_off + 16 * blk, tables, row, tables, 16 * blk,
                  c, rest if _parity(hi & blk) == 0 else -rest)
        return
    for q in range(m):  # m < 16: one block
        z[z_off + q] = c * z[z_off + q] + (rest * tables[row + q]) * tables[q]


@njit_inline
def tape_vec(memory, a, positions, v, off_value, gate, reads):
    """Location heads on agent a's tape V = memory[a] (d, m): the write head's cell becomes
    (1 - gate) cell + gate value (value = v[off_value : off_value + d]; exact at gate 1), then
    reads[a, r] = cell of read head r. positions[a] (R+1,) in [0, m), write head last."""
    n_reads = reads.shape[1]
    p = positions[a, n_reads]
    keep = np.float32(1.0) - gate
    for dd in range(memory.shape[1]):
        memory[a, dd, p] = keep * memory[a, dd, p] + gate * v[off_value + dd]
    for r in range(n_reads):
        p = positions[a, r]
        for dd in range(memory.shape[1]):
            reads[a, r, dd] = memory[a, dd, p]
