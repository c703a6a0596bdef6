"""Entry points behind `python run.py play` and `python run.py view` (called from alife/cli.py).

`play(...)` opens a world file live (or a named snapshot of one: `load=`); `view(...)` opens a
headless run's world with its best genomes (open-ended runs: the living population of its last
checkpoint); `replay(...)` re-simulates one generation of a run with a tick slider. All support
scripted use: `frames=N` stops after N frames, `screenshot=PATH` saves the last one and
`record=PATH` writes every frame to a GIF or MP4 (alife.render.video); with no display these
fall back to SDL's off-screen driver. Returns a list of messages for the CLI to print.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from alife.errors import AlifeError, CheckpointError


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800); AlifeError on anything else."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise AlifeError(f"--size must look like 1280x800, got {text!r}") from None
    if not (200 <= w <= 10000 and 150 <= h <= 10000):
        raise AlifeError(f"--size {text}: width 200..10000 and height 150..10000 please")
    return w, h


def run_window(
    session,
    *,
    frames: int | None = None,
    screenshot: str | Path | None = None,
    select: int | None = None,
    inspector: bool = False,
    size: str = "1280x800",
    ticks_per_frame: int = 1,
    paused: bool = False,
    threads: int | None = None,
    record: str | Path | None = None,
) -> list[str]:
    """Open the window on `session` and run it (see module docstring). threads: Numba
    threads for the simulation (default 1: a frame lasts ~16 ms, too short for parallel
    kernels to pay off, and a second busy thread competes with drawing for the cores)."""
    from alife.jit import set_threads
    from alife.render.app import App

    threads = 1 if threads is None else threads
    if threads < 1:
        raise AlifeError(f"--threads must be at least 1, got {threads}")
    set_threads(threads)

    if frames is not None and frames < 1:
        raise AlifeError(f"--frames must be at least 1, got {frames}")
    if ticks_per_frame < 1:
        raise AlifeError(f"--ticks-per-frame must be at least 1, got {ticks_per_frame}")
    if record is not None and frames is None:
        frames = record_frames(session, ticks_per_frame)
    scripted = frames is not None
    recorder = None
    if record is not None:
        from alife.render.video import VideoWriter

        recorder = VideoWriter(record, parse_size(size), frames)  # checks before any window
    app = App(session, size=parse_size(size), max_fps=0 if scripted else 60, offscreen_ok=scripted)
    app.recorder = recorder
    messages = []
    if app.offscreen and scripted:
        messages.append("rendering off-screen (no display needed for --frames)")
    app.ticks_per_frame = int(ticks_per_frame)
    app.paused = paused
    if select is not None:
        ids = session.world.snapshot().ids
        if not np.any(ids == select):
            lo, hi = (int(ids.min()), int(ids.max())) if ids.size else (0, -1)
            raise AlifeError(f"--select {select}: no such agent (ids run from {lo} to {hi})")
        app.selected = int(select)
    app.show_inspector = inspector
    app._layout()
    try:
        app.run(frames)
        if screenshot is not None:
            app.inspect_interval = 0.0  # the saved frame shows this very tick's brain state
            app.draw()
            messages.append(f"screenshot saved: {app.screenshot(screenshot)}")
    finally:
        import pygame

        pygame.display.quit()
        if recorder is not None:
            messages.append(f"video saved: {recorder.close()} ({recorder.count} frames)")
    return messages


RECORD_FRAMES = 300  # a recording's frames when --frames is not given (10 s at 30 fps)


def record_frames(session, ticks_per_frame: int) -> int:
    """Frames a recording takes by default: a replay's whole episode, else RECORD_FRAMES."""
    if getattr(session, "replay", False):
        ticks = session.last - session.world.tick_count
        return max(1, -(-ticks // max(1, ticks_per_frame)))
    return RECORD_FRAMES


def _check_early(window: dict) -> tuple[int, int]:
    """Check the options that opening the window needs (before any compiling); its size."""
    frames = window.get("frames")
    if frames is not None and frames < 1:
        raise AlifeError(f"--frames must be at least 1, got {frames}")
    return parse_size(window.get("size") or "1280x800")


def _open_early(window: dict, label: str) -> None:
    """Check the options and open the window before the (slower) World is built: a missing or
    unreachable display fails fast, and the user sees a loading message meanwhile."""
    import pygame

    from alife.render.display import open_window
    from alife.render.hud import text

    size = _check_early(window)
    screen = open_window(size, f"alife - {label}", offscreen_ok=window.get("frames") is not None)
    screen.fill((12, 13, 18))
    msg = text(f"loading {label} ... (the first run also compiles kernels)", 22)
    screen.blit(msg, msg.get_rect(center=screen.get_rect().center))
    pygame.display.flip()


def play(
    world: str | Path | None, *, seed: int | None = None, load: str | None = None, **window
) -> list[str]:
    """`python run.py play WORLD.yaml [--load SNAPSHOT]`: the world file live, or continuing
    from a named snapshot (world None: the world file the snapshot was saved from)."""
    from alife.config import load_world
    from alife.render.snapshots import find_snapshot, load_snapshot, snapshot_world

    snapshot = None
    if load is not None:
        folder = None if world is None else Path("runs") / f"window-{Path(world).stem}"
        snapshot = find_snapshot(load, folder)
        world = world if world is not None else snapshot_world(snapshot)
    if world is None or not Path(world).exists():
        raise AlifeError(f"{world}: no such world file (try worlds/foraging.yaml)")
    config = load_world(world)  # a broken file is reported before any window (or its absence)
    _check_early(window)
    messages = []
    with _first_start(config), _closing_display():
        from alife.render.session import Session  # (its imports overlap the child's compiling)

        _open_early(window, str(world))
        session = Session(world, seed=seed, config=config)
        if snapshot is not None:
            info = load_snapshot(session, snapshot)
            messages.append(f"continuing from snapshot {info.name} (tick {info.tick})")
    return messages + run_window(session, **window)


def view(run_dir: str | Path, *, seed: int | None = None, **window) -> list[str]:
    """`python run.py view runs/NAME`: a run's world with its best genomes living in it."""
    from alife.evolve.rundir import WORLD_FILE

    _check_early(window)
    with _first_start(Path(run_dir) / WORLD_FILE), _closing_display():
        _open_early(window, str(run_dir))
        session = _view_session(Path(run_dir), seed)
    return run_window(session, **window)


def _view_session(run_dir: Path, seed: int | None):
    """The Session `view` shows: an open-ended run's living population, else the run's best
    genomes in its world, with the run's fitness history on the chart."""
    from alife.config import load_world
    from alife.render.session import Session

    if _run_mode(run_dir) == "open_ended":
        return open_ended_session(run_dir, seed)
    world_file, genomes, generation = load_run_best(run_dir)
    config = load_world(world_file)
    history = load_run_history(run_dir, config)
    done = max((len(v) for v in history.values()), default=0)  # the window continues the run
    session = Session(
        world_file, seed=seed, genomes=genomes, generation=max(generation, done), config=config
    )
    session.history = history
    session.history_version += 1
    return session


def replay(
    run_dir: str | Path,
    *,
    generation: int | None = None,
    keyframe_every: int = 50,
    seed: int | None = None,
    progress=None,
    **window,
) -> list[str]:
    """`python run.py replay runs/NAME --generation G`: generation G re-simulated from the run's
    nearest checkpoint, checked against its metrics.csv, shown with a tick slider."""
    from alife.evolve.replay import start_of
    from alife.evolve.rundir import WORLD_FILE
    from alife.render.replay import ReplaySession

    if seed is not None:
        raise AlifeError("--seed: a replay uses the run's own seed")
    if keyframe_every < 1:
        raise AlifeError(f"--keyframe-every must be at least 1, got {keyframe_every}")
    _check_early(window)
    with _first_start(Path(run_dir) / WORLD_FILE):
        pass  # re-simulating ticks: it needs every kernel compiled
    start = start_of(Path(run_dir), generation, progress)
    _open_early(window, f"{run_dir} generation {start.generation}")
    with _closing_display():
        session = ReplaySession(start, keyframe_every=keyframe_every)
        diffs = session.verify()
    what = "chunk" if session.open_ended else "generation"
    if diffs:
        messages = [f"warning: the replay of {what} {start.generation} differs from "
                    "metrics.csv: " + "; ".join(diffs[:4])]  # fmt: skip
    else:
        checked = "population, births, deaths" if session.open_ended else "every score"
        messages = [f"replay of {what} {start.generation} matches metrics.csv ({checked})"]
    return messages + run_window(session, **window)


def _run_mode(run_dir: Path) -> str | None:
    """The mode a run directory's manifest names (None when there is no readable manifest)."""
    from alife.evolve.rundir import read_manifest

    try:
        return read_manifest(run_dir).get("mode")
    except CheckpointError:
        return None


def open_ended_session(run_dir: Path, seed: int | None = None):
    """A Session on the living population of an open-ended run's newest checkpoint, with the
    run's lineage and clusters (so the inspector shows ancestry) and its population chart."""
    from alife.config import load_world
    from alife.evolve import checkpoint as ck
    from alife.evolve.clusters import Clusters
    from alife.evolve.lineage import LINEAGE_FILE, read_lineage
    from alife.evolve.metrics import OPEN_ENDED_COLUMNS, MetricsLog
    from alife.evolve.rundir import WORLD_FILE
    from alife.render.session import HISTORY_EVERY, Session
    from alife.world import World

    world_file = run_dir / WORLD_FILE
    config = load_world(world_file)
    ckpt = ck.load_checkpoint(ck.latest_checkpoint(run_dir / "checkpoints"))
    state = {k[6:]: v for k, v in ckpt.arrays.items() if k.startswith("world_")}
    try:
        world = World.from_state_arrays(config, state)
    except AlifeError as err:
        raise CheckpointError(f"{run_dir}: checkpoint {ckpt.generation}: {err}") from None
    session = Session(world_file, seed=seed, config=config, generation=ckpt.generation)
    session.world = world
    family = session.family
    try:
        family.clusters = Clusters.from_arrays(ckpt.arrays, [c.n_params for c in world.controllers])
    except ValueError:
        family.recluster(world)  # a checkpoint without clusters: cluster the living now
    if (run_dir / LINEAGE_FILE).exists():
        family.lineage = read_lineage(run_dir / LINEAGE_FILE)
    if (run_dir / "metrics.csv").exists():
        log = MetricsLog(run_dir / "metrics.csv", OPEN_ENDED_COLUMNS)
        # the chart continues the run's population curve (one point per HISTORY_EVERY ticks)
        repeat = max(1, config.evolution.open_ended.chunk_ticks // HISTORY_EVERY)
        for sp in config.species:
            values = log.series("population", sp.name)
            session.history[sp.name] = np.repeat(values, repeat).tolist()
        session.history_version += 1
    return session


def load_run_history(run_dir: Path, config) -> dict[str, list[float]]:
    """The run's best/mean fitness per generation from metrics.csv (generational runs), named
    like the window's own chart series so the live chart continues the run's curve."""
    from alife.evolve.metrics import GENERATIONAL_COLUMNS, MetricsLog

    path = run_dir / "metrics.csv"
    if config.evolution.mode != "generational" or not path.exists():
        return {}
    log = MetricsLog(path, GENERATIONAL_COLUMNS)
    names = [sp.name for sp in config.species]
    history: dict[str, list[float]] = {}
    try:
        for name in names:
            prefix = "" if len(names) == 1 else f"{name} "
            history[f"{prefix}best"] = log.series("best", name).tolist()
            history[f"{prefix}mean"] = log.series("mean", name).tolist()
    except (KeyError, ValueError):
        return {}  # an unreadable metrics file only costs the chart its past
    return history


@contextmanager
def _first_start(world) -> Iterator[None]:
    """Around building the window's World: on a cold kernel cache, the kernels of `world` (a
    WorldConfig, or the path of a world file, read only then) and the genome clusters' compile
    on two cores first (alife.world.warm), and the body runs while the child process finishes
    its share. A world file that cannot be read here warms nothing up (the command itself then
    says what is wrong with it)."""
    from alife.config import WorldConfig, load_world
    from alife.evolve.progress import numba_cache_cold

    if not numba_cache_cold():
        yield
        return
    try:
        config = world if isinstance(world, WorldConfig) else load_world(world)
    except (AlifeError, OSError):
        yield
        return
    from alife.evolve.clusters import compile_kernels
    from alife.world.warm import warming_up

    with warming_up(config, config.seed, also=compile_kernels):
        yield


@contextmanager
def _closing_display():
    """Close the early window when building the world fails (the error is then printed)."""
    try:
        yield
    except BaseException:
        import pygame

        pygame.display.quit()
        raise


def load_run_best(run_dir: Path) -> tuple[Path, list[np.ndarray], int]:
    """(the run's world.yaml, its best genome per species cloned to fill the run's population,
    the generation it was found in) — read with `alife.evolve.rundir`."""
    from alife.config import load_world
    from alife.evolve.rundir import WORLD_FILE, load_best

    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: no such run directory (runs are made by evolve)")
    world_file = run_dir / WORLD_FILE
    if not world_file.exists():
        raise CheckpointError(f"{run_dir}: {WORLD_FILE} is missing (not a run directory?)")
    config = load_world(world_file)
    best = load_best(run_dir)
    names = [sp.name for sp in config.species]
    if best.species != names:
        raise CheckpointError(
            f"{run_dir}: best.npz holds species {best.species} but {WORLD_FILE} has {names}"
        )
    from alife.evolve.evaluate import Layout, world_controllers

    population = Layout.of(config, str(world_file)).population
    genomes = []
    for s, (sp, genome, ctrl) in enumerate(
        zip(config.species, best.genomes, world_controllers(config), strict=True)
    ):
        genome = np.asarray(genome, dtype=np.float32).reshape(1, -1)
        if genome.shape[1] != ctrl.n_params:
            raise CheckpointError(
                f"{run_dir}: the best {sp.name} genome has {genome.shape[1]} parameters but "
                f"the brain in {WORLD_FILE} needs {ctrl.n_params}"
            )
        genomes.append(np.ascontiguousarray(np.repeat(genome, population[s], 0)))
    generation = int(np.max(best.generation)) if best.generation.size else 0
    return world_file, genomes, generation
