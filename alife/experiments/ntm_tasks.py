"""Experiment 5, NTM tasks: evolve the project's NTMController on `copy` and `associative_recall`.

Non-spatial tasks that drive the same batched `NTMController.step` the worlds use (one call per
time step for the whole population x episodes), evolved with the project's operators
(`alife.evolve.selection.next_generation`: tournament selection, elitism, continuous-Gray-code
mutation). References: Greve, Jacobsen & Risi, "Evolving Neural Turing Machines for
Reward-based Learning" (ENTM, GECCO 2016) evolved NTMs for copy and a T-maze; Graves, Wayne &
Danihelka, "Neural Turing Machines" (2014) trained NTMs by gradient descent whose copy
generalised from length 20 to ~80+.

Our memory is content-addressed only (a hashed associative memory, no location-shift head), so
the copy task gives the controller a position code (a fixed random ±1 vector per position, the
role the worlds' clock sensor plays) in both phases; the controller must learn to key its
writes and reads on it. Bits are ±1; the read of tick t is an input at tick t + 1, so each
answer is due one tick after its cue.

copy (length L):  ticks 0..L-1 show bits b_i, store flag, code c_i; ticks L..2L-1 show the recall
    flag and code c_i; the motors at tick L + 1 + i must equal b_i (2L + 1 ticks).
associative_recall (L pairs): ticks 0..L-1 show key k_i, value v_i and the store flag; then the
    L keys are queried in a random order (query flag, key); the answer to query q is due one
    tick later (2L + 1 ticks).
Fitness: mean of target * motor over the due bits (in [-1, 1]); success: every due bit of the
episode has the right sign. Evolved on lengths 1..L_train, tested on lengths up to 4 L_train,
with the generational loop of `python run.py evolve` (alife.evolve.loop: the same seed scheme,
selection and mutation) and a `SequenceEvaluator` in place of the world's arenas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.evolution import EvolutionConfig
from alife.evolve import loop
from alife.evolve.evaluate import Result
from alife.experiments.common import ExperimentResult, Table, save_figure

MAX_LENGTH = 64
EPISODES = 0x7A5C  # tags the stream of training episodes


@dataclass(frozen=True)
class Task:
    """A sequence task: sensor layout and episode generator."""

    name: str
    bits: int = 4  # value bits (the motors)
    key_bits: int = 6  # associative_recall: key bits; copy: position code size

    @property
    def n_sensors(self) -> int:
        return self.bits + self.key_bits + 2  # value/bits, key/code, two phase flags

    def episodes(self, rng: np.random.Generator, batch: int, length: int):
        """sensors (T, batch, n_sensors) float32, targets (T, batch, bits) float32 (0 = none)."""
        t_total = 2 * length + 1
        sens = np.zeros((t_total, batch, self.n_sensors), dtype=np.float32)
        tgt = np.zeros((t_total, batch, self.bits), dtype=np.float32)
        b, kb = self.bits, self.key_bits
        values = rng.choice(np.float32([-1, 1]), size=(batch, length, b))
        if self.name == "copy":
            codes = position_codes(kb)[:length]
            sens[:length, :, :b] = values.transpose(1, 0, 2)
            sens[:length, :, b : b + kb] = codes[:, None, :]
            sens[:length, :, b + kb] = 1.0
            sens[length : 2 * length, :, b : b + kb] = codes[:, None, :]
            sens[length : 2 * length, :, b + kb + 1] = 1.0
            tgt[length + 1 :] = values.transpose(1, 0, 2)
            return sens, tgt
        # associative recall: distinct random keys per episode
        keys = np.empty((batch, length, kb), dtype=np.float32)
        for_codes = 1 << kb
        if length > for_codes:
            raise ValueError(f"associative_recall with {kb} key bits holds <= {for_codes} pairs")
        idx = np.argsort(rng.random((batch, for_codes)), axis=1)[:, :length]
        bit_table = ((np.arange(for_codes)[:, None] >> np.arange(kb)) & 1) * 2.0 - 1.0
        keys[:] = bit_table[idx]
        order = np.argsort(rng.random((batch, length)), axis=1)
        rows = np.arange(batch)[:, None]
        sens[:length, :, :b] = values.transpose(1, 0, 2)
        sens[:length, :, b : b + kb] = keys.transpose(1, 0, 2)
        sens[:length, :, b + kb] = 1.0
        sens[length : 2 * length, :, b : b + kb] = keys[rows, order].transpose(1, 0, 2)
        sens[length : 2 * length, :, b + kb + 1] = 1.0
        tgt[length + 1 :] = values[rows, order].transpose(1, 0, 2)
        return sens, tgt


def position_codes(size: int) -> np.ndarray:
    """(MAX_LENGTH, size) float32 fixed random ±1 position codes (same for every run)."""
    rng = np.random.default_rng(np.random.SeedSequence([0xC0DE, size]))
    return rng.choice(np.float32([-1, 1]), size=(MAX_LENGTH, size))


def make_controller(
    task: Task, width: int, depth: int, rounds: int, mem_width: int, key_size: int, seed: int
) -> NTMController:
    mem = HashMemory(key_size, task.bits, mem_width, rounds=rounds, mode="sign", seed=seed)
    return NTMController(
        task.n_sensors, task.bits, memory=mem, reads=1, width=width, depth=depth, seed=seed
    )


def play(
    ctrl: NTMController, genomes: np.ndarray, sens: np.ndarray, tgt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run each genome on each of E episodes: genomes (P, n) and sens (T, E, s).

    Returns (P, E) arrays: score = mean target*motor over due bits, success (bool: all due bits
    right), bit accuracy."""
    pop, eps = genomes.shape[0], sens.shape[1]
    g = np.ascontiguousarray(np.repeat(genomes, eps, axis=0))
    state = ctrl.new_state(pop * eps)
    agree = np.zeros(pop * eps)
    right = np.zeros(pop * eps)
    ok = np.ones(pop * eps, dtype=bool)
    due = 0
    for t in range(sens.shape[0]):
        x = np.ascontiguousarray(np.tile(sens[t], (pop, 1)))
        motors = ctrl.step(g, state, x)
        target = np.tile(tgt[t], (pop, 1))
        if not target.any():
            continue
        due += target.shape[1]
        prod = target * motors
        agree += prod.sum(axis=1)
        right += (prod > 0).sum(axis=1)
        ok &= (prod > 0).all(axis=1)
    due = max(due, 1)
    return ((agree / due).reshape(pop, eps), ok.reshape(pop, eps), (right / due).reshape(pop, eps))


