"""Rendering: the only package that imports pygame.

`camera`, `scene`, `hud`, `inspector`, `session`, `app` and `launch` make up the interactive
window; its live chart is drawn by `alife.chart` (NumPy, shared with the headless runs).
"""

import os
import sys

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

if "pygame" not in sys.modules and "pkg_resources" not in sys.modules:
    # pygame.pkgdata imports the slow, deprecated pkg_resources (slow to import) only to
    # locate its bundled font; with it unavailable pygame uses its documented file-path
    # fallback. The block is lifted right after, so later imports of pkg_resources work.
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import pygame  # noqa: F401
    finally:
        del sys.modules["pkg_resources"]
