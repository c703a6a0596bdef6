"""Experiment 6, few parameters suffice: FFB net vs a dense MLP of the same width on foraging.

`worlds/foraging.yaml` with memory off (so only the nets differ), evolved with the file's
evolution settings (tournament, elitism, Gray mutation of `count` parameters per child; 4 arenas
of 40 foragers = 160 genomes instead of the file's 8 arenas, to fit the CPU budget) for
the same number of generations and seeds, once with the project's fixed-filter-bank net (width
64, depth 3: 2 x 64 slopes per layer) and once with a dense tanh MLP of the same width and depth
(`alife.experiments.dense_mlp`: full 64 x 64 weight matrices and biases). Reported: mean and best
episode fitness (food eaten - poison eaten) per generation, and parameter counts. Both evolve
with the loop of `python run.py evolve` (the FFB runs are `python run.py evolve
OUT/foraging-memory-off.yaml --seed SEED`); the runs go to 2 worker processes. The FFB's fixed
WHT mixing follows Fastfood (Le, Sarlos & Smola 2013) and ACDC (Moczulski et al. 2016).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.evolve.evaluate import new_world as make_world
from alife.evolve.evaluate import world_controllers
from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.dense_mlp import DenseMLPController
from alife.experiments.worldevo import evolve_seed, write_world

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
        if arena_ids is None:
            arena_ids = np.arange(config.arena.count)
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


def dense_mlp(config) -> DenseMLPController:
    """The dense MLP of the same width and depth as species 0's FFB net."""
    sp = config.species[0]
    ffb = world_controllers(config)[0]
    return DenseMLPController(ffb.n_sensors, ffb.n_motors, sp.brain.width, sp.brain.depth)


def job(args):
    """One (world file, brain, seed) run -> its History."""
    from alife.config import load_world

    path, dense, seed = args
    config = load_world(path)
    make = make_world
    if dense:
        world_fn = dense_world_fn(dense_mlp(config))

        def make(config, seed, generation, arena_ids, genomes):
            return world_fn(config, seed, generation, arena_ids, genomes and genomes[0])

    return evolve_seed(config, seed, config.evolution.generations, make)


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    from alife.config import load_world

    config = memory_off(load_world(WORLD))
    generations = 2 if quick else GENERATIONS
    evo = config.evolution.model_copy(update={"arenas": ARENAS, "generations": generations})
    config = config.model_copy(update={"evolution": evo})
    if quick:
        sp = config.species[0].model_copy(update={"count": 6})
        evo = config.evolution.model_copy(update={"arenas": 2, "elitism": 1})
        episode = config.episode.model_copy(update={"length": 30})
        config = config.model_copy(update={"species": [sp], "evolution": evo, "episode": episode})
    seeds = [seed + s - 1 for s in ((1,) if quick else SEEDS)]
    path = write_world(out / "foraging-memory-off.yaml", config)
    ffb_params = world_controllers(config)[0].n_params
    mlp_params = dense_mlp(config).n_params
    conditions = {
        f"FFB {ffb_params} params": (False, ffb_params),
        f"dense MLP {mlp_params} params": (True, mlp_params),
    }
    jobs = [(path, dense, sd) for dense, _ in conditions.values() for sd in seeds]
    outputs = iter(run_jobs(job, jobs, workers=1 if quick else 2))
    result = ExperimentResult("ffb_vs_mlp", out)
    table = Table(
        "ffb_vs_mlp",
        ["brain", "n_params", "seed", "gen0_mean", "final_mean", "final_best", "best_over_run"],
    )
    curves = Table(
        "ffb_vs_mlp_curves", ["generation", "brain", "seed", "mean_fitness", "best_fitness"]
    )
    series = {}
    for name, (dense, n_params) in conditions.items():
        brain = "dense MLP" if dense else "FFB"
        runs = [next(outputs) for _ in seeds]
        for sd, h in zip(seeds, runs, strict=True):
            table.add(brain, n_params, sd, h.mean[0], h.mean[-1], h.best[-1], h.best.max())
            for g in range(generations):
                curves.add(g, name, sd, float(h.mean[g]), float(h.best[g]))
        mean = np.mean([h.mean for h in runs], axis=0)
        series[f"{name}: mean"] = mean
        series[f"{name}: best"] = np.mean([h.best for h in runs], axis=0)
        result.headline[f"{name}: mean fitness gen 0 -> last (avg over seeds)"] = (
            f"{mean[0]:.3f} -> {mean[-1]:.3f}"
        )
    result.notes.append(f"FFB seed S = python run.py evolve {path} --seed S")
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


