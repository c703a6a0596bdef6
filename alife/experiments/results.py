"""docs/RESULTS.md generated from the experiments' CSVs, so the text cannot drift from the data.

RESULTS.md is hand-written prose around generated sections. A generated section sits between a
pair of markers on their own lines::

    <!-- results:NAME:begin -->
    ... generated markdown: never edit by hand ...
    <!-- results:NAME:end -->

NAME is an experiment of the registry (alife.experiments.registry), or `summary` (the claims
table at the top) or `timings` (wall and CPU time of each experiment's last run). The text
between the markers is rebuilt only from the CSVs in the figures folder beside RESULTS.md
(docs/figures):

- section NAME: `report(figures: Figures) -> str` in the experiment's module;
- summary: one row per experiment whose module has `summary(figures) -> (claim, result)`;
- timings: one row per `NAME_timing.csv` (written by every `run_experiment`).

How to add a section: write `report` (and `summary`) in the experiment's module, building every
number from `figures.rows("TABLE")` (a CSV of the folder); put the two markers in RESULTS.md;
run `python run.py results`. Prose that states a number belongs in `report`; prose outside the
markers states none.

Commands: `python run.py experiment NAME --out docs/figures` re-runs an experiment and rewrites
every section (it finds docs/RESULTS.md beside the figures folder); `python run.py results`
rewrites them from the committed CSVs; `python run.py results --check` exits 1 when RESULTS.md
differs from what the CSVs give (tests/test_results.py does the same).
"""

from __future__ import annotations

import csv
import importlib
import re
from pathlib import Path

from alife.errors import ExperimentError
from alife.experiments.common import Table, fmt
from alife.experiments.registry import EXPERIMENTS

MARKER = re.compile(r"^<!-- results:([\w.-]+):(begin|end) -->$", re.MULTILINE)
SPECIAL = ("summary", "timings")


def _value(text: str):
    """A CSV cell as int, float, bool or str."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


class Figures:
    """The CSVs of one figures folder; rows are dicts of int / float / bool / str cells."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def has(self, table: str) -> bool:
        return (self.folder / f"{table}.csv").is_file()

    def rows(self, table: str) -> list[dict]:
        path = self.folder / f"{table}.csv"
        if not path.is_file():
            raise ExperimentError(f"{path} is missing: run the experiment that writes it "
                                  f"with --out {self.folder}")
        with path.open(newline="") as fh:
            return [{k: _value(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _module(name: str):
    return importlib.import_module(EXPERIMENTS[name].module)


def summary(figures: Figures) -> str:
    """The claims table: # | claim | result, one row per experiment with a `summary`."""
    table = Table("summary", ["#", "claim", "result (numbers measured below)"])
    for name, exp in EXPERIMENTS.items():
        make = getattr(_module(name), "summary", None)
        if make is not None:
            table.add(exp.section, *make(figures))
    return table.markdown()


def timings(figures: Figures) -> str:
    """Wall and CPU time of each experiment's last run into this folder."""
    table = Table("timings", ["#", "command", "wall", "CPU", "load at start", "cores"])
    for name, exp in EXPERIMENTS.items():
        if figures.has(f"{name}_timing"):
            t = figures.rows(f"{name}_timing")[0]
            quick = " --quick" if t["quick"] else ""
            table.add(f"{exp.section} {name}",
                      f"`python run.py experiment {name} --out docs/figures --seed "
                      f"{t['seed']}{quick}`", f"{t['wall_s']:.0f} s", f"{t['cpu_s']:.0f} s",
                      fmt(t["load_1min"]), t["cores"])
    if not table.rows:
        return "No experiment has recorded a run's timing in this folder yet.\n"
    return table.markdown()


def section(name: str, figures: Figures) -> str:
    """The generated markdown of section `name` (ends with one newline)."""
    if name == "summary":
        return summary(figures)
    if name == "timings":
        return timings(figures)
    if name not in EXPERIMENTS:
        raise ExperimentError(f"unknown results section {name!r}: use an experiment's name "
                              f"({', '.join(EXPERIMENTS)}) or one of {', '.join(SPECIAL)}")
    report = getattr(_module(name), "report", None)
    if report is None:
        raise ExperimentError(f"experiment {name} has no report(figures) for its section")
    return report(figures).rstrip("\n") + "\n"


def render(text: str, figures: Figures) -> str:
    """`text` with every generated section rebuilt from `figures`; ExperimentError when the
    markers do not pair up (begin, then the same name's end)."""
    out, pos, opened = [], 0, None
    for m in MARKER.finditer(text):
        name, kind = m.group(1), m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        if kind == "begin":
            if opened is not None:
                raise ExperimentError(f"RESULTS line {line}: section {name!r} begins inside "
                                      f"section {opened!r}")
            out.append(text[pos: m.end()] + "\n" + section(name, figures))
            opened = name
        else:
            if opened != name:
                raise ExperimentError(f"RESULTS line {line}: end of section {name!r} without "
                                      f"its begin marker")
            opened = None
        pos = m.end() if kind == "begin" else m.start()
    if opened is not None:
        raise ExperimentError(f"RESULTS: section {opened!r} has no end marker")
    return "".join(out) + text[pos:]


def update(doc: str | Path, figures: str | Path | None = None, check: bool = False) -> bool:
    """Rebuild the generated sections of `doc` (figures: default the folder `figures` beside
    it); True when the file changed (check: leave it and only say whether it would)."""
    doc = Path(doc)
    if not doc.is_file():
        raise ExperimentError(f"{doc}: no such file")
    text = doc.read_text()
    new = render(text, Figures(figures if figures is not None else doc.parent / "figures"))
    if new != text and not check:
        doc.write_text(new)
    return new != text


def results_doc_for(out: str | Path) -> Path | None:
    """The RESULTS.md whose figures folder is `out` (OUT/../RESULTS.md), if there is one."""
    doc = Path(out).resolve().parent / "RESULTS.md"
    return doc if Path(out).name == "figures" and doc.is_file() else None
