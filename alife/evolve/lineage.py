"""Lineage: every genome's parents and birth, in both evolution modes (`lineage.csv`).

One row per genome, in birth order (ids ascending), with `LINEAGE_COLUMNS`:

    generation        generational: the generation it was bred for; open-ended: the chunk it
                      was born in (-1: the World's first agents)
    id                generational: generation * P + (rows of the species before it) + its row,
                      P being all species' populations together; open-ended: the World's agent id
    parent_id         the id of the parent (-1: a founder)
    second_parent_id  the other parent of a crossover (-1: none)
    species           index of its world-file species
    arena             open-ended: the arena it was born in; generational: its row's arena group
    tick              open-ended: its birth tick; generational: 0 (born between episodes)
    kind              founder, elite (an unchanged copy of its parent), mutant, crossover
    cluster           the genome cluster it belonged to at birth (alife.evolve.clusters), -1 none

Every generation of a generational run gets a row per genome (an elite carried over is a new
row, kind "elite", whose parent is its previous self), so parent ids always name the generation
before. `Lineage` holds the table in memory (read from the file, or grown live by the window)
and answers ancestry questions; `alife.chart.tree` draws it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from alife.errors import CheckpointError
from alife.evolve.selection import KIND_NAMES

LINEAGE_FILE = "lineage.csv"
LINEAGE_COLUMNS = (
    "generation", "id", "parent_id", "second_parent_id", "species", "arena", "tick", "kind",
    "cluster",
)  # fmt: skip
_INT_COLUMNS = tuple(c for c in LINEAGE_COLUMNS if c != "kind")


def genome_ids(generation: int, populations: Sequence[int], s: int, rows: np.ndarray) -> np.ndarray:
    """Lineage ids (int64) of rows `rows` of species s in generation `generation` of a
    generational run whose species have `populations` genomes."""
    offset = int(generation) * int(sum(populations)) + int(sum(populations[:s]))
    return offset + np.asarray(rows, np.int64)


def generation_records(
    gen, populations: Sequence[int], per_arena: Sequence[int], clusters: Sequence[np.ndarray]
) -> dict[str, np.ndarray]:
    """The lineage rows of a bred generation `gen` (alife.evolve.loop.Generation, with parents
    and kind) whose rows belong to cluster ids `clusters` (per species (pop_s,) int64)."""
    cols: dict[str, list[np.ndarray]] = {c: [] for c in LINEAGE_COLUMNS}
    g = int(gen.index)
    for s, (parents, kind) in enumerate(zip(gen.parents, gen.kind, strict=True)):
        n = parents.shape[0]
        rows = np.arange(n, dtype=np.int64)
        before = [
            np.where(p >= 0, genome_ids(g - 1, populations, s, np.maximum(p, 0)), -1)
            for p in (parents[:, 0], parents[:, 1])
        ]
        for name, values in (
            ("generation", np.full(n, g)), ("id", genome_ids(g, populations, s, rows)),
            ("parent_id", before[0]), ("second_parent_id", before[1]),
            ("species", np.full(n, s)), ("arena", rows // max(1, int(per_arena[s]))),
            ("tick", np.zeros(n)), ("kind", kind), ("cluster", clusters[s]),
        ):  # fmt: skip
            cols[name].append(np.asarray(values, np.int64))
    return {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in cols.items()}


def csv_rows(records: dict[str, np.ndarray]) -> list[dict]:
    """Records (columns of equal length) as rows for `alife.evolve.metrics.MetricsLog.append`."""
    lists = {k: np.asarray(v).tolist() for k, v in records.items()}
    lists["kind"] = [KIND_NAMES[k] for k in lists["kind"]]
    n = len(lists["id"])
    return [{k: lists[k][i] for k in LINEAGE_COLUMNS} for i in range(n)]


class Lineage:
    """The lineage table in memory: columns (N,) int64 named as LINEAGE_COLUMNS (kind: an index
    into alife.evolve.selection.KIND_NAMES), rows in birth order. Grows by `add`."""

    def __init__(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []
        self._table: dict[str, np.ndarray] | None = None

    def add(self, records: dict[str, np.ndarray]) -> None:
        """Append rows (columns of equal length, every LINEAGE_COLUMNS name)."""
        part = {k: np.asarray(records[k], np.int64).reshape(-1) for k in LINEAGE_COLUMNS}
        if part["id"].size:
            self._parts.append(part)
            self._table = None

    def __len__(self) -> int:
        return sum(p["id"].size for p in self._parts)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.table()[column]

    def table(self) -> dict[str, np.ndarray]:
        """All columns, concatenated (cached until the next `add`)."""
        if self._table is None:
            if self._parts:
                merged = {k: np.concatenate([p[k] for p in self._parts]) for k in LINEAGE_COLUMNS}
            else:
                merged = {k: np.zeros(0, np.int64) for k in LINEAGE_COLUMNS}
            self._parts = [merged] if self._parts else []
            self._table = merged
        return self._table

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """(k,) int64 row of each id (-1 where unknown)."""
        ids = np.asarray(ids, np.int64).reshape(-1)
        known = self["id"]
        if known.size == 0:
            return np.full(ids.shape, -1, np.int64)
        pos = np.minimum(np.searchsorted(known, ids), known.size - 1)
        return np.where(known[pos] == ids, pos, -1)

    def parents_of(self, ids: np.ndarray) -> np.ndarray:
        """The distinct known parent ids (first and second) of `ids`, ascending."""
        rows = self.rows_of(ids)
        rows = rows[rows >= 0]
        both = np.concatenate([self["parent_id"][rows], self["second_parent_id"][rows]])
        return np.unique(both[both >= 0])

    def ancestry(self, agent_id: int, depth: int) -> list[np.ndarray]:
        """Ancestors of `agent_id` by generation: [parents, grandparents, ...] (each an id
        array, ascending), at most `depth` levels, stopping at the founders."""
        levels, current = [], np.array([agent_id], np.int64)
        for _ in range(max(0, int(depth))):
            current = self.parents_of(current)
            if current.size == 0:
                break
            levels.append(current)
        return levels

    def founder_of(self, agent_id: int) -> tuple[int, int]:
        """(founder id, generations back) following first parents from `agent_id` (the id
        itself and 0 when it is a founder or unknown)."""
        row, steps = int(self.rows_of([agent_id])[0]), 0
        ident = int(agent_id)
        while row >= 0:
            parent = int(self["parent_id"][row])
            if parent < 0:
                break
            ident, steps = parent, steps + 1
            row = int(self.rows_of([parent])[0])
        return ident, steps


def read_lineage(path: Path) -> Lineage:
    """A run's lineage.csv; CheckpointError (with the line) if it is missing or damaged."""
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no lineage recorded (runs record it from this "
                              "version on)") from None  # fmt: skip
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read it ({err.strerror})") from None
    cols: dict[str, list[int]] = {c: [] for c in LINEAGE_COLUMNS}
    with fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header) != LINEAGE_COLUMNS:
            raise CheckpointError(f"{path}:1: not a lineage file (expected the header "
                                  f"{','.join(LINEAGE_COLUMNS)})")  # fmt: skip
        kinds = {name: k for k, name in enumerate(KIND_NAMES)}
        short = 0
        for line, row in enumerate(reader, start=2):
            if short:
                raise CheckpointError(f"{path}:{short}: a damaged row (not the last one)")
            if len(row) != len(LINEAGE_COLUMNS):
                short = line  # the last row cut short by a crash is skipped
                continue
            try:
                for name, value in zip(LINEAGE_COLUMNS, row, strict=True):
                    cols[name].append(kinds[value] if name == "kind" else int(value))
            except (ValueError, KeyError):
                raise CheckpointError(f"{path}:{line}: not a lineage row: {','.join(row)[:80]}"
                                      ) from None  # fmt: skip
    out = Lineage()
    out.add({k: np.array(v, np.int64) for k, v in cols.items()})
    ids = out["id"]
    if ids.size > 1 and (np.diff(ids) <= 0).any():
        bad = int(np.flatnonzero(np.diff(ids) <= 0)[0]) + 3
        raise CheckpointError(f"{path}:{bad}: ids must increase row by row")
    return out


