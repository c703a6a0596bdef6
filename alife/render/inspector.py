"""Inspector panel: one agent's body and brain at this tick, drawn from an `AgentView`.

Shows energy, age, generation and parent; the controller inputs x as bars; the condensed map
C of the "ReLU is a switch" view (docs/algorithms.md: for this input every switch is fixed, so
output = C x) as a heatmap whose columns line up with the input bars and carry the input names;
the motor outputs; each layer's switch states as an on/off grid; and the memory: W (or, with
location heads, the tape of cells with each head's position marked) as a heatmap, the read keys,
write key, write value and write gate, and for positional heads a table of each head's move
(position before -> after, shift, home) and its content/position mix. Heatmaps are built in
NumPy and scaled with pygame.transform (no per-cell drawing).
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from alife.render.ancestry import draw_ancestry
from alife.render.hud import DIM, PANEL, TEXT, get_font, panel, text
from alife.world.snapshot import AgentView

PANEL_WIDTH = 470
NEG = np.array([70, 140, 255], np.float32)
POS = np.array([255, 150, 50], np.float32)
ZERO = np.array([30, 32, 40], np.float32)
SWITCH_ON = (120, 220, 140)
SWITCH_OFF = (44, 48, 60)
READ_HEAD = (120, 220, 140)
WRITE_HEAD = (255, 110, 90)
_ROTATED: dict[tuple[str, int], pygame.Surface] = {}


def diverging_rgb(values: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """(rows, cols) float -> (rows, cols, 3) uint8: blue (negative) .. dark .. orange (positive)."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float32))
    if vmax is None:
        vmax = float(np.percentile(np.abs(v), 98)) if v.size else 1.0
    t = np.clip(v / max(vmax, 1e-9), -1.0, 1.0)[..., None]
    rgb = ZERO + np.where(t >= 0, t * (POS - ZERO), -t * (NEG - ZERO))
    return rgb.astype(np.uint8)


