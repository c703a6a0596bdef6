"""Draw a `Snapshot`: arenas, walls, obstacles, cue lights, food, poison and agents.

Arenas are tiled in a grid in world space (`arena_layout`), so a generation of many arenas is
seen at once and zooming in shows one. Agents are pre-rendered sprites (keyed by species,
energy shade, heading bin and pixel radius) blitted in one `blits` call with screen
positions computed in NumPy; the only per-agent Python work is building the blit list. Agents
take their species' colour, or, given per-agent groups (genome clusters), each group's colour
from `alife.chart.colors` (the lineage chart's colours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pygame

from alife.chart.colors import category_colors
from alife.render.camera import Camera
from alife.render.sprites import (
    BACKGROUND,
    CUE_OFF,
    CUE_ON,
    FLOOR,
    FOOD,
    HEADING_BINS,
    OBSTACLE,
    OBSTACLE_EDGE,
    POISON,
    SHADES,
    SPECIES_COLORS,
    WALL,
    WRAP_EDGE,
    SpriteCache,
    species_color,
)
from alife.world.snapshot import AgentView, Snapshot

ARENA_GAP = 0.08  # gap between tiled arenas, as a fraction of the arena size


@dataclass(frozen=True)
class SceneStatic:
    """Static geometry of one arena (identical in every arena), world units, y up.

    walls: solid walls (True) or wrap-around (False); circles (K, 3) x, y, r;
    rects (Q, 4) x, y, w, h with (x, y) the lower-left corner; cues (2, 2) light positions
    (light i shows when the arena's cue side picks it); goals (2, 2) and goal_radius;
    food_radius, poison_radius: drawn item radii; species_colors: RGB per species.
    """

    walls: bool = True
    circles: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.float64))
    rects: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float64))
    cues: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float64))
    goals: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float64))
    goal_radius: float = 0.0
    cue_radius: float = 6.0
    food_radius: float = 3.0
    poison_radius: float = 3.0
    species_colors: tuple[tuple[int, int, int], ...] = SPECIES_COLORS


def static_from_config(config) -> SceneStatic:
    """The drawable static geometry of a `WorldConfig`."""
    obs = config.obstacles
    circles = np.array([(c.x, c.y, c.radius) for c in obs.circles], np.float64).reshape(-1, 3)
    rects = np.array([(r.x, r.y, r.width, r.height) for r in obs.rects], np.float64).reshape(-1, 4)
    cue = config.cue
    cues = np.array(cue.lights if cue else [], np.float64).reshape(-1, 2)
    goals = np.array(cue.goals if cue else [], np.float64).reshape(-1, 2)
    size = min(config.arena.width, config.arena.height)
    return SceneStatic(
        walls=config.arena.boundary == "walls",
        circles=circles,
        rects=rects,
        cues=cues,
        goals=goals,
        goal_radius=float(cue.goal_radius) if cue else 0.0,
        cue_radius=max(2.0, 0.02 * size),
        food_radius=float(config.food.radius),
        poison_radius=float(config.poison.radius),
        species_colors=tuple(tuple(int(v) for v in sp.color) for sp in config.species),
    )


def arena_layout(arena_count: int, arena_size: tuple[float, float]) -> np.ndarray:
    """(A, 2) float64 world offsets (lower-left corners) of the arenas, tiled in a near-square
    grid with gaps: arena 0 top-left, rows going down (towards negative y)."""
    cols = max(1, math.ceil(math.sqrt(arena_count)))
    w, h = arena_size
    gap = ARENA_GAP * max(w, h)
    idx = np.arange(arena_count)
    return np.stack([(idx % cols) * (w + gap), -(idx // cols) * (h + gap)], axis=1).astype(
        np.float64
    )


def layout_bounds(arena_count: int, arena_size: tuple[float, float]) -> tuple[float, ...]:
    """(x, y, w, h) world rect ((x, y) lower-left) covering all tiled arenas."""
    off = arena_layout(max(1, arena_count), arena_size)
    w, h = arena_size
    y0 = float(off[:, 1].min())
    return 0.0, y0, float(off[:, 0].max() + w), h - y0


class SceneRenderer:
    """Draws snapshots with cached sprites; one instance per window."""

    def __init__(self) -> None:
        self.sprites = SpriteCache()
        self._background: pygame.Surface | None = None
        self._background_key: tuple | None = None

    # ----- sprites -------------------------------------------------------------------------
    # ----- drawing -------------------------------------------------------------------------
    def draw(
        self,
        surface: pygame.Surface,
        camera: Camera,
        snap: Snapshot,
        static: SceneStatic,
        selected: AgentView | None = None,
        groups: np.ndarray | None = None,
    ) -> None:
        """Draw the whole scene into camera.viewport of `surface`; groups (N,) int64: a colour
        group per living agent (snapshot order) in place of its species."""
        old_clip = surface.get_clip()
        surface.set_clip(camera.viewport)
        offsets = arena_layout(snap.arena_count, snap.arena_size)
        visible = self._visible_arenas(camera, snap, offsets)
        self._draw_background(surface, camera, snap, static, offsets, visible)
        self._draw_cues(surface, camera, snap, static, offsets, visible)
        self._draw_roles(surface, camera, snap, offsets, visible)
        self._draw_food(surface, camera, snap, static, offsets, visible)
        self._draw_agents(surface, camera, snap, static, offsets, visible, groups)
        if selected is not None:
            self.draw_selection(surface, camera, snap, selected, offsets)
        surface.set_clip(old_clip)

    def _arena_corners(self, camera, snap, offsets):
        """Screen (x, y) of each arena's top-left corner (world lower-left + height)."""
        return camera.world_to_screen(offsets[:, 0], offsets[:, 1] + snap.arena_size[1])

    def _visible_arenas(self, camera, snap, offsets) -> np.ndarray:
        """(A,) bool: arenas overlapping the viewport."""
        w, h = snap.arena_size
        z = camera.zoom
        x0, y0 = self._arena_corners(camera, snap, offsets)
        vp = camera.viewport
        visible = (x0 + w * z >= vp.left) & (x0 <= vp.right) & (y0 + h * z >= vp.top)
        return visible & (y0 <= vp.bottom)

    def _draw_background(self, surface, camera, snap, static, offsets, visible) -> None:
        """Floor, walls, goals and obstacles: drawn once per view into a cached layer."""
        vp = camera.viewport
        key = (
            id(static), snap.arena_count, snap.arena_size, camera.cx, camera.cy, camera.zoom,
            tuple(vp), surface.get_size(),
        )  # fmt: skip
        if self._background is None or key != self._background_key:
            bg = pygame.Surface(surface.get_size())
            if pygame.display.get_init() and pygame.display.get_surface() is not None:
                bg = bg.convert()
            bg.set_clip(vp)
            bg.fill(BACKGROUND, vp)
            self._draw_static(bg, camera, snap, static, offsets, visible)
            self._background, self._background_key = bg, key
        surface.blit(self._background, vp.topleft, area=vp)

    def _draw_static(self, surface, camera, snap, static, offsets, visible) -> None:
        w, h = snap.arena_size
        z = camera.zoom
        x0, y0 = self._arena_corners(camera, snap, offsets)
        wall_px = max(1, int(round(min(w, h) * z * 0.006)))
        circles, rects, goals = (
            static.circles.tolist(),
            static.rects.tolist(),
            static.goals.tolist(),
        )
        for a in np.flatnonzero(visible).tolist():
            ax, ay = float(x0[a]), float(y0[a])  # screen top-left corner
            rect = pygame.Rect(round(ax), round(ay), max(1, round(w * z)), max(1, round(h * z)))
            surface.fill(FLOOR, rect)
            if static.walls:
                pygame.draw.rect(surface, WALL, rect.inflate(2 * wall_px, 2 * wall_px), wall_px)
            else:
                pygame.draw.rect(surface, WRAP_EDGE, rect, 1)
            for gx, gy in goals:
                c = (ax + gx * z, ay + (h - gy) * z)
                pygame.draw.circle(surface, (60, 90, 60), c, max(2.0, static.goal_radius * z), 1)
            for x, y, r in circles:
                c = (ax + x * z, ay + (h - y) * z)
                pygame.draw.circle(surface, OBSTACLE, c, max(1.0, r * z))
                if r * z >= 3:
                    pygame.draw.circle(surface, OBSTACLE_EDGE, c, r * z, 1)
            for x, y, rw, rh in rects:
                r = pygame.Rect(
                    round(ax + x * z), round(ay + (h - y - rh) * z), round(rw * z), round(rh * z)
                )
                surface.fill(OBSTACLE, r)
                if min(r.w, r.h) >= 4:
                    pygame.draw.rect(surface, OBSTACLE_EDGE, r, 1)

    def _draw_cues(self, surface, camera, snap, static, offsets, visible) -> None:
        """Cue lights: the lit one (per arena, while the cue shows) glows."""
        cues = static.cues.tolist()
        if not cues:
            return
        h = snap.arena_size[1]
        z = camera.zoom
        x0, y0 = self._arena_corners(camera, snap, offsets)
        rad = max(2.0, static.cue_radius * z)
        for a in np.flatnonzero(visible).tolist():
            on = bool(snap.cue_on[a]) if a < len(snap.cue_on) else False
            side = int(snap.cue_side[a]) if a < len(snap.cue_side) else 0
            lit_index = 0 if side < 0 else 1 if side > 0 else -1
            for i, (x, y) in enumerate(cues):
                lit = on and i == lit_index
                c = (float(x0[a]) + x * z, float(y0[a]) + (h - y) * z)
                if lit:
                    pygame.draw.circle(surface, (110, 98, 30), c, rad * 1.8)
                pygame.draw.circle(surface, CUE_ON if lit else CUE_OFF, c, rad)

    def _draw_roles(self, surface, camera, snap, offsets, visible) -> None:
        """Worlds where food and poison can swap roles: a badge in each arena's top-left
        corner, the item that nourishes there this episode (a food diamond, or a poison disc
        when swapped) in a white ring."""
        swapped = snap.swapped
        if swapped is None:
            return
        x0, y0 = self._arena_corners(camera, snap, offsets)
        rpx = max(3, int(round(6 * camera.zoom)))
        sprites = [self.sprites.food(0, rpx), self.sprites.food(1, rpx)]
        for a in np.flatnonzero(visible).tolist():
            kind = int(swapped[a]) if a < len(swapped) else 0
            cx, cy = float(x0[a]) + 2 * rpx + 2, float(y0[a]) + 2 * rpx + 2
            pygame.draw.circle(surface, (240, 240, 240), (cx, cy), rpx + 3, 1)
            surface.blit(sprites[kind], (round(cx) - rpx, round(cy) - rpx))

    def _blit_all(self, surface, pairs) -> None:
        surface.blits(pairs, doreturn=False)

    def _draw_food(self, surface, camera, snap, static, offsets, visible) -> None:
        if snap.food_x.size == 0:
            return
        arena = snap.food_arena.astype(np.int64)
        keep = visible[arena]
        if not keep.any():
            return
        fx = snap.food_x[keep] + offsets[arena[keep], 0]
        fy = snap.food_y[keep] + offsets[arena[keep], 1]
        kind = snap.food_kind[keep].astype(np.int64)
        sx, sy = camera.world_to_screen(fx, fy)
        r_food = max(1, int(round(static.food_radius * camera.zoom)))
        r_poison = max(1, int(round(static.poison_radius * camera.zoom)))
        sprites = [self.sprites.food(0, r_food), self.sprites.food(1, r_poison)]
        half = np.where(kind == 1, r_poison, r_food)
        bx = (np.round(sx) - half).astype(np.int64).tolist()
        by = (np.round(sy) - half).astype(np.int64).tolist()
        self._blit_all(
            surface, [(sprites[k], (x, y)) for k, x, y in zip(kind.tolist(), bx, by, strict=True)]
        )

    def _draw_agents(self, surface, camera, snap, static, offsets, visible, groups=None) -> None:
        if snap.x.size == 0:
            return
        arena = snap.arena.astype(np.int64)
        keep = visible[arena]
        ax = snap.x[keep] + offsets[arena[keep], 0]
        ay = snap.y[keep] + offsets[arena[keep], 1]
        sx, sy = camera.world_to_screen(ax, ay)
        rpx = np.clip(np.round(snap.radius[keep] * camera.zoom), 1, 4095).astype(np.int64)
        frac = snap.energy[keep] / np.maximum(snap.max_energy[keep], 1e-9)
        level = np.clip(np.round(frac * (SHADES - 1)), 0, SHADES - 1).astype(np.int64)
        hbin = np.round(snap.heading[keep] * (HEADING_BINS / (2 * np.pi))).astype(np.int64)
        hbin = np.where(rpx >= 3, hbin % HEADING_BINS, 0)
        if groups is None:
            species = snap.species[keep].astype(np.int64)
            colors = static.species_colors
        else:
            found, species = np.unique(np.asarray(groups)[keep], return_inverse=True)
            colors = tuple(tuple(c) for c in category_colors(found).tolist())
        code = ((species * SHADES + level) * HEADING_BINS + hbin) * 4096 + rpx
        uniq, inverse = np.unique(code, return_inverse=True)
        sprites = []
        for c in uniq.tolist():
            rest = c // 4096
            sp = rest // (SHADES * HEADING_BINS)
            color = colors[sp] if sp < len(colors) else species_color(sp)
            level_c, hbin_c = (rest // HEADING_BINS) % SHADES, rest % HEADING_BINS
            sprites.append(self.sprites.agent(color, level_c, hbin_c, c % 4096))
        half = rpx + 1
        bx = (np.round(sx) - half).astype(np.int64).tolist()
        by = (np.round(sy) - half).astype(np.int64).tolist()
        pairs = [
            (sprites[i], (x, y)) for i, x, y in zip(inverse.ravel().tolist(), bx, by, strict=True)
        ]
        self._blit_all(surface, pairs)

    def draw_selection(self, surface, camera, snap, view: AgentView, offsets) -> None:
        """Highlight ring and sensor rays of the selected agent (rays end at their nearest hit)."""
        if view.arena >= len(offsets):
            return
        ox, oy = offsets[view.arena]
        idx = np.flatnonzero(snap.ids == view.agent_id)
        if idx.size:  # the snapshot is newest (the view may be a few ticks old)
            k = int(idx[0])
            x, y, heading = float(snap.x[k]), float(snap.y[k]), float(snap.heading[k])
            radius = float(snap.radius[k])
        else:
            x, y, heading, radius = view.x, view.y, view.heading, 1.0
        sx, sy = camera.world_to_screen(x + ox, y + oy)
        center = (float(sx), float(sy))
        hits = ray_hits(view)
        for k, ang in enumerate(np.asarray(view.ray_angles, dtype=np.float64).tolist()):
            a = heading + ang
            dist, cls = hits[k] if k < len(hits) else (1.0, None)
            reach = view.ray_range * dist * camera.zoom
            end = (center[0] + math.cos(a) * reach, center[1] - math.sin(a) * reach)
            color = RAY_MISS if cls is None else RAY_CLASS_COLORS.get(cls, RAY_OTHER)
            pygame.draw.line(surface, color, center, end, 1)
            if cls is not None:
                pygame.draw.circle(surface, color, end, 3)
        ring = max(6.0, radius * camera.zoom + 5)
        pygame.draw.circle(surface, (255, 255, 255), center, ring, 2)


RAY_MISS = (110, 112, 130)
RAY_CLASS_COLORS = {"wall": (230, 230, 240), "food": FOOD, "poison": POISON}
RAY_OTHER = (255, 150, 60)  # agents / species


def ray_hits(view: AgentView) -> list[tuple[float, str | None]]:
    """Per ray: (distance as a fraction of range, class name of the nearest hit or None).

    Reads the inputs named `ray{i}.{class}` (alife.world.sensors: proximity in [0, 1],
    1 = touching). A ray that sees nothing is drawn at full range.
    """
    n_rays = len(view.ray_angles)
    best: list[tuple[float, str | None]] = [(0.0, None)] * n_rays
    for name, value in zip(view.sensor_names, np.asarray(view.inputs).tolist(), strict=False):
        if not name.startswith("ray") or "." not in name:
            continue
        head, cls = name[3:].split(".", 1)
        if not head.isdigit() or int(head) >= n_rays:
            continue
        if value > best[int(head)][0]:
            best[int(head)] = (float(value), cls)
    return [(1.0 - p if c is not None else 1.0, c) for p, c in best]
