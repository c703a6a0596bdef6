"""Experiment 6b, the default world's memory: `worlds/foraging.yaml` with content heads (as
shipped), location heads and memory off.

The default world is evolved as the open worlds are (alife.experiments.open_worlds: 5 seeds per
condition, the file's settings, the same final mean fitness) with the smaller budget BUDGET
(about ten minutes on 2 cores). A location step costs less than half a content step
(docs/heads.md), so the question is whether foragers with location heads forage as well as
those with content heads, within the seeds' spread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult
from alife.experiments.open_worlds import FINAL, finals, ratio, run_worlds, table

NAME = "foraging_memory"
BUDGET = {"arenas": 4, "generations": 100}  # 160 genomes (the file: 8 arenas)
CLAIM = "The default world's memory: location heads vs content heads on foraging"


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    return run_worlds(out, ("foraging",), NAME, quick, seed, BUDGET)


def _spread(by, condition: str) -> tuple[float, float, float]:
    vals = [r["final_mean_fitness"] for r in by[("foraging", condition)]]
    return float(np.mean(vals)), min(vals), max(vals)


def summary(figures) -> tuple[str, str]:
    if not figures.has(NAME):
        return CLAIM, "not measured yet: no committed run of foraging_memory"
    by = finals(figures, NAME)
    parts = ["{}: {:.2f} ({:.2f}-{:.2f})".format(c, *_spread(by, c))
             for c in ("content heads", "location heads", "memory off")]  # fmt: skip
    return CLAIM, (f"final mean fitness, mean (seed range): {'; '.join(parts)}; location / "
                   f"content {ratio(by, 'foraging', 'location heads', 'content heads'):.2f}x")


def report(figures) -> str:
    """Section 6b's table from foraging_memory.csv."""
    by = finals(figures, NAME)
    rows = figures.rows(NAME)
    seeds = sorted({r["seed"] for r in rows})
    x = ratio(by, "foraging", "location heads", "content heads")
    return (f"Seeds {seeds[0]}-{seeds[-1]}, {rows[0]['generations']} generations each; final "
            f"mean fitness = the population's mean fitness averaged over the last {FINAL} "
            f"generations.\n\n{table(by).markdown()}\nLocation heads / content heads: "
            f"**{x:.2f}x**. (full tables: [figures/{NAME}.md](figures/{NAME}.md), "
            f"[figures/{NAME}_curves.md](figures/{NAME}_curves.md).)\n")
