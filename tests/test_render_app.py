"""The window, driven by posted pygame events on the real World (SDL dummy video driver).

Covers the window's controls (pause, step, speed, fast-forward, click/Tab selection,
inspector, zoom/pan, reload + hot reload keeping brains, broken edit then fix, checkpoints,
screenshot, quit), live generations with the fitness chart, and the pixels: each agent's
colour is drawn where the agent is and empty floor stays floor.
"""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from pathlib import Path

import numpy as np
import pygame
import pytest

from alife.chart import PALETTE
from alife.render.app import FAST_FORWARD, App
from alife.render.inspector import PANEL_WIDTH
from alife.render.scene import arena_layout
from alife.render.session import Session
from alife.render.sprites import FLOOR, SHADES, shade_color

ROOT = Path(__file__).resolve().parent.parent
FORAGING = (ROOT / "worlds" / "foraging.yaml").read_text()
SIZE = (1000, 700)


def key(k: int, mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0))


def click(pos) -> None:
    pos = (int(pos[0]), int(pos[1]))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))


def write(path: Path, text: str) -> None:
    """Write and bump the mtime by a full second so the hot-reload poll always sees it."""
    old = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(old + 1_000_000_000, old + 1_000_000_000))


@pytest.fixture
def world_file(tmp_path) -> Path:
    path = tmp_path / "foraging.yaml"
    path.write_text(FORAGING)
    return path


def make_app(path: Path, tmp_path: Path) -> App:
    session = Session(path, checkpoint_dir=tmp_path / "ckpt")
    app = App(session, size=SIZE, max_fps=0, screenshot_dir=tmp_path / "shots")
    app.auto_reload = False
    app.inspect_interval = 0.0
    return app


@pytest.fixture
def app(world_file, tmp_path):
    app = make_app(world_file, tmp_path)
    yield app
    pygame.display.quit()


def isolated_agents(app: App, min_px: float = 24.0) -> list[int]:
    """Indices (into app._snap) of agents far from other agents, food and the HUD panels."""
    snap = app._snap
    ids, sx, sy = app.agent_screen_positions()
    off = arena_layout(snap.arena_count, snap.arena_size)
    fx, fy = app.camera.world_to_screen(
        snap.food_x + off[snap.food_arena, 0], snap.food_y + off[snap.food_arena, 1]
    )
    out = []
    w, h = app.camera.viewport.size
    for k in range(ids.size):
        d_agents = np.hypot(sx - sx[k], sy - sy[k])
        d_agents[k] = np.inf
        d_food = np.hypot(fx - sx[k], fy - sy[k])
        in_view = 20 < sx[k] < w - 20 and 20 < sy[k] < h - 20
        under_hud = (sx[k] < 420 and sy[k] < 130) or (sx[k] < 420 and sy[k] > h - 200)
        if in_view and not under_hud and d_agents.min() > min_px and d_food.min() > min_px:
            out.append(k)
    return out


def test_pause_step_and_resume(app):
    app.frame()
    assert app.session.world.tick_count == 1
    key(pygame.K_SPACE)
    app.frame()
    assert app.paused
    t = app.session.world.tick_count
    for _ in range(3):
        app.frame()
    assert app.session.world.tick_count == t
    key(pygame.K_PERIOD)
    app.frame()
    assert app.session.world.tick_count == t + 1 and app.paused
    key(pygame.K_SPACE)
    app.frame()
    assert not app.paused and app.session.world.tick_count == t + 2


def test_speed_keys_and_fast_forward(app):
    key(pygame.K_PLUS)
    key(pygame.K_EQUALS)
    app.frame()
    assert app.ticks_per_frame == 4
    assert app.session.world.tick_count == 4
    key(pygame.K_MINUS)
    app.frame()
    assert app.ticks_per_frame == 2 and app.session.world.tick_count == 6
    key(pygame.K_f)
    app.frame()
    assert app.fast_forward
    assert app.session.world.tick_count == 6 + 2 * FAST_FORWARD


