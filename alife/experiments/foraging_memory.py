"""Experiment 6b, the default world's memory: foraging with content heads, location heads and
memory off, 5 seeds each, the file's budget.

Foraging (`worlds/foraging.yaml`) has nothing in particular to remember; its memory setting is
the default users start from, so it is chosen by how well each setting forages and by what it
costs per tick. The runs are the open-world experiment's (`open_worlds.run_worlds`) on this one
world: each condition's world file is written to the output folder; each seed's run is
`python run.py evolve OUT/foraging-CONDITION.yaml --seed SEED`. Reported per condition: the final
mean fitness of each seed (the population's mean fitness, averaged over the last FINAL
generations), its ratio to memory off, and the CPU seconds of each run (one thread; the brain's
share of a tick is what differs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table
from alife.experiments.open_worlds import FINAL, run_worlds


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    """The open-world runs (alife.experiments.open_worlds.run_worlds) of foraging alone."""
    return run_worlds(out, ("foraging",), "foraging_memory", quick, seed)


def _by_condition(figures) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in sorted(figures.rows("foraging_memory"), key=lambda r: r["seed"]):
        out.setdefault(r["condition"], []).append(r)
    return out


def _mean(rows: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in rows]))


def summary(figures) -> tuple[str, str]:
    claim = "The default world's memory (foraging): location heads vs content heads"
    if not figures.has("foraging_memory"):
        return claim, "not measured yet: no committed run of foraging_memory"
    by = _by_condition(figures)
    fit = _mean(by["location heads"], "final_mean_fitness") / _mean(
        by["content heads"], "final_mean_fitness")
    cpu = _mean(by["location heads"], "cpu_s") / _mean(by["content heads"], "cpu_s")
    return claim, (f"final mean fitness {fit:.2f}x content heads' at {cpu:.2f}x the CPU time "
                   f"per run")


def report(figures) -> str:
    """Section 6b's table from foraging_memory.csv."""
    by = _by_condition(figures)
    off = _mean(by["memory off"], "final_mean_fitness")
    table = Table("foraging_memory", ["condition", "final mean fitness, per seed", "mean",
                                      "x memory off", "CPU s per run (mean)"])  # fmt: skip
    for condition, rows in by.items():
        vals = [r["final_mean_fitness"] for r in rows]
        table.add(condition, " / ".join(f"{v:.2f}" for v in vals), f"{np.mean(vals):.2f}",
                  f"**{np.mean(vals) / off:.2f}**", f"{_mean(rows, 'cpu_s'):.0f}")
    rows = figures.rows("foraging_memory")
    seeds = sorted({r["seed"] for r in rows})
    spread = {c: (min(r["final_mean_fitness"] for r in v), max(r["final_mean_fitness"] for r in v))
              for c, v in by.items()}  # fmt: skip
    return (f"Seeds {seeds[0]}-{seeds[-1]}, {rows[0]['generations']} generations each; final "
            f"mean fitness = the population's mean fitness averaged over the last {FINAL} "
            f"generations; CPU = one thread's seconds for the whole run.\n\n{table.markdown()}\n"
            f"Seed spread (lowest - highest final mean fitness): "
            + ", ".join(f"{c} {lo:.2f}-{hi:.2f}" for c, (lo, hi) in spread.items())
            + ".\n(full tables: [figures/foraging_memory.md](figures/foraging_memory.md), "
            "[figures/foraging_memory_curves.md](figures/foraging_memory_curves.md).)\n")
