"""Command-line interface: `python run.py [command] [args]` or the `alife` console script.

Commands: play (the window; default), evolve (headless runs), view (a run's best genomes),
replay (a generation of a run, with a tick slider), lineage (a run's phylogeny), validate
(world files), schema (write assets/world.schema.json), bench (benchmarks), experiment (the
evidence experiments of docs/RESULTS.md), results (RESULTS.md's generated sections from the
experiments' CSVs).
Every `AlifeError` is printed as one clear message with exit status 1; no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

from alife.errors import AlifeError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _shipped(relative: str) -> Path:
    """A file of the source checkout, or its installed copy under <prefix>/share/alife."""
    checkout = PROJECT_ROOT / relative
    installed = Path(sys.prefix) / "share" / "alife" / relative
    return checkout if checkout.exists() or not installed.exists() else installed


DEFAULT_WORLD = _shipped("worlds/foraging.yaml")
COMPILING = "compiling kernels (first start only) ..."


def _cmd_bench(args: argparse.Namespace) -> int:
    import importlib.util

    found = importlib.util.find_spec("benchmarks") is not None  # scripts at the project root
    names = [n for n in ("brain", "world", "evolve", "render", "config", "determinism", "env",
                          "ecology")
             if found and importlib.util.find_spec(f"benchmarks.{n}")]
    if not names:
        raise AlifeError("the benchmarks live in the source checkout: run `python run.py bench` "
                         "from the project directory")
    status = 0
    for name in names:
        status = importlib.import_module(f"benchmarks.{name}").main(quick=args.quick) or status
    return status


def _cmd_validate(args: argparse.Namespace) -> int:
    """Check world files: `FILE: ok (what it needs)` or one line per problem; exit 1 if any
    file is bad."""
    from alife.config import load_world
    from alife.config.loader import problems_of
    from alife.config.resources import summary

    bad = 0
    for path in args.files:
        try:
            config = load_world(path)
        except AlifeError as err:
            bad += 1
            for line in problems_of(err):
                print(line)
        else:
            print(f"{path}: ok ({summary(config)})")
    return 1 if bad else 0


def _memory_size(text: str) -> int:
    """argparse type of --max-memory: bytes from `64G` etc."""
    from alife.config.resources import parse_size

    try:
        return parse_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _add_memory_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-memory", type=_memory_size, default=None, metavar="SIZE",
        help="memory a world may need, e.g. 64G (default: 80%% of the memory available; "
        "same as the ALIFE_MAX_MEMORY environment variable)",
    )  # fmt: skip


def _cmd_schema(args: argparse.Namespace) -> int:
    """Write (or with --check, compare) the world-file JSON Schema."""
    from alife.config.schema import REGENERATE_HINT, schema_is_current, write_schema

    if args.check:
        if schema_is_current(args.out):
            print(f"{args.out}: up to date")
            return 0
        print(f"{args.out}: stale; {REGENERATE_HINT}")
        return 1
    print(f"wrote {write_schema(args.out)}")
    return 0


def _window_options(args: argparse.Namespace) -> dict:
    return dict(
        seed=args.seed,
        frames=args.frames,
        screenshot=args.screenshot,
        select=args.select,
        inspector=args.inspector,
        size=args.size,
        ticks_per_frame=args.ticks_per_frame,
        paused=args.paused,
        threads=args.threads,
        record=args.record,
    )


def _cmd_play(args: argparse.Namespace) -> int:
    """Open a world file in the interactive window."""
    from alife.render.launch import play

    # with --load and no world file given, the snapshot names its world file
    world = None if args.load and args.world == str(DEFAULT_WORLD) else args.world
    for line in play(world, load=args.load, **_window_options(args)):
        print(line)
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    """Open a run's world with its best genomes in the interactive window."""
    from alife.render.launch import view

    for line in view(args.run, **_window_options(args)):
        print(line)
    return 0


def _add_window_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the file's)")
    p.add_argument("--frames", type=int, default=None, metavar="N", help="quit after N frames")
    p.add_argument("--screenshot", default=None, metavar="PNG", help="save the last frame here")
    p.add_argument("--select", type=int, default=None, metavar="ID", help="select agent ID")
    p.add_argument("--inspector", action="store_true", help="open the inspector panel")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="window size")
    p.add_argument("--ticks-per-frame", type=int, default=1, metavar="K", help="speed")
    p.add_argument("--paused", action="store_true", help="start paused")
    p.add_argument(
        "--record", default=None, metavar="VIDEO",
        help="write the frames off-screen to a .gif or .mp4 (needs the video extra; "
        "default --frames: 300, a replay's whole episode)",
    )  # fmt: skip
    p.add_argument(
        "--threads", type=int, default=None, metavar="K", help="simulation threads (default: 1)"
    )


