"""Shared helpers for the evolution-run tests: tiny world files and run comparisons."""

from __future__ import annotations

import csv
from pathlib import Path

from alife.evolve import checkpoint as ck
from alife.evolve import rundir
from alife.evolve.backends import SerialBackend
from alife.evolve.metrics import TIMING_COLUMNS
from alife.evolve.runner import EvolutionRun

# two co-evolving species, small and short so a generation takes milliseconds
TINY = """
name: tiny
seed: 3
arena: {width: 120, height: 120, boundary: walls}
food: {count: 12, energy: 0.3, regrowth: 0.02}
poison: {count: 2, energy: 0.3}
obstacles:
  circles: [{x: 60, y: 60, radius: 10}]
species:
  - name: prey
    count: 3
    body: {radius: 4, max_speed: 3.0, max_turn: 20}
    sensors: {rays: 4, fov: 120, range: 50, sees: [wall, food, poison, predator]}
    brain: {width: 32, depth: 2}
    memory: {enabled: true, width: 64, key_size: 8, value_size: 4, rounds: 2, reads: 1}
    eats: [food, poison]
    scoring: {food: 1.0, poison: -1.0, survival: 0.01}
  - name: predator
    count: 1
    body: {radius: 5, max_speed: 3.2, max_turn: 20}
    sensors: {rays: 4, fov: 90, range: 60, sees: [wall, prey]}
    brain: {width: 16, depth: 2}
    memory: {enabled: false}
    eats: [prey]
    scoring: {prey: 1.0}
episode: {length: 25}
evolution:
  generations: 4
  arenas: 6
  elitism: 1
  crossover: 0.3
  checkpoint_every: 2
  mutation: {kind: gray, count: 3, c: 0.5, precision: 10}
"""

ECO = """
name: tinyeco
seed: 5
arena: {width: 150, height: 150, boundary: wrap, count: 2}
food: {count: 30, max_count: 40, energy: 0.5, regrowth: 0.05}
species:
  - name: grazer
    count: 8
    body: {radius: 4, max_speed: 3.0, max_turn: 20}
    energy: {initial: 1.0, max: 2.5, base_cost: 0.004, move_cost: 0.002, max_age: 150}
    sensors: {rays: 4, fov: 120, range: 50, sees: [wall, food, grazer]}
    brain: {width: 32, depth: 2}
    memory: {enabled: false}
    eats: [food]
episode: {length: 50}
evolution:
  mode: open_ended
  generations: 4
  checkpoint_every: 1
  open_ended: {reproduce_energy: 1.3, child_energy: 0.5, max_population: 40,
               min_population: 3, chunk_ticks: 40}
"""


def write_world(folder: Path, text: str = TINY, name: str = "tiny.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def run(world, out, backend=None, generations=None, seed=None) -> EvolutionRun:
    r = EvolutionRun.new(world, out, generations=generations, seed=seed, command=["test"])
    result = r.run(backend or SerialBackend())
    assert not result.interrupted
    return r


def comparable(out: Path) -> dict:
    """Everything that must not depend on backend, workers or resume (not the timings)."""
    with open(out / "metrics.csv", newline="") as fh:
        rows = [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in csv.DictReader(fh)]
    latest = ck.load_checkpoint(ck.latest_checkpoint(out / "checkpoints"))
    best = rundir.load_best(out) if (out / "best.npz").exists() else None
    return {
        "rows": rows,
        "lineage": (out / "lineage.csv").read_bytes(),
        "generation": latest.generation,
        "arrays": dict(latest.arrays),
        "best": best
        and (best.species, [g.tobytes() for g in best.genomes], best.fitness.tobytes()),
    }


def assert_same(a: dict, b: dict) -> None:
    assert a["rows"] == b["rows"]
    assert a["lineage"] == b["lineage"]
    assert a["generation"] == b["generation"]
    assert a["arrays"].keys() == b["arrays"].keys()
    for k in a["arrays"]:
        assert a["arrays"][k].tobytes() == b["arrays"][k].tobytes(), k
    assert a["best"] == b["best"]


def run_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of everything 3 generations of TINY and 3 chunks of ECO compute (metrics rows
    without timings, final checkpoint arrays): a fingerprint of the kernels' bits."""
    import hashlib

    out = {}
    for name, text in (("generational", TINY), ("open_ended", ECO)):
        world = write_world(folder, text, f"{name}.yaml")
        run(world, folder / name, generations=3)
        got = comparable(folder / name)
        h = hashlib.sha256(repr(got["rows"]).encode())
        for k in sorted(got["arrays"]):
            h.update(k.encode() + got["arrays"][k].tobytes())
        out[name] = h.hexdigest()
    return out
