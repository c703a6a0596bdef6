"""Experiment 5, NTM tasks: evolve the project's NTMController on `copy` and `associative_recall`.

Non-spatial tasks that drive the same batched `NTMController.step` the worlds use (one call per
time step for the whole population x episodes), evolved with the generational loop of
`python run.py evolve` (alife.evolve.loop: the same seed scheme, selection and mutation) and a
`SequenceEvaluator` in place of the world's arenas. References: Greve, Jacobsen & Risi,
"Evolving Neural Turing Machines for Reward-based Learning" (ENTM, GECCO 2016) evolved NTMs with
a location-shift head for copy and a T-maze; Graves, Wayne & Danihelka, "Neural Turing Machines"
(2014) trained NTMs by gradient descent whose copy generalised from length 20 to ~80+.

Each task is run under several conditions (`CONDITIONS`: the heads' addressing, None = memory
off), 5 seeds each, the same budget per condition. Location heads need no position input (their
positions are the positions); content heads get, in `copy`, a fixed random ±1 position code in
both phases (`Task.code`), without which content addressing has nothing to key a position on.
Bits are ±1; the read of tick t is an input at tick t + 1, so each answer is due one tick after
its cue.

copy (length L):  ticks 0..L-1 show bits b_i and the store flag (and code c_i); ticks L..2L-1
    show the recall flag (and c_i), tick L the delimiter flag as well; the motors at tick
    L + 1 + i must equal b_i (2L + 1 ticks).
associative_recall (L pairs): ticks 0..L-1 show key k_i, value v_i and the store flag; then the
    L keys are queried in a random order (query flag, key); the answer to query q is due one
    tick later (2L + 1 ticks).
Fitness: mean of target * motor over an episode's due bits (in [-1, 1]), averaged over the
episodes, or pooled over every due bit of the generation (`Settings.per_bit`, copy: an episode
of length L weighs L); success: every due bit of the episode has the right sign. Copy selects
with a tournament of 2, recall of 4 (`Settings.tournament`). `run(out, task="copy")` is the
experiment `ntm_tasks`; `run(out, task="associative_recall")` is `ntm_recall`
(alife.experiments.ntm_recall).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alife.brain import HashMemory, NTMController
from alife.config.evolution import EvolutionConfig
from alife.evolve import loop
from alife.evolve.evaluate import Result
from alife.experiments.common import ExperimentResult, Table, run_jobs, save_figure

MAX_LENGTH = 64
EPISODES = 0x7A5C  # tags the stream of training episodes


@dataclass(frozen=True)
class Task:
    """A sequence task: sensor layout and episode generator.

    Sensors: value bits (bits) | key bits or position code (key_bits; copy: only with
    `code`) | store flag | recall flag | (copy) delimiter flag, on the first recall tick only."""

    name: str
    bits: int = 1  # value bits (the motors)
    key_bits: int = 4  # associative_recall: key bits; copy: position code size (with `code`)
    code: bool = False  # copy: show a fixed random ±1 position code in both phases

    @property
    def n_keys(self) -> int:
        return 0 if self.name == "copy" and not self.code else self.key_bits

    @property
    def n_sensors(self) -> int:
        return self.bits + self.n_keys + 2 + (self.name == "copy")

    def episodes(self, rng: np.random.Generator, batch: int, length: int):
        """sensors (T, batch, n_sensors) float32, targets (T, batch, bits) float32 (0 = none)."""
        t_total = 2 * length + 1
        sens = np.zeros((t_total, batch, self.n_sensors), dtype=np.float32)
        tgt = np.zeros((t_total, batch, self.bits), dtype=np.float32)
        b, kb = self.bits, self.n_keys
        values = rng.choice(np.float32([-1, 1]), size=(batch, length, b))
        sens[:length, :, :b] = values.transpose(1, 0, 2)
        sens[:length, :, b + kb] = 1.0
        sens[length : 2 * length, :, b + kb + 1] = 1.0
        if self.name == "copy":
            sens[length, :, b + kb + 2] = 1.0
            if kb:
                codes = position_codes(kb)[:length]
                sens[:length, :, b : b + kb] = codes[:, None, :]
                sens[length : 2 * length, :, b : b + kb] = codes[:, None, :]
            tgt[length + 1 :] = values.transpose(1, 0, 2)
            return sens, tgt
        # associative recall: distinct random keys per episode, queried in a random order
        for_codes = 1 << kb
        if length > for_codes:
            raise ValueError(f"associative_recall with {kb} key bits holds <= {for_codes} pairs")
        idx = np.argsort(rng.random((batch, for_codes)), axis=1)[:, :length]
        bit_table = ((np.arange(for_codes)[:, None] >> np.arange(kb)) & 1) * 2.0 - 1.0
        keys = bit_table[idx].astype(np.float32)
        order = np.argsort(rng.random((batch, length)), axis=1)
        rows = np.arange(batch)[:, None]
        sens[:length, :, b : b + kb] = keys.transpose(1, 0, 2)
        sens[length : 2 * length, :, b : b + kb] = keys[rows, order].transpose(1, 0, 2)
        tgt[length + 1 :] = values[rows, order].transpose(1, 0, 2)
        return sens, tgt


def position_codes(size: int) -> np.ndarray:
    """(MAX_LENGTH, size) float32 fixed random ±1 position codes (same for every run)."""
    rng = np.random.default_rng(np.random.SeedSequence([0xC0DE, size]))
    return rng.choice(np.float32([-1, 1]), size=(MAX_LENGTH, size))


def make_controller(
    task, addressing: str | None, width: int = 64, depth: int = 3, rounds: int = 1,
    mem_width: int = 256, key_size: int = 8, reads: int = 1, seed: int = 1,
) -> NTMController:  # fmt: skip
    """The task's NTM controller; addressing None is the memory-off ablation."""
    mem = None
    if addressing is not None:
        mem = HashMemory(key_size, task.bits, mem_width, rounds=rounds, mode="sign", seed=seed)
    return NTMController(task.n_sensors, task.bits, memory=mem, reads=reads, width=width,
                         depth=depth, seed=seed, addressing=addressing or "content")


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
    SeedSequence([seed, EPISODES, generation]). Fitness: the mean episode score, or with
    `per_bit` the mean of target * motor over every due bit of the generation (an episode of
    length L weighs L); success: the share of episodes fully right."""

    def __init__(self, task, ctrl: NTMController, episodes: int, lengths, seed: int,
                 per_bit: bool = False):
        self.task, self.ctrl, self.lengths, self.seed = task, ctrl, list(lengths), int(seed)
        self.per_length = max(1, episodes // len(self.lengths))
        self.per_bit = per_bit

    def __call__(self, generation: int, genomes) -> Result:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, EPISODES, generation]))
        g = genomes[0]
        scores, wins, ticks = np.zeros(g.shape[0]), np.zeros(g.shape[0]), 0
        for length in self.lengths:
            sens, tgt = self.task.episodes(rng, self.per_length, length)
            s, ok, _ = play(self.ctrl, g, sens, tgt)
            if self.per_bit:
                scores += s.mean(axis=1) * (length / sum(self.lengths))
            else:
                scores += s.mean(axis=1) / len(self.lengths)
            wins += ok.mean(axis=1) / len(self.lengths)
            ticks += g.shape[0] * sens.shape[0] * sens.shape[1]
        return Result((scores,), ticks, (wins,))


def evolve(
    task, ctrl: NTMController, cfg: EvolutionConfig, generations: int, pop: int, episodes: int,
    lengths, seed: int, per_bit: bool = False,
) -> tuple[np.ndarray, list]:  # fmt: skip
    """Generational evolution; returns (best genome, per-generation (best, mean, success)).

    The best genome: of the final population's top 8, the best on fresh validation episodes."""
    evaluate = SequenceEvaluator(task, ctrl, episodes, lengths, seed, per_bit)
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
class Condition:
    """One arm of a task's comparison: a label, the heads' addressing (None: memory off) and
    the task's input design (copy: with or without the fixed position code)."""

    label: str
    addressing: str | None
    code: bool = False


