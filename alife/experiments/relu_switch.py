"""Experiment 1, "ReLU is a switch": the condensed linear map reproduces the net's output.

For a fixed input every two-slope switch is fixed, so the fixed-filter-bank
net is one linear map y = C x. For random nets (slopes ~ N(0, 1), the genomes evolution starts
from) and random Gaussian inputs we compare C @ x (from `FFBNet.explain`, float64 bookkeeping,
C returned as float32) with the compiled float32 `FFBNet.forward`, and report the relative
error |C x - y| / |y| per width and depth. Expected: <= 1e-4 in float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alife.brain import FFBNet
from alife.experiments.common import ExperimentResult, Table, log10, numba_threads, save_figure

WIDTHS = (16, 64, 256, 1024)
DEPTHS = tuple(range(1, 9))
BOUND = 1e-4


def relative_errors(net: FFBNet, genomes: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, float]:
    """|C x - y| / |y| for each (genome, x) row pair, float64 (count,); and the fraction of
    switches that took slope a (v >= 0) over all samples."""
    y = net.forward(genomes, xs).astype(np.float64)
    errs = np.empty(len(xs))
    on = 0.0
    for i, (g, x) in enumerate(zip(genomes, xs, strict=True)):
        states, c = net.explain(g, x)
        on += states.mean() / len(xs)
        cx = c.astype(np.float64) @ x.astype(np.float64)
        errs[i] = np.linalg.norm(cx - y[i]) / max(np.linalg.norm(y[i]), 1e-30)
    return errs, on


def run(out: Path, quick: bool = False, seed: int = 1) -> ExperimentResult:
    with numba_threads(1):  # many small sequential kernel calls
        return _run(out, quick, seed)


def _run(out: Path, quick: bool, seed: int) -> ExperimentResult:
    widths = (16, 64) if quick else WIDTHS
    depths = (1, 2, 3) if quick else DEPTHS
    samples = 5 if quick else 40
    result = ExperimentResult("relu_switch", out)
    table = Table(
        "relu_switch",
        [
            "width",
            "depth",
            "n_in",
            "n_out",
            "samples",
            "max_rel_err",
            "median_rel_err",
            "frac_switches_on",
        ],
    )
    series: dict[str, list[float]] = {}
    ss = np.random.SeedSequence(seed)
    for width in widths:
        line = []
        for depth in depths:
            child = ss.spawn(1)[0]
            rng = np.random.default_rng(child)
            n_in, n_out = max(2, width // 2 - 1), max(1, width // 4)
            net = FFBNet(n_in, n_out, width, depth, seed=int(rng.integers(2**31)))
            genomes = net.init_genomes(rng, samples)
            xs = rng.standard_normal((samples, n_in)).astype(np.float32)
            errs, on = relative_errors(net, genomes, xs)
            table.add(
                width,
                depth,
                n_in,
                n_out,
                samples,
                float(errs.max()),
                float(np.median(errs)),
                float(on),
            )
            line.append(float(errs.max()))
        series[f"width {width}"] = line
    worst = max(table.column("max_rel_err"))
    series["bound 1e-4"] = [BOUND] * len(depths)
    log_series = {k: log10(v) for k, v in series.items()}
    fig = save_figure(
        out / "relu_switch.png",
        log_series,
        title="ReLU is a switch: log10 of max |Cx - y| / |y| over random nets",
        x_label="depth (switch layers)",
        x_start=depths[0],
    )
    result.figures.append(fig)
    result.tables.append(table)
    table.write(out)
    result.headline["max_rel_err_overall"] = worst
    result.headline["nets_checked"] = len(widths) * len(depths) * samples
    result.headline["within_1e-4"] = str(worst <= BOUND)
    return result


def summary(figures) -> tuple[str, str]:
    rows = figures.rows("relu_switch")
    worst = max(r["max_rel_err"] for r in rows)
    nets = sum(r["samples"] for r in rows)
    return ("ReLU is a switch: C x reproduces the FFB net",
            f"max relative error {worst:.1e} over {nets} random nets (bound 1e-4)")


def report(figures) -> str:
    """Section 1 of docs/RESULTS.md from relu_switch.csv."""
    rows = figures.rows("relu_switch")
    deepest = max(r["depth"] for r in rows)
    cell = {(r["width"], r["depth"]): r for r in rows}
    table = Table("relu_switch", ["width", "max rel. error, depth 1",
                                  f"max rel. error, depth {deepest}", f"median, depth {deepest}",
                                  f"switches on, depth {deepest}"])
    for width in sorted({r["width"] for r in rows}):
        one, deep = cell[(width, 1)], cell[(width, deepest)]
        table.add(width, f"{one['max_rel_err']:.1e}", f"{deep['max_rel_err']:.1e}",
                  f"{deep['median_rel_err']:.1e}", f"{deep['frac_switches_on']:.2f}")
    worst = max(r["max_rel_err"] for r in rows)
    nets = sum(r["samples"] for r in rows)
    on = [r["frac_switches_on"] for r in rows]
    return (
        f"{table.markdown()}\n"
        f"(full table: [figures/relu_switch.md](figures/relu_switch.md), depths 1-{deepest}.) "
        f"Over all {nets} nets the largest relative error |C x - y| / |y| is **{worst:.1e}**, "
        f"{1e-4 / worst:.0f}x below the 1e-4 bound: for a given input the net *is* the linear "
        f"map C (the error is float32 rounding in the forward pass). The share of switches "
        f"taking slope a is {min(on):.2f}-{max(on):.2f}, as expected for random slopes.\n")
