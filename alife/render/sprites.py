"""Colours and pre-rendered sprites for the scene (agents and food items).

A sprite is drawn once per (species colour, energy shade, heading bin, pixel radius) and then
blitted many times. Food is a diamond with a dark rim and agents are discs with a heading line,
so the two never read alike whatever colours a world file gives its species; the default
species colours avoid food's green. Sprites are colour-keyed and run-length encoded in the
display's pixel format, which blits several times faster than per-pixel alpha (pygame's
"RLEACCEL" path).
"""

from __future__ import annotations

import math

import pygame

BACKGROUND = (12, 13, 18)
FLOOR = (26, 29, 36)
WALL = (150, 152, 168)
WRAP_EDGE = (70, 74, 90)
OBSTACLE = (64, 68, 82)
OBSTACLE_EDGE = (104, 108, 126)
FOOD = (96, 210, 96)
POISON = (214, 70, 170)
CUE_ON = (255, 228, 90)
CUE_OFF = (70, 66, 40)
SPECIES_COLORS = (
    (86, 168, 255),
    (255, 128, 72),
    (235, 235, 240),
    (220, 120, 240),
    (255, 220, 80),
    (80, 220, 210),
)
FOOD_EDGE = (30, 80, 30)
SHADES = 8  # energy levels
HEADING_BINS = 32


def species_color(species: int) -> tuple[int, int, int]:
    """Base colour of a species index."""
    return SPECIES_COLORS[int(species) % len(SPECIES_COLORS)]


def shade_color(color, level: int) -> tuple[int, int, int]:
    """`color` darkened for energy level 0..SHADES-1 (top level = full colour)."""
    f = 0.45 + 0.55 * (level / (SHADES - 1))
    return tuple(int(round(c * f)) for c in color)


COLORKEY = (255, 0, 254)  # transparent colour of sprites (never used for drawing)


def _blank_sprite(size: int) -> pygame.Surface:
    sprite = pygame.Surface((size, size))
    sprite.fill(COLORKEY)
    return sprite


def _finish_sprite(sprite: pygame.Surface) -> pygame.Surface:
    """Colour-keyed, run-length encoded and in the display's pixel format: blits several
    times faster than per-pixel alpha."""
    if pygame.display.get_init() and pygame.display.get_surface() is not None:
        sprite = sprite.convert()
    sprite.set_colorkey(COLORKEY, pygame.RLEACCEL)
    return sprite


class SpriteCache:
    """Agent and food sprites, created on first use."""

    def __init__(self) -> None:
        self._agent_sprites: dict[tuple, pygame.Surface] = {}
        self._food_sprites: dict[tuple[int, int], pygame.Surface] = {}

    def agent(self, color, level: int, hbin: int, rpx: int) -> pygame.Surface:
        """Body disc (shaded by energy level) with a heading line at screen angle bin `hbin`."""
        key = (color, level, hbin, rpx)
        sprite = self._agent_sprites.get(key)
        if sprite is None:
            if len(self._agent_sprites) > 20000:
                self._agent_sprites.clear()
            size = 2 * rpx + 3
            sprite = _blank_sprite(size)
            c = size // 2
            body = shade_color(color, level)
            pygame.draw.circle(sprite, body, (c, c), rpx)
            if rpx >= 3:
                edge = tuple(int(v * 0.55) for v in body)
                pygame.draw.circle(sprite, edge, (c, c), rpx, max(1, rpx // 6))
                ang = hbin * (2 * math.pi / HEADING_BINS)
                tip = (c + math.cos(ang) * rpx, c - math.sin(ang) * rpx)
                pygame.draw.line(sprite, (245, 245, 250), (c, c), tip, max(1, rpx // 4))
            sprite = _finish_sprite(sprite)
            self._agent_sprites[key] = sprite
        return sprite

    def food(self, kind: int, rpx: int) -> pygame.Surface:
        key = (kind, rpx)
        sprite = self._food_sprites.get(key)
        if sprite is None:
            size = 2 * rpx + 1
            sprite = _blank_sprite(size)
            color = POISON if kind else FOOD
            if rpx <= 1:
                sprite.fill(color)
            elif not kind:  # food: a diamond (agents are discs)
                c = rpx
                corners = [(c, 0), (2 * c, c), (c, 2 * c), (0, c)]
                pygame.draw.polygon(sprite, color, corners)
                if rpx >= 3:
                    pygame.draw.polygon(sprite, FOOD_EDGE, corners, 1)
            else:
                pygame.draw.circle(sprite, color, (rpx, rpx), rpx)
                if kind:  # poison: a dark cross so it reads without colour vision
                    d = max(1, int(rpx * 0.55))
                    dark = (60, 10, 45)
                    pygame.draw.line(sprite, dark, (rpx - d, rpx - d), (rpx + d, rpx + d))
                    pygame.draw.line(sprite, dark, (rpx - d, rpx + d), (rpx + d, rpx - d))
            sprite = _finish_sprite(sprite)
            self._food_sprites[key] = sprite
        return sprite
