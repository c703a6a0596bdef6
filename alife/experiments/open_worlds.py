"""Experiment 4c, worlds where remembering wins: open worlds with location heads, content heads
and memory off.

Each open world of WORLDS (`worlds/NAME.yaml` as shipped: food and poison trade roles per
episode and arena, and a light at dawn says which berries are good today, so a forager must keep
the sign)
is evolved with location heads, with content heads and with memory off (`memory.enabled:
false`, reads are zeros), 5 seeds each, the file's budget and settings. Each condition's world
file is written to the output folder; each seed's run is `python run.py evolve
OUT/WORLD-CONDITION.yaml --seed SEED`. Reported per world and condition: the final mean fitness
of each seed (the population's mean fitness, averaged over the last FINAL generations) and its
ratio to memory off; a world's headline is its best memory condition's ratio. Whether a
population tells the kinds apart is measured apart from how much it eats: the share of good
berries among those its final population (and a population of copies of its best genome) eats
in fresh arenas; eating everything, or one kind whatever the day, gives about 0.5.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.worldevo import eaten, evolve_seed, memory_variants, write_world

ROOT = Path(__file__).resolve().parents[2] / "worlds"
WORLDS = ("meadows", "patches")
SEEDS = (1, 2, 3, 4, 5)
WORKERS = 2  # processes running the seeds (one thread each)
FINAL = 10  # generations averaged for the final mean fitness
TARGET = 1.3  # memory on / memory off
CONDITIONS = ("location heads", "content heads", "memory off")
MEMORY = CONDITIONS[:-1]  # the conditions with memory, each compared with memory off
COLORS = {"location heads": (120, 220, 120), "content heads": (110, 170, 255),
          "memory off": (240, 100, 100)}  # fmt: skip


def job(args):
    """One (world file, seed) run -> (History, CPU seconds of the run, what the final
    population and its best genome eat: `eaten_shares`)."""
    from alife.config import load_world

    path, seed = args
    config = load_world(path)
    start = time.process_time()
    history = evolve_seed(config, seed, config.evolution.generations)
    cpu = time.process_time() - start
    return history, cpu, eaten_shares(config, history.ranked, seed)


def eaten_shares(config, ranked: np.ndarray, seed: int) -> tuple[float, float, float]:
    """(share of good items among those the population ate, the same for a population of
    copies of its best genome, items the population ate per agent and episode), measured in
    fresh arenas (`worldevo.eaten`); a share is nan when nothing was eaten."""
    pop = eaten(config, ranked, seed).sum(axis=0)
    best = eaten(config, np.repeat(ranked[:1], ranked.shape[0], axis=0), seed).sum(axis=0)
    share = [float(e[0] / e.sum()) if e.sum() else float("nan") for e in (pop, best)]
    return share[0], share[1], float(pop.sum() / (ranked.shape[0] * config.evolution.episodes))


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    return run_worlds(out, WORLDS, "open_worlds", quick, seed)


def run_worlds(out: Path, worlds: tuple[str, ...], name: str, quick: bool, seed: int,
               budget: dict | None = None) -> ExperimentResult:
    """Every world of `worlds` under every condition, written as experiment `name`: tables
    `name` (with each run's CPU seconds, one thread, and `eaten_shares` of its final
    population) and NAME_curves, figures NAME_WORLD.png, world files WORLD-CONDITION.yaml.
    budget: evolution settings that replace the files' (e.g. arenas, generations)."""
    from alife.config import load_world

    seeds = [seed + s - 1 for s in ((1,) if quick else SEEDS)]
    result = ExperimentResult(name, out)
    finals = Table(name, ["world", "condition", "seed", "generations", "final_mean_fitness",
                          "final_best_fitness", "cpu_s", "good_share", "good_share_best",
                          "eaten_per_episode"])  # fmt: skip
    curves = Table(f"{name}_curves", ["world", "generation", "condition", "seed",
                                      "best_fitness", "mean_fitness"])  # fmt: skip
    files = {}
    for world in worlds:
        config = load_world(ROOT / f"{world}.yaml")
        update = {**(budget or {}), **({"arenas": 4, "generations": 2} if quick else {})}
        evo = config.evolution.model_copy(update=update)
        config = config.model_copy(update={"evolution": evo})
        variants = memory_variants(config)
        for cond in CONDITIONS:
            files[(world, cond)] = write_world(out / f"{world}-{cond.replace(' ', '-')}.yaml",
                                               variants[cond])
    jobs = [(path, sd) for path in files.values() for sd in seeds]
    outputs = iter(run_jobs(job, jobs, workers=1 if quick else WORKERS))
    for world in worlds:
        series = {}
        for cond in CONDITIONS:
            runs = [next(outputs) for _ in seeds]
            for sd, (h, cpu, shares) in zip(seeds, runs, strict=True):
                finals.add(world, cond, sd, h.mean.size, float(h.mean[-FINAL:].mean()),
                           float(h.best[-FINAL:].mean()), cpu, *shares)
                for g in range(h.mean.size):
                    curves.add(world, g, cond, sd, float(h.best[g]), float(h.mean[g]))
            series[cond] = np.mean([h.mean for h, *_ in runs], axis=0)
        means = {c: np.mean([r[4] for r in finals.rows if r[0] == world and r[1] == c])
                 for c in CONDITIONS}  # fmt: skip
        best = max(MEMORY, key=means.get)
        result.headline[f"{world}: best memory ({best}) / memory off, final mean fitness"] = (
            float(means[best] / means["memory off"]) if means["memory off"] > 0
            else float("nan")
        )
        result.figures.append(
            save_figure(
                out / f"{name}_{world}.png",
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


def finals(figures, name: str = "open_worlds") -> dict[tuple[str, str], list[dict]]:
    """Rows of table `name` per (world, condition), by seed."""
    out: dict[tuple[str, str], list[dict]] = {}
    for r in sorted(figures.rows(name), key=lambda r: r["seed"]):
        out.setdefault((r["world"], r["condition"]), []).append(r)
    return out


def ratio(by, world: str, condition: str, base: str = "memory off") -> float:
    """Mean final mean fitness of `condition` over that of `base` in `world`."""
    mean, other = (np.mean([r["final_mean_fitness"] for r in by[(world, c)]])
                   for c in (condition, base))  # fmt: skip
    return float(mean / other)


def table(by) -> Table:
    """Every (world, condition): final mean fitness per seed, mean, ratio to memory off, and
    what the final populations ate (`eaten_shares`, means over the seeds)."""
    out = Table("open_worlds", ["world", "condition", "final mean fitness, per seed", "mean",
                                "x memory off", "good share of berries eaten: population "
                                "(best genome)", "berries eaten per episode"])  # fmt: skip
    for (world, condition), rows in by.items():
        vals = [r["final_mean_fitness"] for r in rows]
        pop, best, n = (np.nanmean([r[k] for r in rows])
                        for k in ("good_share", "good_share_best", "eaten_per_episode"))
        out.add(world, condition, " / ".join(f"{v:.2f}" for v in vals), f"{np.mean(vals):.2f}",
                f"**{ratio(by, world, condition):.2f}**", f"{pop:.2f} ({best:.2f})", f"{n:.1f}")
    return out


def _best(by, world: str) -> tuple[str, float]:
    """A world's best memory condition (of those run) and its ratio to memory off."""
    ratios = {c: ratio(by, world, c) for c in MEMORY if (world, c) in by}
    best = max(ratios, key=ratios.get)
    return best, ratios[best]


def summary(figures) -> tuple[str, str]:
    claim = (f"Worlds where remembering wins (best memory condition / memory off, final mean "
             f"fitness; target >= {TARGET}x in 2 open worlds)")
    if not figures.has("open_worlds"):
        return claim, "not measured yet: no committed run of open_worlds"
    by = finals(figures)
    worlds = sorted({w for w, _ in by})
    best = {w: _best(by, w) for w in worlds}
    parts = [f"{w} {best[w][1]:.2f}x ({best[w][0]})" for w in worlds]
    reached = sum(r >= TARGET for _, r in best.values())
    return claim, f"{', '.join(parts)}: {reached} of {len(worlds)} worlds at >= {TARGET}x"


def report(figures) -> str:
    """Section 4c's table from open_worlds.csv."""
    by = finals(figures)
    rows = figures.rows("open_worlds")
    seeds = sorted({r["seed"] for r in rows})
    worlds = sorted({w for w, _ in by})
    gens = ", ".join(f"{w} {next(r['generations'] for r in rows if r['world'] == w)}"
                     for w in worlds)  # fmt: skip
    lines = []
    for w in worlds:
        best, x = _best(by, w)
        vals = [r["final_mean_fitness"] for r in by[(w, best)]]
        off = [r["final_mean_fitness"] for r in by[(w, "memory off")]]
        shares = {c: [r["good_share"] for r in by[(w, c)]] for c in (best, "memory off")}
        lines.append(f"- {w}: {best} / memory off = **{x:.2f}x** (per seed {min(vals):.2f}-"
                     f"{max(vals):.2f} against {min(off):.2f}-{max(off):.2f}); "
                     f"{'reaches' if x >= TARGET else 'misses'} the target {TARGET}x. Good "
                     f"share of berries eaten by the final populations, per seed: {best} "
                     + " / ".join(f"{v:.2f}" for v in shares[best]) + ", memory off "
                     + " / ".join(f"{v:.2f}" for v in shares["memory off"]) + ".")
    reached = sum(_best(by, w)[1] >= TARGET for w in worlds)
    return (f"Seeds {seeds[0]}-{seeds[-1]}; generations per seed: {gens}; final mean fitness "
            f"= the population's mean fitness averaged over the last {FINAL} generations.\n\n"
            f"{table(by).markdown()}\n(full tables: [figures/open_worlds.md]"
            "(figures/open_worlds.md), [figures/open_worlds_curves.md]"
            "(figures/open_worlds_curves.md).)\n\n" + "\n".join(lines)
            + f"\n\nTarget reached in **{reached} of {len(worlds)}** open worlds.\n")
