"""Experiment 4d, the double T-maze: two cues, four ends, with location heads, content heads and
memory off.

`worlds/double_tmaze.yaml` as shipped (two lights show one after the other while the agent is
held, then it is put back at the start: only the brain's memory can carry both turns to the two
junctions; each genome plays the four goals per generation) is evolved exactly as the T-maze
ablation evolves `worlds/tmaze.yaml` (alife.experiments.tmaze_ablation): the three memory
conditions, 5 seeds each, the file's settings but GENERATIONS generations (the budget of
about ten minutes on 2 idle cores); each seed's best final genome is tested on 200
fresh mazes and checked for being cue-blind (the same path for all four goals). Chance is 25 %
for an agent that always reaches an end.
"""

from __future__ import annotations

from pathlib import Path

from alife.experiments.common import ExperimentResult
from alife.experiments.tmaze_ablation import ablation, by_condition, measured, solved, table

WORLD = Path(__file__).resolve().parents[2] / "worlds" / "double_tmaze.yaml"
NAME = "double_tmaze"
GENERATIONS = 200
CLAIM = "Two cues held to two junctions: double T-maze"


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    return ablation(out, WORLD, NAME, NAME, "double T-maze", quick, seed,
                    {"generations": GENERATIONS})


def summary(figures) -> tuple[str, str]:
    if not measured(figures, NAME):
        return CLAIM, "not measured yet: no committed run of double_tmaze"
    parts = [f"{c}: {solved(rows)} of {len(rows)} seeds solved"
             for c, rows in by_condition(figures, NAME).items()]  # fmt: skip
    return CLAIM, "; ".join(parts) + " (chance 0.25)"


def report(figures) -> str:
    """Section 4d's table from double_tmaze.csv."""
    by = by_condition(figures, NAME)
    rows = figures.rows(NAME)
    seeds = sorted({r["seed"] for r in rows})
    return (f"Seeds {seeds[0]}-{seeds[-1]}, {rows[0]['generations']} generations each; chance "
            "(a cue-blind agent that always reaches an end) is 0.25.\n\n"
            f"{table(by, '200 fresh mazes').markdown()}\n"
            "(full tables: [figures/double_tmaze.md](figures/double_tmaze.md), "
            "[figures/double_tmaze_curves.md](figures/double_tmaze_curves.md); '-': never.)\n")
