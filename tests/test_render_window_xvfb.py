"""Smoke test with a real X11 window on a virtual display (Xvfb; `.ci/run` installs it).

Runs in a subprocess without SDL_VIDEODRIVER, so SDL picks its real x11 driver: the window
opens, is resized, runs frames on the real World with a selected agent and the inspector,
and the screenshot shows the scene.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import sys
    import pygame
    from alife.render.app import App
    from alife.render.session import Session

    app = App(Session(sys.argv[1]), size=(960, 640), max_fps=60)
    assert pygame.display.get_driver() == "x11", pygame.display.get_driver()
    assert not app.offscreen
    app.run(10)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_TAB, mod=0))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_i, mod=0))
    app.run(20)
    assert app.selected is not None and app.view is not None
    pygame.display.set_mode((1100, 700), pygame.RESIZABLE)
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=(1100, 700), w=1100, h=700))
    app.run(10)
    assert app.camera.viewport.width == 1100 - 470, app.camera.viewport
    app.screenshot(sys.argv[2])
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert app.frame() is False
    print("ok", app.frames, app.session.world.tick_count)
    """
)


@pytest.mark.skipif(
    shutil.which("xvfb-run") is None or shutil.which("Xvfb") is None,
    reason="Xvfb is not installed (apt-get install xvfb; .ci/run does this)",
)
def test_real_window_under_xvfb(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY")}
    env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    shot = tmp_path / "x11.png"
    out = subprocess.run(
        [
            "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
            sys.executable, "-c", SCRIPT, str(ROOT / "worlds" / "foraging.yaml"), str(shot),
        ],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.split()[:2] == ["ok", "40"]
    import pygame

    img = pygame.image.load(str(shot))
    assert img.get_size() == (1100, 700)