class SequenceEvaluator:
    """Scores a generation (an `alife.evolve.loop.Evaluate`, one species) on fresh episodes of
    `task`: `episodes // len(lengths)` per training length, drawn from
    SeedSequence([seed, EPISODES, generation]). Fitness: mean score over them; success: the
    share of episodes fully right."""

    def __init__(self, task, ctrl: NTMController, episodes: int, lengths, seed: int):
        self.task, self.ctrl, self.lengths, self.seed = task, ctrl, list(lengths), int(seed)
        self.per_length = max(1, episodes // len(self.lengths))

    def __call__(self, generation: int, genomes) -> Result:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, EPISODES, generation]))
        g = genomes[0]
        scores, wins, ticks = np.zeros(g.shape[0]), np.zeros(g.shape[0]), 0
        for length in self.lengths:
            sens, tgt = self.task.episodes(rng, self.per_length, length)
            s, ok, _ = play(self.ctrl, g, sens, tgt)
            scores += s.mean(axis=1) / len(self.lengths)
            wins += ok.mean(axis=1) / len(self.lengths)
            ticks += g.shape[0] * sens.shape[0] * sens.shape[1]
        return Result((scores,), ticks, (wins,))


def evolve(
    task, ctrl: NTMController, cfg: EvolutionConfig, generations: int, pop: int, episodes: int,
    lengths, seed: int,
) -> tuple[np.ndarray, list]:  # fmt: skip
    """Generational evolution; returns (best genome, per-generation (best, mean, success)).

    The best genome: of the final population's top 8, the best on fresh validation episodes."""
    evaluate = SequenceEvaluator(task, ctrl, episodes, lengths, seed)
    first = loop.first_generation([ctrl], seed, [pop])
    history = []
    for gen, result in loop.evolve(evaluate, first, seed, cfg, generations):
        genomes, scores, wins = gen.genomes[0], result.fitness[0], result.success[0]
        history.append((float(scores.max()), float(scores.mean()), float(wins.max())))
    top = genomes[np.argsort(-scores)[:8]]
    vrng = np.random.default_rng(np.random.SeedSequence([seed, 0xBA1]))
    val = np.zeros(top.shape[0])
    for length in lengths:
        sens, tgt = task.episodes(vrng, 32, length)
        val += play(ctrl, top, sens, tgt)[0].mean(axis=1)
    return top[int(np.argmax(val))], history


