"""Who may import whom (docs/architecture.md): packages import only packages below them, and
headless code never loads pygame."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = {"errors", "jit", "interrupts"}
# each package and the alife packages it may import (at module level or inside a function)
ALLOWED = {
    "alife": set(),  # alife/__init__.py
    "errors": set(),
    "jit": set(),
    "interrupts": set(),
    "chart": set(),
    "brain": {"errors", "jit"},
    "config": {"errors"},
    "world": BASE | {"brain", "config"},
    "evolve": BASE | {"brain", "config", "world", "chart"},
    "experiments": BASE | {"brain", "config", "world", "chart", "evolve"},
    "render": BASE | {"brain", "config", "world", "chart", "evolve"},
    "cli": BASE | {"brain", "config", "world", "chart", "evolve", "experiments", "render"},
}
# the one place outside alife.render that may import pygame: the developer tool that rasterises
# the chart's glyphs from a font file (alife.chart.glyphs.build), never called at run time
PYGAME_OUTSIDE_RENDER = {("alife/chart/glyphs.py", "build")}


def modules() -> list[Path]:
    return sorted((ROOT / "alife").rglob("*.py"))


def package(path: Path) -> str:
    """alife/world/tick.py -> "world", alife/cli.py -> "cli", alife/__init__.py -> "alife"."""
    parts = path.relative_to(ROOT / "alife").with_suffix("").parts
    return "alife" if parts == ("__init__",) else parts[0]


def imports(path: Path) -> list[tuple[str, str, int]]:
    """(module imported, enclosing function ("" at module level), line) of every import."""
    found = []

    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef) else where
            if isinstance(child, ast.Import):
                found.extend((a.name, where, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.extend(
                    (f"{child.module}.{a.name}" if child.module == "alife" else child.module,
                     where, child.lineno)
                    for a in child.names
                )  # fmt: skip
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def test_every_package_has_a_rule():
    assert {package(p) for p in modules()} <= set(ALLOWED)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_down_only(path):
    own = package(path)
    for name, where, line in imports(path):
        parts = name.split(".")
        if parts[0] == "alife" and len(parts) > 1 and parts[1] != own:
            assert parts[1] in ALLOWED[own], f"{path.name}:{line}: {own} imports alife.{parts[1]}"
        if parts[0] == "pygame" and own != "render":
            rel = str(path.relative_to(ROOT))
            assert (rel, where) in PYGAME_OUTSIDE_RENDER, f"{rel}:{line}: imports pygame"


def test_headless_modules_do_not_load_pygame():
    """Import every module outside alife.render (the CLI included): pygame stays unloaded."""
    names = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in modules()
        if package(p) != "render"
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'pygame' or m.startswith('pygame.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
