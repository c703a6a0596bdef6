"""The interactive window: event loop, controls, layout.

`App(session)` opens a resizable pygame window and runs `frame()` until quit: handle events,
tick the world `ticks_per_frame` times (x `FAST_FORWARD` when fast-forward is on), hot-reload
the world file when it changes, draw the scene, HUD, chart, inspector and overlays. The arenas
are fitted into the area the status panel and chart leave free; S saves a named snapshot, L
picks one to load (alife.render.picker), C colours agents by genome cluster. A replay session
(alife.render.replay) gets a tick slider (alife.render.slider); `recorder` (a video writer)
receives every frame drawn. Tests and
scripts drive it by posting pygame events and calling `frame()`; `run(frames=N)` stops after
N frames. Without a display it raises `DisplayError` with a headless suggestion.
"""

from __future__ import annotations

import os
import time
from collections import deque
from pathlib import Path

import numpy as np
import pygame

from alife.errors import AlifeError
from alife.render import hud
from alife.render.camera import Camera
from alife.render.display import open_window
from alife.render.inspector import PANEL_WIDTH, draw_inspector
from alife.render.picker import SnapshotPicker
from alife.render.scene import SceneRenderer, arena_layout, layout_bounds
from alife.render.session import Session
from alife.render.slider import HEIGHT as SLIDER_HEIGHT
from alife.render.slider import TickSlider
from alife.render.snapshots import list_snapshots, load_snapshot, save_snapshot

FAST_FORWARD = 10  # fast-forward draws one frame per this many frames' worth of ticks
MAX_TICKS_PER_FRAME = 1024
DRAG_THRESHOLD = 4  # pixels the mouse must move before a press becomes a pan
SIDE_COLUMN = 396  # the status panel and chart's column on the left (fit_view avoids it)


