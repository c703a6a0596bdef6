"""The snapshot list (L): pick a saved snapshot with the arrow keys or the mouse.

`SnapshotPicker` is a modal overlay: while it is open the App hands it every key and click.
Up/Down (or the wheel) move, Enter or a click loads, Esc closes. It lists the snapshots of the
window's snapshot folder newest first, with their generation and tick.
"""

from __future__ import annotations

import pygame

from alife.render.hud import DIM, panel, text
from alife.render.snapshots import SnapshotInfo

ROW = 24
VISIBLE = 14  # rows shown at once (the list scrolls)
HIGHLIGHT = (60, 90, 140, 235)


class SnapshotPicker:
    """A list of `SnapshotInfo`; `handle` returns the one chosen (or None)."""

    def __init__(self, snapshots: list[SnapshotInfo], title: str) -> None:
        self.snapshots = snapshots
        self.title = title
        self.index = 0
        self.open = bool(snapshots)
        self._rows: list[tuple[pygame.Rect, int]] = []

    def handle(self, event: pygame.event.Event) -> SnapshotInfo | None:
        """Apply an event; returns the snapshot to load when one is chosen."""
        n = len(self.snapshots)
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_ESCAPE, pygame.K_l, pygame.K_q):
                self.open = False
            elif event.key == pygame.K_UP:
                self.index = (self.index - 1) % n
            elif event.key == pygame.K_DOWN:
                self.index = (self.index + 1) % n
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.open = False
                return self.snapshots[self.index]
        elif event.type == pygame.MOUSEWHEEL:
            self.index = min(n - 1, max(0, self.index - event.y))
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            for rect, k in self._rows:
                if rect.collidepoint(event.pos):
                    self.open = False
                    return self.snapshots[k]
        return None

    def draw(self, surface: pygame.Surface) -> pygame.Rect:
        """The list, centred on `surface`."""
        n = len(self.snapshots)
        first = min(max(0, self.index - VISIBLE // 2), max(0, n - VISIBLE))
        shown = list(range(first, min(n, first + VISIBLE)))
        head = text(self.title, 22)
        hint = text("Up/Down: choose   Enter or click: load   Esc: close", 16, DIM)
        labels = [(text(s.name, 18), text(f"generation {s.generation}   tick {s.tick}", 16, DIM))
                  for s in (self.snapshots[k] for k in shown)]  # fmt: skip
        w = max([head.get_width(), hint.get_width()]
                + [a.get_width() + b.get_width() + 40 for a, b in labels]) + 32  # fmt: skip
        h = head.get_height() + hint.get_height() + ROW * len(shown) + 34
        rect = pygame.Rect(0, 0, w, h)
        rect.center = surface.get_rect().center
        panel(surface, rect, (12, 14, 20, 240))
        surface.blit(head, (rect.left + 16, rect.top + 10))
        y = rect.top + 14 + head.get_height()
        self._rows = []
        for k, (name, when) in zip(shown, labels, strict=True):
            row = pygame.Rect(rect.left + 8, y, w - 16, ROW)
            if k == self.index:
                panel(surface, row, HIGHLIGHT)
            surface.blit(name, (row.left + 8, y + 4))
            surface.blit(when, (row.right - when.get_width() - 8, y + 5))
            self._rows.append((row, k))
            y += ROW
        surface.blit(hint, (rect.left + 16, y + 6))
        return rect
