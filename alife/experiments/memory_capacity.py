"""Experiment 2, memory capacity: hashed-memory crosstalk follows the central limit theorem.

k random items (Gaussian keys, N(0, 1) values of size d) are stored in an
m-wide `HashMemory` and recalled with their own keys. Reported: recall-error variance / value
variance.
- Hebbian storage W = sum_i v_i h_i^T: recall_j = v_j + sum_{i != j} v_i (h_i . h_j) / m, a sum
  of k - 1 nearly independent terms of variance 1/m each, so the theory is (k - 1) / m.
- The project's delta rule (`HashMemory.write`, gate 1) in one pass, and in several passes
  (sweeping the items again; it converges towards the least-squares solution, like Kaczmarz).
Part two: the ratio measured / theory against key size (8, 16, 64, m) and hash rounds 1..6 at
m = 1024, k = 128, and for the worlds' default memory (m = 256, key 16, k = 32).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.brain import HashMemory
from alife.experiments.common import ExperimentResult, Table, log10, numba_threads, save_figure

VALUE_SIZE = 8
FRACTIONS = tuple(j / 16 for j in range(1, 9))  # k/m from 1/16 to 1/2
PASSES = (1, 3, 10)


def hebbian_ratio(mem: HashMemory, keys: np.ndarray, values: np.ndarray) -> float:
    """keys (T, k, key) and values (T, k, d) float32: mean err^2 / var(values), Hebbian."""
    errs = 0.0
    for kt, vt in zip(keys, values, strict=True):
        h = mem.hash(kt).astype(np.float64)  # (k, m)
        w = vt.astype(np.float64).T @ h  # (d, m)
        recall = h @ w.T / np.einsum("ij,ij->i", h, h)[:, None]
        errs += np.mean((recall - vt) ** 2)
    return errs / len(keys) / float(values.var())


def delta_ratios(
    mem: HashMemory, keys: np.ndarray, values: np.ndarray, passes: tuple[int, ...]
) -> list[float]:
    """Delta-rule writes (gate 1) item by item, batched over T independent memories.

    Returns err^2 / var(values) after each number of passes in `passes` (increasing).
    """
    trials, k, _ = keys.shape
    w = mem.new_state(trials)
    gate = np.ones(trials, dtype=np.float32)
    keys_by_item = [np.ascontiguousarray(keys[:, i]) for i in range(k)]
    vals_by_item = [np.ascontiguousarray(values[:, i]) for i in range(k)]
    out, done = [], 0
    for target in passes:
        for _ in range(target - done):
            for i in range(k):
                mem.write(w, keys_by_item[i], vals_by_item[i], gate)
        done = target
        err = (
            sum(np.mean((mem.read(w, keys_by_item[i]) - vals_by_item[i]) ** 2) for i in range(k))
            / k
        )
        out.append(float(err / values.var()))
    return out


def random_items(rng: np.random.Generator, trials: int, k: int, key_size: int):
    keys = rng.standard_normal((trials, k, key_size)).astype(np.float32)
    values = rng.standard_normal((trials, k, VALUE_SIZE)).astype(np.float32)
    return keys, values


def capacity_table(widths, fractions, samples, rng) -> Table:
    table = Table(
        "memory_capacity",
        [
            "width",
            "k",
            "k_over_m",
            "theory",
            "hebbian",
            *[f"delta_{p}_pass" for p in PASSES],
            "trials",
        ],
    )
    for m in widths:
        mem = HashMemory(m, VALUE_SIZE, m, rounds=2, mode="sign", seed=int(rng.integers(2**31)))
        for f in fractions:
            k = max(2, int(round(f * m)))
            trials = max(2, samples // k)
            keys, values = random_items(rng, trials, k, m)
            hebb = hebbian_ratio(mem, keys, values)
            delta = delta_ratios(mem, keys, values, PASSES)
            table.add(m, k, k / m, (k - 1) / m, hebb, *delta, trials)
    return table


def key_rounds_table(configs, rounds, samples, rng) -> Table:
    table = Table(
        "memory_key_rounds",
        ["width", "key_size", "k", "rounds", "theory", "hebbian", "ratio_to_theory"],
    )
    for m, key_size, k in configs:
        trials = max(2, samples // k)
        keys, values = random_items(rng, trials, k, key_size)
        for r in rounds:
            mem = HashMemory(
                key_size, VALUE_SIZE, m, rounds=r, mode="sign", seed=int(rng.integers(2**31))
            )
            hebb = hebbian_ratio(mem, keys, values)
            table.add(m, key_size, k, r, (k - 1) / m, hebb, hebb / ((k - 1) / m))
    return table


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    with numba_threads(1):  # many small sequential kernel calls
        return _run(out, quick, seed)


def _run(out: Path, quick: bool, seed: int) -> ExperimentResult:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    widths = (64, 256) if quick else (256, 1024, 4096)
    fractions = FRACTIONS[::3] if quick else FRACTIONS
    samples = 256 if quick else 4096
    result = ExperimentResult("memory_capacity", out)

    cap = capacity_table(widths, fractions, samples, rng)
    mid = widths[len(widths) // 2]
    at_mid = [r for r in cap.rows if r[0] == mid]
    series = {f"theory (k-1)/m, m={mid}": [r[3] for r in at_mid]}
    for m in widths:
        series[f"hebb m={m}"] = [r[4] for r in cap.rows if r[0] == m]
    for m in widths:
        series[f"delta m={m}"] = [r[5] for r in cap.rows if r[0] == m]
    x_axis = dict(x_start=fractions[0], x_step=fractions[1] - fractions[0])
    result.figures.append(
        save_figure(
            out / "memory_capacity.png",
            series,
            title="Recall error variance / value variance: Hebbian vs CLT theory; one delta pass",
            x_label="stored items per memory width  k/m",
            **x_axis,
        )
    )
    passes = {
        "theory (k-1)/m": series[f"theory (k-1)/m, m={mid}"],
        "hebbian": [r[4] for r in at_mid],
    }
    for j, p in enumerate(PASSES):
        passes[f"delta {p} pass" + ("es" if p > 1 else "")] = [r[5 + j] for r in at_mid]
    result.figures.append(
        save_figure(
            out / "memory_passes.png",
            {k: log10(v) for k, v in passes.items()},
            title=f"log10 recall error / value variance at m={mid}: repeated delta-rule passes",
            x_label="stored items per memory width  k/m",
            **x_axis,
        )
    )

    configs = (
        [(64, 8, 8), (64, 64, 8)]
        if quick
        else [(1024, 8, 128), (1024, 16, 128), (1024, 64, 128), (1024, 1024, 128), (256, 16, 32)]
    )
    rounds = (1, 2, 3) if quick else (1, 2, 3, 4, 5, 6)
    kr = key_rounds_table(configs, rounds, samples, rng)
    kr_series = {"theory": [0.0] * len(rounds)}
    for m, key_size, _ in configs:
        name = f"key {key_size}" + (f" m={m}" if m != configs[0][0] else "")
        kr_series[name] = log10([r[6] for r in kr.rows if r[0] == m and r[1] == key_size])
    result.figures.append(
        save_figure(
            out / "memory_key_rounds.png",
            kr_series,
            title=f"Hebbian crosstalk / theory (log10), m={configs[0][0]}, k={configs[0][2]}: "
            "small keys need more sign rounds",
            x_label="hash rounds",
            x_start=rounds[0],
        )
    )

    for t in (cap, kr):
        t.write(out)
        result.tables.append(t)
    worst = max(abs(r[4] / r[3] - 1) for r in cap.rows)
    result.headline["hebbian_max_rel_dev_from_theory"] = worst
    half = [r for r in cap.rows if r[2] == fractions[-1]]
    for r in half:
        result.headline[f"m={r[0]} k/m={r[2]:.3g}: hebb/delta1/delta{PASSES[-1]}"] = (
            f"{r[4]:.3g}/{r[5]:.3g}/{r[5 + len(PASSES) - 1]:.3g}"
        )
    return result
