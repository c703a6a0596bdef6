"""The replay's tick slider: drag (or click) to scrub, arrow keys to step.

Drawn along the bottom of the scene: a track from the episode's first to its last tick, marks
where keyframes are (seeking there is immediate), a knob at the current tick. Left/Right step
one tick back or forward (Shift: 10 ticks), PageUp/PageDown jump a keyframe interval,
Home/End (with Shift) go to the first or last tick. Scrubbing pauses the replay.
"""

from __future__ import annotations

import pygame

from alife.render.hud import DIM, TEXT, panel, text

HEIGHT = 46
TRACK = (70, 74, 88)
DONE = (120, 170, 255)
KNOB = (245, 245, 250)
KEYFRAME = (150, 154, 168)


class TickSlider:
    """Scrubs a session with `first`, `last`, `seek(tick)` and `timeline` (ReplaySession)."""

    def __init__(self) -> None:
        self.rect = pygame.Rect(0, 0, 0, 0)  # the track, set by draw
        self.dragging = False

    def tick_at(self, x: int, session) -> int:
        frac = (x - self.rect.left) / max(1, self.rect.width)
        frac = min(max(frac, 0.0), 1.0)
        return session.first + round(frac * (session.last - session.first))

    def handle(self, event: pygame.event.Event, app) -> bool:
        """Apply an event meant for the slider (app.seek); True when it was."""
        session = app.session
        hit = self.rect.inflate(0, 24)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and hit.collidepoint(
            event.pos
        ):
            self.dragging = True
            app.seek(self.tick_at(event.pos[0], session))
            return True
        if event.type == pygame.MOUSEMOTION and self.dragging:
            app.seek(self.tick_at(event.pos[0], session))
            return True
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1 and self.dragging:
            self.dragging = False
            return True
        if event.type == pygame.KEYDOWN:
            now, shift = session.world.tick_count, bool(event.mod & pygame.KMOD_SHIFT)
            step = {pygame.K_LEFT: -1, pygame.K_RIGHT: 1}.get(event.key)
            jump = {pygame.K_PAGEUP: -1, pygame.K_PAGEDOWN: 1}.get(event.key)
            if step is not None:
                app.seek(now + step * (10 if shift else 1))
                return True
            if jump is not None:
                app.seek(now + jump * session.timeline.every)
                return True
            if shift and event.key in (pygame.K_HOME, pygame.K_END):
                app.seek(session.first if event.key == pygame.K_HOME else session.last)
                return True
        return False

    def draw(self, surface: pygame.Surface, area: pygame.Rect, session) -> None:
        """The slider in the bottom HEIGHT pixels of `area`."""
        box = pygame.Rect(area.left + 8, area.bottom - HEIGHT + 4, area.width - 16, HEIGHT - 8)
        panel(surface, box)
        label = text(f"tick {session.world.tick_count}", 18, TEXT)
        ends = text(f"{session.first} .. {session.last}   arrows: step   drag: scrub", 15, DIM)
        self.rect = pygame.Rect(box.left + 14 + label.get_width() + 12, box.top + 12,
                                box.width - label.get_width() - ends.get_width() - 60, 8)
        surface.blit(label, (box.left + 12, box.top + 9))
        surface.blit(ends, (box.right - ends.get_width() - 12, box.top + 11))
        span = max(1, session.last - session.first)

        def x_of(t: int) -> int:
            return self.rect.left + round((t - session.first) / span * self.rect.width)

        pygame.draw.rect(surface, TRACK, self.rect, border_radius=4)
        now = x_of(session.world.tick_count)
        done = pygame.Rect(self.rect.left, self.rect.top, now - self.rect.left, self.rect.height)
        pygame.draw.rect(surface, DONE, done, border_radius=4)
        bottom = self.rect.bottom
        for t in session.timeline.frames:
            x = x_of(t)
            pygame.draw.line(surface, KEYFRAME, (x, bottom + 2), (x, bottom + 6))
        pygame.draw.circle(surface, KNOB, (now, self.rect.centery), 8)
