"""Re-simulating one generation (or open-ended chunk) of a run, exactly as it happened.

A run is a pure function of (world file, seed) and its checkpoints hold everything that evolves,
so generation G comes back by starting from the newest checkpoint at or before G (generation 0
needs none: it is drawn from the seed) and evolving forward: generational runs evaluate and
breed the generations in between (the serial backend: the same results as any backend), open-
ended runs tick their World to the chunk's first tick. `ReplayStart` is where the replay
begins; `check_generational` / `check_open_ended` compare a replayed episode with the row the
run wrote to metrics.csv, value for value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alife.errors import CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve import loop
from alife.evolve.metrics import cell_text, read_rows
from alife.evolve.rundir import WORLD_FILE, check_world_unchanged, read_manifest

Progress = Callable[[str], None]


@dataclass
class ReplayStart:
    """Where a replay of `generation` begins. Generational: `population` (a loop.Generation of
    index `generation`). Open-ended: `world` at the chunk's first tick, and `chunk_ticks`.
    `resimulated`: generations (or chunks) run again to get here."""

    run_dir: Path
    world_file: Path
    config: object
    seed: int
    generation: int
    resimulated: int
    population: loop.Generation | None = None
    world: object | None = None


def _checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    folder = run_dir / "checkpoints"
    found = []
    for p in sorted(folder.glob("gen_*.json")) if folder.is_dir() else []:
        try:
            found.append((int(p.stem[4:]), p))
        except ValueError:
            continue
    return found


def start_of(run_dir: Path, generation: int | None, progress: Progress | None = None
             ) -> ReplayStart:  # fmt: skip
    """Generation `generation` of the run (None: the last one it evaluated), re-simulated from
    the nearest checkpoint before it. CheckpointError if the run has no such generation."""
    from alife.config.loader import parse_model
    from alife.config.models import WorldConfig

    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    text = check_world_unchanged(run_dir, str(manifest.get("world_sha256")))
    world_file = run_dir / WORLD_FILE
    config = parse_model(text, WorldConfig, source=str(world_file))
    seed = int(manifest["seed"])
    rows = read_rows(run_dir / "metrics.csv")
    done = sorted({int(r["generation"]) for r in rows})
    if generation is None:
        if not done:
            raise CheckpointError(f"{run_dir}: no generation has finished yet")
        generation = done[-1]
    if generation not in done:
        span = f"0..{done[-1]}" if done else "none yet"
        raise CheckpointError(f"{run_dir}: generation {generation} was not run "
                              f"(its metrics.csv has generations {span})")  # fmt: skip
    usable = [(g, p) for g, p in _checkpoints(run_dir) if g <= generation]
    ckpt = ck.load_checkpoint(usable[-1][1]) if usable else None
    say = progress or (lambda _: None)
    start = ReplayStart(run_dir, world_file, config, seed, int(generation), 0)
    if config.evolution.mode == "open_ended":
        _open_ended_start(start, ckpt, say)
    else:
        _generational_start(start, ckpt, say)
    return start


def _generational_start(start: ReplayStart, ckpt, say: Progress) -> None:
    from alife.evolve.backends import SerialBackend
    from alife.evolve.evaluate import Layout, WorldEvaluator, WorldGenerations, world_controllers

    config, seed = start.config, start.seed
    layout = Layout.of(config, str(start.world_file))
    controllers = world_controllers(config)
    if ckpt is None:
        gen = loop.first_generation(controllers, seed, layout.population)
    else:
        genomes = [ck.require_array(ckpt, f"genomes_{s}", np.float32, (pop, c.n_params))
                   for s, (pop, c) in enumerate(zip(layout.population, controllers,
                                                    strict=True))]  # fmt: skip
        gen = loop.start(genomes, ckpt.generation)
    start.resimulated = start.generation - gen.index
    if start.resimulated:
        say(f"re-simulating generations {gen.index}..{start.generation - 1} "
            f"(from {'checkpoint ' + str(gen.index) if ckpt else 'the seed'})")  # fmt: skip
        with SerialBackend() as backend:
            backend.start(WorldEvaluator(config, seed))
            evaluate = WorldGenerations(layout, backend.map)
            while gen.index < start.generation:
                gen = loop.advance(gen, evaluate(gen.index, gen.genomes).fitness, seed,
                                   config.evolution)  # fmt: skip
    start.population = gen


def _open_ended_start(start: ReplayStart, ckpt, say: Progress) -> None:
    from alife.world import World

    config = start.config
    if ckpt is None:
        world, at = World(config, start.seed), 0
    else:
        state = {k[6:]: v for k, v in ckpt.arrays.items() if k.startswith("world_")}
        world, at = World.from_state_arrays(config, state), ckpt.generation
    start.resimulated = start.generation - at
    chunk = config.evolution.open_ended.chunk_ticks
    if start.resimulated:
        say(f"re-simulating ticks {world.tick_count}..{start.generation * chunk - 1}")
    while world.tick_count < start.generation * chunk:
        world.tick()
    start.world = world


def check_generational(run_dir: Path, generation: int, species: list[str],
                       fitness: list[np.ndarray]) -> list[str]:  # fmt: skip
    """Compare a replayed generation's fitness (per species, all genomes) with metrics.csv;
    returns the differences found (empty: the replay reproduces the run exactly)."""
    from alife.evolve.metrics import fitness_row

    rows = {r["species"]: r for r in read_rows(Path(run_dir) / "metrics.csv")
            if r["generation"] == str(generation)}  # fmt: skip
    diffs = []
    for name, f in zip(species, fitness, strict=True):
        replayed = fitness_row(generation, name, f, np.zeros((1, 1), np.float32))
        for col in ("best", "mean", "median", "worst"):
            want = rows.get(name, {}).get(col)
            if cell_text(replayed[col]) != want:
                diffs.append(f"{name} {col}: replay {replayed[col]!r}, metrics.csv {want}")
    return diffs


def check_open_ended(run_dir: Path, generation: int, species: list[str],
                     counts: dict[str, list[int]]) -> list[str]:  # fmt: skip
    """Compare a replayed chunk's population, births and deaths per species (counts: column ->
    per species) with metrics.csv; returns the differences (empty: identical)."""
    rows = {r["species"]: r for r in read_rows(Path(run_dir) / "metrics.csv")
            if r["generation"] == str(generation)}  # fmt: skip
    diffs = []
    for col, values in counts.items():
        for name, v in zip(species, values, strict=True):
            want = rows.get(name, {}).get(col)
            if str(int(v)) != want:
                diffs.append(f"{name} {col}: replay {v}, metrics.csv {want}")
    return diffs
