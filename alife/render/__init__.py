"""Rendering: the only package that imports pygame (DESIGN section 4).

`chart` draws line charts on any Surface (window HUD and headless fitness.png); `camera`,
`draw`, `hud`, `inspector` and `app` make up the interactive window.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
