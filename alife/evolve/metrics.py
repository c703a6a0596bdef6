"""Run metrics: one CSV row per species per generation (or per open-ended chunk), and the chart.

`metrics.csv` columns are fixed per mode (`GENERATIONAL_COLUMNS`, `OPEN_ENDED_COLUMNS`);
`clusters` and `cluster_sizes` ("id:size id:size ...") describe the genome clusters of the
species that generation (alife.evolve.clusters). All
columns except the timing ones (`TIMING_COLUMNS`) are a pure function of (world file, seed), so
runs on different backends or resumed runs can be compared row by row. On resume the file is cut
back to the checkpoint's generation, so rows never repeat. The run's chart (`CHART_FILES`:
`fitness.png`, best and mean per species, or `population.png` of an open-ended run, each
species' population over the ticks in its colour) is drawn by `alife.chart` (NumPy only; the
same chart as the window's HUD).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

GENERATIONAL_COLUMNS = (
    "generation",
    "species",
    "best",
    "mean",
    "median",
    "worst",
    "diversity",
    "best_ever",
    "clusters",
    "cluster_sizes",
    "agent_ticks",
    "agent_ticks_per_s",
    "wall_time",
)
OPEN_ENDED_COLUMNS = (
    "generation",
    "tick",
    "species",
    "population",
    "births",
    "deaths",
    "mean_energy",
    "mean_age",
    "max_lineage_depth",
    "clusters",
    "cluster_sizes",
    "agent_ticks",
    "agent_ticks_per_s",
    "wall_time",
)
TIMING_COLUMNS = ("agent_ticks_per_s", "wall_time")


def diversity(genomes: np.ndarray) -> float:
    """Mean over parameters of the population standard deviation; (pop, n_params) -> float."""
    g = np.asarray(genomes, dtype=np.float64)
    if g.shape[0] < 2:
        return 0.0
    return float(np.mean(np.std(g, axis=0)))


def fitness_row(generation: int, species: str, fitness: np.ndarray, genomes: np.ndarray) -> dict:
    """The fitness columns of one generational row (timing and best_ever are filled by the run)."""
    f = np.asarray(fitness, dtype=np.float64)
    return {
        "generation": int(generation),
        "species": species,
        "best": float(np.max(f)),
        "mean": float(np.mean(f)),
        "median": float(np.median(f)),
        "worst": float(np.min(f)),
        "diversity": diversity(genomes),
    }


def _generation(row: dict[str, str]) -> float:
    try:
        return int(row["generation"])
    except (KeyError, TypeError, ValueError):
        return float("inf")  # unreadable rows are dropped by truncate()


def cell_text(value) -> str:
    """How a value is written to a CSV cell (floats exactly: repr round-trips)."""
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a metrics.csv as text (CheckpointError if it is missing or unreadable)."""
    from alife.errors import CheckpointError

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if None not in r.values() and None not in r]
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (no generation has been recorded)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CheckpointError(f"{path}: unreadable ({err})") from None


class MetricsLog:
    """Append-only CSV with a fixed header; keeps the rows in memory for the chart unless
    keep_rows is False (long logs such as lineage.csv)."""

    def __init__(self, path: Path, columns: tuple[str, ...], keep_rows: bool = True):
        self.path = Path(path)
        self.columns = columns
        self.keep_rows = keep_rows
        self.rows: list[dict[str, str]] = []
        if not self.path.exists():
            self._rewrite([])
        elif keep_rows:
            self.rows = self._read()

    def _read(self) -> list[dict[str, str]]:
        with open(self.path, newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != self.columns:
                return []
            # a row cut short by a crash lacks trailing fields; drop it
            return [r for r in reader if None not in r.values() and None not in r]

    def _rewrite(self, rows: list[dict[str, str]]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self.columns)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, self.path)

    def truncate(self, generation: int) -> None:
        """Keep only rows with generation < `generation` (used when resuming)."""
        rows = [r for r in self._read() if _generation(r) < generation]
        self._rewrite(rows)
        self.rows = rows if self.keep_rows else []

    def append(self, rows: list[dict]) -> None:
        text_rows = [{k: cell_text(r[k]) for k in self.columns} for r in rows]
        with open(self.path, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=self.columns).writerows(text_rows)
            fh.flush()
        if self.keep_rows:
            self.rows.extend(text_rows)

    def series(self, column: str, species: str) -> np.ndarray:
        """One column for one species as float64, in row order."""
        return np.array(
            [float(r[column]) for r in self.rows if r["species"] == species], dtype=np.float64
        )


CHART_FILES = {"generational": "fitness.png", "open_ended": "population.png"}


def save_run_chart(run_dir: Path, log: MetricsLog, config) -> Path:
    """Draw the run's chart (CHART_FILES[config.evolution.mode]) into run_dir; returns its path."""
    from alife.chart import save_chart_png

    names = [s.name for s in config.species]
    series: dict[str, np.ndarray] = {}
    mode = config.evolution.mode
    if mode == "open_ended":
        colors = {s.name: tuple(s.color) for s in config.species}
        for name in names:
            series[name] = log.series("population", name)
        ticks = log.series("tick", names[0])
        step = config.evolution.open_ended.chunk_ticks
        start = float(ticks[0]) if ticks.size else float(step)
        return save_chart_png(run_dir / CHART_FILES[mode], series, title="population per species",
                              x_label="tick", x_start=start, x_step=float(step), colors=colors)
    for name in names:
        series[f"{name} best"] = log.series("best", name)
        series[f"{name} mean"] = log.series("mean", name)
    return save_chart_png(run_dir / CHART_FILES[mode], series, title="fitness",
                          x_label="generation")
