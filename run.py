#!/usr/bin/env python
"""Thin entry point: `python run.py [command] [world.yaml] [options]` (see `--help`)."""

import sys

from alife.cli import main

if __name__ == "__main__":
    sys.exit(main())
