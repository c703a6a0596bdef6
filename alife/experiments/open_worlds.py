"""Experiment 4c, worlds where remembering wins: open worlds with location heads, content heads
and memory off.

Each open world of WORLDS (`worlds/NAME.yaml` as shipped: food and poison trade roles per
episode and arena, so a forager must learn or be told which berries are good today and keep it)
is evolved with the file's memory (location heads), with content heads and with memory off, 5
seeds each, the file's budget and settings. Each condition's world file is written to the
output folder; each seed's run is `python run.py evolve OUT/WORLD-CONDITION.yaml --seed SEED`.
Reported per world and condition: the final mean fitness of each seed (the population's mean
fitness, averaged over the last FINAL generations) and its ratio to memory off.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.worldevo import evolve_seed, memory_variants, write_world

ROOT = Path(__file__).resolve().parents[2] / "worlds"
WORLDS = ("berries", "patches")
SEEDS = (1, 2, 3, 4, 5)
WORKERS = 4  # processes running the seeds (one thread each)
FINAL = 10  # generations averaged for the final mean fitness
TARGET = 1.3  # memory on / memory off
CONDITIONS = ("location heads", "memory off")
COLORS = {"location heads": (120, 220, 120), "content heads": (110, 170, 255),
          "memory off": (240, 100, 100)}  # fmt: skip


def job(args):
    """One (world file, seed) run -> History."""
    from alife.config import load_world

    path, seed = args
    config = load_world(path)
    return evolve_seed(config, seed, config.evolution.generations)


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    from alife.config import load_world

    seeds = [seed + s - 1 for s in ((1,) if quick else SEEDS)]
    result = ExperimentResult("open_worlds", out)
    finals = Table("open_worlds", ["world", "condition", "seed", "generations",
                                   "final_mean_fitness", "final_best_fitness"])  # fmt: skip
    curves = Table("open_worlds_curves", ["world", "generation", "condition", "seed",
                                          "best_fitness", "mean_fitness"])  # fmt: skip
    files = {}
    for world in WORLDS:
        config = load_world(ROOT / f"{world}.yaml")
        if quick:
            evo = config.evolution.model_copy(update={"arenas": 4, "generations": 2})
            config = config.model_copy(update={"evolution": evo})
        for name, cfg in memory_variants(config).items():
            if name not in CONDITIONS:
                continue
            files[(world, name)] = write_world(out / f"{world}-{name.replace(' ', '-')}.yaml",
                                               cfg)
    jobs = [(path, sd) for path in files.values() for sd in seeds]
    outputs = iter(run_jobs(job, jobs, workers=1 if quick else WORKERS))
    for world in WORLDS:
        series = {}
        for name in CONDITIONS:
            runs = [next(outputs) for _ in seeds]
            for sd, h in zip(seeds, runs, strict=True):
                finals.add(world, name, sd, h.mean.size, float(h.mean[-FINAL:].mean()),
                           float(h.best[-FINAL:].mean()))
                for g in range(h.mean.size):
                    curves.add(world, g, name, sd, float(h.best[g]), float(h.mean[g]))
            series[name] = np.mean([h.mean for h in runs], axis=0)
        on, off = (np.mean([r[4] for r in finals.rows if r[0] == world and r[1] == c])
                   for c in ("location heads", "memory off"))  # fmt: skip
        result.headline[f"{world}: location heads / memory off, final mean fitness"] = (
            float(on / off) if off > 0 else float("nan")
        )
        result.figures.append(
            save_figure(
                out / f"open_worlds_{world}.png",
                series,
                title=f"{world}: population mean fitness per generation (mean of "
                f"{len(seeds)} seeds)",
                x_label="generation",
                colors=COLORS,
            )
        )
    result.notes.append(
        f"seed S of a condition = python run.py evolve {out}/WORLD-CONDITION.yaml --seed S"
    )
    for t in (finals, curves):
        t.write(out)
        result.tables.append(t)
    return result


def _finals(figures) -> dict[tuple[str, str], list[dict]]:
    rows = figures.rows("open_worlds")
    out: dict[tuple[str, str], list[dict]] = {}
    for r in sorted(rows, key=lambda r: r["seed"]):
        out.setdefault((r["world"], r["condition"]), []).append(r)
    return out


def _ratio(by, world: str, condition: str) -> float:
    mean = np.mean([r["final_mean_fitness"] for r in by[(world, condition)]])
    off = np.mean([r["final_mean_fitness"] for r in by[(world, "memory off")]])
    return float(mean / off)


def summary(figures) -> tuple[str, str]:
    claim = (f"Worlds where remembering wins (memory on / off, final mean fitness; target >= "
             f"{TARGET}x in 2 open worlds)")
    if not figures.has("open_worlds"):
        return claim, "not measured yet: no committed run of open_worlds"
    by = _finals(figures)
    worlds = sorted({w for w, _ in by})
    parts = [f"{w} {_ratio(by, w, 'location heads'):.2f}x" for w in worlds]
    reached = sum(_ratio(by, w, "location heads") >= TARGET for w in worlds)
    return claim, f"{', '.join(parts)}: {reached} of {len(worlds)} worlds at >= {TARGET}x"


def report(figures) -> str:
    """Section 4c's table from open_worlds.csv."""
    by = _finals(figures)
    table = Table("open_worlds", ["world", "condition", "final mean fitness, per seed",
                                  "mean", "x memory off"])  # fmt: skip
    for (world, condition), rows in by.items():
        vals = [r["final_mean_fitness"] for r in rows]
        table.add(world, condition, " / ".join(f"{v:.2f}" for v in vals), f"{np.mean(vals):.2f}",
                  f"**{_ratio(by, world, condition):.2f}**")
    rows = figures.rows("open_worlds")
    gens = rows[0]["generations"]
    seeds = sorted({r["seed"] for r in rows})
    return (f"Seeds {seeds[0]}-{seeds[-1]}, {gens} generations each; final mean fitness = the "
            f"population's mean fitness averaged over the last {FINAL} generations.\n\n"
            f"{table.markdown()}\n(full tables: [figures/open_worlds.md](figures/open_worlds.md)"
            ", [figures/open_worlds_curves.md](figures/open_worlds_curves.md).)\n")
