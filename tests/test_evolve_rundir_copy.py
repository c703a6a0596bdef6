"""The run directory's world copy (its schema modeline re-pointed so it resolves from the run
directory, the run's SHA check intact) and `evolve --resume` on a finished run."""

from __future__ import annotations

import os
from pathlib import Path

from alife.cli import main
from alife.evolve.rundir import world_copy
from alife.evolve.runner import EvolutionRun

from run_helpers import TINY, run, write_world

MODELINE = "# yaml-language-server: $schema=../assets/world.schema.json\n"


def test_world_copy_repoints_the_schema_modeline(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "world.schema.json").write_text("{}")
    (tmp_path / "worlds").mkdir()
    world = write_world(tmp_path / "worlds", MODELINE + TINY)
    out = tmp_path / "runs" / "one"
    r = run(world, out, generations=1)
    copy = (out / "world.yaml").read_text()
    first, rest = copy.split("\n", 1)
    target = first.split("$schema=", 1)[1]
    assert (out / target).resolve() == (tmp_path / "assets" / "world.schema.json").resolve()
    assert rest == TINY  # everything else (so every line number) as in the original
    # the run's SHA is that of its copy: resume accepts it, and continues
    resumed = EvolutionRun.resume(out, generations=2)
    assert resumed.world_sha == r.world_sha and resumed.generation == 1


def test_world_copy_drops_a_modeline_that_cannot_resolve(tmp_path):
    raw = (MODELINE + "name: x\n").encode()
    out = world_copy(raw, tmp_path / "w.yaml", tmp_path / "run")
    first, rest = out.decode().split("\n", 1)
    assert first.startswith("# (schema modeline removed") and rest == "name: x\n"
    plain = b"name: x\n"
    assert world_copy(plain, tmp_path / "w.yaml", tmp_path) == plain
    url = b"# yaml-language-server: $schema=https://example.org/s.json\nname: x\n"
    assert world_copy(url, tmp_path / "w.yaml", tmp_path) == url


def test_resume_of_a_finished_run_says_how_to_extend_it(tmp_path, capsys):
    out = tmp_path / "run"
    run(write_world(tmp_path), out, generations=1)
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert main(["evolve", "--resume", str(out), "--backend", "serial"]) == 0
    finally:
        os.chdir(cwd)
    said = capsys.readouterr().out
    assert "is complete: generation 1 of 1" in said and "--generations N" in said
    assert Path(out / "metrics.csv").read_text().count("\n") == 1 + 2  # nothing was run
