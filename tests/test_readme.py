"""The README's examples are true: its world-file snippet validates, the error it shows is the one
the validator prints for the bad file it describes, its Python snippet runs and gives the shapes
it states, its links resolve, and the slow checks it mentions exist and are marked."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import tomllib

from alife.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(lang: str) -> list[str]:
    """The README's fenced blocks of language `lang` ("" for plain blocks)."""
    return [body for kind, body in FENCE.findall(README) if kind == lang]


def test_quick_start_is_two_command_lines():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (commands,) = FENCE.findall(quick)
    assert commands[0] == "bash"
    assert len(commands[1].strip().splitlines()) == 2


@pytest.mark.parametrize("snippet", blocks("yaml"))
def test_world_snippet_validates(snippet, tmp_path, capsys):
    path = tmp_path / "snippet.yaml"
    path.write_text(snippet, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok (")


def test_shown_error_is_the_real_one(tmp_path, monkeypatch, capsys):
    """The README says what it changed (`width: 48` under `brain:` in worlds/foraging.yaml) and
    which command it ran; make that file and run that command."""
    said = re.search(r"with `width: (\d+)` under `brain:` in `(worlds/\w+\.yaml)`", README)
    assert said, "the README no longer says which edit gives its example error"
    width, name = said.groups()
    command = re.search(r"`python run.py (validate \S+)` says", README).group(1).split()
    assert command == ["validate", name]
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines(keepends=True)
    brain = next(k for k, line in enumerate(lines) if line.strip() == "brain:")
    j = next(k for k in range(brain, len(lines)) if lines[k].lstrip().startswith("width:"))
    lines[j] = re.sub(r"width: *\d+", f"width: {width}", lines[j], count=1)
    (tmp_path / "worlds").mkdir()
    (tmp_path / name).write_text("".join(lines), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(command) == 1
    real = capsys.readouterr().out.strip()
    shown = [b.strip() for b in blocks("") if b.startswith(f"{name}:")]
    assert shown == [real]


def test_python_snippet_runs_and_gives_the_stated_shapes():
    (snippet,) = blocks("python")
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)
    stated = re.search(r"genomes = .*# \((\d+), (\d+)\) float32", snippet)
    assert scope["genomes"].shape == tuple(map(int, stated.groups()))
    assert scope["genomes"].dtype == np.float32
    brain, motors = scope["brain"], scope["motors"]
    assert motors.shape == (scope["genomes"].shape[0], brain.n_motors)
    assert np.isfinite(motors).all() and (np.abs(motors) <= 1).all()


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_links_resolve(path):
    doc = path.name
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (path.parent / target).exists(), f"{doc}: broken link {target}"


def _slow_tests() -> list[str]:
    """Test functions carrying a `pytest.mark.slow` decorator."""
    found = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                ast.unparse(d).startswith("pytest.mark.slow") for d in node.decorator_list
            ):
                found.append(f"{path.name}::{node.name}")
    return found


def test_slow_checks_are_marked_and_skipped_by_default():
    assert "marked `slow`" in README and "python -m pytest -m slow" in README
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert any(m.startswith("slow:") for m in options["ini_options"]["markers"])
    assert "-m 'not slow'" in options["ini_options"]["addopts"]
    assert _slow_tests()