@dataclass(frozen=True)
class Settings:
    """Sizes of one task's runs (full or quick); every condition gets the same."""

    generations: int
    population: int
    episodes: int  # per genome per generation, split over the training lengths
    train: tuple[int, ...]
    test_lengths: tuple[int, ...]
    test_episodes: int
    seeds: int
    per_bit: bool = False  # fitness: mean over due bits (SequenceEvaluator), else over episodes
    tournament: int = 4  # tournament size of the selection (EVOLUTION)


KEY_BITS, CODE_BITS = 4, 6
CONDITIONS = {
    "copy": (Condition("heads (location)", "location"),
             Condition("content + position code", "content", code=True),
             Condition("memory off", None)),
    "associative_recall": (Condition("heads (both)", "both"), Condition("content", "content"),
                           Condition("heads (location)", "location"),
                           Condition("memory off", None)),
}
FULL = {
    "copy": Settings(2000, 64, 64, tuple(range(1, 9)), (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64),
                     100, 5, per_bit=True, tournament=2),
    "associative_recall": Settings(1000, 64, 64, (2, 3, 4), tuple(range(1, 17)), 100, 5),
}
QUICK = {"copy": Settings(150, 48, 32, (1, 2), (1, 2, 3), 64, 1, per_bit=True, tournament=2),
         "associative_recall": Settings(150, 48, 32, (1, 2), (1, 2, 3), 64, 1)}
