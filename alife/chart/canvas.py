"""An RGBA pixel canvas in NumPy: filled rectangles, thick polylines, antialiased text.

Pixels are (H, W, 4) uint8, row 0 at the top. Drawing is clipped to the canvas and, for lines,
to a clip rectangle; text is blended "over" what is there (so it works on transparent canvases).
"""

from __future__ import annotations

import numpy as np

from alife.chart.glyphs import text_mask

Color = tuple[int, int, int]


class Canvas:
    def __init__(self, width: int, height: int, background: tuple[int, ...] = (0, 0, 0, 0)):
        self.pixels = np.empty((int(height), int(width), 4), np.uint8)
        self.pixels[:] = (tuple(background) + (255,))[:4]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    def fill(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Paint pixels x0 <= x < x1, y0 <= y < y1 (clipped)."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 < x1 and y0 < y1:
            self.pixels[y0:y1, x0:x1] = (*color, 255)

    def frame(self, x: int, y: int, w: int, h: int, color: Color) -> None:
        """A 1-pixel outline of the rectangle (x, y, w, h)."""
        self.fill(x, y, x + w, y + 1, color)
        self.fill(x, y + h - 1, x + w, y + h, color)
        self.fill(x, y, x + 1, y + h, color)
        self.fill(x + w - 1, y, x + w, y + h, color)

    def polyline(
        self, xs: np.ndarray, ys: np.ndarray, color: Color, width: int = 2, clip=None
    ) -> None:
        """Straight segments through the points (float64 (P,) pixel coordinates), `width`
        pixels thick; clip = (x0, y0, x1, y1) keeps x0 <= x < x1, y0 <= y < y1."""
        pts = np.stack([np.asarray(xs, np.float64), np.asarray(ys, np.float64)], axis=1)
        if len(pts) > 1:  # one sample per pixel step along every segment
            step = pts[1:] - pts[:-1]
            n = np.maximum(np.ceil(np.abs(step).max(axis=1)).astype(np.int64), 1)
            seg = np.repeat(np.arange(n.size), n)
            t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / n[seg]
            pts = np.concatenate([pts[:-1][seg] + step[seg] * t[:, None], pts[-1:]])
        x0, y0, x1, y1 = clip if clip is not None else (0, 0, self.width, self.height)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, self.width), min(y1, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        # mark the samples in a mask padded by the pen width, then widen the marks to the pen
        pad = width - 1
        ix = np.rint(pts[:, 0]).astype(np.int64) - x0 - pad // 2 + pad
        iy = np.rint(pts[:, 1]).astype(np.int64) - y0 - pad // 2 + pad
        h, w = y1 - y0 + 2 * pad, x1 - x0 + 2 * pad
        keep = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        marks = np.zeros((h, w), bool)
        marks[iy[keep], ix[keep]] = True
        pen = np.zeros_like(marks)
        for dy in range(width):
            for dx in range(width):
                pen[dy:, dx:] |= marks[: h - dy, : w - dx]
        self.pixels[y0:y1, x0:x1][pen[pad : h - pad, pad : w - pad]] = (*color, 255)

    def segments(
        self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, colors: np.ndarray,
        max_pixels: int = 20_000_000,
    ) -> None:
        """Straight 1-pixel segments (K,) from (x0, y0) to (x1, y1) (float pixel coordinates),
        segment k in colors[k] ((K, 3) uint8; later segments paint over earlier ones). At most
        `max_pixels` samples are drawn (the longest segments are thinned beyond that)."""
        x0, y0, x1, y1 = (np.asarray(v, np.float64).reshape(-1) for v in (x0, y0, x1, y1))
        colors = np.asarray(colors, np.uint8).reshape(-1, 3)
        if x0.size == 0:
            return
        n = np.ceil(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))).astype(np.int64) + 1
        if n.sum() > max_pixels:
            n = np.minimum(n, max(2, max_pixels // max(1, n.size)))
        seg = np.repeat(np.arange(n.size), n)
        t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.maximum(n[seg] - 1, 1)
        xs = np.rint(x0[seg] + (x1 - x0)[seg] * t).astype(np.int64)
        ys = np.rint(y0[seg] + (y1 - y0)[seg] * t).astype(np.int64)
        keep = (xs >= 0) & (xs < self.width) & (ys >= 0) & (ys < self.height)
        self.pixels[ys[keep], xs[keep], :3] = colors[seg[keep]]
        self.pixels[ys[keep], xs[keep], 3] = 255

    def text(self, x: int, y: int, text: str, color: Color, style: str = "small") -> None:
        """Draw `text` with its top-left corner at (x, y)."""
        mask = text_mask(text, style)
        h, w = mask.shape
        cx0, cy0 = max(0, -x), max(0, -y)
        cx1, cy1 = min(w, self.width - x), min(h, self.height - y)
        if cx0 >= cx1 or cy0 >= cy1:
            return
        a = mask[cy0:cy1, cx0:cx1, None].astype(np.float32) / 255.0
        dst = self.pixels[y + cy0 : y + cy1, x + cx0 : x + cx1]
        da = dst[..., 3:].astype(np.float32) / 255.0
        out_a = a + da * (1.0 - a)
        rgb = (np.float32(color) * a + dst[..., :3] * (da * (1.0 - a))) / np.maximum(out_a, 1e-6)
        dst[..., :3] = np.rint(rgb).astype(np.uint8)
        dst[..., 3:] = np.rint(out_a * 255.0).astype(np.uint8)
