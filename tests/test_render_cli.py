"""`play` / `view` from the command line: scripted frames + screenshot, clear errors (no display,
bad world file, bad --select, broken run directory), `python run.py` defaults to play."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from alife.cli import build_parser, main
from alife.config import load_world
from alife.errors import CheckpointError
from alife.evolve.rundir import BestGenomes, save_best
from alife.render.launch import load_run_best, load_run_history
from alife.world import World

ROOT = Path(__file__).resolve().parent.parent
FORAGING = ROOT / "worlds" / "foraging.yaml"


def test_play_frames_screenshot_select_inspector(tmp_path, capsys):
    out = tmp_path / "shot.png"
    code = main(
        [
            "play", str(FORAGING), "--frames", "3", "--screenshot", str(out),
            "--select", "5", "--inspector", "--size", "900x600",
        ]
    )  # fmt: skip
    assert code == 0
    assert "screenshot saved" in capsys.readouterr().out
    img = pygame.image.load(str(out))
    assert img.get_size() == (900, 600)
    # the inspector panel on the right is drawn (many distinct colours)
    arr = pygame.surfarray.array3d(img)[900 - 470 :, :]
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 20


def test_no_command_means_play_the_default_world():
    args = build_parser().parse_args(["play"])
    assert Path(args.world) == FORAGING
    assert args.func.__name__ == "_cmd_play"


def test_bad_select_and_bad_size_are_clear_errors(capsys):
    assert main(["play", str(FORAGING), "--frames", "1", "--select", "99999"]) == 1
    assert "no such agent" in capsys.readouterr().err
    assert main(["play", str(FORAGING), "--frames", "1", "--size", "big"]) == 1
    assert "--size" in capsys.readouterr().err


def test_broken_world_file_is_one_located_message(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FORAGING.read_text().replace("depth: 3 ", "depth: -3 "))
    assert main(["play", str(bad), "--frames", "1"]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:" in err and "depth" in err and "Traceback" not in err
    assert main(["play", str(tmp_path / "missing.yaml"), "--frames", "1"]) == 1
    assert "no such world file" in capsys.readouterr().err


def test_no_display_gives_a_headless_hint_not_a_traceback():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("SDL_VIDEODRIVER", None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "run.py")],
        env=env, capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 1
    assert "no display" in out.stderr
    assert "python run.py evolve" in out.stderr
    assert "Traceback" not in out.stderr


def _run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    text = FORAGING.read_text()
    (run / "world.yaml").write_text(text)
    config = load_world(run / "world.yaml")
    n_params = World(config, 0).controllers[0].n_params
    genome = np.random.default_rng(1).normal(size=n_params).astype(np.float32)
    save_best(
        run / "best.npz",
        BestGenomes(["forager"], [genome], np.array([3.0]), np.array([7], dtype=np.int64)),
    )
    return run


def test_view_shows_a_runs_best_genome(tmp_path, capsys):
    run = _run_dir(tmp_path)
    world_file, genomes, generation = load_run_best(run)
    assert world_file == run / "world.yaml" and generation == 7
    assert genomes[0].shape[0] == 8 * 40  # the run's population: 8 arenas of 40
    assert (genomes[0] == genomes[0][0]).all()
    out = tmp_path / "view.png"
    assert main(["view", str(run), "--frames", "2", "--screenshot", str(out)]) == 0
    assert out.exists()
    (run / "metrics.csv").write_text(
        "generation,species,best,mean,median,worst,diversity,best_ever,clusters,cluster_sizes,"
        "agent_ticks,agent_ticks_per_s,wall_time\n"
        "0,forager,2.0,0.5,0,0,1,2.0,1,0:320,100,10,1\n1,forager,4.0,1.5,0,0,1,4.0,1,0:320,100,10,1\n"
    )
    history = load_run_history(run, load_world(run / "world.yaml"))
    assert history == {"best": [2.0, 4.0], "mean": [0.5, 1.5]}


def test_view_of_a_broken_run_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(CheckpointError, match="no such run directory"):
        load_run_best(tmp_path / "nope")
    run = _run_dir(tmp_path)
    (run / "best.npz").write_bytes(b"not a zip")
    assert main(["view", str(run), "--frames", "1"]) == 1
    assert "best" in capsys.readouterr().err
    run2 = tmp_path / "other"
    run2.mkdir()
    (run2 / "world.yaml").write_text(FORAGING.read_text().replace("name: forager", "name: x"))
    save_best(
        run2 / "best.npz",
        BestGenomes(["forager"], [np.zeros(5, np.float32)], np.zeros(1), np.zeros(1, np.int64)),
    )
    with pytest.raises(CheckpointError, match="species"):
        load_run_best(run2)
    (run2 / "world.yaml").write_text(FORAGING.read_text())
    with pytest.raises(CheckpointError, match="5 parameters"):
        load_run_best(run2)


def test_unreachable_display_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
    env["DISPLAY"] = ":97"  # no X server there
    out = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "play", str(FORAGING)],
        env=env, capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 1
    assert "cannot open a window" in out.stderr and "evolve" in out.stderr
    assert "Traceback" not in out.stderr


def test_play_load_continues_from_a_named_snapshot(tmp_path, monkeypatch, capsys):
    from alife.render.session import Session
    from alife.render.snapshots import save_snapshot

    monkeypatch.chdir(tmp_path)
    world = tmp_path / "foraging.yaml"
    world.write_text(FORAGING.read_text())
    session = Session(world)  # saves into runs/window-foraging, as the window's S does
    session.tick(3)
    info = save_snapshot(session, session.checkpoint_dir)
    assert info.path.parent.parent == Path("runs") / "window-foraging"
    assert main(["play", str(world), "--load", info.name, "--frames", "2"]) == 0
    assert f"continuing from snapshot {info.name} (tick 3)" in capsys.readouterr().out
    # no world file given: the snapshot's own
    assert main(["play", "--load", str(info.path.parent), "--frames", "1"]) == 0
    assert "continuing from snapshot" in capsys.readouterr().out
    assert main(["play", str(world), "--load", "nope", "--frames", "1"]) == 1
    assert "no such snapshot" in capsys.readouterr().err


def test_view_of_an_open_ended_run_shows_its_living_population(tmp_path, capsys):
    from alife.evolve import checkpoint as ck
    from alife.render.launch import open_ended_session

    from run_helpers import ECO, run, write_world

    out = tmp_path / "eco"
    run(write_world(tmp_path, ECO), out)
    session = open_ended_session(out)
    latest = ck.load_checkpoint(ck.latest_checkpoint(out / "checkpoints"))
    assert np.array_equal(session.world.agents["ids"], latest.arrays["world_agent_ids"])
    assert session.world.tick_count == 4 * 40 and session.generation == 4
    ids = session.world.snapshot().ids
    lines = session.family.ancestry_lines(int(ids[-1]))
    assert lines[0].startswith(f"genome #{ids[-1]}  born t")  # from the run's lineage.csv
    assert len(session.history["grazer"]) > 0
    shot = tmp_path / "eco.png"
    assert main(["view", str(out), "--frames", "2", "--screenshot", str(shot)]) == 0
    assert shot.exists() and "no best genomes" not in capsys.readouterr().err