def _cmd_evolve(args: argparse.Namespace) -> int:
    """Headless evolution: start a run from a world file, or continue one with --resume."""
    import time

    from alife.evolve.backends import make_backend
    from alife.evolve.progress import ProgressBar, numba_cache_cold
    from alife.evolve.rundir import WORLD_FILE
    from alife.evolve.runner import EvolutionRun, warm_up
    from alife.jit import set_threads

    if args.resume and args.world:
        raise AlifeError("give either a world file or --resume RUN_DIR, not both")
    if args.address and args.backend not in (None, "ray"):
        raise AlifeError("--address is only used with --backend ray")
    for flag, value, low in (
        ("--generations", args.generations, 1),
        ("--seed", args.seed, 0),
        ("--from-generation", args.from_generation, 0),
        ("--workers", args.workers, 1),
        ("--threads", args.threads, 1),
    ):
        if value is not None and value < low:
            raise AlifeError(f"{flag} must be >= {low} (got {value})")
    backend_name = args.backend or ("ray" if args.address else "processes")
    command = [Path(sys.argv[0]).name, *sys.argv[1:]]
    if args.from_generation is not None and not args.resume:
        raise AlifeError("--from-generation is only used with --resume RUN_DIR")
    world = Path(args.world) if args.world else DEFAULT_WORLD
    open_ended = _open_ended(Path(args.resume) / WORLD_FILE if args.resume else world)
    _no_workers_when_open_ended(args, open_ended)
    if open_ended:
        backend_name = "serial"
        if args.threads is not None:
            set_threads(args.threads)
    backend = make_backend(backend_name, args.workers, args.address, threads=args.threads)
    backend.connect()  # a cluster that cannot be reached fails here, before any run directory
    if args.resume:
        run = EvolutionRun.resume(Path(args.resume), generations=args.generations, command=command,
                                  from_generation=args.from_generation)  # fmt: skip
        if run.set_aside:
            print(f"moved the checkpoints of generation(s) {', '.join(map(str, run.set_aside))} "
                  f"to {run.ckpt_dir / 'set_aside'}")  # fmt: skip
        if run.generation >= run.target:
            print(
                f"{run.run_dir} is complete: generation {run.generation} of {run.target}.\n"
                f"to run it further: python run.py evolve --resume {run.run_dir} "
                f"--generations N   (N > {run.generation}: the new total)"
            )
            return 0
        print(f"resuming {run.run_dir} at generation {run.generation} of {run.target}")
    else:
        out = args.out
        if out is None:
            out = Path("runs") / f"{world.stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        run = EvolutionRun.new(
            world, Path(out), seed=args.seed, generations=args.generations, command=command
        )
        print(f"run directory: {run.run_dir} (seed {run.seed}, {run.target} generations)")
    if run.generation < run.target and numba_cache_cold():
        warm_up(run.config, run.seed)  # here, before workers start: they load the cache
    if not run.open_ended:
        auto = backend.name == "ray" and args.address and not args.workers
        count = "one per cluster CPU" if auto else f"{backend.workers} worker(s)"
        print(f"backend: {backend.name} ({count})")
    bar = ProgressBar(run.generation, run.target, run.open_ended, disable=args.no_progress)
    try:
        result = run.run(backend, progress=bar)
    finally:
        bar.close()
    if result.interrupted:
        print(
            f"interrupted: saved generation {result.generation} to {result.checkpoint}\n"
            f"continue with: python run.py evolve --resume {run.run_dir}"
        )
        return 130
    print(f"done: {result.generation} generations in {run.run_dir}")
    return 0


def _open_ended(world: Path) -> bool:
    """Does this world file evolve open-ended? (False if it cannot be read here: starting or
    resuming the run then reports what is wrong with it.)"""
    from alife.config import load_world

    try:
        return load_world(world).evolution.mode == "open_ended"
    except (AlifeError, OSError):
        return False


