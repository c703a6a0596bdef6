"""World <-> screen transforms for the window: zoom around a point, pan by pixels, fit a rect.

A `Camera` maps world coordinates (arena units, y up as in the world files, where a rect's
(x, y) is its lower-left corner) into a viewport Rect of the window (y down):
sx = vx + vw/2 + (x - cx) * zoom, sy = vy + vh/2 - (y - cy) * zoom.
Transforms take scalars or NumPy arrays, so a whole population is mapped in one call.
"""

from __future__ import annotations

import numpy as np
import pygame

MIN_ZOOM = 1e-3
MAX_ZOOM = 500.0


class Camera:
    """Center (world units), zoom (pixels per world unit) and the viewport it draws into."""

    def __init__(self, viewport: pygame.Rect | tuple[int, int, int, int]) -> None:
        self.viewport = pygame.Rect(viewport)
        self.cx = 0.0
        self.cy = 0.0
        self.zoom = 1.0

    def set_viewport(self, viewport: pygame.Rect | tuple[int, int, int, int]) -> None:
        """Resize the drawing area, keeping the world point at its centre fixed."""
        self.viewport = pygame.Rect(viewport)

    def fit(
        self,
        world_rect: tuple[float, float, float, float],
        margin: float = 0.04,
        within: pygame.Rect | None = None,
    ) -> None:
        """Show (x, y, w, h) as large as fits `within` (a screen rect inside the viewport;
        default: the whole viewport) with a relative margin, centred there."""
        x, y, w, h = (float(v) for v in world_rect)
        area = self.viewport if within is None else pygame.Rect(within)
        vw = max(1, area.width) * (1.0 - 2 * margin)
        vh = max(1, area.height) * (1.0 - 2 * margin)
        self.zoom = float(np.clip(min(vw / max(w, 1e-9), vh / max(h, 1e-9)), MIN_ZOOM, MAX_ZOOM))
        # the world centre goes to the area's centre
        dx = area.centerx - (self.viewport.x + self.viewport.width * 0.5)
        dy = area.centery - (self.viewport.y + self.viewport.height * 0.5)
        self.cx = x + w / 2.0 - dx / self.zoom
        self.cy = y + h / 2.0 + dy / self.zoom

    def world_to_screen(self, x, y):
        """World coordinates (scalars or arrays) -> screen pixels (float, same shapes)."""
        sx = self.viewport.x + self.viewport.width * 0.5 + (np.asarray(x) - self.cx) * self.zoom
        sy = self.viewport.y + self.viewport.height * 0.5 - (np.asarray(y) - self.cy) * self.zoom
        return sx, sy

    def screen_to_world(self, sx, sy):
        """Screen pixels -> world coordinates (inverse of `world_to_screen`)."""
        x = (np.asarray(sx) - self.viewport.x - self.viewport.width * 0.5) / self.zoom + self.cx
        y = self.cy - (np.asarray(sy) - self.viewport.y - self.viewport.height * 0.5) / self.zoom
        return x, y

    def zoom_at(self, screen_pos: tuple[float, float], factor: float) -> None:
        """Multiply the zoom by `factor`, keeping the world point under `screen_pos` fixed."""
        wx, wy = self.screen_to_world(*screen_pos)
        self.zoom = float(np.clip(self.zoom * factor, MIN_ZOOM, MAX_ZOOM))
        nx, ny = self.screen_to_world(*screen_pos)
        self.cx += float(wx - nx)
        self.cy += float(wy - ny)

    def pan(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) screen pixels (content follows the mouse)."""
        self.cx -= dx / self.zoom
        self.cy += dy / self.zoom

    def center_on(self, x: float, y: float) -> None:
        """Put world point (x, y) at the viewport centre."""
        self.cx, self.cy = float(x), float(y)

    def visible_world_rect(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) of the world region inside the viewport ((x, y) = lower-left corner)."""
        x0, y0 = self.screen_to_world(self.viewport.left, self.viewport.bottom)
        return (
            float(x0),
            float(y0),
            self.viewport.width / self.zoom,
            self.viewport.height / self.zoom,
        )
