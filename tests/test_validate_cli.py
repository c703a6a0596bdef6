"""`python run.py validate FILE...`: one line per problem, `FILE: ok`, exit 0 only if all good."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from alife.cli import main

ROOT = Path(__file__).resolve().parent.parent
WORLDS = sorted((ROOT / "worlds").glob("*.yaml"))


@pytest.fixture
def bad_world(tmp_path: Path) -> Path:
    """foraging.yaml with a misspelt key and a non-power-of-two brain width."""
    text = (ROOT / "worlds" / "foraging.yaml").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    brain = next(k for k, line in enumerate(lines) if line.strip().startswith("brain:"))
    i = next(k for k in range(brain, len(lines)) if lines[k].lstrip().startswith("depth:"))
    j = next(k for k in range(brain, len(lines)) if lines[k].lstrip().startswith("width:"))
    lines[i] = lines[i].replace("depth:", "depht:", 1)
    indent = lines[j][: len(lines[j]) - len(lines[j].lstrip())]
    lines[j] = f"{indent}width: 48\n"
    path = tmp_path / "bad.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_all_shipped_worlds_ok(capsys):
    assert main(["validate", *map(str, WORLDS)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" (", 1)[0] for line in out] == [f"{p}: ok" for p in WORLDS]
    foraging = out[[p.name for p in WORLDS].index("foraging.yaml")]
    assert re.search(
        r"ok \(evolution: 8 arenas x 40 agents, 160,000 agent-ticks per generation, about "
        r"[\d.]+ MiB in the window, [\d.]+ MiB in evolve\)$",
        foraging,
    ), foraging


def test_bad_file_gives_one_line_per_problem_and_exit_1(bad_world, tmp_path, capsys):
    good = str(WORLDS[0])
    missing = str(tmp_path / "missing.yaml")
    assert main(["validate", good, str(bad_world), missing]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{good}: ok (")
    assert out[-1] == f"{missing}: file not found"
    problems = out[1:-1]
    assert len(problems) == 2, out
    assert all(line.startswith(f"{bad_world}:") for line in problems)
    assert any("depht: unknown key, did you mean 'depth'?" in line for line in problems)
    assert any("width: width must be a power of two" in line for line in problems)


def test_syntax_error_file(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("species:\n  - name: a\n    count: [1, 2\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{path}:4:1: YAML syntax error:")


def test_validate_needs_a_file(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2


def test_validate_via_run_py_subprocess(bad_world):
    cmd = [sys.executable, "run.py", "validate", "worlds/foraging.yaml", str(bad_world)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("worlds/foraging.yaml: ok (evolution: 8 arenas x 40 agents")
    assert len(lines) == 3 and all(line.startswith(f"{bad_world}:") for line in lines[1:])
    assert "Traceback" not in proc.stderr
    ok = subprocess.run(cmd[:4], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.startswith("worlds/foraging.yaml: ok (")
    assert ok.stdout.count("\n") == 1