def _no_workers_when_open_ended(args: argparse.Namespace, open_ended: bool) -> None:
    """An open-ended run steps one World in this process (--backend serial, which it is, may be
    given): worker options would do nothing."""
    backend = None if args.backend == "serial" else args.backend
    options = {"--backend": backend, "--workers": args.workers, "--address": args.address}
    given = [flag for flag, value in options.items() if value is not None]
    if open_ended and given:
        raise AlifeError(
            f"{' and '.join(given)}: an open-ended run steps one World in this process, so "
            "there is nothing to spread over workers; use --threads N for its threads"
        )


def _cmd_replay(args: argparse.Namespace) -> int:
    """Re-simulate one generation of a run and open it with a tick slider."""
    from alife.render.launch import replay

    options = _window_options(args)
    options.update(generation=args.generation, keyframe_every=args.keyframe_every)
    for line in replay(args.run, progress=lambda m: print(m, flush=True), **options):
        print(line)
    return 0


def _cmd_lineage(args: argparse.Namespace) -> int:
    """Draw a run's phylogeny as a PNG."""
    from alife.evolve.lineage import save_lineage_png
    from alife.render.launch import parse_size

    path, count = save_lineage_png(Path(args.run), args.out, parse_size(args.size))
    print(f"wrote {path} ({count:,} genomes)")
    return 0


def _cmd_experiment(args: argparse.Namespace) -> int:
    """Run one evidence experiment (figures + tables into --out), or list them."""
    from alife.experiments import describe, run_experiment

    if args.list or not args.name:
        print("\n".join(describe()))
        return 0
    from alife.experiments.results import results_doc_for, update

    result = run_experiment(args.name, args.out, quick=args.quick, seed=args.seed)
    print("\n".join(result.summary_lines()))
    doc = results_doc_for(result.out)
    if doc is not None:
        print(f"{doc}: {'rewrote' if update(doc) else 'no change to'} its generated sections")
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    """Rebuild RESULTS.md's generated sections from its figures folder's CSVs (or --check)."""
    from alife.experiments.results import update

    changed = update(args.doc, args.figures, check=args.check)
    if args.check and changed:
        print(f"{args.doc} is stale: run `python run.py results`", file=sys.stderr)
        return 1
    print(f"{args.doc}: generated sections {'rewritten' if changed else 'up to date'}")
    return 0