# quick: the direction only, one seed: a memory condition against memory off
QUICK_CONDITIONS = {"copy": CONDITIONS["copy"][::2],
                    "associative_recall": CONDITIONS["associative_recall"][2:]}
EXPERIMENT = {"copy": "ntm_tasks", "associative_recall": "ntm_recall"}  # the registry's names
TABLES = {"copy": ("ntm_evolution", "ntm_generalisation"),
          "associative_recall": ("ntm_recall_evolution", "ntm_recall_generalisation")}
TARGETS = {"copy": (32, 0.9, 3), "associative_recall": (8, 0.8, 3)}  # length, success, seeds
# the evolution settings that worked (see docs/RESULTS.md): bigger Gray steps than the world
# default (precision 4: steps from 0.5 down to 0.009) on 8 parameters per child
EVOLUTION = dict(
    elitism=4,
    selection={"method": "tournament", "tournament_size": 4},
    mutation={"kind": "gray", "count": 8, "c": 0.5, "precision": 4.0},
)
BRAIN = dict(width=64, depth=3, rounds=1, mem_width=256, key_size=8)


def task_for(name: str, cond: Condition) -> Task:
    return Task(name, bits=1, key_bits=CODE_BITS if cond.code else KEY_BITS, code=cond.code)


def job(args) -> tuple[list, list]:
    """One (task, condition, seed) run: (history, generalisation rows)."""
    name, cond, seed, ctrl_seed, st = args
    task = task_for(name, cond)
    ctrl = make_controller(task, cond.addressing, seed=ctrl_seed, **BRAIN)
    selection = {"method": "tournament", "tournament_size": st.tournament}
    best, history = evolve(task, ctrl, EvolutionConfig(**{**EVOLUTION, "selection": selection}),
                           st.generations, st.population, st.episodes, st.train, seed,
                           st.per_bit)
    return history, generalisation(task, ctrl, best, st.test_lengths, st.test_episodes, seed)


