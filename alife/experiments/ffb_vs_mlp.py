"""Experiment 6, few parameters suffice: FFB net vs a dense MLP of the same width on foraging.

`worlds/foraging.yaml` with memory off (so only the nets differ), evolved with the file's
evolution settings (tournament, elitism, Gray mutation of `count` parameters per child; 4 arenas
of 40 foragers = 160 genomes instead of the file's 8 arenas, to fit the CPU budget) for
the same number of generations and seeds, once with the project's fixed-filter-bank net (width
64, depth 3: 2 x 64 slopes per layer) and once with a dense tanh MLP of the same width and depth
(`alife.experiments.dense_mlp`: full 64 x 64 weight matrices and biases). Reported: mean and best
episode fitness (food eaten - poison eaten) per generation, and parameter counts. The FFB's
fixed WHT mixing follows Fastfood (Le, Sarlos & Smola 2013) and ACDC (Moczulski et al. 2016).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, save_figure
from alife.experiments.dense_mlp import DenseMLPController
from alife.experiments.worldevo import evolve_seeds, make_world

WORLD = Path(__file__).resolve().parents[2] / "worlds" / "foraging.yaml"
SEEDS = (1, 2, 3)
GENERATIONS = 20
ARENAS = 4  # 4 arenas x 40 foragers = 160 genomes per population (the file has 8: CPU budget)


def memory_off(config):
    sp = config.species[0]
    off = sp.model_copy(update={"memory": sp.memory.model_copy(update={"enabled": False})})
    return config.model_copy(update={"species": [off]})


def dense_world_fn(mlp: DenseMLPController):
    """make_world's counterpart whose species-0 controller is the dense MLP (the World builds
    its tables, e.g. the brain-size energy cost, from the MLP's genome size)."""
    from alife.world.engine import World

    def world_fn(config, seed, generation, arena_ids, genomes):
        if genomes is None:
            n = len(arena_ids) * config.species[0].count
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), generation]))
            genomes = mlp.init_genomes(rng, n)
        return World(
            config,
            seed,
            generation=generation,
            arena_ids=arena_ids,
            genomes=[genomes],
            controller_factory=lambda config, s: mlp,
        )

    return world_fn


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    from alife.config import load_world

    config = memory_off(load_world(WORLD))
    evo = config.evolution.model_copy(update={"arenas": ARENAS})
    config = config.model_copy(update={"evolution": evo})
    if quick:
        sp = config.species[0].model_copy(update={"count": 6})
        evo = config.evolution.model_copy(update={"arenas": 2, "elitism": 1})
        episode = config.episode.model_copy(update={"length": 30})
        config = config.model_copy(update={"species": [sp], "evolution": evo, "episode": episode})
    seeds = [seed + s - 1 for s in ((1,) if quick else SEEDS)]
    generations = 2 if quick else GENERATIONS
    sp = config.species[0]
    probe = make_world(config, seeds[0], 0, np.zeros(1, dtype=np.int64), None)
    ffb = probe.controllers[0]
    mlp = DenseMLPController(ffb.n_sensors, ffb.n_motors, sp.brain.width, sp.brain.depth)
    conditions = {
        f"FFB {ffb.n_params} params": (make_world, ffb.n_params),
        f"dense MLP {mlp.n_params} params": (dense_world_fn(mlp), mlp.n_params),
    }
    result = ExperimentResult("ffb_vs_mlp", out)
    table = Table(
        "ffb_vs_mlp",
        ["brain", "n_params", "seed", "gen0_mean", "final_mean", "final_best", "best_over_run"],
    )
    curves = Table("ffb_vs_mlp_curves", ["generation", "brain", "mean_fitness", "best_fitness"])
    series = {}
    for name, (world_fn, n_params) in conditions.items():
        _, hist = evolve_seeds(config, seeds, generations, world_fn=world_fn)
        h = hist.arrays()
        for k, sd in enumerate(seeds):
            table.add(
                name.split(" ")[0] if name.startswith("FFB") else "dense MLP",
                n_params,
                sd,
                float(h["mean"][0, k]),
                float(h["mean"][-1, k]),
                float(h["best"][-1, k]),
                float(h["best"][:, k].max()),
            )
        for g in range(generations):
            curves.add(g, name, float(h["mean"][g].mean()), float(h["best"][g].mean()))
        series[f"{name}: mean"] = h["mean"].mean(axis=1)
        series[f"{name}: best"] = h["best"].mean(axis=1)
        result.headline[f"{name}: mean fitness gen 0 -> last (avg over seeds)"] = (
            f"{h['mean'][0].mean():.3f} -> {h['mean'][-1].mean():.3f}"
        )
    result.figures.append(
        save_figure(
            out / "ffb_vs_mlp.png",
            series,
            title=f"Foraging (memory off): episode fitness per generation, mean of {len(seeds)} "
            "seeds",
            x_label="generation",
        )
    )
    for t in (table, curves):
        t.write(out)
        result.tables.append(t)
    return result