@contextmanager
def _compile_notice():
    """Tell the user when a command compiles kernels (a cold Numba cache: the first start, or
    after an update): one line when it starts, the count and seconds so far on a terminal,
    a summary when the command ends."""
    from alife.jit import watch_compiles

    live = sys.stdout.isatty()
    shown = {"line": False}

    def report(compiled: int, seconds: float) -> None:
        if not shown["line"]:
            shown["line"] = True
            print(COMPILING, end="" if live else "\n", flush=True)
        if live:
            print(f"\r{COMPILING} {compiled} functions, {seconds:.0f} s", end="", flush=True)

    with watch_compiles(report) as counter:
        try:
            yield
        finally:
            if shown["line"]:
                done = f"compiled {counter.compiled} functions in {counter.seconds:.0f} s"
                print(("\n" if live else "") + done + " (cached for next time)", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alife",
        description="An artificial-life lab whose agents think with fast-transform NTMs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="command")

    play = sub.add_parser(
        "play", help="open a world in the interactive window (default: worlds/foraging.yaml)"
    )
    play.add_argument("world", nargs="?", default=str(DEFAULT_WORLD), help="world file (*.yaml)")
    play.add_argument(
        "--load", default=None, metavar="SNAPSHOT",
        help="continue from a snapshot saved with S (its folder, or its name)",
    )  # fmt: skip
    _add_window_arguments(play)
    _add_memory_argument(play)
    play.set_defaults(func=_cmd_play)

    view = sub.add_parser("view", help="watch a headless run's best genomes live (runs/NAME)")
    view.add_argument("run", help="run directory made by `evolve` (runs/NAME)")
    _add_window_arguments(view)
    _add_memory_argument(view)
    view.set_defaults(func=_cmd_view)

    replay = sub.add_parser(
        "replay", help="re-simulate a generation of a run and scrub through it (runs/NAME)"
    )
    replay.add_argument("run", help="run directory made by `evolve` (runs/NAME)")
    replay.add_argument("--generation", type=int, default=None, metavar="G",
                        help="the generation (open-ended: chunk) to replay (default: the last)")
    replay.add_argument("--keyframe-every", type=int, default=50, metavar="K",
                        help="ticks between the keyframes seeking starts from (default 50)")
    _add_window_arguments(replay)
    _add_memory_argument(replay)
    replay.set_defaults(func=_cmd_replay)

    lineage = sub.add_parser("lineage", help="draw a run's phylogeny (runs/NAME/lineage.png)")
    lineage.add_argument("run", help="run directory made by `evolve` (runs/NAME)")
    lineage.add_argument("--out", default=None, metavar="PNG", help="default: RUN/lineage.png")
    lineage.add_argument("--size", default="1400x900", metavar="WxH", help="image size")
    lineage.set_defaults(func=_cmd_lineage)

    bench = sub.add_parser("bench", help="run the benchmarks and print ratio tables")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    bench.set_defaults(func=_cmd_bench)

    validate = sub.add_parser("validate", help="check world files (exit 1 if any is invalid)")
    validate.add_argument("files", nargs="+", metavar="FILE", help="world files (*.yaml)")
    _add_memory_argument(validate)
    validate.set_defaults(func=_cmd_validate)

    schema = sub.add_parser("schema", help="write the world-file JSON Schema for editors")
    schema.add_argument(
        "--out",
        default=str(PROJECT_ROOT / "assets" / "world.schema.json"),
        help="output path (default: assets/world.schema.json)",
    )
    schema.add_argument("--check", action="store_true", help="only report if the file is stale")
    schema.set_defaults(func=_cmd_schema)

    evolve = sub.add_parser("evolve", help="headless evolution run (or --resume one)")
    evolve.add_argument("world", nargs="?", help="world file (default: worlds/foraging.yaml)")
    evolve.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its checkpoint")
    evolve.add_argument("--from-generation", type=int, metavar="G",
                        help="with --resume: continue from generation G's checkpoint (newer ones "
                             "are moved to checkpoints/set_aside/)")  # fmt: skip
    evolve.add_argument("--generations", type=int, help="total generations (default: world file)")
    evolve.add_argument("--seed", type=int, help="run seed (default: the world file's seed)")
    evolve.add_argument("--out", help="run directory (default: runs/WORLD-DATE-TIME)")
    evolve.add_argument(
        "--backend", choices=["serial", "processes", "ray"], help="default: processes"
    )
    evolve.add_argument("--workers", type=int, help="worker processes/actors (default: all cores)")
    evolve.add_argument("--address", help="Ray cluster HOST:PORT (default: start a local Ray)")
    evolve.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="simulation threads in this process: the open-ended World, or --backend serial "
        "(default: all cores open-ended, 1 serial; workers use one each)",
    )
    evolve.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_memory_argument(evolve)
    evolve.set_defaults(func=_cmd_evolve)

    experiment = sub.add_parser("experiment", help="reproduce a figure of docs/RESULTS.md")
    experiment.add_argument("name", nargs="?", help="experiment name (see --list)")
    experiment.add_argument("--list", action="store_true", help="list the experiments")
    experiment.add_argument("--out", help="output folder (default: runs/experiments/NAME)")
    experiment.add_argument("--quick", action="store_true", help="tiny version (for tests)")
    experiment.add_argument("--seed", type=int, help="seed (default: the experiment's)")
    experiment.set_defaults(func=_cmd_experiment)

    results = sub.add_parser("results", help="rebuild docs/RESULTS.md's tables from the CSVs")
    results.add_argument("--doc", default=str(PROJECT_ROOT / "docs" / "RESULTS.md"),
                         help="the results file (default: docs/RESULTS.md)")
    results.add_argument("--figures", help="CSV folder (default: figures/ beside --doc)")
    results.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    results.set_defaults(func=_cmd_results)
    return parser


def main(argv: list[str] | None = None) -> int:
    from alife import interrupts

    interrupts.install()  # Ctrl-C is honoured also while Numba compiles
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    window_first = argv and argv[0].startswith("--") and argv[0] != "--help"
    if not argv or argv[0].endswith((".yaml", ".yml")) or window_first:
        argv = ["play", *argv]  # `python run.py` (or just a world file / window options) = play
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from alife.config import resources

    runs = {"play": [resources.WINDOW], "view": [resources.WINDOW], "replay": [resources.WINDOW],
            "evolve": [resources.EVOLVE]}  # fmt: skip
    runs = runs.get(args.command, [resources.WINDOW, resources.EVOLVE])
    try:
        limit = getattr(args, "max_memory", None)
        with resources.checking(*runs, limit=limit), _compile_notice():
            return int(args.func(args) or 0)
    except AlifeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
