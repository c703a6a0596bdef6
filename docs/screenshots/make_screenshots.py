"""Render the README's screenshots of the window's views (off-screen, SDL's dummy driver).

Run from the project root: `python docs/screenshots/make_screenshots.py [RUN_DIR]`. RUN_DIR is a
generational foraging run (default: one is evolved into runs/screenshots-foraging, 15
generations). Writes docs/screenshots/{replay,clusters,ancestry,snapshots,lineage}.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np  # noqa: E402
import pygame  # noqa: E402

from alife.evolve.lineage import save_lineage_png  # noqa: E402
from alife.evolve.replay import start_of  # noqa: E402
from alife.render.app import App  # noqa: E402
from alife.render.replay import ReplaySession  # noqa: E402
from alife.render.session import Session  # noqa: E402
from alife.render.snapshots import save_snapshot  # noqa: E402

OUT = Path(__file__).resolve().parent
ROOT = OUT.parent.parent
SIZE = (1280, 800)


def select_middle(app: App) -> None:
    ids = np.sort(app._snap.ids)
    app.selected = int(ids[len(ids) // 2])
    app.show_inspector = True
    app.inspect_interval = 0.0
    app._layout()


def shoot(app: App, name: str) -> None:
    app.draw()
    app.screenshot(OUT / name)
    print("wrote", OUT / name)


def main() -> None:
    default = ROOT / "runs" / "screenshots-foraging"
    run_dir = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else default
    if not (run_dir / "manifest.json").exists():
        subprocess.run([sys.executable, str(ROOT / "run.py"), "evolve", "worlds/foraging.yaml",
                        "--generations", "15", "--out", str(run_dir), "--no-progress"],
                       check=True, cwd=ROOT)  # fmt: skip
    # replay with its slider, inspector open on one agent (its ancestry from lineage.csv)
    session = ReplaySession(start_of(run_dir, None), keyframe_every=50)
    session.verify()
    app = App(session, size=SIZE, max_fps=0)
    app.ticks_per_frame = 10
    app.run(22)
    select_middle(app)
    shoot(app, "replay.png")
    pygame.display.quit()
    # an open-ended world coloured by genome cluster, then the inspector's ancestry
    os.chdir(tempfile.mkdtemp())  # snapshots go to runs/window-ecology there
    session = Session(ROOT / "worlds" / "ecology.yaml")
    app = App(session, size=SIZE, max_fps=0)
    app.ticks_per_frame = 20
    app.run(90)
    app.color_clusters = True
    shoot(app, "clusters.png")
    select_middle(app)
    shoot(app, "ancestry.png")
    # the snapshot list
    for _ in range(3):
        app.run(5)
        save_snapshot(session, session.checkpoint_dir)
    app.show_inspector = False
    app._layout()
    app.open_picker()
    shoot(app, "snapshots.png")
    pygame.display.quit()
    # the run's phylogeny
    save_lineage_png(run_dir, OUT / "lineage.png", (1280, 760))
    print("wrote", OUT / "lineage.png")


if __name__ == "__main__":
    main()
