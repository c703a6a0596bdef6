"""Experiment 6b, the default world's memory: foraging with content heads, location heads and
memory off, 5 seeds each, the file's budget.

Foraging (`worlds/foraging.yaml`) has nothing in particular to remember; its memory setting is
the default users start from, so it is chosen by how well each setting forages and by what it
costs per tick. Each condition's world file is written to the output folder; each seed's run is
`python run.py evolve OUT/foraging-CONDITION.yaml --seed SEED`. Reported per condition: the final
mean fitness of each seed (the population's mean fitness, averaged over the last FINAL
generations), its ratio to memory off, and the CPU seconds of each run (one thread; the brain's
share of a tick is what differs).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.worldevo import evolve_seed, memory_variants, write_world

WORLD = Path(__file__).resolve().parents[2] / "worlds" / "foraging.yaml"
SEEDS = (1, 2, 3, 4, 5)
WORKERS = 2  # processes running the seeds (one thread each)
FINAL = 10  # generations averaged for the final mean fitness
CONDITIONS = ("content heads", "location heads", "memory off")
COLORS = {"location heads": (120, 220, 120), "content heads": (110, 170, 255),
          "memory off": (240, 100, 100)}  # fmt: skip


def job(args):
    """One (world file, seed) run -> (History, CPU seconds)."""
    from alife.config import load_world

    path, seed = args
    config = load_world(path)
    start = time.process_time()
    history = evolve_seed(config, seed, config.evolution.generations)
    return history, time.process_time() - start


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    from alife.config import load_world

    seeds = [seed + s - 1 for s in ((1,) if quick else SEEDS)]
    result = ExperimentResult("foraging_memory", out)
    finals = Table("foraging_memory", ["condition", "seed", "generations", "final_mean_fitness",
                                       "final_best_fitness", "cpu_s"])  # fmt: skip
    curves = Table("foraging_memory_curves", ["generation", "condition", "seed", "best_fitness",
                                              "mean_fitness"])  # fmt: skip
    config = load_world(WORLD)
    if quick:
        evo = config.evolution.model_copy(update={"arenas": 2, "generations": 3})
        config = config.model_copy(update={"evolution": evo})
    variants = memory_variants(config)
    files = {name: write_world(out / f"foraging-{name.replace(' ', '-')}.yaml", variants[name])
             for name in CONDITIONS}  # fmt: skip
    jobs = [(files[name], sd) for name in CONDITIONS for sd in seeds]
    outputs = iter(run_jobs(job, jobs, workers=1 if quick else WORKERS))
    series = {}
    for name in CONDITIONS:
        runs = [next(outputs) for _ in seeds]
        for sd, (h, cpu) in zip(seeds, runs, strict=True):
            finals.add(name, sd, h.mean.size, float(h.mean[-FINAL:].mean()),
                       float(h.best[-FINAL:].mean()), cpu)
            for g in range(h.mean.size):
                curves.add(g, name, sd, float(h.best[g]), float(h.mean[g]))
        series[name] = np.mean([h.mean for h, _ in runs], axis=0)
    by = {c: [r for r in finals.rows if r[0] == c] for c in CONDITIONS}
    mean = {c: float(np.mean([r[3] for r in by[c]])) for c in CONDITIONS}
    result.headline["location heads / content heads, final mean fitness"] = (
        mean["location heads"] / mean["content heads"])
    cpu = {c: float(np.mean([r[5] for r in by[c]])) for c in CONDITIONS}
    result.headline["location heads / content heads, CPU per run"] = (
        cpu["location heads"] / cpu["content heads"])
    result.figures.append(save_figure(
        out / "foraging_memory.png", series,
        title=f"foraging: population mean fitness per generation (mean of {len(seeds)} seeds)",
        x_label="generation", colors=COLORS))  # fmt: skip
    result.notes.append(
        f"seed S of a condition = python run.py evolve {out}/foraging-CONDITION.yaml --seed S")
    for t in (finals, curves):
        t.write(out)
        result.tables.append(t)
    return result


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
