"""Experiment 4, memory matters where it should: the T-maze with location heads, content heads
and memory off.

`worlds/tmaze.yaml` as shipped (a light shows for the first ticks while the agent is held, then
it is put back at the start: only the brain's memory can carry the cue to the junction; each
genome plays `evolution.episodes` mazes per generation with balanced cue sides) is evolved with
the file's memory (location heads), with content heads (`memory.addressing: content`) and with
`memory.enabled: false` (reads are zeros), 5 seeds each, the file's budget and settings. Each
condition's world file is written to the output folder, and each seed's run is
`python run.py evolve OUT/tmaze-CONDITION.yaml --seed SEED` (the same genomes and metrics).
Reported: the population's success rate per generation (the figure shows mean, min and max over
seeds), the success rate of each seed's best final genome on 200 fresh mazes, and whether that
genome is cue-blind (it walks the same path whichever light showed: always so without memory).
The seeds run in WORKERS processes. Chance is 50 % for an agent that always reaches a goal.
The evolved-NTM T-maze follows ENTM (Greve, Jacobsen & Risi, GECCO 2016).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.worldevo import (
    evaluate_genome,
    evolve_seed,
    memory_variants,
    write_world,
)

WORLD = Path(__file__).resolve().parents[2] / "worlds" / "tmaze.yaml"
SEEDS = (1, 2, 3, 4, 5)
TEST_EPISODES = 200
WORKERS = 2  # processes running the seeds (one thread each)
SOLVED = 0.9  # best genome's success on the fresh mazes that counts as solved
CONDITIONS = ("location heads", "content heads", "memory off")
COLORS = {"location heads": (120, 220, 120), "content heads": (110, 170, 255),
          "memory off": (240, 100, 100)}  # fmt: skip


def cue_blind(config, genome: np.ndarray, seed: int) -> bool:
    """Does `genome` walk exactly the same path in mazes that differ only in the cue goal (one
    maze per goal)? (Mazes have no other randomness; a memory-off agent is always cue-blind.)"""
    from alife.world import World

    groups = config.evolution.layout([s.count for s in config.species])[0]
    goals = len(config.cue.goals)
    cue = config.cue.model_copy(update={"balanced": True})
    world = World(config.model_copy(update={"cue": cue}), seed, generation=10**6,
                  arena_ids=groups * np.arange(goals),
                  genomes=[np.repeat(genome[None], goals, 0)])
    world.reset()
    assert np.unique(world.arenas.cue_side).size == goals
    same = True
    for _ in range(config.episode.length):
        world.tick()
        x, y = world.agents["x"], world.agents["y"]
        same = same and bool(np.all(x == x[0]) and np.all(y == y[0]))
    return bool(same)


def job(args):
    """One (world file, seed) run -> (History, test success rate, cue-blind)."""
    from alife.config import load_world

    path, seed, test_episodes = args
    config = load_world(path)
    hist = evolve_seed(config, seed, config.evolution.generations)
    _, rate = evaluate_genome(config, hist.ranked[0], test_episodes, 10_000 + seed)
    return hist, rate, cue_blind(config, hist.ranked[0], 10_000 + seed)


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    return ablation(out, WORLD, "tmaze_ablation", "tmaze", "T-maze", quick, seed)


def ablation(out: Path, world: Path, name: str, prefix: str, title: str, quick: bool,
             seed: int, budget: dict | None = None) -> ExperimentResult:
    """The three conditions on cue world `world`, written as experiment `name`: tables `name`
    and PREFIX_curves, figure PREFIX_success.png, world files PREFIX-CONDITION.yaml. budget:
    evolution settings that replace the file's (e.g. generations)."""
    from alife.config import load_world

    config = load_world(world)
    update = {**(budget or {}), **({"arenas": 8, "generations": 3} if quick else {})}
    evo = config.evolution.model_copy(update=update)
    config = config.model_copy(update={"evolution": evo})
    generations = config.evolution.generations
    seeds = [seed + s - 1 for s in ((1, 2) if quick else SEEDS)]
    test_episodes = 16 if quick else TEST_EPISODES
    files = {
        cond: write_world(out / f"{prefix}-{cond.replace(' ', '-')}.yaml", cfg)
        for cond, cfg in memory_variants(config).items()
    }
    jobs = [(path, sd, test_episodes) for path in files.values() for sd in seeds]
    outputs = iter(run_jobs(job, jobs, workers=1 if quick else WORKERS))
    result = ExperimentResult(name, out)
    finals = Table(name, ["condition", "seed", "n_params", "generations", "final_pop_success",
                          "best_genome_success", "cue_blind",
                          "first_generation_over_0.75"])  # fmt: skip
    curves = Table(f"{prefix}_curves", ["generation", "condition", "seed", "best_fitness",
                                        "mean_fitness", "success"])  # fmt: skip
    series = {}
    for cond in files:
        runs = [next(outputs) for _ in seeds]
        for sd, (h, rate, blind) in zip(seeds, runs, strict=True):
            over = np.flatnonzero(h.success > 0.75)
            finals.add(cond, sd, h.ranked.shape[1], generations, float(h.success[-1]), rate,
                       blind, int(over[0]) if over.size else -1)
            for g in range(generations):
                curves.add(g, cond, sd, float(h.best[g]), float(h.mean[g]), float(h.success[g]))
        success = np.array([h.success for h, _, _ in runs])  # (seeds, generations)
        for stat in ("mean", "min", "max"):
            series[f"{cond} {stat}"] = getattr(success, stat)(axis=0)
        rates = [rate for _, rate, _ in runs]
        result.headline[f"{cond}: seeds solved (best genome >= {SOLVED})"] = (
            f"{sum(r >= SOLVED for r in rates)} of {len(rates)}"
        )
        result.headline[f"{cond}: best-genome success, min..max"] = (
            f"{min(rates):.3f}..{max(rates):.3f}"
        )
    result.notes.append(
        f"seed S of a condition = python run.py evolve {out}/{prefix}-CONDITION.yaml --seed S"
    )
    colors = {f"{n} {stat}": tuple(c if stat == "mean" else c // 2 for c in COLORS[n])
              for n in CONDITIONS for stat in ("mean", "min", "max")}  # fmt: skip
    result.figures.append(
        save_figure(
            out / f"{prefix}_success.png",
            series,
            title=f"{title}: population success rate per generation ({len(seeds)} seeds: "
            "mean, min, max)",
            x_label="generation",
            colors=colors,
        )
    )
    for t in (finals, curves):
        t.write(out)
        result.tables.append(t)
    return result


def by_condition(figures, name: str = "tmaze_ablation") -> dict[str, list[dict]]:
    """Rows of table `name` per condition, by seed."""
    rows = sorted(figures.rows(name), key=lambda r: r["seed"])
    return {c: [r for r in rows if r["condition"] == c] for c in CONDITIONS}


def measured(figures, name: str = "tmaze_ablation") -> bool:
    """Does the folder hold a run of experiment `name` (three conditions, cue-blind checks)?"""
    return figures.has(name) and "cue_blind" in figures.rows(name)[0]


def solved(rows: list[dict]) -> int:
    """Seeds whose best genome reached SOLVED on the fresh mazes."""
    return sum(r["best_genome_success"] >= SOLVED for r in rows)


def summary(figures) -> tuple[str, str]:
    if not measured(figures):
        return ("Memory matters where it should: T-maze",
                "not measured yet: no committed run of tmaze_ablation")
    parts = [f"{c}: {solved(rows)} of {len(rows)} seeds solved"
             for c, rows in by_condition(figures).items()]  # fmt: skip
    return ("Memory matters where it should: T-maze", "; ".join(parts))


def table(by: dict[str, list[dict]], mazes: str) -> Table:
    """The per-condition table of an ablation's rows (`mazes`: the test mazes, in words)."""
    out = Table("tmaze", ["condition", f"best genome's success on {mazes}, per seed",
                          f"seeds >= {SOLVED}", "cue-blind best genomes",
                          "first generation with population success > 0.75, per seed",
                          "population success at the last generation, per seed"])
    for c, rows in by.items():
        out.add(
            c,
            " / ".join(f"{r['best_genome_success']:.2f}" for r in rows),
            f"**{solved(rows)} of {len(rows)}**",
            f"{sum(bool(r['cue_blind']) for r in rows)} of {len(rows)}",
            " / ".join(str(r["first_generation_over_0.75"]) if r["first_generation_over_0.75"]
                       >= 0 else "-" for r in rows),
            " / ".join(f"{r['final_pop_success']:.2f}" for r in rows),
        )
    return out


def report(figures) -> str:
    """Section 4's table and numbers from tmaze_ablation.csv."""
    by = by_condition(figures)
    seeds = sorted({r["seed"] for r in figures.rows("tmaze_ablation")})
    gens = figures.rows("tmaze_ablation")[0]["generations"]
    return (f"Seeds {seeds[0]}-{seeds[-1]}, {gens} generations each. Target: the best genome "
            f">= {SOLVED} on the fresh mazes in 5 of 5 seeds with location heads; reached in "
            f"**{solved(by['location heads'])} of {len(by['location heads'])}**.\n\n"
            f"{table(by, '200 fresh mazes').markdown()}\n"
            "(full tables: [figures/tmaze_ablation.md](figures/tmaze_ablation.md), "
            "[figures/tmaze_curves.md](figures/tmaze_curves.md); '-': never.)\n")