def generalisation(
    task: Task, ctrl: NTMController, genome: np.ndarray, lengths, episodes: int, seed: int
) -> list[tuple[int, float, float]]:
    """(length, success rate, bit accuracy) of one genome on fresh episodes per length."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7E57]))
    rows = []
    for length in lengths:
        sens, tgt = task.episodes(rng, episodes, length)
        _, ok, acc = play(ctrl, genome[None], sens, tgt)
        rows.append((length, float(ok.mean()), float(acc.mean())))
    return rows


@dataclass(frozen=True)
class Settings:
    """Sizes of one run (full or quick)."""

    generations: int
    population: int
    episodes: int  # per genome per generation, split over the training lengths
    train_max: int
    test_lengths: tuple[int, ...]
    test_episodes: int


FULL = Settings(600, 64, 96, 4, tuple(range(1, 17)), 200)
QUICK = Settings(4, 8, 8, 2, (1, 2, 3), 8)
BITS, KEY_BITS = 1, 4
# the evolution settings that worked (see docs/RESULTS.md): bigger Gray steps than the world
# default (precision 4: steps from 0.5 down to 0.009) on 8 parameters per child
EVOLUTION = dict(
    elitism=4,
    selection={"method": "tournament", "tournament_size": 4},
    mutation={"kind": "gray", "count": 8, "c": 0.5, "precision": 4.0},
)
BRAIN = dict(width=64, depth=3, rounds=1, mem_width=256, key_size=8)


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    """Both tasks, two evolution seeds each (seed, seed + 1); every run is reported."""
    cfg = EvolutionConfig(**EVOLUTION)
    st = QUICK if quick else FULL
    result = ExperimentResult("ntm_tasks", out)
    evo = Table(
        "ntm_evolution",
        ["task", "seed", "generation", "best_fitness", "mean_fitness", "best_success"],
    )
    gen_table = Table(
        "ntm_generalisation",
        ["task", "seed", "length", "trained_on", "success_rate", "bit_accuracy", "episodes"],
    )
    fitness_series, success_series, acc_series = {}, {}, {}
    for name in ("copy", "associative_recall"):
        task = Task(name, bits=BITS, key_bits=KEY_BITS)
        ctrl = make_controller(task, seed=seed, **BRAIN)
        for run_seed in (seed, seed + 1):
            label = f"{'copy' if name == 'copy' else 'assoc'} s{run_seed}"
            lengths = range(1, st.train_max + 1)
            best, history = evolve(
                task, ctrl, cfg, st.generations, st.population, st.episodes, lengths, run_seed
            )
            every = max(1, st.generations // 20)
            for g, (b, m, s) in enumerate(history):
                if g % every == 0 or g == len(history) - 1:
                    evo.add(name, run_seed, g, b, m, s)
            fitness_series[label] = [h[1] for h in history]
            rows = generalisation(task, ctrl, best, st.test_lengths, st.test_episodes, run_seed)
            for length, succ, acc in rows:
                gen_table.add(
                    name, run_seed, length, length <= st.train_max, succ, acc, st.test_episodes
                )
            success_series[label] = [r[1] for r in rows]
            acc_series[label] = [r[2] for r in rows]
            by_len = {r[0]: r[1] for r in rows}
            result.headline[f"{label}: success at lengths 1/2/3/4/{rows[-1][0]}"] = "/".join(
                f"{by_len.get(n, float('nan')):.2f}" for n in (1, 2, 3, 4, rows[-1][0])
            )
    result.headline["n_params"] = ctrl.n_params
    x_len = dict(x_label="sequence length / stored pairs", x_start=st.test_lengths[0])
    result.figures.append(
        save_figure(
            out / "ntm_fitness.png",
            fitness_series,
            title=f"NTM tasks: population mean fitness (target x motor) per generation, "
            f"{BITS}-bit values",
            x_label="generation",
        )
    )
    result.figures.append(
        save_figure(
            out / "ntm_generalisation.png",
            success_series,
            title=f"Best evolved NTM: fraction of episodes fully right vs length "
            f"(evolved on 1..{st.train_max})",
            **x_len,
        )
    )
    result.figures.append(
        save_figure(
            out / "ntm_bit_accuracy.png",
            acc_series,
            title=f"Best evolved NTM: bit accuracy vs length (chance 0.5; evolved on "
            f"1..{st.train_max})",
            **x_len,
        )
    )
    for table in (evo, gen_table):
        table.write(out)
        result.tables.append(table)
    return result
