"""Experiment 5b, associative recall: the NTM tasks experiment (alife.experiments.ntm_tasks) on
its second task.

L (4-bit key, 1-bit value) pairs with a store flag, then the L keys queried in a random order;
trained on 2-4 pairs, tested on 1-16. Conditions: heads with both addressings, content heads,
location heads, memory off; 5 seeds each, the same budget (ntm_tasks.FULL).
"""

from __future__ import annotations

from pathlib import Path

from alife.experiments import ntm_tasks
from alife.experiments.common import ExperimentResult

TASK = "associative_recall"


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    return ntm_tasks.run(out, quick, seed, task=TASK)


def summary(figures) -> tuple[str, str]:
    return ntm_tasks.summary(figures, TASK)


def report(figures) -> str:
    return ntm_tasks.report(figures, TASK)
