"""World-file checking benchmark: `validate` time grows linearly with the file.

worlds/foraging.yaml with N unknown keys appended (each one a problem to locate and count) is
checked in-process by `parse_model`, side by side with the yardstick `yaml.safe_load` (PyYAML's
pure-Python loader, which only reads the same text and is linear in it). Repeats are
interleaved and the least disturbed (minimum) CPU time of each is kept. Columns: CPU ms of both
and their ratio. Bars: the ratio stays below 1 at every size (checking costs less than a plain
pure-Python read), and it does not grow much with N: ratio at the largest N < 2.5 x ratio at
the smallest (work growing with N^2 would multiply it by 8 here; the garbage collector and
caches make it grow a little with the heap).

Run: `python -m benchmarks.config [--quick]`, or `python run.py bench`.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RATIO_BAR = 1.0
GROWTH_BAR = 2.5


def _cpu(fn) -> float:
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def _check(text: str) -> None:
    from alife.config import parse_model
    from alife.config.models import WorldConfig
    from alife.errors import WorldConfigError

    try:
        parse_model(text, WorldConfig, source="bench.yaml")
    except WorldConfigError as err:
        assert len(err.problems) <= 21, len(err.problems)


def main(quick: bool = False) -> int:
    base = (ROOT / "worlds" / "foraging.yaml").read_text(encoding="utf-8")
    sizes = [2500, 5000, 10_000] if quick else [2500, 5000, 10_000, 20_000]
    repeats = 2 if quick else 3
    _check(base)  # imports and caches outside the measurement
    best = {n: [float("inf"), float("inf")] for n in sizes}
    for _ in range(repeats):
        for n in sizes:
            text = base + "".join(f"unknown_key_{i}: 1\n" for i in range(n))
            best[n][0] = min(best[n][0], _cpu(lambda t=text: _check(t)))
            best[n][1] = min(best[n][1], _cpu(lambda t=text: yaml.load(t, Loader=yaml.SafeLoader)))
    print("validate: foraging.yaml + N unknown keys; CPU ms (min of interleaved repeats)")
    print(f"{'N':>7} {'validate':>10} {'safe_load':>10} {'ratio':>7}   bars: ratio < "
          f"{RATIO_BAR:g}, last ratio < {GROWTH_BAR} x first")  # fmt: skip
    ratios = [best[n][0] / best[n][1] for n in sizes]
    status = 0
    for n, ratio in zip(sizes, ratios, strict=True):
        fail = ratio >= RATIO_BAR
        status |= fail
        print(f"{n:>7,} {best[n][0] * 1e3:>10.1f} {best[n][1] * 1e3:>10.1f} {ratio:>7.2f}"
              f"{'  <- over the bar' if fail else ''}")  # fmt: skip
    growth = ratios[-1] / ratios[0]
    print(f"ratio growth from N = {sizes[0]:,} to {sizes[-1]:,}: x{growth:.2f}"
          f"{'  <- over the bar' if growth >= GROWTH_BAR else ''}")  # fmt: skip
    status |= growth >= GROWTH_BAR
    return int(status)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    sys.exit(main(quick=parser.parse_args().quick))
