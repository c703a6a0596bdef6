"""Progress bar text and the cold-kernel-cache notice."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alife import cli
from alife.evolve import progress
from alife.evolve.progress import Progress, ProgressBar, numba_cache_cold


def test_progress_bar_shows_fitness_rate_and_eta():
    out = io.StringIO()
    bar = ProgressBar(0, 10, file=out)
    bar(Progress(3, 10, ["prey", "predator"], [12.5, 3.0], [4.25, 0.5], 1.5e6))
    bar.bar.refresh()
    text = out.getvalue()
    bar.close()
    assert "3/10" in text and "prey best 12.5 mean 4.25" in text
    assert "predator best 3 mean 0.5" in text and "1.50M agent-ticks/s" in text
    assert "<" in text  # tqdm's elapsed<remaining (ETA)
    out = io.StringIO()
    bar = ProgressBar(2, 5, open_ended=True, file=out)
    bar(Progress(3, 5, ["grazer"], [41.0], [0.8], 900.0))
    bar.bar.refresh()
    assert "pop 41" in out.getvalue() and "900 agent-ticks/s" in out.getvalue()
    bar.close()


def test_cache_cold_detection(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert numba_cache_cold()
    package = Path(progress.__file__).resolve().parent.parent
    for sub in ("brain", "world"):
        for module in package.joinpath(sub).glob("*.py"):
            (tmp_path / sub).mkdir(exist_ok=True)
            (tmp_path / sub / f"{module.stem}.py311.nbi").write_bytes(b"")
    assert not numba_cache_cold()
    # a module never compiled (its kernels unused so far) has no index: still warm
    jit = [m for m in sorted(package.joinpath("brain").glob("*.py"))
           if progress._JIT_USE.search(m.read_text())]  # fmt: skip
    assert len(jit) > 1
    (tmp_path / "brain" / f"{jit[0].stem}.py311.nbi").unlink()
    assert not numba_cache_cold()
    # a package without any index is cold
    for index in tmp_path.joinpath("brain").glob("*.nbi"):
        index.unlink()
    assert numba_cache_cold()
    for module in package.joinpath("brain").glob("*.py"):
        (tmp_path / "brain" / f"{module.stem}.py311.nbi").write_bytes(b"")
    # an index older than its source is stale: Numba recompiles, so the cache counts as cold
    jit = next(
        m for m in sorted(package.joinpath("world").glob("*.py"))
        if progress._JIT_USE.search(m.read_text())
    )  # fmt: skip
    os.utime(tmp_path / "world" / f"{jit.stem}.py311.nbi", (1.0, 1.0))
    assert numba_cache_cold()


def test_cli_says_when_it_compiles(tmp_path, monkeypatch, capsys):
    """Evolve warms the kernels up (before any worker starts) exactly when the cache is cold,
    and any command says so exactly when it compiles something, with a count and the seconds
    (the real cold cache: test_cli_compiles_a_cold_cache_once, marked slow)."""
    import numba

    from alife.evolve import runner

    from run_helpers import TINY

    world = tmp_path / "w.yaml"
    world.write_text(TINY)
    warmed = []

    def warm_up(config, seed):  # compiles one small function for real (never cached)
        warmed.append(seed)
        numba.njit(lambda x: x + seed)(1.0)

    monkeypatch.setattr(runner, "warm_up", warm_up)
    for cold, out in ((True, "r"), (False, "r2")):
        monkeypatch.setattr(progress, "numba_cache_cold", lambda cold=cold: cold)
        argv = ["evolve", str(world), "--out", str(tmp_path / out), "--generations", "1"]
        assert cli.main([*argv, "--backend", "serial", "--no-progress"]) == 0
        out = capsys.readouterr().out
        assert (cli.COMPILING in out) == cold and warmed == [3]  # once, for the cold run
        if cold:
            assert re.search(r"compiled [1-9]\d* functions in \d+ s", out)


@pytest.mark.slow
def test_cli_compiles_a_cold_cache_once(tmp_path):
    """A fresh Numba cache: the first run says it compiles (and really does), the second does
    not. Subprocesses, so the cache directory is really empty at the start."""
    from run_helpers import TINY

    world = tmp_path / "w.yaml"
    world.write_text(TINY)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    root = Path(__file__).resolve().parent.parent
    said = []
    for out in ("r1", "r2"):
        argv = ["evolve", str(world), "--out", str(tmp_path / out), "--generations", "1",
                "--backend", "serial", "--no-progress"]  # fmt: skip
        done = subprocess.run([sys.executable, "run.py", *argv], cwd=root, env=env,
                              capture_output=True, text=True, timeout=1800)  # fmt: skip
        assert done.returncode == 0, done.stderr
        said.append(cli.COMPILING in done.stdout)
    assert said == [True, False]
