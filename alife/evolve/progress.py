"""Progress reporting and first-run detection for headless runs.

`Progress` is what a run reports after each generation (or open-ended chunk). `ProgressBar`
(used by the CLI) is a tqdm bar over generations showing best/mean fitness per species,
agent-ticks per second and tqdm's ETA. `numba_cache_cold()` tells whether the compiled-kernel
cache of the world and brain modules is missing, i.e. whether this run will start by compiling.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Progress:
    """What the progress bar shows after each generation (or open-ended chunk)."""

    generation: int  # generations completed so far
    total: int
    species: list[str]
    best: list[float]  # this generation, per species (open-ended: population)
    mean: list[float]
    agent_ticks_per_s: float
    extra: dict = field(default_factory=dict)


_PACKAGE = Path(__file__).resolve().parent.parent
_JIT_MODULES = ("brain", "world")
_JIT_USE = re.compile(r"^@njit_(serial|parallel)", re.MULTILINE)


def _cache_dirs(module: Path) -> list[Path]:
    """Where Numba keeps this module's cache: NUMBA_CACHE_DIR if set, else __pycache__."""
    custom = os.environ.get("NUMBA_CACHE_DIR")
    return [Path(custom)] if custom else [module.parent / "__pycache__"]


def numba_cache_cold() -> bool:
    """True if alife/brain or alife/world has no compiled-kernel cache index at all, or a module
    whose indexes are all older than its source (edited since: Numba will recompile it).
    Modules never compiled yet (kernels a run does not call) do not count."""
    for sub in _JIT_MODULES:
        cached = False
        for module in sorted((_PACKAGE / sub).glob("*.py")):
            try:
                if not _JIT_USE.search(module.read_text(encoding="utf-8")):
                    continue
                source_time = module.stat().st_mtime
                stamps = [
                    p.stat().st_mtime
                    for d in _cache_dirs(module)
                    if d.is_dir()
                    for p in d.rglob(f"{module.stem}.*.nbi")
                ]
            except OSError:
                continue
            if stamps and max(stamps) < source_time:
                return True
            cached = cached or bool(stamps)
        if not cached:
            return True
    return False


def _fmt(x: float) -> str:
    a = abs(x)
    if a >= 1e4 or (0 < a < 1e-2):
        return f"{x:.2e}"
    return f"{x:.3g}"


def _rate(x: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f}{unit}"
    return f"{x:.0f}"


class ProgressBar:
    """tqdm bar: `gen 12/100 ... best 3.1 mean 1.2 | 1.23M agent-ticks/s`, ETA from tqdm."""

    def __init__(
        self, start: int, total: int, open_ended: bool = False, disable: bool = False, file=None
    ):
        from tqdm import tqdm

        self.open_ended = open_ended
        self.bar = tqdm(
            total=total,
            initial=start,
            unit="chunk" if open_ended else "gen",
            desc="chunk" if open_ended else "generation",
            dynamic_ncols=True,
            disable=disable,
            file=file,
        )

    def __call__(self, info: Progress) -> None:
        parts = []
        many = len(info.species) > 1
        for s, name in enumerate(info.species):
            tag = f"{name} " if many else ""
            if self.open_ended:
                parts.append(f"{tag}pop {int(info.best[s])}")
            else:
                parts.append(f"{tag}best {_fmt(info.best[s])} mean {_fmt(info.mean[s])}")
        parts.append(f"{_rate(info.agent_ticks_per_s)} agent-ticks/s")
        self.bar.set_postfix_str(" | ".join(parts), refresh=False)
        self.bar.update(info.generation - self.bar.n)

    def close(self) -> None:
        self.bar.close()