class App:
    """The window around a `Session` (see module docstring)."""

    def __init__(
        self,
        session: Session,
        *,
        size: tuple[int, int] = (1280, 800),
        max_fps: int = 60,
        offscreen_ok: bool = False,
        screenshot_dir: str | Path = "screenshots",
    ) -> None:
        self.session = session
        self.screen = open_window(size, f"alife - {session.config.name}", offscreen_ok)
        self.offscreen = os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen")
        self.max_fps = max_fps
        self.screenshot_dir = Path(screenshot_dir)
        self.renderer = SceneRenderer()
        self.camera = Camera(self.screen.get_rect())
        self.chart = hud.ChartPanel()
        self.clock = pygame.time.Clock()
        self.running = True
        self.paused = False
        self.ticks_per_frame = 1
        self.fast_forward = False
        self.show_help = False
        self.show_inspector = False
        self.selected: int | None = None
        self.view = None  # AgentView of the selected agent this frame
        self.notice = ""
        self._notice_until = 0.0
        self.frames = 0
        self.auto_reload = True
        self.reload_interval = 0.5
        self._press: tuple[int, int] | None = None
        self._dragged = False
        self._tick_times: deque[tuple[float, int]] = deque(maxlen=120)
        self._total_ticks = 0
        self._snap = None
        self._fitted = False
        self._auto_fit = True  # refit when the layout changes, until the user pans or zooms
        self.inspect_interval = 0.1  # seconds between brain traces of the selected agent
        self._view_time = 0.0
        self._view_tick = -1
        self._view_generation = -1
        self._inspector_surface: pygame.Surface | None = None
        self._inspector_key = None
        self.picker: SnapshotPicker | None = None
        self.color_clusters = False
        self.slider = TickSlider() if getattr(session, "replay", False) else None
        self.bottom_bar = SLIDER_HEIGHT if self.slider else 0  # kept free of the arenas
        self.recorder = None  # alife.render.video.VideoWriter: gets every frame drawn
        self._layout()

    # ----- layout -----------------------------------------------------------------------------
    def _inspector_rect(self) -> pygame.Rect | None:
        if not (self.show_inspector and self.selected is not None):
            return None
        w, h = self.screen.get_size()
        return pygame.Rect(w - PANEL_WIDTH, 0, PANEL_WIDTH, h)

    def _layout(self) -> None:
        w, h = self.screen.get_size()
        panel = self._inspector_rect()
        self.camera.set_viewport((0, 0, w - (panel.width if panel else 0), h))
        if self._fitted and self._auto_fit:  # not panned or zoomed since: fit the new area
            self.fit_view()

    def free_area(self) -> pygame.Rect:
        """The part of the scene viewport the status panel, chart and slider leave free (the
        whole viewport, less the slider, when that part would be too narrow)."""
        vp = self.camera.viewport
        area = pygame.Rect(vp.left, vp.top, vp.width, vp.height - self.bottom_bar)
        side = pygame.Rect(vp.left + SIDE_COLUMN, area.top, vp.width - SIDE_COLUMN, area.height)
        return side if side.width >= 0.5 * vp.width and side.width >= 200 else area

    def fit_view(self) -> None:
        """Zoom and centre so every arena is visible in the free area."""
        snap = self._snap or self.session.world.snapshot()
        self.camera.fit(layout_bounds(snap.arena_count, snap.arena_size), within=self.free_area())
        self._fitted = self._auto_fit = True

    # ----- helpers ----------------------------------------------------------------------------
    def say(self, message: str, seconds: float = 3.0) -> None:
        """Show a short notice at the bottom of the window."""
        self.notice = message
        self._notice_until = time.monotonic() + seconds

    def agent_screen_positions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, sx, sy) of all agents in the current snapshot, in screen pixels."""
        snap = self._snap or self.session.world.snapshot()
        off = arena_layout(snap.arena_count, snap.arena_size)
        arena = snap.arena.astype(np.int64)
        sx, sy = self.camera.world_to_screen(snap.x + off[arena, 0], snap.y + off[arena, 1])
        return snap.ids, np.asarray(sx), np.asarray(sy)

    def select_at(self, pos: tuple[int, int]) -> int | None:
        """Select the agent under screen `pos` (nearest within its radius + a few pixels)."""
        ids, sx, sy = self.agent_screen_positions()
        if ids.size == 0:
            self.selected = None
            return None
        snap = self._snap
        d = np.hypot(sx - pos[0], sy - pos[1])
        k = int(np.argmin(d))
        reach = max(8.0, float(snap.radius[k]) * self.camera.zoom + 4.0)
        self.selected = int(ids[k]) if d[k] <= reach else None
        self._layout()
        return self.selected

    def select_next(self, step: int = 1) -> None:
        """Tab: the next agent by id (wraps)."""
        ids = np.sort(self._snap.ids) if self._snap is not None else np.zeros(0, np.int64)
        if ids.size == 0:
            self.selected = None
            return
        if self.selected is None:
            self.selected = int(ids[0] if step > 0 else ids[-1])
        else:
            pos = int(np.searchsorted(ids, self.selected, side="right" if step > 0 else "left"))
            self.selected = int(ids[pos % ids.size] if step > 0 else ids[(pos - 1) % ids.size])
        self._layout()

    def screenshot(self, path: str | Path | None = None) -> Path:
        """Save the window as PNG (default: screenshots/<world>-t<tick>.png)."""
        if path is None:
            self.screenshot_dir.mkdir(parents=True, exist_ok=True)
            snap = self._snap
            tick = snap.tick if snap is not None else 0
            name = f"{self.session.path.stem}-g{self.session.generation}-t{tick}.png"
            path = self.screenshot_dir / name
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(path))
        return path

    # ----- events -----------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        """Apply one pygame event."""
        if self.picker is not None and self.picker.open and event.type != pygame.QUIT:
            chosen = self.picker.handle(event)
            if chosen is not None:
                self.load_snapshot(chosen.path)
            return
        if self.slider is not None and self.slider.handle(event, self):
            return
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.screen = pygame.display.get_surface() or self.screen
            self._layout()
        elif event.type == pygame.KEYDOWN:
            self._key(event)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._press = event.pos
            self._dragged = False
        elif event.type == pygame.MOUSEMOTION and self._press is not None:
            if not self._dragged:
                dx, dy = event.pos[0] - self._press[0], event.pos[1] - self._press[1]
                self._dragged = abs(dx) + abs(dy) >= DRAG_THRESHOLD
                if self._dragged:
                    self.camera.pan(dx, dy)
                    self._auto_fit = False
            else:
                self.camera.pan(*event.rel)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            if self._press is not None and not self._dragged:
                panel = self._inspector_rect()
                if panel is None or not panel.collidepoint(event.pos):
                    self.select_at(event.pos)
            self._press = None
        elif event.type == pygame.MOUSEWHEEL:
            pos = pygame.mouse.get_pos()
            self.camera.zoom_at(pos, 1.15 ** (event.y if event.y else -event.x))
            self._auto_fit = False

    def _key(self, event: pygame.event.Event) -> None:
        k = event.key
        if k == pygame.K_ESCAPE and self.show_help:
            self.show_help = False  # Esc first closes the help overlay
        elif k in (pygame.K_ESCAPE, pygame.K_q):
            self.running = False
        elif k == pygame.K_SPACE:
            self.paused = not self.paused
        elif k in (pygame.K_PERIOD, pygame.K_KP_PERIOD):
            self.paused = True
            self._advance(1)
        elif k in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.ticks_per_frame = min(MAX_TICKS_PER_FRAME, self.ticks_per_frame * 2)
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.ticks_per_frame = max(1, self.ticks_per_frame // 2)
        elif k == pygame.K_f:
            self.fast_forward = not self.fast_forward
        elif k == pygame.K_TAB:
            self.select_next(-1 if event.mod & pygame.KMOD_SHIFT else 1)
        elif k == pygame.K_i:
            self.show_inspector = not self.show_inspector
            self._layout()
        elif k == pygame.K_h:
            self.show_help = not self.show_help
        elif k == pygame.K_r:
            self.reload()
        elif k == pygame.K_s:
            self.save_snapshot()
        elif k == pygame.K_l:
            self.open_picker()
        elif k == pygame.K_c:
            self.color_clusters = not self.color_clusters
            self.say("colours: genome clusters" if self.color_clusters else "colours: species")
        elif k == pygame.K_p:
            self.say(f"screenshot saved: {self.screenshot()}")
        elif k == pygame.K_HOME:
            self.fit_view()

    # ----- snapshots --------------------------------------------------------------------------
    def save_snapshot(self) -> None:
        """S: save a new named snapshot (named by time, generation and tick)."""
        try:
            info = save_snapshot(self.session, self.session.checkpoint_dir)
        except (AlifeError, OSError) as err:
            self.say(f"error: {err}", 6.0)
            return
        self.say(f"snapshot saved: {info.name}")

    def open_picker(self) -> None:
        """L: list the saved snapshots to pick one."""
        found = list_snapshots(self.session.checkpoint_dir)
        if not found:
            self.say(f"no snapshots in {self.session.checkpoint_dir} yet: press S to save one")
            return
        self.picker = SnapshotPicker(found, f"load a snapshot ({self.session.checkpoint_dir})")

    def load_snapshot(self, path: str | Path) -> bool:
        """Continue from the snapshot at `path` (its checkpoint JSON); errors become notices."""
        try:
            info = load_snapshot(self.session, Path(path))
        except AlifeError as err:
            self.say(f"error: {err}", 6.0)
            return False
        self._snap = self.session.world.snapshot()
        if self.selected is not None and not np.any(self._snap.ids == self.selected):
            self.selected = None
            self._layout()
        self.say(f"snapshot loaded: {info.name}")
        return True

    def reload(self) -> bool:
        """Reload the world file now (R); errors stay on screen, the old world keeps running."""
        ok = self.session.reload()
        if ok:
            self._snap = self.session.world.snapshot()
            kept = getattr(self.session, "kept_genomes", 0)
            self.say(f"reloaded {self.session.path.name}; kept {kept} brains")
            if self.selected is not None and not np.any(self._snap.ids == self.selected):
                self.selected = None
                self._layout()
        return ok

    def seek(self, tick: int) -> None:
        """Replays: show the episode at `tick` (the slider); scrubbing pauses."""
        self.session.seek(tick)
        self._snap = self.session.world.snapshot()
        self.paused = True

    # ----- frame ------------------------------------------------------------------------------
    def _advance(self, ticks: int) -> None:
        self.session.tick(ticks)
        self._total_ticks += ticks
        if getattr(self.session, "at_end", False):
            self.paused = True  # a replay stops at its episode's end

    def frame(self) -> bool:
        """One frame: events, ticks, reload check, draw, flip. Returns False after quit."""
        for event in pygame.event.get():
            self.handle(event)
        if not self.running:
            return False
        if self.auto_reload and self.session.poll_file(self.reload_interval):
            if self.session.error is None:
                self._snap = self.session.world.snapshot()
                self.say(f"reloaded {self.session.path.name} (file changed)")
        if not self.paused:
            self._advance(self.ticks_per_frame * (FAST_FORWARD if self.fast_forward else 1))
        now = time.perf_counter()
        self._tick_times.append((now, self._total_ticks))
        self.draw()
        if self.recorder is not None:
            self.recorder.add(pygame.surfarray.array3d(self.screen).transpose(1, 0, 2))
        pygame.display.flip()
        self.frames += 1
        if self.max_fps and not self.fast_forward:
            self.clock.tick(self.max_fps)
        else:
            self.clock.tick()
        return True

    def run(self, frames: int | None = None) -> None:
        """Run frames until quit (or `frames` frames have been drawn)."""
        start = self.frames
        while self.frame():
            if frames is not None and self.frames - start >= frames:
                break

    # ----- drawing ----------------------------------------------------------------------------
    def ticks_per_second(self) -> float:
        """Simulated ticks per wall-clock second over the last ~2 seconds of frames."""
        if len(self._tick_times) < 2:
            return 0.0
        t0, n0 = self._tick_times[0]
        t1, n1 = self._tick_times[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def draw(self) -> None:
        """Draw everything for the current state into the window surface."""
        session = self.session
        self._snap = snap = session.world.snapshot()
        if not self._fitted:
            self.fit_view()
        self._refresh_view(snap)
        groups = session.family.agent_clusters(session.world) if self.color_clusters else None
        self.renderer.draw(self.screen, self.camera, snap, session.static, self.view, groups)
        self._draw_hud(snap)
        panel = self._inspector_rect()
        if panel is not None and self.view is not None:
            key = (id(self.view), tuple(panel))
            if self._inspector_key != key:
                if (
                    self._inspector_surface is None
                    or self._inspector_surface.get_size() != panel.size
                ):
                    self._inspector_surface = pygame.Surface(panel.size).convert()
                sp = session.config.species[self.view.species]
                genome = session.family.genome_id(
                    session.world, self.view.agent_id, session.generation
                )
                draw_inspector(
                    self._inspector_surface,
                    self._inspector_surface.get_rect(),
                    self.view,
                    species_name=sp.name,
                    max_energy=sp.energy.max,
                    ancestry=None if genome is None else session.family.ancestry_lines(genome),
                )
                self._inspector_key = key
            self.screen.blit(self._inspector_surface, panel.topleft)
        if self.show_help:
            hud.draw_help(self.screen)
        if session.error:
            hud.draw_error(
                self.screen,
                "world file error - the previous world keeps running (fix and save, or press R)",
                session.error,
                right=self.camera.viewport.right,
            )
        if self.slider is not None:
            self.slider.draw(self.screen, self.camera.viewport, session)
        if self.picker is not None and self.picker.open:
            self.picker.draw(self.screen)
        if self.notice and time.monotonic() < self._notice_until:
            hud.draw_notice(self.screen, self.notice)

    def _refresh_view(self, snap) -> None:
        """Re-trace the selected agent's brain when the world moved on (at most every
        `inspect_interval` seconds: tracing costs more than drawing a frame)."""
        if self.selected is None:
            self.view = None
            return
        now = time.perf_counter()
        stale = self.view is None or self.view.agent_id != self.selected
        if (
            not stale
            and snap.tick == self._view_tick
            and self._view_generation == (self.session.generation)
        ):
            return
        if not stale and now - self._view_time < self.inspect_interval:
            return
        self.view = self.session.world.inspect(self.selected)
        self._view_time, self._view_tick = now, snap.tick
        self._view_generation = self.session.generation
        if self.view is None:
            self.say(f"agent #{self.selected} is gone")
            self.selected = None
            self._layout()

    def _draw_hud(self, snap) -> None:
        session = self.session
        best, mean = session.fitness_summary()
        fps = self.clock.get_fps()
        tps = self.ticks_per_second()
        fast = f"FAST x{FAST_FORWARD}" if self.fast_forward else ""
        state = "PAUSED" if self.paused else fast
        pops = "  ".join(
            f"{name} {int(np.count_nonzero(snap.species == s))}"
            for s, name in enumerate(session.species_names)
        )
        lines = [
            f"{session.config.name}   tick {snap.tick}   generation {session.generation}   {state}",
            f"population {snap.population} ({pops})   food {snap.food_count}",
            f"FPS {fps:.0f}   {self.ticks_per_frame} tick{'s' if self.ticks_per_frame > 1 else ''}"
            f"/frame   {tps:,.0f} ticks/s   "
            f"{_count(tps * snap.population)} agent-ticks/s",
            f"episode score: best {best:.2f}  mean {mean:.2f}   births {snap.births}  "
            f"deaths {snap.deaths}",
            "H: help   I: inspector   click: select",
        ]
        hud.draw_status(self.screen, (8, 8), lines)
        title, x_label, x_step = session.chart_title()
        w, h = self.camera.viewport.size
        cw, ch = self.chart.size
        if w >= cw + 16 and h >= ch + 200 + self.bottom_bar:
            series, version = session.chart_series()
            pos = (8, h - ch - 8 - self.bottom_bar)
            self.chart.draw(self.screen, pos, series, title, x_label, version, x_step)


def _count(value: float) -> str:
    """12, 3,400, 56k, 1.2M."""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e4:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}"
