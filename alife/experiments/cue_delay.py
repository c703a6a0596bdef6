"""Experiment 4b, the T-maze's memory problem without the maze: hold a cue over a delay.

The T-maze asks an agent to carry which light was on (shown for 5 ticks) to the junction ~40
ticks later while its other senses keep changing. This task keeps exactly that and drops the
navigation: the T-maze species' brain (the same NTMController: 11 sensors, width 64, depth 3,
memory m = 256, key 16, value 8, 2 sign rounds, 2 read heads) sees one of two cue lights for 5
ticks, then `delay` ticks of random ±1 distractor inputs (8 of them, like the wall rays), then a
"go" input; its motor on the go tick must point to the cued side (sign). Evolved with the
project's operators (as in `alife.experiments.ntm_tasks`) with memory on and memory off (reads
are zeros: the controller has no other state, so it can only guess: 50 %), same
budget (3 seeds, 48 genomes, 64 episodes per genome per generation, 150 generations). Trained
on delays 2, 5, 10 and 20; tested on delays up to 64.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.evolution import EvolutionConfig
from alife.experiments.common import ExperimentResult, Table, numba_threads, save_figure
from alife.experiments.ntm_tasks import EVOLUTION, evolve, generalisation

CUE_TICKS, DISTRACTORS = 5, 8
TRAIN_DELAYS = (2, 5, 10, 20)
TEST_DELAYS = (1, 2, 5, 10, 20, 30, 40, 48, 64)
SEEDS = (1, 2, 3)


class CueDelayTask:
    """Sensors: light 0, light 1, 8 distractors, go. One motor: sign = the cued side."""

    name = "cue_delay"
    bits = 1
    n_sensors = 2 + DISTRACTORS + 1

    def episodes(self, rng: np.random.Generator, batch: int, delay: int):
        """sensors (T, batch, 11), targets (T, batch, 1) with T = 5 + delay + 1."""
        t_total = CUE_TICKS + delay + 1
        sens = np.zeros((t_total, batch, self.n_sensors), dtype=np.float32)
        tgt = np.zeros((t_total, batch, 1), dtype=np.float32)
        side = rng.integers(0, 2, size=batch)
        sens[:CUE_TICKS, np.arange(batch), side] = 1.0
        sens[:, :, 2 : 2 + DISTRACTORS] = rng.choice(
            np.float32([-1, 1]), size=(t_total, batch, DISTRACTORS)
        )
        sens[-1, :, -1] = 1.0
        tgt[-1, :, 0] = np.where(side == 0, 1.0, -1.0)
        return sens, tgt


def controller(memory: bool, seed: int) -> NTMController:
    """The T-maze species' brain (worlds/tmaze.yaml) with or without its memory."""
    mem = HashMemory(16, 8, 256, rounds=2, mode="sign", seed=seed) if memory else None
    return NTMController(
        CueDelayTask.n_sensors, 1, memory=mem, reads=2, width=64, depth=3, seed=seed
    )


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    with numba_threads(1):  # small batches: one thread avoids parallel-region overhead
        return _run(out, quick, seed)


def _run(out: Path, quick: bool, seed: int) -> ExperimentResult:
    cfg = EvolutionConfig(**EVOLUTION)
    seeds = [seed + k for k in range(2 if quick else len(SEEDS))]
    gens, pop, eps = (3, 8, 8) if quick else (150, 48, 64)
    tests = TEST_DELAYS[:3] if quick else TEST_DELAYS
    task = CueDelayTask()
    result = ExperimentResult("cue_delay", out)
    table = Table("cue_delay", ["memory", "seed", "delay", "trained_on", "success_rate"])
    curves = Table("cue_delay_curves", ["generation", "memory", "mean_fitness_over_seeds"])
    series_fit, series_gen = {}, {}
    for memory in (True, False):
        label = "memory on" if memory else "memory off"
        ctrl = controller(memory, seed)
        hists, rates = [], []
        for s in seeds:
            best, hist = evolve(
                task, ctrl, cfg, gens, pop, eps, max(TRAIN_DELAYS), s, train_lengths=TRAIN_DELAYS
            )
            hists.append([h[1] for h in hist])
            rows = generalisation(task, ctrl, best, tests, 8 if quick else 200, s)
            for delay, succ, _ in rows:
                table.add(label, s, delay, delay in TRAIN_DELAYS, succ)
            rates.append([r[1] for r in rows])
        mean_fit = np.mean(hists, axis=0)
        for g in range(gens):
            curves.add(g, label, float(mean_fit[g]))
        series_fit[label] = mean_fit
        rates = np.array(rates)
        series_gen[f"{label} mean"] = rates.mean(axis=0)
        series_gen[f"{label} min"] = rates.min(axis=0)
        trained = [i for i, d in enumerate(tests) if d in TRAIN_DELAYS]
        result.headline[f"{label}: success on trained delays, mean (min..max over seeds)"] = (
            f"{rates[:, trained].mean():.3f} ({rates[:, trained].mean(axis=1).min():.3f}.."
            f"{rates[:, trained].mean(axis=1).max():.3f})"
        )
        result.headline[f"{label}: success at delay {tests[-1]}"] = float(rates[:, -1].mean())
        result.headline[f"{label}: n_params"] = ctrl.n_params
    colors = {
        "memory on mean": (120, 220, 120),
        "memory on min": (60, 120, 60),
        "memory off mean": (240, 100, 100),
        "memory off min": (130, 60, 60),
    }
    result.figures.append(
        save_figure(
            out / "cue_delay_fitness.png",
            series_fit,
            title=f"Cue over a delay (T-maze brain): population mean fitness, {len(seeds)} seeds",
            x_label="generation",
            colors={"memory on": colors["memory on mean"], "memory off": colors["memory off mean"]},
        )
    )
    result.figures.append(
        save_figure(
            out / "cue_delay_success.png",
            series_gen,
            title="Best genome: success vs delay (mean and worst seed; delays "
            + ", ".join(map(str, tests))
            + ")",
            x_label="test delay index (see title)",
            colors=colors,
        )
    )
    for t in (table, curves):
        t.write(out)
        result.tables.append(t)
    return result