def run(out: Path, quick: bool = False, seed: int = 1, task: str = "copy") -> ExperimentResult:
    """One task's conditions x seeds (seed, seed + 1, ...), the same budget per condition; its
    tables are TABLES[task] (evolution, generalisation)."""
    st = (QUICK if quick else FULL)[task]
    evo_name, gen_name = TABLES[task]
    result = ExperimentResult(EXPERIMENT[task], out)
    evo = Table(evo_name, ["task", "condition", "seed", "generation", "best_fitness",
                           "mean_fitness", "best_success"])
    gen_table = Table(gen_name, ["task", "condition", "seed", "length", "trained_on",
                                 "success_rate", "bit_accuracy", "episodes"])
    conditions = QUICK_CONDITIONS[task] if quick else CONDITIONS[task]
    jobs = [(task, cond, seed + k, seed, st) for cond in conditions for k in range(st.seeds)]
    outputs = run_jobs(job, jobs, workers=1 if quick else 2)
    fitness, success = {}, {}
    for (_, cond, s, _, _), (history, rows) in zip(jobs, outputs, strict=True):
        every = max(1, st.generations // 50)
        for g, (b, m, w) in enumerate(history):
            if g % every == 0 or g == len(history) - 1:
                evo.add(task, cond.label, s, g, b, m, w)
        for length, succ, acc in rows:
            gen_table.add(task, cond.label, s, length, length in st.train, succ, acc,
                          st.test_episodes)
        key = f"{task}, {cond.label}"
        fitness.setdefault(key, []).append([h[1] for h in history])
        success.setdefault(key, []).append([r[1] for r in rows])
    for key in fitness:
        rates = np.array(success[key])
        result.headline[f"{key}: success at length {st.test_lengths[-1]}, per seed"] = " / ".join(
            f"{r:.2f}" for r in rates[:, -1])
        fitness[key] = np.mean(fitness[key], axis=0)
        success[key] = rates.mean(axis=0)
    result.figures.append(save_figure(
        out / f"ntm_{task}_fitness.png", fitness, x_label="generation",
        title=f"{task}: population mean fitness, mean over {st.seeds} seeds"))
    result.figures.append(save_figure(
        out / f"ntm_{task}_success.png", success, x_label="test length index (see title)",
        title=f"{task}: best genome, episodes fully right (mean over seeds) at lengths "
        + ", ".join(map(str, st.test_lengths))))
    for table in (evo, gen_table):
        table.write(out)
        result.tables.append(table)
    return result


def _success(figures, task: str) -> dict:
    """{condition: {seed: {length: success}}} of one task from its generalisation CSV."""
    out: dict = {}
    for r in figures.rows(TABLES[task][1]):
        out.setdefault(r["condition"], {}).setdefault(r["seed"], {})[r["length"]] = (
            r["success_rate"])
    return out


def _verdict(task: str, success: dict) -> list[str]:
    length, target, need = TARGETS[task]
    lines = []
    for label, seeds in success.items():
        at = [by.get(length, float("nan")) for by in seeds.values()]
        hit = sum(a >= target for a in at)
        lines.append(f"- {task}, {label}: at length {length} {min(at):.2f}-{max(at):.2f} over "
                     f"the {len(at)} seeds (mean {np.mean(at):.2f}); {hit} of {len(at)} seeds "
                     f"reach {target} (target: {need} of 5).")
    return lines


def _one_pair(figures) -> str:
    """Measured bit accuracy against one remembered pair: a genome that answers the query for
    one pair and guesses the rest is right on (L + 1) / 2L of the bits of L pairs."""
    acc: dict = {}
    for r in figures.rows(TABLES["associative_recall"][1]):
        acc.setdefault(r["condition"], {}).setdefault(r["length"], []).append(r["bit_accuracy"])
    shown = (2, 4, 8)
    per = "; ".join(f"{label} " + " / ".join(f"{np.mean(by[n]):.2f}" for n in shown)
                    for label, by in acc.items())
    one = " / ".join(f"{(n + 1) / (2 * n):.2f}" for n in shown)
    return (f"- Bit accuracy at {' / '.join(map(str, shown))} pairs, mean over seeds: {per}. "
            f"One remembered pair and a guess for each other query gives {one}.")


def summary(figures, task: str = "copy") -> tuple[str, str]:
    length, target, _ = TARGETS[task]
    parts = []
    for label, seeds in _success(figures, task).items():
        at = [by.get(length, float("nan")) for by in seeds.values()]
        parts.append(f"{label}: {sum(a >= target for a in at)}/{len(at)} seeds >= {target} at "
                     f"{length} (best {max(at):.2f})")
    return f"evolved NTM: {task} (target {target} at {length})", "; ".join(parts)


def report(figures, task: str = "copy") -> str:
    """The generated part of docs/RESULTS.md section 5 for one task, from its CSVs."""
    success = _success(figures, task)
    lengths = sorted(next(iter(next(iter(success.values())).values())))
    shown = [n for n in lengths if n in (1, 2, 3, 4, 6, 8, 12, 16, 32, 64)]
    table = Table(task, [f"{task}: condition, seed", *(f"L = {n}" for n in shown)])
    for label, seeds in success.items():
        for s, by in seeds.items():
            table.add(f"{label}, {s}", *(f"{by[n]:.2f}" for n in shown))
    gen = TABLES[task][1]
    lines = [table.markdown(), *_verdict(task, success)]
    if task == "associative_recall":
        lines.append(_one_pair(figures))
    lines += ["",
             "(fraction of test episodes with every answer right; full table with bit accuracy: "
             f"[figures/{gen}.md](figures/{gen}.md).)"]
    timing = f"{EXPERIMENT[task]}_timing"
    if figures.has(timing):
        t = figures.rows(timing)[0]
        lines.append(f"The run took {t['wall_s']:.0f} s wall and {t['cpu_s']:.0f} s CPU "
                     f"(load average {t['load_1min']:.1f} on {t['cores']} cores at the start).")
    return "\n".join(lines) + "\n"
