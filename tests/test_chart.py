"""The chart renderer (NumPy pixels, PNG via zlib): lines where the data says, long series
reduced without losing spikes, readable PNG files, and headless evolution without pygame."""

import os
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from alife.chart import PALETTE, nice_ticks, render_chart, save_chart_png
from alife.chart.glyphs import text_mask
from alife.chart.png import png_bytes

ROOT = Path(__file__).resolve().parent.parent


def _color_mask(pixels: np.ndarray, color) -> np.ndarray:
    """(H, W) bool: pixels exactly equal to color (RGB)."""
    return np.all(pixels[..., :3] == np.asarray(color, np.uint8), axis=2)


def _decode_png(data: bytes) -> np.ndarray:
    """A literal PNG reader for 8-bit RGB/RGBA files without filters: (H, W, C) uint8."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        assert int.from_bytes(data[pos + 8 + n : pos + 12 + n], "big") == zlib.crc32(tag + body)
        chunks[tag] = chunks.get(tag, b"") + body
        pos += 12 + n
    w, h = int.from_bytes(chunks[b"IHDR"][:4], "big"), int.from_bytes(chunks[b"IHDR"][4:8], "big")
    c = {2: 3, 6: 4}[chunks[b"IHDR"][9]]
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + w * c)
    assert not rows[:, 0].any()
    return rows[:, 1:].reshape(h, w, c)


def test_png_round_trip_and_pygame_reads_it(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    assert np.array_equal(_decode_png(png_bytes(pixels)), pixels)
    path = save_chart_png(tmp_path / "f.png", {"best": [1, 2, 4, 8], "mean": [0, 1, 1, 3]},
                          size=(640, 360), title="fitness", x_label="generation")  # fmt: skip
    assert not list(tmp_path.glob(".*tmp"))  # the temp file was renamed away
    code = f"import pygame; print(pygame.image.load({str(path)!r}).get_size())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1"))  # fmt: skip
    assert out.stdout.strip() == "(640, 360)", out.stderr


def test_rising_line_is_drawn_bottom_left_to_top_right():
    chart = render_chart({"best": np.arange(50.0)}, (400, 300), legend=False, title="t")
    left, top, w, h = chart.plot
    ys, xs = np.nonzero(_color_mask(chart.pixels, PALETTE[0]))
    assert xs.size > 100
    assert left <= xs.min() and xs.max() < left + w and top <= ys.min() and ys.max() < top + h
    # the leftmost line pixels are low in the plot, the rightmost ones high
    assert ys[xs < left + 10].mean() > top + h / 2 > ys[xs > left + w - 10].mean()


def test_spike_survives_downsampling():
    values = np.zeros(200_000)
    values[123_457] = 10.0
    chart = render_chart({"s": values}, (300, 200), legend=False)
    ys, xs = np.nonzero(_color_mask(chart.pixels, PALETTE[0]))
    # the spike reaches the top part of the plot although there are 600x more points than pixels
    assert ys.min() < 60


def test_empty_nan_and_single_point_series_do_not_fail():
    render_chart({"a": [], "b": [float("nan")] * 3}, (300, 200))
    one = render_chart({"a": [5.0]}, (300, 200))
    assert _color_mask(one.pixels, PALETTE[0]).sum() >= 9  # a dot
    tiny = render_chart({"a": [1.0, np.inf, 2.0]}, (10, 10))
    assert tiny.pixels.shape == (40, 40, 4)  # never smaller than a readable minimum


def test_custom_colors_text_and_transparent_background():
    chart = render_chart({"x": [1, 3, 2]}, (400, 300), colors={"x": (1, 250, 3)}, background=None,
                         title="title")  # fmt: skip
    px = chart.pixels
    assert _color_mask(px, (1, 250, 3)).any()
    left, top, w, h = chart.plot
    inside = px[top + 20 : top + h - 20, left + 40 : left + w - 40, 3]
    assert (inside == 0).mean() > 0.8  # the background stays transparent
    title = px[4:20, 6:60]  # antialiased title text: partly covered pixels
    assert ((title[..., 3] > 0) & (title[..., 3] < 255)).any() and (title[..., 3] == 255).any()


def test_text_masks_are_glyphs_side_by_side():
    a, b = text_mask("a", "small"), text_mask("b", "small")
    ab = text_mask("ab", "small")
    assert np.array_equal(ab, np.concatenate([a, b], axis=1))
    assert text_mask("fitness", "large").shape[0] > a.shape[0]
    assert np.array_equal(text_mask("\u00e9", "small"), text_mask("?", "small"))


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


def test_headless_evolve_never_imports_pygame(tmp_path):
    """A whole `run.py evolve` (fitness.png included) in a fresh process leaves pygame out."""
    from run_helpers import TINY

    world = tmp_path / "w.yaml"
    world.write_text(TINY)
    code = textwrap.dedent(
        f"""
        import sys
        from alife.cli import main
        argv = ["evolve", {str(world)!r}, "--out", {str(tmp_path / "run")!r},
                "--generations", "1", "--backend", "serial", "--no-progress"]
        assert main(argv) == 0
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("pygame", "pkg_resources")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "run" / "fitness.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
