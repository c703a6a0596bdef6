"""Registry of the evidence experiments: name -> (module, one-line description, default seed,
section of docs/RESULTS.md)."""

from __future__ import annotations

import importlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from alife.errors import ExperimentError
from alife.experiments.common import ExperimentResult, Table, prepare_out


@dataclass(frozen=True)
class Experiment:
    name: str
    module: str
    description: str
    section: str
    seed: int = 1


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment("relu_switch", "alife.experiments.relu_switch",
                   "ReLU is a switch: condensed map C x reproduces the FFB net output", "1"),
        Experiment("memory_capacity", "alife.experiments.memory_capacity",
                   "hashed memory crosstalk vs the CLT theory (k-1)/m; key size and rounds", "2"),
        Experiment("lsh_generalisation", "alife.experiments.lsh_generalisation",
                   "recall with noisy keys: LSH (1 sign round) vs reservoir vs strong hashing",
                   "3"),
        Experiment("tmaze_ablation", "alife.experiments.tmaze_ablation",
                   "T-maze evolved with location heads, content heads and memory off, 5 seeds "
                   "each", "4"),
        Experiment("open_worlds", "alife.experiments.open_worlds",
                   "open worlds where remembering wins (meadows, patches): location heads, "
                   "content heads and memory off, 5 seeds each", "4c"),
        Experiment("double_tmaze", "alife.experiments.double_tmaze",
                   "double T-maze (two cues, four ends) with location heads, content heads and "
                   "memory off, 5 seeds each", "4d"),
        Experiment("cue_delay", "alife.experiments.cue_delay",
                   "the T-maze brain holding a cue over a delay amid distractors: location "
                   "heads vs content vs memory off, 5 seeds each", "4b"),
        Experiment("ntm_tasks", "alife.experiments.ntm_tasks",
                   "evolve the NTM controller on copy: location heads vs content vs memory off",
                   "5"),
        Experiment("ntm_recall", "alife.experiments.ntm_recall",
                   "evolve the NTM controller on associative recall: both, content and "
                   "location heads vs memory off", "5b"),
        Experiment("ffb_vs_mlp", "alife.experiments.ffb_vs_mlp",
                   "foraging: FFB net vs dense MLP of the same width, same budget", "6"),
        Experiment("foraging_memory", "alife.experiments.foraging_memory",
                   "the default world's memory: foraging with content heads, location heads "
                   "and memory off, 5 seeds each", "6b"),
    )
}


def describe() -> list[str]:
    width = max(len(n) for n in EXPERIMENTS)
    return [f"{e.name:<{width}}  {e.description}" for e in EXPERIMENTS.values()]


def run_experiment(
    name: str, out: str | Path | None = None, quick: bool = False, seed: int | None = None
) -> ExperimentResult:
    """Run experiment `name`, writing into `out` (default runs/experiments/NAME)."""
    if name not in EXPERIMENTS:
        import difflib

        close = difflib.get_close_matches(name, list(EXPERIMENTS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ExperimentError(
            f"unknown experiment {name!r}{hint}; choose from {', '.join(EXPERIMENTS)}"
        )
    exp = EXPERIMENTS[name]
    if seed is not None and seed < 0:
        raise ExperimentError(f"--seed must be >= 0 (got {seed})")
    folder = prepare_out(out if out is not None else Path("runs") / "experiments" / name)
    module = importlib.import_module(exp.module)
    seed = exp.seed if seed is None else seed
    load, start, cpu = os.getloadavg()[0], time.perf_counter(), _cpu_seconds()
    result = module.run(folder, quick=quick, seed=seed)
    timing = Table(f"{name}_timing", ["experiment", "seed", "quick", "wall_s", "cpu_s",
                                      "load_1min", "cores"])
    timing.add(name, seed, quick, time.perf_counter() - start, _cpu_seconds() - cpu, load,
               os.cpu_count())
    timing.write(folder)
    result.tables.append(timing)
    return result


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished worker processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
