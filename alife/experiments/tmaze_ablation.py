"""Experiment 4, memory matters where it should: T-maze with memory on vs off (the ablation).

`worlds/tmaze.yaml` as shipped (a light shows for the first ticks while the agent is held, then
it is put back at the start: only the brain's memory can carry the cue to the junction) is
evolved with memory on and with `memory.enabled: false` (reads are zeros), 5 seeds each, the
same budget: the file's evolution settings (tournament of 4, elitism 4, Gray mutation of 4
parameters, 128 genomes per population), each genome run in 4 mazes per generation (fitness =
the mean; the file's success + approach scoring), 300 generations.
Reported: the population's success rate per generation (mean, min and max over seeds) and the
success rate of each seed's best final genome on 200 fresh mazes (both cue sides, random).
Chance is 50 % for an agent that always reaches a goal. The evolved-NTM T-maze follows ENTM
(Greve, Jacobsen & Risi, GECCO 2016).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, save_figure
from alife.experiments.worldevo import evaluate_genome, evolve_seeds

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


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    from alife.config import load_world

    config = load_world(WORLD)
    evo = config.evolution.model_copy(update={"arenas": 8 if quick else ARENAS})
    config = config.model_copy(update={"evolution": evo})
    seeds = [seed + s - 1 for s in ((1, 2) if quick else SEEDS)]
    generations = 3 if quick else GENERATIONS
    test_episodes = 16 if quick else TEST_EPISODES
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
        ["generation", "condition", "success_mean", "success_min", "success_max", "fitness_mean"],
    )
    series = {}
    for name, cfg in variants(config).items():
        ranked, hist = evolve_seeds(cfg, seeds, generations, episodes=EPISODES)
        h = hist.arrays()
        n_params = ranked[0].shape[1]
        for g in range(generations):
            s = h["success"][g]
            curves.add(
                g, name, float(s.mean()), float(s.min()), float(s.max()), float(h["mean"][g].mean())
            )
        series[f"{name} mean"] = h["success"].mean(axis=1)
        series[f"{name} min"] = h["success"].min(axis=1)
        series[f"{name} max"] = h["success"].max(axis=1)
        rates = []
        for k, sd in enumerate(seeds):
            fit, rate = evaluate_genome(cfg, ranked[k][0], test_episodes, 10_000 + sd)
            rates.append(rate)
            finals.add(name, sd, n_params, float(h["success"][-1][k]), rate, fit)
        result.headline[f"{name}: best-genome success, mean over seeds"] = float(np.mean(rates))
        result.headline[f"{name}: best-genome success, min..max"] = (
            f"{min(rates):.3f}..{max(rates):.3f}"
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
