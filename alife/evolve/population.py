"""How a species' numbers behave over a long open-ended run: range, time spent at the cap or at
the floor, and how many times they rose and fell.

`population_stats` summarises one population series (one sample every few ticks);
`oscillation_peaks` counts the peaks of a series that were followed by a real fall (a peak
counts once the series has dropped by `prominence` below it, and the next one only after it has
risen by `prominence` again), so noise around a level counts nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class PopulationStats(NamedTuple):
    """Summary of one species' population samples."""

    low: int
    high: int
    mean: float
    at_cap: float  # fraction of samples at the cap (evolution.open_ended.max_population)
    at_floor: float  # fraction of samples at or below min_population (founders added there)
    peaks: int  # oscillation_peaks with prominence = a quarter of the range


def oscillation_peaks(series: np.ndarray, prominence: float) -> int:
    """Peaks of series (1-D) each followed by a fall of at least `prominence` (> 0)."""
    x = np.asarray(series, dtype=np.float64)
    if x.size == 0 or prominence <= 0:
        return 0
    peaks, rising, high, low = 0, True, x[0], x[0]
    for v in x:
        if rising:
            high = max(high, v)
            if v <= high - prominence:
                peaks, rising, low = peaks + 1, False, v
        else:
            low = min(low, v)
            if v >= low + prominence:
                rising, high = True, v
    return peaks


def population_stats(series: np.ndarray, cap: int, floor: int) -> PopulationStats:
    """Summary of population samples (1-D ints, non-empty) of a species capped at `cap` and
    topped up to `floor`."""
    x = np.asarray(series, dtype=np.int64)
    low, high = int(x.min()), int(x.max())
    return PopulationStats(
        low=low,
        high=high,
        mean=float(x.mean()),
        at_cap=float(np.mean(x >= cap)),
        at_floor=float(np.mean(x <= floor)),
        peaks=oscillation_peaks(x, 0.25 * (high - low)),
    )
