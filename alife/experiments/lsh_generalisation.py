"""Experiment 3, milder hashing generalises: recall with noisy keys.

k items are written (delta rule, gate 1, the project's `HashMemory.write`)
into memories of the worlds' default shape (m = 256, key size 16, value size 8) and read back
with noisy keys key' = key + sigma * noise (Gaussian, so corr(key, key') = 1/sqrt(1 + sigma^2)).
Reported: the recall fidelity, the regression slope sum(recall . v) / sum(v . v) (1 = the stored
value, 0 = unrelated), against sigma, for
- one sign round (SimHash, Charikar 2002: a locality-sensitive hash; theory: the expected
  overlap h.h'/m = (2/pi) asin(rho) (arcsine law), so the recall slope follows it),
- reservoir mode (the last round left continuous: a random projection),
- strong hashing (2 or more sign rounds: unrelated keys give nearly orthogonal hashes, so a
  slightly different key recalls less: each extra round applies the arcsine law again, so
  the overlap of similar keys decays geometrically with the rounds).
Two figures: the raw slope, and the slope normalised by its value at sigma = 0 (which removes
the crosstalk of the k stored items) next to the iterated arcsine theory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.brain import HashMemory
from alife.experiments.common import ExperimentResult, Table, numba_threads, save_figure

MODES = (
    ("LSH sign r=1", "sign", 1),
    ("reservoir r=1", "reservoir", 1),
    ("reservoir r=2", "reservoir", 2),
    ("strong sign r=2", "sign", 2),
    ("strong sign r=3", "sign", 3),
)

THEORY_COLORS = {
    "theory r=1": (235, 235, 235),
    "theory r=2": (160, 160, 160),
    "theory r=3": (105, 105, 105),
}
MODE_COLORS = ((240, 100, 100), (200, 130, 240), (90, 220, 220), (90, 170, 250), (240, 180, 60))


def arcsine_theory(rho: np.ndarray, rounds: int) -> np.ndarray:
    """Expected hash overlap h.h'/m after `rounds` sign rounds: the arcsine law iterated
    (each round is a SimHash of the previous round's ±1 vector)."""
    c = np.asarray(rho, dtype=np.float64)
    for _ in range(rounds):
        c = 2 / np.pi * np.arcsin(np.clip(c, -1.0, 1.0))
    return c


def fidelity(
    mem: HashMemory, keys: np.ndarray, values: np.ndarray, noises: np.ndarray, sigmas
) -> tuple[list[float], list[float]]:
    """keys (T, k, key), values (T, k, d), noises (T, k, key): (slope, error ratio) per sigma."""
    trials, k, _ = keys.shape
    w = mem.new_state(trials)
    gate = np.ones(trials, dtype=np.float32)
    for i in range(k):
        mem.write(w, np.ascontiguousarray(keys[:, i]), np.ascontiguousarray(values[:, i]), gate)
    slopes, errors = [], []
    var = float(values.var())
    for s in sigmas:
        noisy = (keys + np.float32(s) * noises).astype(np.float32)
        num = den = err = 0.0
        for i in range(k):
            rec = mem.read(w, np.ascontiguousarray(noisy[:, i])).astype(np.float64)
            v = values[:, i].astype(np.float64)
            num += float(np.sum(rec * v))
            den += float(np.sum(v * v))
            err += float(np.mean((rec - v) ** 2))
        slopes.append(num / den)
        errors.append(err / k / var)
    return slopes, errors


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    with numba_threads(1):  # many small sequential kernel calls
        return _run(out, quick, seed)


def _run(out: Path, quick: bool, seed: int) -> ExperimentResult:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    m, key_size, value_size, k = (64, 8, 4, 4) if quick else (256, 16, 8, 8)
    trials = 16 if quick else 256
    step = 0.5 if quick else 0.1
    sigmas = np.round(np.arange(0.0, 2.0 + 1e-9, step), 6)
    keys = rng.standard_normal((trials, k, key_size)).astype(np.float32)
    values = rng.standard_normal((trials, k, value_size)).astype(np.float32)
    noises = rng.standard_normal((trials, k, key_size)).astype(np.float32)
    rho = 1.0 / np.sqrt(1.0 + sigmas**2)

    result = ExperimentResult("lsh_generalisation", out)
    columns = ["sigma", "key_corr", "theory_r1", "theory_r2", "theory_r3"]
    theory = {r: arcsine_theory(rho, r) for r in (1, 2, 3)}
    series = {"theory (2/pi)asin(rho)": list(theory[1])}
    measured = {}
    for name, mode, rounds in MODES:
        mem = HashMemory(
            key_size, value_size, m, rounds=rounds, mode=mode, seed=int(rng.integers(2**31))
        )
        measured[name] = fidelity(mem, keys, values, noises, sigmas)
        series[name] = measured[name][0]
        columns += [f"slope {name}", f"err {name}", f"norm_slope {name}"]
    table = Table("lsh_generalisation", columns)
    for j, s in enumerate(sigmas):
        row = [float(s), float(rho[j]), *(float(theory[r][j]) for r in (1, 2, 3))]
        for name, _, _ in MODES:
            sl, er = measured[name]
            row += [sl[j], er[j], sl[j] / sl[0]]
        table.add(*row)
    result.figures.append(
        save_figure(
            out / "lsh_generalisation.png",
            series,
            title=f"Recall of noisy keys (m={m}, key {key_size}, {k} items): slope of recall on "
            "the stored value",
            x_label="key noise sigma (key' = key + sigma * noise)",
            x_start=0.0,
            x_step=step,
            colors={
                "theory (2/pi)asin(rho)": THEORY_COLORS["theory r=1"],
                **{name: MODE_COLORS[i] for i, (name, _, _) in enumerate(MODES)},
            },
        )
    )
    norm = {f"theory r={r}": list(theory[r]) for r in (1, 2, 3)}
    for name, _, _ in MODES:
        norm[name.replace("strong ", "")] = [v / measured[name][0][0] for v in measured[name][0]]
    result.figures.append(
        save_figure(
            out / "lsh_generalisation_normalised.png",
            norm,
            title="Recall slope / slope at sigma=0 vs the iterated arcsine law (2/pi)asin(.)^r",
            x_label="key noise sigma",
            x_start=0.0,
            x_step=step,
            colors={
                **THEORY_COLORS,
                **{n.replace("strong ", ""): MODE_COLORS[i] for i, (n, _, _) in enumerate(MODES)},
            },
        )
    )
    table.write(out)
    result.tables.append(table)
    at = int(np.argmin(np.abs(sigmas - 0.5)))
    for name, _, _ in MODES:
        result.headline[f"slope at sigma={sigmas[at]:g}: {name}"] = measured[name][0][at]
        result.headline[f"normalised slope at sigma={sigmas[at]:g}: {name}"] = (
            measured[name][0][at] / measured[name][0][0]
        )
    for r in (1, 2, 3):
        result.headline[f"arcsine theory r={r} at sigma={sigmas[at]:g}"] = float(theory[r][at])
    return result
