"""Opening the window: a real display, or a clear `DisplayError` that says how to run headless.

SDL silently falls back to an invisible "offscreen" driver when the X11/Wayland display is
unreachable; an interactive window refuses that fallback. Scripted runs (`--frames N`) may
use SDL's "dummy" driver on purpose, so they work on machines without any display.
"""

from __future__ import annotations

import os
import sys

import pygame

from alife.errors import DisplayError

HEADLESS_HINT = (
    "run evolution headless instead:  python run.py evolve worlds/foraging.yaml\n"
    "or render frames off-screen:     python run.py play WORLD.yaml --frames 300 "
    "--screenshot out.png"
)


def display_available() -> bool:
    """Whether a real (or explicitly chosen) video driver can be expected to work."""
    if os.environ.get("SDL_VIDEODRIVER"):
        return True
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_window(size: tuple[int, int], title: str, offscreen_ok: bool = False) -> pygame.Surface:
    """Initialise display + font and open a resizable window; DisplayError if impossible.

    offscreen_ok: with no display, fall back to SDL's off-screen "dummy" driver (scripted
    --frames/--screenshot runs need no visible window).
    """
    if not display_available():
        if not offscreen_ok:
            raise DisplayError(
                "no display available (DISPLAY is not set): the window needs a desktop "
                "session.\n" + HEADLESS_HINT
            )
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    requested = os.environ.get("SDL_VIDEODRIVER", "")
    try:
        pygame.display.init()
        driver = pygame.display.get_driver()
        if driver in ("offscreen", "dummy") and not requested and not offscreen_ok:
            # SDL falls back to an invisible window when the real display is unreachable
            where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "?"
            raise pygame.error(f"the display {where} is not reachable")
        pygame.font.init()
        screen = pygame.display.set_mode(size, pygame.RESIZABLE)
    except pygame.error as err:
        pygame.display.quit()
        raise DisplayError(f"cannot open a window ({err}).\n" + HEADLESS_HINT) from None
    pygame.display.set_caption(title)
    return screen
