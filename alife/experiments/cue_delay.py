"""Experiment 4b, the T-maze's memory problem without the maze: hold a cue over a delay.

The T-maze asks an agent to carry which light was on (shown for 5 ticks) to the junction ~40
ticks later while its other senses keep changing. This task keeps exactly that and drops the
navigation: the T-maze species' brain (the same NTMController: 11 sensors, width 64, depth 3,
memory m = 256, key 16, value 8, 2 sign rounds, 2 read heads) sees one of two cue lights for 5
ticks, then `delay` ticks, then a "go" input; its motor on the go tick must point to the cued
side (sign). During the delay its 8 other inputs are either quiet (zero) or random ±1
distractors every tick (like wall rays that keep changing). Four conditions: memory on / off x
quiet / distractors; memory off has no state at all, so it can only guess (50 %). Evolved with
the project's operators (as in `alife.experiments.ntm_tasks`): 3 seeds per condition, 48
genomes, 64 episodes per genome per generation, 600 generations; trained on a delay of 1 tick
only, tested on delays up to 64. The (condition, seed) runs go to 2 worker processes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.evolution import EvolutionConfig
from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure
from alife.experiments.ntm_tasks import EVOLUTION, evolve, generalisation

CUE_TICKS, DISTRACTORS = 5, 8
TRAIN_DELAYS = (1,)
TEST_DELAYS = (1, 2, 5, 10, 20, 30, 40, 48, 64)
SEEDS = (1, 2, 3)


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


def controller(memory: bool, seed: int) -> NTMController:
    """The T-maze species' brain (worlds/tmaze.yaml) with or without its memory."""
    mem = HashMemory(16, 8, 256, rounds=2, mode="sign", seed=seed) if memory else None
    return NTMController(
        CueDelayTask.n_sensors, 1, memory=mem, reads=2, width=64, depth=3, seed=seed
    )


CONDITIONS = (
    ("memory on, quiet", True, False),
    ("memory off, quiet", False, False),
    ("memory on, distractors", True, True),
    ("memory off, distractors", False, True),
)
COLORS = {
    "memory on, quiet": (120, 220, 120),
    "memory off, quiet": (240, 100, 100),
    "memory on, distractors": (90, 170, 250),
    "memory off, distractors": (240, 180, 60),
}


def job(args) -> tuple[list[float], list[tuple[int, float, float]]]:
    """One (condition, seed) run: (population mean fitness per generation, test rows)."""
    memory, distractors, s, ctrl_seed, gens, pop, eps, tests, test_eps = args
    task = CueDelayTask(distractors)
    ctrl = controller(memory, ctrl_seed)
    cfg = EvolutionConfig(**EVOLUTION)
    best, hist = evolve(task, ctrl, cfg, gens, pop, eps, TRAIN_DELAYS, s)
    return [h[1] for h in hist], generalisation(task, ctrl, best, tests, test_eps, s)


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    seeds = [seed + k for k in range(2 if quick else len(SEEDS))]
    gens, pop, eps = (3, 8, 8) if quick else (600, 48, 64)
    tests = TEST_DELAYS[:3] if quick else TEST_DELAYS
    test_eps = 8 if quick else 200
    jobs = [(mem, dis, s, seed, gens, pop, eps, tests, test_eps)
            for _, mem, dis in CONDITIONS for s in seeds]  # fmt: skip
    outputs = run_jobs(job, jobs, workers=1 if quick else 2)  # small batches: one thread each
    result = ExperimentResult("cue_delay", out)
    table = Table("cue_delay", ["condition", "seed", "delay", "trained_on", "success_rate"])
    curves = Table("cue_delay_curves", ["generation", "condition", "mean_fitness_over_seeds"])
    series_fit, series_gen = {}, {}
    for c, (label, memory, _) in enumerate(CONDITIONS):
        runs = outputs[c * len(seeds) : (c + 1) * len(seeds)]
        rates = np.array([[r[1] for r in rows] for _, rows in runs])
        for s, (_, rows) in zip(seeds, runs, strict=True):
            for delay, succ, _ in rows:
                table.add(label, s, delay, delay in TRAIN_DELAYS, succ)
        mean_fit = np.mean([h for h, _ in runs], axis=0)
        for g in range(gens):
            curves.add(g, label, float(mean_fit[g]))
        series_fit[label] = mean_fit
        series_gen[label] = rates.mean(axis=0)
        per_seed = rates.mean(axis=1)
        result.headline[f"{label}: success over test delays, mean (min..max over seeds)"] = (
            f"{rates.mean():.3f} ({per_seed.min():.3f}..{per_seed.max():.3f})"
        )
        result.headline[f"{label}: success at delay {tests[-1]}"] = float(rates[:, -1].mean())
        result.headline[f"{label}: n_params"] = controller(memory, seed).n_params
    result.figures.append(
        save_figure(
            out / "cue_delay_fitness.png",
            series_fit,
            title=f"Cue over a delay (T-maze brain): population mean fitness, {len(seeds)} seeds",
            x_label="generation",
            colors=COLORS,
        )
    )
    result.figures.append(
        save_figure(
            out / "cue_delay_success.png",
            series_gen,
            title="Best genome, mean over seeds: success vs test delay (delays "
            + ", ".join(map(str, tests))
            + ")",
            x_label="test delay index (see title)",
            colors=COLORS,
        )
    )
    for t in (table, curves):
        t.write(out)
        result.tables.append(t)
    return result
