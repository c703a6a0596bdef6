"""Heads-up display: status lines, the live fitness chart, the help overlay (H), the reload
error banner and short notices ("saved checkpoint ...").

Text surfaces are cached by (text, size, colour) because the same strings repeat every frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pygame

from alife.chart import render_chart

TEXT = (226, 228, 236)
DIM = (150, 154, 168)
PANEL = (16, 18, 24, 215)
ERROR_BG = (90, 20, 24, 235)
ERROR_TEXT = (255, 225, 225)

CONTROLS: tuple[tuple[str, str], ...] = (
    ("Space", "pause / resume"),
    (".", "advance one tick (while paused)"),
    ("+ / -", "more / fewer ticks per frame"),
    ("F", "fast-forward (draw every Kth frame)"),
    ("click", "select an agent"),
    ("Tab", "select the next agent"),
    ("I", "inspector (brain, memory, condensed map)"),
    ("R", "reload the world file (also automatic on save)"),
    ("S", "save a named snapshot (named by time, generation, tick)"),
    ("L", "load a snapshot: pick one from the list"),
    ("C", "colour agents by genome cluster / by species"),
    ("Left / Right", "replay: step a tick (Shift: 10); drag the slider to scrub"),
    ("P", "save a screenshot (PNG)"),
    ("wheel / drag", "zoom around the cursor / pan"),
    ("Home", "fit all arenas in the window"),
    ("H", "this help"),
    ("Esc / Q", "close this help / quit"),
)

_FONTS: dict[int, pygame.font.Font] = {}
_TEXT_CACHE: dict[tuple[str, int, tuple], pygame.Surface] = {}


def get_font(size: int) -> pygame.font.Font:
    """The default pygame font at `size` px, cached (initialises pygame.font if needed)."""
    if not pygame.font.get_init():
        pygame.font.init()
    font = _FONTS.get(size)
    if font is None:
        font = pygame.font.Font(None, size)
        _FONTS[size] = font
    return font


def text(s: str, size: int = 18, color=TEXT) -> pygame.Surface:
    """Rendered, cached text surface."""
    key = (s, size, tuple(color))
    surf = _TEXT_CACHE.get(key)
    if surf is None:
        if len(_TEXT_CACHE) > 4000:
            _TEXT_CACHE.clear()
        surf = get_font(size).render(s, True, color)
        _TEXT_CACHE[key] = surf
    return surf


_PANELS: dict[tuple, pygame.Surface] = {}


def panel(surface: pygame.Surface, rect: pygame.Rect, color=PANEL) -> None:
    """Translucent rounded panel behind overlay content (cached per size and colour)."""
    key = (tuple(rect.size), tuple(color))
    overlay = _PANELS.get(key)
    if overlay is None:
        if len(_PANELS) > 64:
            _PANELS.clear()
        overlay = pygame.Surface(rect.size, pygame.SRCALPHA)
        pygame.draw.rect(overlay, color, overlay.get_rect(), border_radius=6)
        _PANELS[key] = overlay
    surface.blit(overlay, rect.topleft)


def draw_status(surface: pygame.Surface, pos: tuple[int, int], lines: Sequence[str]) -> pygame.Rect:
    """Status lines in a panel at `pos`; returns the panel rect."""
    surfs = [text(s, 18, TEXT if i == 0 else DIM) for i, s in enumerate(lines)]
    w = max((s.get_width() for s in surfs), default=0) + 16
    h = sum(s.get_height() + 2 for s in surfs) + 10
    rect = pygame.Rect(pos, (w, h))
    panel(surface, rect)
    y = rect.top + 6
    for s in surfs:
        surface.blit(s, (rect.left + 8, y))
        y += s.get_height() + 2
    return rect


class ChartPanel:
    """The live chart, redrawn only when its data changes (cached Surface)."""

    def __init__(self, size: tuple[int, int] = (380, 170)) -> None:
        self.size = size
        self._surface: pygame.Surface | None = None
        self._key = None

    def draw(
        self,
        surface: pygame.Surface,
        pos: tuple[int, int],
        series: Mapping[str, Sequence[float]],
        title: str,
        x_label: str,
        version: object,
        x_step: float = 1.0,
    ) -> pygame.Rect:
        """Blit the chart at `pos`; `version` changes whenever the series change."""
        key = (version, title, x_label, self.size, x_step)
        if self._surface is None or key != self._key:
            self._surface = pygame.Surface(self.size, pygame.SRCALPHA)
            self._surface.fill((0, 0, 0, 0))
            pygame.draw.rect(self._surface, PANEL, self._surface.get_rect(), border_radius=6)
            size = (self.size[0] - 8, self.size[1] - 6)
            chart = render_chart(
                series, size, title=title, x_label=x_label, x_step=x_step, background=None
            )
            image = pygame.image.frombuffer(chart.pixels.tobytes(), size, "RGBA")
            self._surface.blit(image, (4, 3))
            self._key = key
        return surface.blit(self._surface, pos)


def draw_help(surface: pygame.Surface) -> None:
    """Centered overlay listing every control."""
    rows = [(text(k, 20, (255, 220, 120)), text(v, 20, TEXT)) for k, v in CONTROLS]
    kw = max(r[0].get_width() for r in rows)
    vw = max(r[1].get_width() for r in rows)
    lh = rows[0][0].get_height() + 4
    title = text("Controls", 24, TEXT)
    rect = pygame.Rect(0, 0, kw + vw + 56, lh * len(rows) + title.get_height() + 30)
    rect.center = surface.get_rect().center
    panel(surface, rect, (12, 14, 20, 235))
    surface.blit(title, (rect.left + 16, rect.top + 10))
    y = rect.top + 18 + title.get_height()
    for k, v in rows:
        surface.blit(k, (rect.left + 16, y))
        surface.blit(v, (rect.left + 40 + kw, y))
        y += lh


def wrap_lines(message: str, width_px: int, size: int) -> list[str]:
    """Split a message into lines that fit `width_px` (keeps explicit newlines)."""
    font = get_font(size)
    out: list[str] = []
    for para in message.splitlines() or [""]:
        words = para.split(" ")
        line = ""
        for word in words:
            candidate = word if not line else f"{line} {word}"
            if font.size(candidate)[0] <= width_px or not line:
                line = candidate
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def draw_error(
    surface: pygame.Surface, title: str, message: str, right: int | None = None
) -> pygame.Rect:
    """Red banner at the top (right of the status panel when there is room, left of `right`,
    where a side panel begins) with a (line-numbered) error message."""
    w = surface.get_width() if right is None else min(right, surface.get_width())
    beside = w >= 800  # leave the status panel in the top-left corner visible
    width = min(w - 366, 1100) if beside else w - 40
    lines = wrap_lines(message, width - 24, 18)[:14]
    head = text(title, 20, (255, 255, 255))
    lh = get_font(18).get_linesize()
    rect = pygame.Rect(0, 10 if beside else 110, width, head.get_height() + lh * len(lines) + 22)
    if beside:
        rect.left = 356
    else:
        rect.centerx = w // 2
    panel(surface, rect, ERROR_BG)
    surface.blit(head, (rect.left + 12, rect.top + 8))
    y = rect.top + 12 + head.get_height()
    for line in lines:
        surface.blit(text(line, 18, ERROR_TEXT), (rect.left + 12, y))
        y += lh
    return rect


def draw_notice(surface: pygame.Surface, message: str) -> None:
    """Short notice at the bottom centre."""
    s = text(message, 20, TEXT)
    rect = s.get_rect()
    rect.inflate_ip(20, 10)
    rect.midbottom = (surface.get_width() // 2, surface.get_height() - 12)
    panel(surface, rect)
    surface.blit(s, (rect.left + 10, rect.top + 5))