def _curve(figures, brain: str) -> dict[int, float]:
    """generation -> population mean fitness averaged over the seeds, for `brain` (FFB or
    dense MLP)."""
    per: dict[int, list[float]] = {}
    for r in figures.rows("ffb_vs_mlp_curves"):
        if r["brain"].startswith(brain + " "):
            per.setdefault(int(r["generation"]), []).append(r["mean_fitness"])
    return {g: float(np.mean(v)) for g, v in sorted(per.items())}


def _runs(figures, brain: str) -> list[dict]:
    return sorted((r for r in figures.rows("ffb_vs_mlp") if r["brain"] == brain),
                  key=lambda r: r["seed"])  # fmt: skip


def summary(figures) -> tuple[str, str]:
    claim = "Few parameters suffice: FFB net vs a dense MLP on foraging (memory off)"
    ffb, mlp = _runs(figures, "FFB"), _runs(figures, "dense MLP")
    f, m = (float(np.mean([r["final_mean"] for r in runs])) for runs in (ffb, mlp))
    return claim, (f"final mean fitness {f:.2f} ({ffb[0]['n_params']:,} parameters) vs "
                   f"{m:.2f} ({mlp[0]['n_params']:,}): {f / m:.2f}x")


def report(figures) -> str:
    """Section 6's table from ffb_vs_mlp.csv and ffb_vs_mlp_curves.csv."""
    brains = ("FFB", "dense MLP")
    curves = {b: _curve(figures, b) for b in brains}
    last = max(curves["FFB"])
    shown = [g for g in (0, 5, 10, last) if g in curves["FFB"]]
    table = Table("ffb_vs_mlp", ["brain", "params",
                                 *(f"mean fitness gen {g}" for g in shown),
                                 "final mean per seed", "best over the run per seed"])  # fmt: skip
    for b in brains:
        runs = _runs(figures, b)
        table.add(b, f"{runs[0]['n_params']:,}", *(f"{curves[b][g]:.2f}" for g in shown),
                  " / ".join(f"{r['final_mean']:.2f}" for r in runs),
                  " / ".join(f"{r['best_over_run']:.0f}" for r in runs))
    ffb, mlp = (_runs(figures, b) for b in brains)
    finals = [r["final_mean"] for r in ffb + mlp]
    seeds = [r["seed"] for r in ffb]
    early = min(5, last)
    return (f"Seeds {seeds[0]}-{seeds[-1]}, {last + 1} generations; mean fitness = the "
            f"population's mean episode fitness, averaged over the seeds.\n\n{table.markdown()}\n"
            f"After {last + 1} generations the population mean fitness is "
            f"{curves['FFB'][last]:.2f} (FFB) vs {curves['dense MLP'][last]:.2f} (dense MLP, "
            f"{mlp[0]['n_params'] / ffb[0]['n_params']:.0f}x the parameters); the seeds' final "
            f"means span {min(finals):.2f}-{max(finals):.2f}. At generation {early}: "
            f"{curves['FFB'][early]:.2f} vs {curves['dense MLP'][early]:.2f}.\n"
            "(full tables: [figures/ffb_vs_mlp.md](figures/ffb_vs_mlp.md), "
            "[figures/ffb_vs_mlp_curves.md](figures/ffb_vs_mlp_curves.md).)\n")
