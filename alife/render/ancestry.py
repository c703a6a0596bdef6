"""The inspector's ancestry section: the selected agent's genome, parents, grandparents and
founder, as lines from `alife.render.family.Family.ancestry_lines`."""

from __future__ import annotations

import pygame

from alife.render.hud import DIM, TEXT, text, wrap_lines

MAX_LINES = 7


def draw_ancestry(surface: pygame.Surface, x: int, y: int, width: int, lines: list[str]) -> int:
    """Draw the section at (x, y), `width` pixels wide; returns the y below it."""
    surface.blit(text("ancestry", 18, TEXT), (x, y))
    y += 18
    shown = []
    for line in lines:
        shown += wrap_lines(line, width - 8, 15)
    for k, line in enumerate(shown[:MAX_LINES]):
        surface.blit(text(line, 15, TEXT if k == 0 else DIM), (x + 4, y))
        y += 15
    return y + 6
