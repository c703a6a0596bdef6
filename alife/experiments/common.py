"""Shared plumbing of the evidence experiments: result records, tables (Markdown + CSV), charts.

Every experiment writes into one output folder: PNG figures drawn with the project's own chart
module (alife.chart, NumPy only) and small tables as `.md` and `.csv`.
Randomness comes from one np.random.SeedSequence per experiment.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from alife.errors import ExperimentError

CHART_SIZE = (900, 500)


@dataclass
class Table:
    """A small table: column names and rows of plain values (numbers or strings)."""

    name: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def add(self, *values) -> None:
        if len(values) != len(self.columns):
            raise ValueError(
                f"table {self.name}: {len(values)} values for {len(self.columns)} columns"
            )
        self.rows.append(list(values))

    def markdown(self) -> str:
        head = "| " + " | ".join(self.columns) + " |"
        sep = "|" + "|".join("---" for _ in self.columns) + "|"
        body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in self.rows]
        return "\n".join([head, sep, *body]) + "\n"

    def write(self, out: Path) -> list[Path]:
        md = out / f"{self.name}.md"
        md.write_text(self.markdown())
        path = out / f"{self.name}.csv"
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(self.columns)
            writer.writerows([[raw(v) for v in row] for row in self.rows])
        return [md, path]

    def column(self, name: str) -> list:
        j = self.columns.index(name)
        return [row[j] for row in self.rows]


@dataclass
class ExperimentResult:
    """What an experiment produced: file paths, tables, and a few headline numbers."""

    name: str
    out: Path
    figures: list[Path] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    headline: dict[str, float | str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [
            f"{self.name}: wrote {len(self.figures)} figure(s), {len(self.tables)} table(s) "
            f"to {self.out}"
        ]
        lines += [f"  {p.name}" for p in self.figures]
        lines += [f"  {t.name}.md / {t.name}.csv" for t in self.tables]
        lines += [f"  {k} = {fmt(v)}" for k, v in self.headline.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return lines


def fmt(value) -> str:
    """Readable cell: 4 significant digits for floats (scientific when tiny or huge)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3e}"
        return f"{v:.4g}"
    return str(value)


def raw(value):
    """CSV cell: full precision numbers."""
    if isinstance(value, (np.floating, float)):
        return repr(float(value))
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def prepare_out(out: str | Path) -> Path:
    """Create the output folder (parents too); a clear error if it is a file or not writable."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExperimentError(f"--out {out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExperimentError(f"--out {out}: cannot create the folder ({err.strerror})") from err
    return out


def save_figure(
    path: Path,
    series: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str,
    x_label: str,
    x_start: float = 0.0,
    x_step: float = 1.0,
    colors: Mapping[str, tuple[int, int, int]] | None = None,
) -> Path:
    """A line chart PNG drawn by alife.chart."""
    from alife.chart import save_chart_png

    return save_chart_png(
        path,
        series,
        size=CHART_SIZE,
        title=title,
        x_label=x_label,
        x_start=x_start,
        x_step=x_step,
        colors=colors,
    )


def log10(values) -> np.ndarray:
    """log10 with zeros mapped to NaN (skipped by the chart)."""
    a = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, np.log10(np.where(a > 0, a, 1.0)), np.nan)


def run_jobs(fn: Callable, jobs: Sequence, workers: int = 2) -> list:
    """[fn(job) for job in jobs], in `workers` spawned processes (one thread each) when there
    is more than one worker and job, else in this process on one thread. fn and jobs must be
    picklable for the processes."""
    if workers < 2 or len(jobs) < 2:
        with numba_threads(1):
            return [fn(job) for job in jobs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from alife.evolve.backends import pin_threads

    context = mp.get_context("spawn")
    workers = min(workers, len(jobs))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=pin_threads) as pool:
        return list(pool.map(fn, jobs))


def rngs(seed: int, count: int) -> list[np.random.Generator]:
    """`count` independent generators from one SeedSequence(seed)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]


@contextmanager
def numba_threads(count: int) -> Iterator[None]:
    """Pin Numba's thread count inside the block (restored after).

    The memory experiments make thousands of small kernel calls in sequence (one write per
    stored item); on a busy 2-core machine each parallel region then waits for a second thread,
    which costs far more than the small call itself.
    """
    import numba

    from alife.jit import set_threads

    before = numba.get_num_threads()
    set_threads(count)
    try:
        yield
    finally:
        set_threads(before)