def test_click_selects_agent_and_inspector_opens(app):
    app.frame()
    key(pygame.K_SPACE)
    app.frame()
    candidates = isolated_agents(app)
    assert candidates, "no isolated agent to click"
    k = candidates[0]
    ids, sx, sy = app.agent_screen_positions()
    click((sx[k], sy[k]))
    app.frame()
    assert app.selected == int(ids[k])
    assert app.view is not None and app.view.agent_id == app.selected
    # highlight ring drawn around the agent
    img = pygame.surfarray.array3d(app.screen)
    r = int(app._snap.radius[k] * app.camera.zoom + 5)
    x, y = int(round(sx[k])), int(round(sy[k]))
    ring = img[x - r - 2 : x + r + 3, y - r - 2 : y + r + 3]
    assert np.all(ring == 255, axis=2).any()

    key(pygame.K_i)
    app.frame()
    assert app.show_inspector
    w, h = app.screen.get_size()
    assert app.camera.viewport.width == w - PANEL_WIDTH
    panel = pygame.surfarray.array3d(app.screen)[w - PANEL_WIDTH :, :]
    assert len(np.unique(panel.reshape(-1, 3), axis=0)) > 20  # text, bars and heatmaps
    # the condensed map shown is exact for the inputs shown
    view = app.view
    raw = view.condensed @ view.inputs
    assert np.allclose(np.tanh(raw[: view.motors.size]), view.motors, atol=1e-4)

    # clicking empty floor deselects, clicking inside the inspector does not
    click((w - 50, 300))
    app.frame()
    assert app.selected == int(ids[k])
    click((5, h - 5))
    app.frame()
    assert app.selected is None


def test_tab_cycles_through_agents(app):
    app.frame()
    ids = np.sort(app._snap.ids)
    key(pygame.K_TAB)
    app.frame()
    assert app.selected == ids[0]
    key(pygame.K_TAB)
    app.frame()
    assert app.selected == ids[1]
    key(pygame.K_TAB, pygame.KMOD_SHIFT)
    app.frame()
    assert app.selected == ids[0]


def test_agents_are_drawn_where_they_are(app):
    for _ in range(5):
        app.frame()
    key(pygame.K_SPACE)
    app.frame()
    snap = app._snap
    img = pygame.surfarray.array3d(app.screen)
    ids, sx, sy = app.agent_screen_positions()
    color = app.session.config.species[0].color
    checked = 0
    for k in isolated_agents(app):
        level = int(np.clip(np.round(snap.energy[k] / snap.max_energy[k] * (SHADES - 1)), 0, 7))
        body = np.array(shade_color(color, level))
        rpx = int(round(snap.radius[k] * app.camera.zoom))
        x, y = int(round(sx[k])), int(round(sy[k]))
        patch = img[x - rpx + 1 : x + rpx, y - rpx + 1 : y + rpx].reshape(-1, 3)
        share = np.all(patch == body, axis=1).mean()
        assert share > 0.3, f"agent {ids[k]} at {(x, y)}: body colour {body} covers {share:.0%}"
        checked += 1
    assert checked >= 5
    # a floor point far from every agent, item and obstacle shows the floor colour
    cfg = app.session.config
    rng = np.random.default_rng(0)
    found = 0
    for _ in range(400):
        wx, wy = rng.uniform(20, cfg.arena.width - 20, 2)
        if np.hypot(snap.x - wx, snap.y - wy).min() < 15:
            continue
        if snap.food_x.size and np.hypot(snap.food_x - wx, snap.food_y - wy).min() < 10:
            continue
        if any(np.hypot(c.x - wx, c.y - wy) < c.radius + 4 for c in cfg.obstacles.circles):
            continue
        if any(
            r.x - 4 < wx < r.x + r.width + 4 and r.y - 4 < wy < r.y + r.height + 4
            for r in cfg.obstacles.rects
        ):
            continue
        px, py = app.camera.world_to_screen(wx, wy)
        if (px < 420 and py < 130) or (px < 420 and py > SIZE[1] - 200):
            continue
        assert tuple(img[int(px), int(py)]) == FLOOR
        found += 1
    assert found > 20


