"""Fixed-filter-bank (fast-transform) net: WHTs interleaved with two-slope switches.

v = D0 embed(x); per layer v = Hn v, v_j *= a_j if v_j >= 0 else b_j;
y = (Hn v)[:n_out]. Weights are only the 2n slopes per layer (Fastfood, Le et al. 2013;
ACDC, Moczulski et al. 2016). Genome: float32 (depth, 2, width) flattened, [l, 0] = a, [l, 1] = b.
Kernels keep agents row-major and transform one agent's vector at a time with
explicit SIMD (alife.brain.wht.fwht_vec, alife.brain.simd).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alife.brain.checks import (
    require_float32,
    require_positive,
    require_power_of_two,
)
from alife.brain.simd import WIDTH, mul8, switch8
from alife.brain.wht import ROWS_PER_TASK, fwht_vec
from alife.jit import njit_inline, njit_parallel


def random_signs(seed_seq: np.random.SeedSequence, size: int) -> np.ndarray:
    """Fixed ±1 float32 diagonal (size,) drawn from a SeedSequence."""
    rng = np.random.default_rng(seed_seq)
    return (rng.integers(0, 2, size) * 2 - 1).astype(np.float32)


@njit_inline
def _embed_any(x, signs, dst, scale):
    """embed_vec for any k: whole vectors, then a scalar tail per repetition of x."""
    n = dst.shape[0]
    k = x.shape[0]
    for base in range(0, n, k):
        size = min(k, n - base)
        vec_end = size - size % WIDTH
        for i in range(0, vec_end, WIDTH):
            mul8(x, i, signs, base + i, dst, base + i, scale)
        for i in range(vec_end, size):
            dst[base + i] = x[i] * (signs[base + i] * scale)


@njit_inline
def embed_vec(x, signs, dst):
    """dst (n,) = signs * tile(x) * sqrt(k / n) for x (k,), k <= n: x repeated cyclically."""
    n = dst.shape[0]
    k = x.shape[0]
    scale = np.float32(math.sqrt(k / n))
    if k % WIDTH != 0 or n % k != 0:
        _embed_any(x, signs, dst, scale)
        return
    for base in range(0, n, k):  # fast path (hash keys): whole vectors, whole copies of x
        for i in range(0, k, WIDTH):
            mul8(x, i, signs, base + i, dst, base + i, scale)


@njit_inline
def ffb_vec(v, genomes, row, depth):
    """The depth switch layers and the final transform on one agent's v (n,) in place.

    Slopes of layer l: a = genomes[row, 2 l n : 2 l n + n], b = the next n (read in place).
    """
    n = v.shape[0]
    inv = np.float32(1.0 / math.sqrt(n))
    g0 = row * genomes.shape[1]
    for layer in range(depth):
        fwht_vec(v, v, inv)
        base = layer * 2 * n
        if n >= WIDTH:
            for j in range(0, n, WIDTH):
                switch8(v, j, genomes, g0 + base + j, genomes, g0 + base + n + j)
        else:
            for j in range(n):
                v[j] = v[j] * (genomes[row, base + j] if v[j] >= 0 else genomes[row, base + n + j])
    fwht_vec(v, v, inv)


@njit_parallel
def _forward(genomes, shared, x, signs, depth, out):
    """out (B, n_out) = the first n_out outputs of the net for each row of x (B, n_in).

    Agents stay row-major: each one's vector (n,) lives in L1 through all layers (fwht_vec).
    """
    batch = x.shape[0]
    n = signs.shape[0]
    n_out = out.shape[1]
    n_in = x.shape[1]
    for c in prange((batch + ROWS_PER_TASK - 1) // ROWS_PER_TASK):
        # task-local copies, no per-agent views of shared arrays (see alife.brain.ntm._step_kernel)
        xin = np.empty(n_in, dtype=np.float32)
        v = np.empty(n, dtype=np.float32)
        lsigns = signs.copy()
        for b in range(c * ROWS_PER_TASK, min(batch, (c + 1) * ROWS_PER_TASK)):
            for i in range(n_in):
                xin[i] = x[b, i]
            embed_vec(xin, lsigns, v)
            ffb_vec(v, genomes, 0 if shared else b, depth)
            for k in range(n_out):
                out[b, k] = v[k]


class PreparedGenomes:
    """Genomes validated once, for calling forward/step every tick without re-checking them.

    Made by `FFBNet.prepare` / `NTMController.prepare`; holds a private C-contiguous float32 copy
    (so later edits of the caller's array cannot slip unchecked values in). `array` is a
    read-only view of it: (count, n_params), or (n_params,) for one genome shared by all rows.
    """

    __slots__ = ("_data", "shared", "n_params", "_room")

    def __init__(self, data: np.ndarray, shared: bool, room: list | None = None):
        self._data = data  # 2-D (count or 1, n_params), validated
        self.shared = shared
        self.n_params = data.shape[1]
        # [buffer (capacity, n_params) whose first rows are _data, rows of it handed out]
        self._room = room

    @property
    def array(self) -> np.ndarray:
        view = self._data[0] if self.shared else self._data
        view = view.view()
        view.flags.writeable = False
        return view

    def __len__(self) -> int:
        return self._data.shape[0]

    def then(self, more: np.ndarray) -> PreparedGenomes:
        """These rows followed by `more` (k, n_params) float32, already validated. Only `more`
        is copied while the buffer behind these rows has room and nothing was appended to them
        before; otherwise all rows go to a new buffer with a quarter more room."""
        n, k = len(self), more.shape[0]
        room = self._room
        if room is None or room[1] != n or room[0].shape[0] < n + k:
            buffer = np.empty((n + k + (n + k) // 4, self.n_params), np.float32)
            buffer[:n] = self._data
            room = [buffer, n]
        room[0][n : n + k] = more
        room[1] = n + k
        return PreparedGenomes(room[0][: n + k], False, room)


class FFBNet:
    """Fixed-filter-bank net of `width` (power of two) and `depth` switch layers.

    `seed` fixes the input sign flips D0; the genome holds all learnable slopes.
    """

    def __init__(self, n_in: int, n_out: int, width: int, depth: int, seed: int = 0):
        self.width = require_power_of_two("width", width)
        self.depth = require_positive("depth", depth)
        self.n_in = require_positive("n_in", n_in)
        self.n_out = require_positive("n_out", n_out)
        if n_in > width or n_out > width:
            raise ValueError(f"n_in and n_out must be <= width {width}, got n_in={n_in}, "
                             f"n_out={n_out}")
        self.seed = seed
        self.signs = random_signs(np.random.SeedSequence([seed, 0xFFB]), width)

    @property
    def n_params(self) -> int:
        return self.depth * 2 * self.width

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """(count, n_params) float32 slopes ~ N(0, 1): E[slope^2] = 1 keeps the norm on average."""
        return rng.standard_normal((count, self.n_params)).astype(np.float32)

    def prepare(self, genomes: np.ndarray, after: PreparedGenomes | None = None
                ) -> PreparedGenomes:  # fmt: skip
        """Validate genomes (count, n_params) or one shared (n_params,) once; the result can be
        passed to forward (and NTMController.step) in place of the array, skipping the per-call
        finiteness scan. after: what prepare returned for the first rows of `genomes`, which
        have not changed since; only the rows after them are then checked and copied."""
        if isinstance(genomes, PreparedGenomes):
            return genomes
        if isinstance(genomes, np.ndarray) and genomes.ndim == 1:
            g = require_float32("genome", genomes, (self.n_params,))
            return PreparedGenomes(g.reshape(1, -1).copy(), True)
        if (isinstance(after, PreparedGenomes) and not after.shared
                and after.n_params == self.n_params and isinstance(genomes, np.ndarray)
                and genomes.ndim == 2 and len(after) <= genomes.shape[0]):  # fmt: skip
            return after.then(require_float32("genomes", genomes[len(after) :],
                                              (None, self.n_params)))  # fmt: skip
        g = require_float32("genomes", genomes, (None, self.n_params))
        return PreparedGenomes(g.copy(), False)

    def check_genomes(self, genomes: np.ndarray, batch: int) -> tuple[np.ndarray, bool]:
        """Validate genomes (batch, n_params) or one shared (n_params,); return (2-D, shared).

        A PreparedGenomes (from `prepare`) is accepted without re-scanning its values."""
        if isinstance(genomes, PreparedGenomes):
            if genomes.n_params != self.n_params:
                raise ValueError(f"prepared genomes have {genomes.n_params} parameters, this net "
                                 f"needs {self.n_params}")
            if not genomes.shared and len(genomes) != batch:
                raise ValueError(f"prepared genomes hold {len(genomes)} genomes, the batch has "
                                 f"{batch} rows")
            return genomes._data, genomes.shared
        if isinstance(genomes, np.ndarray) and genomes.ndim == 1:
            g = require_float32("genome", genomes, (self.n_params,))
            return g.reshape(1, -1), True
        return require_float32("genomes", genomes, (batch, self.n_params)), False

    def forward(self, genomes: np.ndarray, x: np.ndarray) -> np.ndarray:
        """x (B, n_in) float32 -> y (B, n_out) float32; genomes (B, n_params) or (n_params,)
        or a PreparedGenomes from `prepare`."""
        x = require_float32("x", x, (None, self.n_in))
        g, shared = self.check_genomes(genomes, x.shape[0])
        out = np.empty((x.shape[0], self.n_out), dtype=np.float32)
        if x.shape[0]:
            _forward(g, shared, x, self.signs, self.depth, out)
        return out

    def explain(self, genome: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Switch states (depth, width) bool and condensed map C (n_out, n_in), C @ x == y."""
        from alife.brain.explain import condense

        g, _ = self.check_genomes(require_float32("genome", genome, (self.n_params,)), 1)
        x = require_float32("x", x, (self.n_in,))
        return condense(g[0].reshape(self.depth, 2, self.width), self.signs, x, self.n_out)
