"""Command-line interface: `python run.py [command] [args]` or the `alife` console script.

Commands: play (the window; default), evolve (headless runs), view (a run's best genomes),
validate (world files), schema (write assets/world.schema.json), bench (benchmarks).
Every `AlifeError` is printed as one clear message with exit status 1; no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alife.errors import AlifeError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORLD = PROJECT_ROOT / "worlds" / "foraging.yaml"


def _cmd_bench(args: argparse.Namespace) -> int:
    from benchmarks import brain  # the benchmark scripts live at the project root

    return brain.main(quick=args.quick)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alife",
        description="An artificial-life lab whose agents think with fast-transform NTMs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="command")

    bench = sub.add_parser("bench", help="run the benchmarks and print ratio tables")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    bench.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except AlifeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
