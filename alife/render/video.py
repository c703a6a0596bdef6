"""Videos of the window, written off-screen: `--record out.gif` or `--record out.mp4`.

MP4 (H.264, yuv420p: plays everywhere) is streamed frame by frame into the ffmpeg binary that
the `imageio-ffmpeg` wheel ships, so nothing but pip is needed and memory stays flat however
long the video. GIF is written by Pillow: each frame is reduced to a 256-colour palette (the
window's flat colours survive this well) and kept until the end, 1 byte per pixel, so a GIF's
length is checked against `GIF_MEMORY` before recording starts. Both are the optional extra
`pip install ".[video]"`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.errors import AlifeError

FPS = 30
GIF_MEMORY = 1 << 30  # bytes of palette frames a GIF may hold before it is written
SUFFIXES = (".gif", ".mp4")


class VideoError(AlifeError):
    """A video cannot be written (unknown format, missing extra, too long a GIF)."""


def _need(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise VideoError(
            f"--record needs the video extra ({module} is not installed): "
            'pip install ".[video]"'
        ) from None


class VideoWriter:
    """Frames (H, W, 3) uint8 in, a GIF or MP4 file out (by the path's suffix)."""

    def __init__(self, path: str | Path, size: tuple[int, int], frames: int, fps: int = FPS):
        self.path = Path(path)
        self.size = (int(size[0]), int(size[1]))
        self.fps = int(fps)
        self.count = 0
        suffix = self.path.suffix.lower()
        if suffix not in SUFFIXES:
            raise VideoError(f"--record {path}: give a .gif or .mp4 file name")
        if not self.path.parent.is_dir():
            raise VideoError(f"--record {path}: the folder {self.path.parent} does not exist")
        self.kind = suffix[1:]
        self._frames: list = []
        self._writer = None
        if self.kind == "gif":
            _need("PIL.Image")
            need = int(frames) * self.size[0] * self.size[1]
            if need > GIF_MEMORY:
                raise VideoError(
                    f"--record {path}: {frames} frames of {self.size[0]}x{self.size[1]} need "
                    f"{need / 2**20:,.0f} MiB as a GIF; record fewer frames, a smaller --size, "
                    "or an .mp4"
                )
        else:
            ffmpeg = _need("imageio_ffmpeg")
            self._writer = ffmpeg.write_frames(
                str(self.path), self.size, fps=self.fps, codec="libx264", quality=7,
                macro_block_size=2, pix_fmt_out="yuv420p", ffmpeg_log_level="error",
            )  # fmt: skip
            self._writer.send(None)  # start ffmpeg

    def add(self, rgb: np.ndarray) -> None:
        """One frame, (H, W, 3) uint8 of this writer's size."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        if rgb.shape != (self.size[1], self.size[0], 3):
            raise VideoError(f"a frame of shape {rgb.shape} in a {self.size} video")
        if self._writer is not None:
            self._writer.send(rgb)
        else:
            from PIL import Image

            self._frames.append(Image.fromarray(rgb).quantize(256, Image.Quantize.MEDIANCUT))
        self.count += 1

    def close(self) -> Path:
        """Finish the file; returns its path."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        elif self._frames:
            first, rest = self._frames[0], self._frames[1:]
            first.save(self.path, save_all=True, append_images=rest,
                       duration=round(1000 / self.fps), loop=0, optimize=False)  # fmt: skip
            self._frames = []
        return self.path


def frame_count(path: str | Path) -> int:
    """The number of frames in a GIF or MP4 file (read back, for checks)."""
    path = Path(path)
    if path.suffix.lower() == ".gif":
        from PIL import Image

        with Image.open(path) as img:
            return int(img.n_frames)
    ffmpeg = _need("imageio_ffmpeg")
    return int(ffmpeg.count_frames_and_secs(str(path))[0])
