"""Experiment 4, memory matters where it should: T-maze with memory on vs off (the ablation).

`worlds/tmaze.yaml` as shipped (a light shows for the first ticks while the agent is held, then
it is put back at the start: only the brain's memory can carry the cue to the junction) is
evolved with memory on and with `memory.enabled: false` (reads are zeros), 5 seeds each, the
same budget: the file's evolution settings (tournament of 4, elitism 4, Gray mutation of 4
parameters, 128 genomes per population), each genome run in 4 mazes per generation
(`evolution.episodes: 4`; fitness = the mean of the file's success + approach scoring), 300
generations. Each condition's world file is written to the output folder, and each seed's run is
`python run.py evolve OUT/tmaze-memory-on.yaml --seed SEED` (the same genomes and metrics).
Reported: the population's success rate per generation (per seed; the figure shows mean, min and
max over seeds) and the success rate of each seed's best final genome on 200 fresh mazes (both
cue sides, random). The seeds run in 2 worker processes.
Chance is 50 % for an agent that always reaches a goal. The evolved-NTM T-maze follows ENTM
(Greve, Jacobsen & Risi, GECCO 2016).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.worldevo import evaluate_genome, evolve_seed, write_world

WORLD = Path(__file__).resolve().parents[2] / "worlds" / "tmaze.yaml"
SEEDS = (1, 2, 3, 4, 5)
GENERATIONS = 300
ARENAS = 128  # genomes per population, as in the file
EPISODES = 4  # mazes per genome per generation: a 0/1 score from one maze is mostly luck
TEST_EPISODES = 200


def variants(config) -> dict:
    """{'memory on': config, 'memory off': the same with species[0].memory.enabled false}."""
    sp = config.species[0]
    off = sp.model_copy(update={"memory": sp.memory.model_copy(update={"enabled": False})})
    return {"memory on": config, "memory off": config.model_copy(update={"species": [off]})}


def job(args):
    """One (world file, seed) run -> (History, test fitness, test success rate)."""
    from alife.config import load_world

    path, seed, test_episodes = args
    config = load_world(path)
    hist = evolve_seed(config, seed, config.evolution.generations)
    fit, rate = evaluate_genome(config, hist.ranked[0], test_episodes, 10_000 + seed)
    return hist, fit, rate


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    from alife.config import load_world

    config = load_world(WORLD)
    generations = 3 if quick else GENERATIONS
    evo = config.evolution.model_copy(
        update={"arenas": 8 if quick else ARENAS, "episodes": EPISODES, "generations": generations}
    )
    config = config.model_copy(update={"evolution": evo})
    seeds = [seed + s - 1 for s in ((1, 2) if quick else SEEDS)]
    test_episodes = 16 if quick else TEST_EPISODES
    files = {
        name: write_world(out / f"tmaze-{name.replace(' ', '-')}.yaml", cfg)
        for name, cfg in variants(config).items()
    }
    jobs = [(path, sd, test_episodes) for path in files.values() for sd in seeds]
    outputs = iter(run_jobs(job, jobs, workers=1 if quick else 2))
    result = ExperimentResult("tmaze_ablation", out)
    finals = Table(
        "tmaze_ablation",
        [
            "condition",
            "seed",
            "n_params",
            "final_pop_success",
            "best_genome_success",
            "best_genome_fitness",
        ],
    )
    curves = Table(
        "tmaze_curves",
        ["generation", "condition", "seed", "best_fitness", "mean_fitness", "success"],
    )
    series = {}
    for name in files:
        runs = [next(outputs) for _ in seeds]
        for sd, (h, fit, rate) in zip(seeds, runs, strict=True):
            finals.add(name, sd, h.ranked.shape[1], float(h.success[-1]), rate, fit)
            for g in range(generations):
                curves.add(g, name, sd, float(h.best[g]), float(h.mean[g]), float(h.success[g]))
        success = np.array([h.success for h, _, _ in runs])  # (seeds, generations)
        series[f"{name} mean"] = success.mean(axis=0)
        series[f"{name} min"] = success.min(axis=0)
        series[f"{name} max"] = success.max(axis=0)
        rates = [rate for _, _, rate in runs]
        result.headline[f"{name}: best-genome success, mean over seeds"] = float(np.mean(rates))
        result.headline[f"{name}: best-genome success, min..max"] = (
            f"{min(rates):.3f}..{max(rates):.3f}"
        )
    result.notes.append(
        f"seed S of a condition = python run.py evolve {out}/tmaze-CONDITION.yaml --seed S"
    )
    colors = {
        "memory on mean": (120, 220, 120),
        "memory on min": (60, 120, 60),
        "memory on max": (60, 120, 60),
        "memory off mean": (240, 100, 100),
        "memory off min": (130, 60, 60),
        "memory off max": (130, 60, 60),
    }
    result.figures.append(
        save_figure(
            out / "tmaze_success.png",
            series,
            title=f"T-maze: population success rate per generation ({len(seeds)} seeds: mean, "
            "min, max)",
            x_label="generation",
            colors=colors,
        )
    )
    for t in (finals, curves):
        t.write(out)
        result.tables.append(t)
    return result