def test_wheel_zooms_and_drag_pans_without_selecting(app):
    app.frame()
    z = app.camera.zoom
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1, flipped=False))
    app.frame()
    assert app.camera.zoom == pytest.approx(z * 1.15)
    before = app.camera.screen_to_world(300, 300)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(300, 300), button=1))
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEMOTION, pos=(350, 320), rel=(50, 20), buttons=(1, 0, 0))
    )
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(350, 320), button=1))
    app.frame()
    after = app.camera.screen_to_world(350, 320)
    assert np.allclose(before, after)  # the world followed the mouse
    assert app.selected is None
    key(pygame.K_HOME)
    app.frame()
    assert app.camera.zoom == pytest.approx(z)


def test_reload_keeps_brains_when_shape_is_unchanged(app, world_file):
    for _ in range(3):
        app.frame()
    old = app.session.world.genomes[0].copy()
    write(world_file, FORAGING.replace("count: 60 ", "count: 30 "))
    key(pygame.K_r)
    app.frame()
    s = app.session
    assert s.error is None and s.reloads == 1
    assert s.config.food.count == 30
    new = s.world.genomes[0]
    assert new.shape == old.shape
    assert (new[:, None, :] == old[None, :, :]).all(axis=2).any(axis=1).all()
    # a different brain width cannot keep the genomes: fresh brains of the new shape
    write(world_file, FORAGING.replace("width: 64 ", "width: 128 "))
    key(pygame.K_r)
    app.frame()
    assert s.error is None and s.reloads == 2 and s.kept_genomes == 0
    assert s.world.genomes[0].shape[1] != old.shape[1]


