"""Replays: a run's generation (open-ended: chunk) re-simulated from its nearest checkpoint
reproduces the scores metrics.csv recorded, exactly; seeking through keyframes shows every tick
bit-identical however it is reached; videos have the frames that were drawn."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np
import pygame
import pytest

from alife.cli import main
from alife.errors import CheckpointError
from alife.evolve.replay import start_of
from alife.render.app import App
from alife.render.replay import ReplaySession
from alife.render.video import VideoError, VideoWriter, frame_count

from run_helpers import ECO, TINY, run, write_world


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replay")
    run(write_world(tmp, TINY), tmp / "gen")  # checkpoints at 0, 2, 4
    run(write_world(tmp, ECO, "eco.yaml"), tmp / "eco")
    return tmp / "gen", tmp / "eco"


@pytest.mark.parametrize("generation, resimulated", [(0, 0), (1, 1), (3, 1)])
def test_replay_reproduces_the_recorded_scores(runs, single_thread, generation, resimulated):
    gen_run, _ = runs
    start = start_of(gen_run, generation)
    assert start.generation == generation and start.resimulated == resimulated
    session = ReplaySession(start, keyframe_every=5)
    assert session.verify() == []
    assert session.world.tick_count == 0 and session.offscreen is None


def test_replay_finds_a_changed_score(runs, tmp_path, single_thread):
    import shutil

    gen_run, _ = runs
    copy = tmp_path / "copy"
    shutil.copytree(gen_run, copy)
    lines = (copy / "metrics.csv").read_text().splitlines()
    cells = lines[3].split(",")  # generation 1, prey
    cells[2] = repr(float(cells[2]) + 1.0)  # its best
    lines[3] = ",".join(cells)
    (copy / "metrics.csv").write_text("\n".join(lines) + "\n")
    diffs = ReplaySession(start_of(copy, 1)).verify()
    assert len(diffs) == 1 and diffs[0].startswith("prey best: replay")
    with pytest.raises(CheckpointError, match="generation 9 was not run"):
        start_of(copy, 9)


def test_open_ended_chunk_replay_matches_population_births_deaths(runs, single_thread):
    _, eco = runs
    start = start_of(eco, 2)  # checkpoints every chunk: no re-simulation needed
    session = ReplaySession(start, keyframe_every=7)
    assert session.first == 80 and session.last == 120
    assert session.verify() == []
    assert session.world.tick_count == 80
    assert start_of(eco, None).generation == 3  # default: the last chunk run


def test_seeking_shows_every_tick_bit_identically(runs, single_thread):
    _, eco = runs
    session = ReplaySession(start_of(eco, 1), keyframe_every=6)
    straight = {}
    while not session.at_end:  # the reference: played straight through once
        straight[session.world.tick_count] = session.world.state_arrays()
        session.tick(1)
    straight[session.world.tick_count] = session.world.state_arrays()
    rng = np.random.default_rng(0)
    for tick in [79, 40, 41, 47, 46, 60, 59, 58, 80, 40] + rng.integers(40, 81, 12).tolist():
        session.seek(int(tick))
        got = session.world.state_arrays()
        assert got.keys() == straight[tick].keys()
        for k, v in straight[tick].items():
            assert np.array_equal(got[k], v), (tick, k)
    assert sorted(session.timeline.frames) == list(range(40, 81, 6))


def test_slider_and_arrow_keys_scrub(runs, single_thread):
    gen_run, _ = runs
    session = ReplaySession(start_of(gen_run, 1), keyframe_every=5)
    app = App(session, size=(900, 600), max_fps=0)
    try:
        app.frame()
        assert app.slider is not None and app.slider.rect.width > 100
        rect = app.slider.rect
        x = rect.left + int(0.8 * rect.width)
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, rect.centery),
                                             button=1))  # fmt: skip
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, rect.centery),
                                             button=1))  # fmt: skip
        app.frame()
        assert app.paused and session.world.tick_count == 20  # 80% of 25 ticks
        for k in (pygame.K_LEFT, pygame.K_LEFT, pygame.K_RIGHT):
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0))
        app.frame()
        assert session.world.tick_count == 19
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_END,
                                             mod=pygame.KMOD_SHIFT))  # fmt: skip
        app.frame()
        assert session.at_end
        app.paused = False
        app.frame()  # the episode is over: the replay stays at its end, paused
        assert session.world.tick_count == 25 and app.paused
    finally:
        pygame.display.quit()


@pytest.mark.parametrize("suffix", ["gif", "mp4"])
def test_recorded_video_has_the_frames_drawn(tmp_path, suffix, capsys):
    out = tmp_path / f"play.{suffix}"
    world = write_world(tmp_path, TINY)
    code = main(["play", str(world), "--frames", "12", "--size", "320x240", "--record", str(out)])
    assert code == 0
    assert f"video saved: {out} (12 frames)" in capsys.readouterr().out
    assert frame_count(out) == 12


def test_replay_records_its_whole_episode(runs, tmp_path, capsys):
    gen_run, _ = runs
    out = tmp_path / "replay.gif"
    code = main(["replay", str(gen_run), "--generation", "1", "--ticks-per-frame", "5",
                 "--size", "320x240", "--record", str(out)])  # fmt: skip
    assert code == 0
    said = capsys.readouterr().out
    assert "replay of generation 1 matches metrics.csv" in said
    assert frame_count(out) == 5  # 25 ticks, 5 a frame


def test_bad_recordings_are_clear_errors(tmp_path):
    with pytest.raises(VideoError, match=".gif or .mp4"):
        VideoWriter(tmp_path / "x.avi", (100, 100), 10)
    with pytest.raises(VideoError, match="does not exist"):
        VideoWriter(tmp_path / "nope" / "x.gif", (100, 100), 10)
    with pytest.raises(VideoError, match="record fewer frames"):
        VideoWriter(tmp_path / "x.gif", (4000, 4000), 100)
    writer = VideoWriter(tmp_path / "x.gif", (100, 80), 1)
    with pytest.raises(VideoError, match="shape"):
        writer.add(np.zeros((100, 80, 3), np.uint8))
