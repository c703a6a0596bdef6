"""Fixed-filter-bank (fast-transform) net: WHTs interleaved with two-slope switches.

DESIGN section 3. v = D0 embed(x); per layer v = Hn v, v_j *= a_j if v_j >= 0 else b_j;
y = (Hn v)[:n_out]. Weights are only the 2n slopes per layer (Fastfood, Le et al. 2013;
ACDC, Moczulski et al. 2016). Genome: float32 (depth, 2, width) flattened, [l, 0] = a, [l, 1] = b.
Kernels work on blocks of LANES agents laid innermost (see alife.brain.wht).
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
from alife.brain.wht import LANES, fwht_lanes
from alife.jit import njit_parallel, njit_serial


def random_signs(seed_seq: np.random.SeedSequence, size: int) -> np.ndarray:
    """Fixed ±1 float32 diagonal (size,) drawn from a SeedSequence."""
    rng = np.random.default_rng(seed_seq)
    return (rng.integers(0, 2, size) * 2 - 1).astype(np.float32)


@njit_serial
def embed_lanes(src, src_rows, signs, dst):
    """dst (n, LANES) = signs * tile(src[:src_rows]) * sqrt(src_rows / n); src (>=rows, LANES)."""
    n = dst.shape[0]
    scale = np.float32(math.sqrt(src_rows / n))
    for j in range(n):
        s = src[j % src_rows]
        f = signs[j] * scale
        row = dst[j]
        for t in range(LANES):
            row[t] = s[t] * f


@njit_serial
def gather_genomes(genomes, start, stop, slopes):
    """slopes (n_params, LANES) = genomes[start:stop].T, zero in unused lanes."""
    slopes[:] = 0.0
    for t in range(stop - start):
        g = genomes[start + t]
        for p in range(genomes.shape[1]):
            slopes[p, t] = g[p]


@njit_serial
def ffb_layers(v, genomes, slopes, shared, depth):
    """Run the depth switch layers and the final transform on v (n, LANES) in place.

    shared: genomes[0] holds the one genome of all lanes; else per-lane slopes (n_params, LANES).
    """
    n = v.shape[0]
    inv = np.float32(1.0 / math.sqrt(n))
    for layer in range(depth):
        fwht_lanes(v, inv)
        base = layer * 2 * n
        for j in range(n):
            row = v[j]
            if shared:
                a = genomes[0, base + j]
                b = genomes[0, base + n + j]
                for t in range(LANES):
                    row[t] = row[t] * (a if row[t] >= 0 else b)
            else:
                sa = slopes[base + j]
                sb = slopes[base + n + j]
                for t in range(LANES):
                    row[t] = row[t] * (sa[t] if row[t] >= 0 else sb[t])
    fwht_lanes(v, inv)


@njit_parallel
def _forward(genomes, shared, x, signs, depth, out):
    batch, n_in = x.shape
    n = signs.shape[0]
    n_out = out.shape[1]
    for blk in prange((batch + LANES - 1) // LANES):
        start = blk * LANES
        stop = min(start + LANES, batch)
        xin = np.zeros((n_in, LANES), dtype=np.float32)
        for t in range(stop - start):
            for i in range(n_in):
                xin[i, t] = x[start + t, i]
        v = np.empty((n, LANES), dtype=np.float32)
        embed_lanes(xin, n_in, signs, v)
        slopes = np.empty((0 if shared else genomes.shape[1], LANES), dtype=np.float32)
        if not shared:
            gather_genomes(genomes, start, stop, slopes)
        ffb_layers(v, genomes, slopes, shared, depth)
        for t in range(stop - start):
            for k in range(n_out):
                out[start + t, k] = v[k, t]


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

    def check_genomes(self, genomes: np.ndarray, batch: int) -> tuple[np.ndarray, bool]:
        """Validate genomes (batch, n_params) or one shared (n_params,); return (2-D, shared)."""
        if isinstance(genomes, np.ndarray) and genomes.ndim == 1:
            g = require_float32("genome", genomes, (self.n_params,))
            return g.reshape(1, -1), True
        return require_float32("genomes", genomes, (batch, self.n_params)), False

    def forward(self, genomes: np.ndarray, x: np.ndarray) -> np.ndarray:
        """x (B, n_in) float32 -> y (B, n_out) float32; genomes (B, n_params) or (n_params,)."""
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