def heatmap(values: np.ndarray, size: tuple[int, int], vmax: float | None = None) -> pygame.Surface:
    """Heatmap Surface of `size` (w, h) for a (rows, cols) array (nearest-neighbour scaling)."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float32))
    rgb = diverging_rgb(values, vmax)
    small = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
    return pygame.transform.scale(small, (max(1, size[0]), max(1, size[1])))


def bool_grid(states: np.ndarray, cols: int, cell: int) -> pygame.Surface:
    """(n,) bool -> grid Surface of ceil(n/cols) x cols cells (on = green, off = dark)."""
    n = states.size
    rows = max(1, math.ceil(n / cols))
    grid = np.zeros(rows * cols, np.uint8)
    grid[:n] = np.where(states, 2, 1)
    palette = np.array([(16, 18, 24), SWITCH_OFF, SWITCH_ON], np.uint8)
    rgb = palette[grid.reshape(rows, cols)]
    small = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
    return pygame.transform.scale(small, (cols * cell, rows * cell))


def rotated_label(name: str, size: int) -> pygame.Surface:
    """Text rotated 90 degrees (reads bottom to top), cached."""
    key = (name, size)
    surf = _ROTATED.get(key)
    if surf is None:
        surf = pygame.transform.rotate(get_font(size).render(name, True, DIM), 90)
        _ROTATED[key] = surf
    return surf


def _bar(surface, rect: pygame.Rect, value: float, lo: float = -1.0, hi: float = 1.0) -> None:
    """Horizontal bar for `value` in [lo, hi], signed around 0 when lo < 0."""
    pygame.draw.rect(surface, (38, 41, 50), rect)
    frac = (np.clip(value, lo, hi) - lo) / (hi - lo)
    zero = (0.0 - lo) / (hi - lo) if lo < 0 else 0.0
    a, b = sorted((zero, float(frac)))
    bar = pygame.Rect(rect.left + int(a * rect.w), rect.top, max(1, int((b - a) * rect.w)), rect.h)
    pygame.draw.rect(surface, POS if value >= 0 else NEG, bar)


def _section(surface, x: int, y: int, title: str, note: str = "") -> int:
    surface.blit(text(title, 18, TEXT), (x, y))
    if note:
        surface.blit(text(note, 15, DIM), (x + text(title, 18).get_width() + 8, y + 2))
    return y + 18


def draw_inspector(
    surface: pygame.Surface,
    rect: pygame.Rect,
    view: AgentView,
    *,
    species_name: str = "",
    max_energy: float | None = None,
    ancestry: list[str] | None = None,
) -> None:
    """Draw the inspector for `view` into `rect` (clipped to it); ancestry: lines about the
    agent's genome and its ancestors (alife.render.family), drawn below its body."""
    old_clip = surface.get_clip()
    surface.set_clip(rect)
    if surface.get_flags() & pygame.SRCALPHA:
        panel(surface, rect, PANEL)
    else:  # an opaque panel of its own: a plain fill is much cheaper than alpha blending
        surface.fill(PANEL[:3], rect)
    x0, y = rect.left + 10, rect.top + 8
    inner = rect.width - 20

    # ----- body -----
    who = f"Agent #{view.agent_id}" + (f"  ({species_name})" if species_name else "")
    surface.blit(text(who, 22, TEXT), (x0, y))
    y += 24
    parent = "founder" if view.parent_id < 0 else f"#{view.parent_id}"
    parent = "" if ancestry else f"   parent {parent}"  # the ancestry section says more
    info = f"age {view.age}   generation {view.generation}{parent}   arena {view.arena}"
    surface.blit(text(info, 16, DIM), (x0, y))
    y += 18
    emax = max_energy if max_energy and max_energy > 0 else max(view.energy, 1.0)
    surface.blit(text(f"energy {view.energy:.1f}", 16, DIM), (x0, y))
    _bar(surface, pygame.Rect(x0 + 100, y + 3, inner - 100, 10), view.energy, 0.0, emax)
    y += 22
    if ancestry:
        y = draw_ancestry(surface, x0, y, inner, ancestry)

    # ----- inputs as column bars, aligned with the condensed-map columns -----
    inputs = np.asarray(view.inputs, dtype=np.float32)
    n_in = inputs.size
    names = list(view.sensor_names)
    label_w = 64
    col_w = max(1.0, (inner - label_w - 60) / max(n_in, 1))
    cx = x0 + label_w
    y = _section(surface, x0, y, "inputs x", f"{n_in} values")
    bar_h = 36
    mid = y + bar_h // 2
    pygame.draw.line(surface, (70, 74, 88), (cx, mid), (cx + int(col_w * n_in), mid))
    scale = max(1.0, float(np.abs(inputs).max())) if n_in else 1.0
    for i, v in enumerate(inputs.tolist()):
        h = int(round(v / scale * (bar_h // 2)))
        bx = int(cx + i * col_w)
        r = pygame.Rect(bx, mid - max(h, 0), max(1, int(col_w) - 1), max(1, abs(h)))
        pygame.draw.rect(surface, POS if v >= 0 else NEG, r)
    y += bar_h + 4

    # ----- condensed map C, motor rows, with motor values on the right -----
    motors = np.asarray(view.motors, dtype=np.float32)
    n_m = motors.size
    cond = np.asarray(view.condensed, dtype=np.float32)
    y = _section(surface, x0, y, "condensed map C", "rows: motors; C x = output")
    row_h = 16
    if cond.size and n_in:
        rows = cond[: max(n_m, 1)]
        hm = heatmap(rows, (int(col_w * n_in), row_h * rows.shape[0]))
        surface.blit(hm, (cx, y))
        for m in range(rows.shape[0]):
            name = view.motor_names[m] if m < len(view.motor_names) else f"m{m}"
            surface.blit(text(name[:9], 15, DIM), (x0, y + m * row_h + 1))
            if m < n_m:
                bx = cx + int(col_w * n_in) + 6
                _bar(surface, pygame.Rect(bx, y + m * row_h + 3, 50, row_h - 6), float(motors[m]))
        y += row_h * rows.shape[0] + 2
        step = max(1, math.ceil(11 / col_w))  # label every step-th input so names do not overlap
        lab_h = 0
        for i in range(0, n_in, step):
            lab = rotated_label(names[i] if i < len(names) else str(i), 13)
            surface.blit(lab, (int(cx + (i + 0.5) * col_w - lab.get_width() / 2), y))
            lab_h = max(lab_h, lab.get_height())
        y += lab_h + 8

    # ----- switch states -----
    states = np.asarray(view.switch_states, dtype=bool)
    if states.ndim == 2 and states.size:
        depth, width = states.shape
        y = _section(surface, x0, y, "switch states", f"{depth} layers x {width}; green = slope a")
        cols = min(width, 64)
        cell = max(2, min(8, (inner - label_w - 48) // cols))
        for layer in range(depth):
            grid = bool_grid(states[layer], cols, cell)
            surface.blit(text(f"layer {layer + 1}", 15, DIM), (x0, y))
            surface.blit(grid, (cx, y))
            on = int(states[layer].sum())
            surface.blit(text(f"{on}/{width}", 14, DIM), (cx + grid.get_width() + 6, y))
            y += grid.get_height() + 4
        y += 4

    # ----- memory -----
    if view.memory is None:
        surface.blit(text("memory off (ablation): reads are zero", 16, DIM), (x0, y))
        surface.set_clip(old_clip)
        return
    mem = np.asarray(view.memory, dtype=np.float32)
    tape = view.addressing == "location"
    size = f"{mem.shape[0]} x {mem.shape[1]}"
    if tape:
        y = _section(surface, x0, y, "memory tape", f"{size} cells; triangles: heads")
    else:
        y = _section(surface, x0, y, "memory W", size)
    mh = max(8, min(60, 10 * mem.shape[0]))
    map_w = inner - label_w
    if tape and view.heads is not None:  # head positions over their cells: reads, then write
        _head_marks(surface, cx, y, map_w, view.heads)
        y += 7
    surface.blit(heatmap(mem, (map_w, mh)), (cx, y))
    y += mh + 6
    for label, arr in (
        ("read keys", view.read_keys),
        ("write key", view.write_key),
        ("write val", view.write_value),
    ):
        if arr is None:
            continue
        arr2 = np.atleast_2d(np.asarray(arr, dtype=np.float32))
        h = 10 * arr2.shape[0]
        surface.blit(text(label, 15, DIM), (x0, y))
        surface.blit(heatmap(arr2, (min(inner - label_w, 16 * arr2.shape[1]), h)), (cx, y))
        y += h + 4
    if view.write_gate is not None:
        surface.blit(text(f"gate {view.write_gate:.2f}", 15, DIM), (x0, y))
        _bar(surface, pygame.Rect(cx, y + 3, inner - label_w, 9), float(view.write_gate), 0, 1)
        y += 18
    if view.heads is not None:
        _heads_table(surface, x0, y + 4, view.heads)
    surface.set_clip(old_clip)


def _head_colour(name: str) -> tuple[int, int, int]:
    return WRITE_HEAD if name == "write" else READ_HEAD


def _head_marks(surface, x: int, y: int, w: int, heads) -> None:
    """A small triangle above each head's cell of a (d, m) tape heatmap at (x, y), w wide."""
    for name, p in zip(heads.names, heads.after.tolist(), strict=True):
        px = x + int((p + 0.5) * w / heads.width)
        pygame.draw.polygon(surface, _head_colour(name), [(px - 3, y), (px + 3, y), (px, y + 5)])


def _heads_table(surface, x: int, y: int, heads) -> None:
    """One row per head: position before -> after, shift, home, interpolation gate (both)."""
    cols = [x, x + 64, x + 164, x + 214, x + 264]
    header = ["head", "position", "shift", "home"] + (["content mix"] if heads.interp is not None
                                                       else [])
    for cx, label in zip(cols, header, strict=False):
        surface.blit(text(label, 15, DIM), (cx, y))
    y += 17
    for q, name in enumerate(heads.names):
        before, after = int(heads.before[q]), int(heads.after[q])
        shift = int(heads.shifts[q])
        cells = [name, f"{before} -> {after}", f"{shift:+d}" if shift else "0",
                 "home" if heads.home[q] else "-"]
        for cx, cell in zip(cols, cells, strict=False):
            surface.blit(text(cell, 15, _head_colour(name) if cx == x else TEXT), (cx, y))
        if heads.interp is not None:
            g = float(heads.interp[q])
            surface.blit(text(f"{g:.2f}", 15, TEXT), (cols[4], y))
            _bar(surface, pygame.Rect(cols[4] + 40, y + 4, 100, 9), g, 0, 1)
        y += 17