def ancestors_of(lineage: Lineage, rows: np.ndarray) -> np.ndarray:
    """(N,) bool: `rows` (int64 rows of the table) and all their ancestors (both parents)."""
    marked = np.zeros(len(lineage), bool)
    frontier = np.asarray(rows, np.int64)
    marked[frontier] = True
    while frontier.size:
        both = np.concatenate([lineage["parent_id"][frontier],
                               lineage["second_parent_id"][frontier]])  # fmt: skip
        up = lineage.rows_of(np.unique(both[both >= 0]))
        frontier = up[(up >= 0) & ~marked[np.maximum(up, 0)]]
        marked[frontier] = True
    return marked


def save_lineage_png(run_dir: Path, out: Path | None = None, size=(1400, 900)) -> tuple[Path, int]:
    """Draw the run's phylogeny (alife.chart.tree) into `out` (default RUN/lineage.png): time
    left to right, the ancestors of the newest genomes coloured by cluster. Returns (path, number
    of genomes drawn). CheckpointError for a missing or damaged run."""
    from alife.chart.png import write_png
    from alife.chart.tree import render_tree
    from alife.evolve.rundir import read_manifest

    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    lineage = read_lineage(run_dir / LINEAGE_FILE)
    if len(lineage) == 0:
        raise CheckpointError(f"{run_dir / LINEAGE_FILE}: no genomes recorded yet")
    generational = manifest.get("mode") != "open_ended"
    names = [str(n) for n in manifest.get("species", [])]
    gen = lineage["generation"]
    newest = np.flatnonzero(gen == gen.max())
    parent_rows = lineage.rows_of(lineage["parent_id"])
    second_rows = lineage.rows_of(lineage["second_parent_id"])
    last = int(gen.max())
    what = f"generation {last}" if generational else f"chunk {last}"
    chart = render_tree(
        lineage["generation"] if generational else lineage["tick"],
        np.where(lineage["parent_id"] >= 0, parent_rows, -1),
        lineage["cluster"],
        ancestors_of(lineage, newest),
        size,
        band=lineage["species"],
        band_names=names if len(names) > 1 else None,
        second_parent=np.where(lineage["second_parent_id"] >= 0, second_rows, -1),
        title=f"lineage of {run_dir.name}: {len(lineage):,} genomes",
        x_label="generation" if generational else "tick",
        legend=f"coloured by genome cluster: the ancestors of {what}'s genomes; "
        "grey: lines that died out",
    )
    path = Path(out) if out is not None else run_dir / "lineage.png"
    write_png(path, np.ascontiguousarray(chart.pixels[..., :3]))
    return path, len(lineage)
