"""The chart module draws on off-screen Surfaces without a display (window HUD + fitness.png)."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import subprocess
import sys
import textwrap

import numpy as np
import pygame
from hypothesis import given
from hypothesis import strategies as st

from alife.render.chart import PALETTE, draw_line_chart, nice_ticks, render_chart, save_chart_png


def _color_mask(surface: pygame.Surface, color) -> np.ndarray:
    """(W, H) bool: pixels exactly equal to color."""
    arr = pygame.surfarray.pixels3d(surface)
    mask = np.all(arr == np.asarray(color, dtype=arr.dtype), axis=2)
    del arr
    return mask


def test_save_png_without_display(tmp_path):
    path = save_chart_png(
        tmp_path / "fitness.png", {"best": [1, 2, 4, 8], "mean": [0, 1, 1, 3]}, size=(640, 360)
    )
    img = pygame.image.load(str(path))
    assert img.get_size() == (640, 360)
    assert not list(tmp_path.glob("*.tmp.png"))  # the temp file was renamed away


def test_chart_module_never_opens_a_display(tmp_path):
    code = textwrap.dedent(
        f"""
        import pygame
        from alife.render.chart import save_chart_png
        save_chart_png({str(tmp_path / "f.png")!r}, {{"best": [1, 2, 3]}})
        assert not pygame.display.get_init()
        print("ok")
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "SDL_VIDEODRIVER")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert (tmp_path / "f.png").stat().st_size > 1000


def test_rising_line_is_drawn_bottom_left_to_top_right():
    surface = pygame.Surface((400, 300))
    plot = draw_line_chart(
        surface, surface.get_rect(), {"best": np.arange(50.0)}, legend=False, title="t"
    )
    mask = _color_mask(surface, PALETTE[0])
    xs, ys = np.nonzero(mask)
    assert xs.size > 100
    assert plot.collidepoint(int(xs.min()), int(ys.max()))
    # the leftmost line pixels are low in the plot, the rightmost ones high
    left = ys[xs < plot.left + 10].mean()
    right = ys[xs > plot.right - 10].mean()
    assert left > plot.centery > right


def test_spike_survives_downsampling():
    values = np.zeros(200_000)
    values[123_457] = 10.0
    surface = render_chart({"s": values}, (300, 200), legend=False)
    xs, ys = np.nonzero(_color_mask(surface, PALETTE[0]))
    # the spike reaches the top part of the plot although there are 600x more points than pixels
    assert ys.min() < 60


def test_empty_nan_and_single_point_series_do_not_fail():
    surface = pygame.Surface((300, 200))
    draw_line_chart(surface, (0, 0, 300, 200), {"a": [], "b": [float("nan")] * 3})
    draw_line_chart(surface, (0, 0, 300, 200), {"a": [5.0]})
    draw_line_chart(surface, (10, 10, 40, 30), {"a": [1.0, np.inf, 2.0]})  # tiny rect


def test_custom_colors_and_sub_rect_only():
    surface = pygame.Surface((400, 300))
    surface.fill((0, 0, 0))
    draw_line_chart(surface, (200, 150, 200, 150), {"x": [1, 3, 2]}, colors={"x": (1, 250, 3)})
    mask = _color_mask(surface, (1, 250, 3))
    assert mask.any()
    xs, ys = np.nonzero(mask)
    assert xs.min() >= 200 and ys.min() >= 150
    # nothing outside the rect was touched
    assert not pygame.surfarray.array3d(surface)[:200, :150].any()


@given(
    lo=st.floats(-1e6, 1e6, allow_nan=False),
    span=st.floats(1e-6, 1e6, allow_nan=False),
    count=st.integers(2, 10),
)
def test_nice_ticks_cover_range_with_round_steps(lo, span, count):
    hi = lo + span
    ticks = nice_ticks(lo, hi, count)
    assert 1 <= len(ticks) <= 50
    tol = 1e-6 * span + 1e-12 * (abs(lo) + abs(hi))  # float64 resolution at this magnitude
    assert all(lo - tol <= t <= hi + tol for t in ticks)
    assert ticks == sorted(ticks)
    if len(ticks) >= 2:
        step = ticks[1] - ticks[0]
        assert step <= span + 1e-9 * abs(hi)
