"""Uniform spatial grid built by counting sort (one grid per arena, all arenas in one array).

Every arena is cut into gx * gy equal cells at least `cell_min` wide; global cell
c = (arena * gy + cy) * gx + cx. A counting sort (Knuth, TAOCP vol. 3, 5.2 "sorting by
counting") puts the living agents and active items in cell order in O(N + cells), with their
positions gathered alongside: a cell holds its agents first (by row), then its items (by slot),
so every query visits neighbours in the same order whichever arenas share the World.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from alife.jit import kernel_tuple, njit_callee, njit_inline

MAX_CELLS_PER_SIDE = 128


@kernel_tuple
class GridSpec(NamedTuple):
    """Geometry of an arena and its grid (scalars; kernels unpack it). width, height: arena
    size; gx, gy: cells per arena side; cw, ch: cell size; wrap: wrap-around edges."""

    width: float
    height: float
    gx: int
    gy: int
    cw: float
    ch: float
    wrap: bool

    @property
    def cells_per_arena(self) -> int:
        return self.gx * self.gy


def grid_spec(width: float, height: float, cell_min: float, wrap: bool) -> GridSpec:
    """The grid of cells at least cell_min wide (at most MAX_CELLS_PER_SIDE per side)."""
    gx = max(1, min(int(width // cell_min), MAX_CELLS_PER_SIDE))
    gy = max(1, min(int(height // cell_min), MAX_CELLS_PER_SIDE))
    return GridSpec(float(width), float(height), gx, gy, width / gx, height / gy, bool(wrap))


@kernel_tuple
class ObjectGrid(NamedTuple):
    """Living agents and active items in cell order: start (cells + 1,) int64, then per object
    row (agent row, or -2 - item slot), x, y (float64) and tag (species, or n_species + item
    kind), int64; objects of cell c are start[c]:start[c + 1]."""

    start: np.ndarray
    row: np.ndarray
    x: np.ndarray
    y: np.ndarray
    tag: np.ndarray


@njit_inline
def cell_of(x, y, arena, gx, gy, cw, ch):
    """Global cell index of a point (clamped into its arena)."""
    cx = int(x / cw)
    cy = int(y / ch)
    cx = min(max(cx, 0), gx - 1)
    cy = min(max(cy, 0), gy - 1)
    return (arena * gy + cy) * gx + cx


@njit_callee
def build_objects(ax, ay, aarena, alive, species, fx, fy, farena, factive, fkind, n_species, gx,
                   gy, cw, ch, start, ox, oy, otag, orow):
    """Counting sort of living agents (ax, ay, aarena, alive, species) and active items (fx, fy,
    farena, factive, fkind) into one grid: start (cells + 1,) and, in cell order, their x, y
    (ox, oy), tag (otag: species, or n_species + item kind) and row (orow: agent row; -2 - slot
    for items). Returns the number of objects."""
    n_cells = start.shape[0] - 1
    na = ax.shape[0]
    nf = fx.shape[0]
    cells = np.empty(na + nf, np.int64)
    start[:] = 0
    for i in range(na):
        c = cell_of(ax[i], ay[i], aarena[i], gx, gy, cw, ch) if alive[i] else -1
        cells[i] = c
        if c >= 0:
            start[c + 1] += 1
    for f in range(nf):
        c = cell_of(fx[f], fy[f], farena[f], gx, gy, cw, ch) if factive[f] else -1
        cells[na + f] = c
        if c >= 0:
            start[c + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    for i in range(na):
        c = cells[i]
        if c >= 0:
            p = fill[c]
            fill[c] += 1
            ox[p] = ax[i]
            oy[p] = ay[i]
            otag[p] = species[i]
            orow[p] = i
    for f in range(nf):
        c = cells[na + f]
        if c >= 0:
            p = fill[c]
            fill[c] += 1
            ox[p] = fx[f]
            oy[p] = fy[f]
            otag[p] = n_species + fkind[f]
            orow[p] = -2 - f
    return start[n_cells]


def object_grid(spec: GridSpec, n_arenas: int, n_objects: int) -> ObjectGrid:
    """Buffers for the object grid of n_arenas arenas and up to n_objects objects (agents +
    item slots), filled by build_objects."""
    n = n_objects
    cells = n_arenas * spec.cells_per_arena
    return ObjectGrid(np.zeros(cells + 1, np.int64), np.empty(n, np.int64), np.empty(n),
                      np.empty(n), np.empty(n, np.int64))


@njit_inline
def box_cells(x, y, reach, cw, ch, gx, gy, wrap):
    """Cells overlapping the square [x - reach, x + reach] x [y - reach, y + reach]:
    (x0, nx, y0, ny); visit x0 .. x0 + nx - 1 (through wrap_cell in wrap-around arenas)."""
    return span_cells(x - reach, x + reach, y - reach, y + reach, cw, ch, gx, gy, wrap)


@njit_inline
def span_cells(lo_x, hi_x, lo_y, hi_y, cw, ch, gx, gy, wrap):
    """Cells overlapping the box [lo_x, hi_x] x [lo_y, hi_y] (arena coordinates): (x0, nx, y0,
    ny) as in box_cells; clamped to the arena with walls, at most one lap with wrap-around."""
    ax0 = int(math.floor(lo_x / cw))
    ax1 = int(math.floor(hi_x / cw))
    ay0 = int(math.floor(lo_y / ch))
    ay1 = int(math.floor(hi_y / ch))
    if wrap:
        return ax0 % gx, min(ax1 - ax0 + 1, gx), ay0 % gy, min(ay1 - ay0 + 1, gy)
    ax0 = max(ax0, 0)
    ay0 = max(ay0, 0)
    ax1 = min(ax1, gx - 1)
    ay1 = min(ay1, gy - 1)
    return ax0, max(ax1 - ax0 + 1, 0), ay0, max(ay1 - ay0 + 1, 0)


@njit_inline
def wrap_cell(c, g):
    """c mod g for c in [-g, 2g) without an integer division (hot inner loops)."""
    if c < 0:
        return c + g
    if c >= g:
        return c - g
    return c
