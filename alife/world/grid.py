"""Uniform spatial grid built by counting sort (one grid per arena, all arenas in one array).

Every arena is cut into gx * gy equal cells at least `cell_min` wide; global cell
c = (arena * gy + cy) * gx + cx. A counting sort (Knuth, TAOCP vol. 3, 5.2 "sorting by
counting") puts item indices in cell order in O(N + cells): items of cell c are
``order[start[c]:start[c + 1]]``, in increasing item index (the sort is stable), so every
query visits neighbours in the same order whichever arenas share the World.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from alife.jit import njit_inline, njit_serial

MAX_CELLS_PER_SIDE = 128


@dataclass(frozen=True)
class GridSpec:
    """Geometry of the per-arena grid. cw, ch: cell size; gx, gy: cells per arena side."""

    width: float
    height: float
    gx: int
    gy: int
    cw: float
    ch: float
    wrap: bool

    @classmethod
    def for_arena(cls, width: float, height: float, cell_min: float, wrap: bool) -> GridSpec:
        gx = max(1, min(int(width // cell_min), MAX_CELLS_PER_SIDE))
        gy = max(1, min(int(height // cell_min), MAX_CELLS_PER_SIDE))
        return cls(width, height, gx, gy, width / gx, height / gy, wrap)

    @property
    def cells_per_arena(self) -> int:
        return self.gx * self.gy


@njit_inline
def cell_of(x, y, arena, gx, gy, cw, ch):
    """Global cell index of a point (clamped into its arena)."""
    cx = int(x / cw)
    cy = int(y / ch)
    cx = min(max(cx, 0), gx - 1)
    cy = min(max(cy, 0), gy - 1)
    return (arena * gy + cy) * gx + cx


@njit_serial
def _build(x, y, arena, include, gx, gy, cw, ch, n_cells, start, order):
    n = x.shape[0]
    cells = np.empty(n, np.int64)
    start[:] = 0
    for i in range(n):
        if include[i]:
            c = cell_of(x[i], y[i], arena[i], gx, gy, cw, ch)
            cells[i] = c
            start[c + 1] += 1
        else:
            cells[i] = -1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    for i in range(n):
        c = cells[i]
        if c >= 0:
            order[fill[c]] = i
            fill[c] += 1
    return start[n_cells]


def build_grid(
    spec: GridSpec,
    n_arenas: int,
    x: np.ndarray,
    y: np.ndarray,
    arena: np.ndarray,
    include: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sort items into cells. x, y float32 (N,); arena int32 (N,) local arena positions;
    include bool (N,). Returns (start int64 (cells+1,), order int64 (N,); first start[-1] used)."""
    n_cells = n_arenas * spec.cells_per_arena
    start = np.zeros(n_cells + 1, np.int64)
    order = np.empty(x.shape[0], np.int64)
    _build(x, y, arena, include, spec.gx, spec.gy, spec.cw, spec.ch, n_cells, start, order)
    return start, order


@njit_serial
def _build_objects(ax, ay, aarena, alive, species, fx, fy, farena, factive, fkind, n_species,
                   gx, gy, cw, ch, n_cells, start, ox, oy, otag, orow):  # fmt: skip
    """Counting sort of living agents and active items into one grid, writing their x, y, tag
    (species, or n_species + item kind) and row (agent row; -2 - slot for items) in cell
    order."""
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


def build_object_grid(spec: GridSpec, n_arenas: int, agents: dict, items: dict, n_species: int):
    """The sensing grid over living agents and active items: (start, row, x, y, tag), the last
    four in cell order and as long as the number of objects (see _build_objects)."""
    n_cells = n_arenas * spec.cells_per_arena
    start = np.empty(n_cells + 1, np.int64)
    n = agents["x"].shape[0] + items["fx"].shape[0]
    ox, oy = np.empty(n), np.empty(n)
    otag, orow = np.empty(n, np.int64), np.empty(n, np.int64)
    used = _build_objects(
        agents["x"], agents["y"], agents["apos"], agents["alive"], agents["species"],
        items["fx"], items["fy"], items["farena"], items["factive"], items["fkind"], n_species,
        spec.gx, spec.gy, spec.cw, spec.ch, n_cells, start, ox, oy, otag, orow,
    )  # fmt: skip
    return start, orow[:used], ox[:used], oy[:used], otag[:used]


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
