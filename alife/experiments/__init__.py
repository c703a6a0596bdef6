"""Evidence experiments: one small module per claim of the project, and a registry.

`run_experiment(name, out, quick, seed)` runs one; each writes PNG figures and small tables
(Markdown + CSV) into `out`. `python run.py experiment --list` shows them; docs/RESULTS.md holds
the committed figures with the exact commands.
"""

from alife.experiments.registry import EXPERIMENTS, describe, run_experiment

__all__ = ["EXPERIMENTS", "describe", "run_experiment"]