def test_broken_edit_shows_error_and_old_world_keeps_running(app, world_file):
    app.auto_reload = True
    app.reload_interval = 0.0
    app.frame()
    world = app.session.world
    broken = FORAGING.replace("width: 64 ", "width: 100 ")
    line = broken.splitlines().index(next(s for s in broken.splitlines() if "width: 100" in s)) + 1
    write(world_file, broken)
    app.frame()
    err = app.session.error
    assert err is not None
    assert f"foraging.yaml:{line}:" in err and "power of two" in err
    t = world.tick_count
    app.frame()
    app.frame()
    assert app.session.world is world and world.tick_count == t + 2
    # the message is on screen: a red banner across the top
    img = pygame.surfarray.array3d(app.screen).astype(int)
    top = img[SIZE[0] // 2 - 200 : SIZE[0] // 2 + 200, 15:40]
    assert ((top[..., 0] > 60) & (top[..., 0] > top[..., 1] + 40)).mean() > 0.5
    write(world_file, FORAGING)
    app.frame()
    assert app.session.error is None and app.session.world is not world


def test_screenshot_key_saves_png(app, tmp_path):
    app.frame()
    key(pygame.K_p)
    app.frame()
    shots = list((tmp_path / "shots").glob("*.png"))
    assert len(shots) == 1
    assert pygame.image.load(str(shots[0])).get_size() == SIZE


def test_snapshots_save_with_s_and_load_from_the_list_with_l(app):
    key(pygame.K_l)  # nothing saved yet: a notice, no list, no crash
    app.frame()
    assert "no snapshots" in app.notice and app.picker is None
    for _ in range(4):
        app.frame()
    key(pygame.K_SPACE)
    key(pygame.K_s)
    app.frame()
    assert "snapshot saved" in app.notice
    saved = app.session.world.state_arrays()
    key(pygame.K_SPACE)
    for _ in range(6):
        app.frame()
    key(pygame.K_s)  # a second, newer snapshot
    app.frame()
    assert app.session.world.tick_count != int(saved["tick_count"])
    key(pygame.K_SPACE)
    key(pygame.K_l)
    app.frame()
    assert app.picker is not None and app.picker.open and len(app.picker.snapshots) == 2
    key(pygame.K_DOWN)  # the list is newest first: the older one is second
    key(pygame.K_t)  # other keys go to the list while it is open (no tick, no reload)
    key(pygame.K_RETURN)
    app.frame()
    assert not app.picker.open and "snapshot loaded" in app.notice
    restored = app.session.world.state_arrays()
    assert set(restored) == set(saved)
    for name in saved:
        assert np.array_equal(restored[name], saved[name]), name


def test_c_colours_agents_by_genome_cluster(app):
    from alife.chart.colors import category_colors

    app.frame()
    key(pygame.K_SPACE)
    key(pygame.K_c)
    app.frame()
    assert app.color_clusters
    clusters = app.session.family.agent_clusters(app.session.world)
    assert clusters.shape == app._snap.ids.shape and (clusters >= 0).all()
    img = pygame.surfarray.array3d(app.screen)
    ids, sx, sy = app.agent_screen_positions()
    snap = app._snap
    hits = 0
    for k in isolated_agents(app):
        level = int(np.clip(np.round(snap.energy[k] / snap.max_energy[k] * (SHADES - 1)), 0, 7))
        body = np.array(shade_color(tuple(category_colors([clusters[k]])[0]), level))
        x, y = int(round(sx[k])), int(round(sy[k]))
        patch = img[x - 2 : x + 3, y - 2 : y + 3].reshape(-1, 3)
        hits += np.all(patch == body, axis=1).mean() > 0.3
    assert hits >= 3
    key(pygame.K_c)
    app.frame()
    assert not app.color_clusters


def test_arenas_fit_the_area_the_panels_leave_free(tmp_path, world_file):
    session = Session(world_file, checkpoint_dir=tmp_path / "ckpt")
    app = App(session, size=(1280, 800), max_fps=0)
    try:
        app.frame()
        w, h = session.config.arena.width, session.config.arena.height
        x0, y0 = app.camera.world_to_screen(0.0, h)
        x1, y1 = app.camera.world_to_screen(w, 0.0)
        assert x0 >= 396 and x1 <= 1280 and y0 >= 0 and y1 <= 800  # clear of status and chart
        assert (x1 - x0) > 700  # and still large
        key(pygame.K_TAB)
        key(pygame.K_i)  # the inspector narrows the view: the arena is fitted again
        app.frame()
        x1b, _ = app.camera.world_to_screen(w, 0.0)
        assert x1b <= 1280 - PANEL_WIDTH
    finally:
        pygame.display.quit()


def test_error_banner_leaves_the_inspector_visible(app, world_file):
    app.frame()
    key(pygame.K_SPACE)
    key(pygame.K_TAB)
    key(pygame.K_i)
    app.frame()
    top = pygame.surfarray.array3d(app.screen)[SIZE[0] - PANEL_WIDTH :, :200].copy()
    write(world_file, FORAGING.replace("width: 64 ", "width: 100 "))
    key(pygame.K_r)
    app.frame()
    assert app.session.error
    img = pygame.surfarray.array3d(app.screen)
    banner = img[100:400, 120:140].astype(int)  # the banner is there, left of the inspector
    assert ((banner[..., 0] > 60) & (banner[..., 0] > banner[..., 1] + 40)).mean() > 0.5
    assert np.array_equal(img[SIZE[0] - PANEL_WIDTH :, :200], top)  # the title is untouched


def test_generations_advance_live_with_elitism_and_chart(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(FORAGING.replace("length: 500 ", "length: 30 "))
    app = make_app(path, tmp_path)
    try:
        for _ in range(30):
            app.frame()
        pop = app.session.population
        assert app.session.generation == pop.index == 1
        # elitism: generation 0's best genome (all arenas of the layout) survives as is
        assert (pop.genomes[0] == pop.best_genomes[0]).all(axis=1).any()
        for _ in range(30):
            app.frame()
        assert app.session.generation == 2
        assert len(app.session.history["best"]) == 2
        assert app.session.history["best"][0] == pop.best_fitness[0]
        app.frame()
        chart = pygame.surfarray.array3d(app.screen)[8:388, SIZE[1] - 178 : SIZE[1] - 8]
        assert np.all(chart == np.array(PALETTE[0]), axis=2).sum() > 20  # the "best" line
    finally:
        pygame.display.quit()


def test_help_overlay_and_quit(app):
    key(pygame.K_h)
    app.frame()
    assert app.show_help
    key(pygame.K_ESCAPE)
    assert app.frame() is True and not app.show_help
    key(pygame.K_ESCAPE)
    assert app.frame() is False
    assert not app.running
    app.running = True
    key(pygame.K_q)
    assert app.frame() is False
