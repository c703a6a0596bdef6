"""Run metrics: one CSV row per species per generation (or per open-ended chunk), and the chart.

`metrics.csv` columns are fixed per mode (`GENERATIONAL_COLUMNS`, `OPEN_ENDED_COLUMNS`);
`clusters` and `cluster_sizes` ("id:size id:size ...") describe the genome clusters of the
species that generation (alife.evolve.clusters). All
columns except the timing ones (`TIMING_COLUMNS`) are a pure function of (world file, seed), so
runs on different backends or resumed runs can be compared row by row. Every checkpoint records
the file's length and SHA-256; on resume the file is checked against them and cut back to that
length, so rows never repeat and a damaged file is an error, never silently rewritten.
`fitness.png` is drawn by `alife.chart` (NumPy only; the same chart as the window's HUD).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

import numpy as np

from alife.errors import CheckpointError
from alife.evolve.files import sha256_bytes

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


def cell_text(value) -> str:
    """How a value is written to a CSV cell (floats exactly: repr round-trips)."""
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a metrics.csv as text (CheckpointError if it is missing or unreadable)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if None not in r.values() and None not in r]
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (no generation has been recorded)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CheckpointError(f"{path}: unreadable ({err})") from None


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


class MetricsLog:
    """An append-only CSV file with a fixed header; its rows are kept in memory for the chart.

    `mark()` (bytes written and their SHA-256) is recorded in every checkpoint; on resume
    `verify` checks the file against a checkpoint's mark and `continue_at` cuts off the rows
    written after it, so a resumed run writes exactly those rows again, and a damaged or
    shortened file is an error, never silently rewritten. `MetricsLog(path, columns)` alone
    reads an existing file leniently (for display; unreadable rows are skipped)."""

    def __init__(self, path: Path, columns: tuple[str, ...], keep_rows: bool = True):
        self.path = Path(path)
        self.columns = columns
        self.keep_rows = keep_rows  # False: rows go to the file only (long logs, no chart)
        self.rows: list[dict[str, str]] = []
        self._hash = hashlib.sha256()
        self._size = 0
        if keep_rows and self.path.is_file():
            with open(self.path, newline="", encoding="utf-8", errors="replace") as fh:
                reader = csv.DictReader(fh)
                if tuple(reader.fieldnames or ()) == columns:
                    self.rows = [r for r in reader if None not in r.values() and None not in r]

    def create(self) -> None:
        """Start a new file holding the header only."""
        self.rows = []
        self._hash, self._size = hashlib.sha256(), 0
        self.path.write_bytes(b"")
        self._write(_csv_text([list(self.columns)]).encode())

    def _write(self, data: bytes) -> None:
        with open(self.path, "ab") as fh:
            fh.write(data)
        self._hash.update(data)
        self._size += len(data)

    def append(self, rows: list[dict]) -> None:
        text_rows = [{k: cell_text(r[k]) for k in self.columns} for r in rows]
        self._write(_csv_text([list(r.values()) for r in text_rows]).encode())
        if self.keep_rows:
            self.rows.extend(text_rows)

    def mark(self) -> dict:
        """{"bytes": length written, "sha256": of those bytes}, flushed to disk first."""
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        return {"bytes": self._size, "sha256": self._hash.hexdigest()}

    def verify(self, mark: dict, checkpoint: Path) -> list[dict[str, str]]:
        """The rows a checkpoint's `mark` covers, after checking that the file's first
        mark["bytes"] bytes are the ones `checkpoint` recorded (read only); CheckpointError."""
        size = int(mark["bytes"])
        try:
            with open(self.path, "rb") as fh:
                data = fh.read(size)
        except FileNotFoundError:
            raise CheckpointError(f"{self.path}: missing; {checkpoint.name} needs its first "
                                  f"{size:,} bytes (the rows before that checkpoint)") from None
        except OSError as err:
            raise CheckpointError(f"{self.path}: cannot read it ({err.strerror})") from None
        if len(data) < size:
            raise CheckpointError(
                f"{self.path}: cut short ({len(data):,} bytes, {checkpoint.name} recorded "
                f"{size:,}): rows before that checkpoint are lost"
            )
        rows = self._parse(data, checkpoint)
        if sha256_bytes(data) != mark["sha256"]:
            raise CheckpointError(
                f"{self.path}: edited or damaged: its first {size:,} bytes no longer match "
                f"the SHA-256 {checkpoint.name} recorded for it"
            )
        return rows

    def continue_at(self, mark: dict, rows: list[dict[str, str]]) -> None:
        """Cut the file back to a verified `mark` (rows written after it are dropped: the run
        writes them again) and append from there."""
        size = int(mark["bytes"])
        os.truncate(self.path, size)
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
            self._hash = hashlib.sha256(fh.read(size))
        self._size = size
        self.rows = list(rows) if self.keep_rows else []

    def _parse(self, data: bytes, checkpoint: Path) -> list[dict[str, str]]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise CheckpointError(f"{self.path}: damaged (not UTF-8 text at byte "
                                  f"{err.start:,})") from None  # fmt: skip
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as err:
            raise CheckpointError(f"{self.path}: damaged ({err})") from None
        if not table or tuple(table[0]) != self.columns:
            got = ",".join(table[0]) if table else "nothing"
            raise CheckpointError(
                f"{self.path}: line 1 is not the expected header ({','.join(self.columns)}); "
                f"got {got[:80]}"
            )
        for line, row in enumerate(table[1:], start=2):
            if len(row) != len(self.columns):
                raise CheckpointError(
                    f"{self.path}: line {line} has {len(row)} fields, expected "
                    f"{len(self.columns)} (before the end {checkpoint.name} recorded)"
                )
        return [dict(zip(self.columns, r, strict=True)) for r in table[1:]]

    def series(self, column: str, species: str) -> np.ndarray:
        """One column for one species as float64, in row order."""
        return np.array(
            [float(r[column]) for r in self.rows if r["species"] == species], dtype=np.float64
        )


def save_fitness_chart(path: Path, log: MetricsLog, species: list[str], open_ended: bool) -> None:
    """Draw fitness.png (best and mean per species, or population per species)."""
    from alife.chart import save_chart_png

    series: dict[str, np.ndarray] = {}
    if open_ended:
        for name in species:
            series[f"{name} population"] = log.series("population", name)
        title, x_label = "population", "chunk"
    else:
        for name in species:
            series[f"{name} best"] = log.series("best", name)
            series[f"{name} mean"] = log.series("mean", name)
        title, x_label = "fitness", "generation"
    save_chart_png(path, series, title=title, x_label=x_label)
