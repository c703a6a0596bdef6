"""Experiment 4b, the T-maze's memory problem without the maze: hold a cue over a delay.

The T-maze asks an agent to carry which light was on (shown for 5 ticks) to the junction ~40
ticks later while its other senses keep changing. This task keeps exactly that and drops the
navigation: the T-maze species' brain (an NTMController with 11 sensors, width 64, depth 3,
memory m = 256, value 8, 2 read heads) sees one of two cue lights for 5 ticks, then `delay`
ticks, then a "go" input; its motor on the go tick must point to the cued side (sign). During
the delay its 8 other inputs are random ±1 distractors every tick (like wall rays that keep
changing). Three conditions, the same brain and budget:

- heads (location): each head walks a tape of m cells (shift -1/0/+1, home); where it reads
  does not depend on the inputs unless the net makes it;
- content: the worlds' default hashed memory (key 16, 2 sign rounds), addressed by keys the net
  computes from all its inputs;
- memory off: no state at all, so it can only guess (50 %).

Evolved with the generational loop of `python run.py evolve` (alife.evolve.loop, via
`alife.experiments.ntm_tasks.evolve`): 5 seeds per condition, 48 genomes, 64 episodes per genome
per generation, 1000 generations; trained on delays of 1 and 10 ticks (half the episodes
each), tested on delays up to 64. The (condition,
seed) runs go to 2 worker processes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.evolution import EvolutionConfig
from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.ntm_tasks import EVOLUTION, evolve, generalisation

CUE_TICKS, DISTRACTORS = 5, 8
TRAIN_DELAYS = (1, 10)
TEST_DELAYS = (1, 2, 5, 10, 20, 30, 40, 48, 64)
SEEDS = 5
GENERATIONS, POPULATION, EPISODES, TEST_EPISODES = 1000, 48, 64, 200
TARGET = 0.95  # success at the longest delay, every seed
# quick: one seed (the run's), location heads against memory off
QUICK = dict(generations=400, population=48, episodes=64, tests=(1, 64),
             test_episodes=64)


class CueDelayTask:
    """Sensors: light 0, light 1, 8 distractors (or zeros), go. One motor: sign = cued side."""

    name = "cue_delay"
    bits = 1
    n_sensors = 2 + DISTRACTORS + 1

    def __init__(self, distractors: bool = True):
        self.distractors = distractors

    def episodes(self, rng: np.random.Generator, batch: int, delay: int):
        """sensors (T, batch, 11), targets (T, batch, 1) with T = 5 + delay + 1."""
        t_total = CUE_TICKS + delay + 1
        sens = np.zeros((t_total, batch, self.n_sensors), dtype=np.float32)
        tgt = np.zeros((t_total, batch, 1), dtype=np.float32)
        side = rng.integers(0, 2, size=batch)
        sens[:CUE_TICKS, np.arange(batch), side] = 1.0
        noise = rng.choice(np.float32([-1, 1]), size=(t_total, batch, DISTRACTORS))
        if self.distractors:
            sens[:, :, 2 : 2 + DISTRACTORS] = noise
        sens[-1, :, -1] = 1.0
        tgt[-1, :, 0] = np.where(side == 0, 1.0, -1.0)
        return sens, tgt


def controller(addressing: str | None, seed: int) -> NTMController:
    """The T-maze species' brain (worlds/tmaze.yaml) with `addressing` heads, or no memory
    (None)."""
    mem = None
    if addressing is not None:
        mem = HashMemory(16, 8, 256, rounds=2, mode="sign", seed=seed)
    return NTMController(CueDelayTask.n_sensors, 1, memory=mem, reads=2, width=64, depth=3,
                         seed=seed, addressing=addressing or "content")


CONDITIONS = (("heads (location)", "location"), ("content", "content"), ("memory off", None))
COLORS = {"heads (location)": (90, 170, 250), "content": (120, 220, 120),
          "memory off": (240, 100, 100)}


def job(args) -> tuple[list[float], list[tuple[int, float, float]]]:
    """One (condition, seed) run: (population mean fitness per generation, test rows)."""
    addressing, s, ctrl_seed, gens, pop, eps, tests, test_eps = args
    task = CueDelayTask(distractors=True)
    ctrl = controller(addressing, ctrl_seed)
    best, hist = evolve(task, ctrl, EvolutionConfig(**EVOLUTION), gens, pop, eps, TRAIN_DELAYS, s)
    return [h[1] for h in hist], generalisation(task, ctrl, best, tests, test_eps, s)


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    if quick:
        seeds = [seed]
        gens, pop, eps = QUICK["generations"], QUICK["population"], QUICK["episodes"]
        tests, test_eps = QUICK["tests"], QUICK["test_episodes"]
        conditions = (CONDITIONS[0], CONDITIONS[2])
    else:
        seeds = [seed + k for k in range(SEEDS)]
        gens, pop, eps = GENERATIONS, POPULATION, EPISODES
        tests, test_eps, conditions = TEST_DELAYS, TEST_EPISODES, CONDITIONS
    jobs = [(addressing, s, seed, gens, pop, eps, tests, test_eps)
            for _, addressing in conditions for s in seeds]  # fmt: skip
    outputs = run_jobs(job, jobs, workers=1 if quick else 2)  # small batches: one thread each
    result = ExperimentResult("cue_delay", out)
    table = Table("cue_delay", ["condition", "seed", "delay", "trained_on", "success_rate",
                                "episodes"])
    curves = Table("cue_delay_curves", ["generation", "condition", "mean_fitness_over_seeds"])
    series_fit, series_gen = {}, {}
    for c, (label, addressing) in enumerate(conditions):
        runs = outputs[c * len(seeds) : (c + 1) * len(seeds)]
        rates = np.array([[r[1] for r in rows] for _, rows in runs])
        for s, (_, rows) in zip(seeds, runs, strict=True):
            for delay, succ, _ in rows:
                table.add(label, s, delay, delay in TRAIN_DELAYS, succ, test_eps)
        mean_fit = np.mean([h for h, _ in runs], axis=0)
        for g in range(0, gens, max(1, gens // 100)):
            curves.add(g, label, float(mean_fit[g]))
        series_fit[label] = mean_fit
        series_gen[label] = rates.mean(axis=0)
        result.headline[f"{label}: success at delay {tests[-1]}, per seed"] = " / ".join(
            f"{r:.2f}" for r in rates[:, -1])
        result.headline[f"{label}: n_params"] = controller(addressing, seed).n_params
    result.figures.append(save_figure(
        out / "cue_delay_fitness.png", series_fit, colors=COLORS, x_label="generation",
        title=f"Cue over a delay, distractors: population mean fitness, {len(seeds)} seeds"))
    result.figures.append(save_figure(
        out / "cue_delay_success.png", series_gen, colors=COLORS,
        x_label="test delay index (see title)",
        title="Best genome, mean over seeds: success vs test delay (delays "
        + ", ".join(map(str, tests)) + ")"))
    for t in (table, curves):
        t.write(out)
        result.tables.append(t)
    return result


def _success(figures):
    """{condition: {seed: {delay: success}}} from cue_delay.csv."""
    out: dict = {}
    for r in figures.rows("cue_delay"):
        out.setdefault(r["condition"], {}).setdefault(r["seed"], {})[r["delay"]] = (
            r["success_rate"])
    return out


def summary(figures) -> tuple[str, str]:
    success = _success(figures)
    longest = max(next(iter(next(iter(success.values())).values())))
    parts = []
    for label, seeds in success.items():
        at = [by[longest] for by in seeds.values()]
        parts.append(f"{label} {min(at):.2f}-{max(at):.2f}")
    return (f"a cue held over a delay amid distractors (target >= {TARGET} at {longest}, every "
            "seed)", f"success at delay {longest}, range over {len(at)} seeds: "
            + "; ".join(parts) + " (trained on delays 1 and 10)")


def report(figures) -> str:
    """Section 4b of docs/RESULTS.md from cue_delay.csv (and its timing)."""
    success = _success(figures)
    delays = sorted(next(iter(next(iter(success.values())).values())))
    longest = delays[-1]
    table = Table("cue_delay", ["condition, seed", *(f"delay {d}" for d in delays)])
    for label, seeds in success.items():
        for s, by in seeds.items():
            table.add(f"{label}, {s}", *(f"{by[d]:.2f}" for d in delays))
        table.add(f"**{label}, mean**", *(
            f"**{np.mean([by[d] for by in seeds.values()]):.2f}**" for d in delays))
    lines = [table.markdown(), "(success rate of the best genome of each seed on "
             f"{figures.rows('cue_delay')[0]['episodes']} fresh episodes per delay; full table "
             "[figures/cue_delay.md](figures/cue_delay.md).)", ""]
    for label, seeds in success.items():
        at = [by[longest] for by in seeds.values()]
        hit = sum(a >= TARGET for a in at)
        lines.append(f"- {label}: at delay {longest} {min(at):.2f}-{max(at):.2f} over the "
                     f"{len(at)} seeds (mean {np.mean(at):.2f}); {hit} of {len(at)} seeds reach "
                     f"the target {TARGET}.")
    if figures.has("cue_delay_timing"):
        t = figures.rows("cue_delay_timing")[0]
        lines.append(f"\nThe run took {t['wall_s']:.0f} s wall and {t['cpu_s']:.0f} s CPU "
                     f"(load average {t['load_1min']:.1f} on {t['cores']} cores at the start).")
    return "\n".join(lines) + "\n"
