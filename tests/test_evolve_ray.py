"""A real 2-node Ray cluster on 127.0.0.1 (token authentication on, as Ray sets up by default):
`evolve --backend ray --address` gives the serial backend's metrics; a node that would compute
other bits is refused; a wrong address fails quickly with one line and leaves no run directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ray_cluster import local_cluster

from alife import cli

from run_helpers import TINY, assert_same, comparable, run, write_world

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX processes")


def evolve(args: list[str], env: dict, timeout: float = 600) -> tuple[int, str, str, float]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "run.py", "evolve", *args, "--no-progress"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.slow  # starting a 2-node cluster and its workers takes about a minute
def test_two_node_cluster_matches_serial_and_refuses_a_different_node(tmp_path):
    pytest.importorskip("ray")
    world = write_world(tmp_path, TINY)
    run(world, tmp_path / "serial")
    with local_cluster(nodes=2) as cluster:
        code, out, err, _ = evolve([str(world), "--out", str(tmp_path / "ray"), "--backend",
                                    "ray", "--address", cluster.address, "--workers", "2"],
                                   cluster.env)  # fmt: skip
        assert code == 0, (out, err[-3000:])
        assert "backend: ray (2 worker(s))" in out
        assert_same(comparable(tmp_path / "ray"), comparable(tmp_path / "serial"))

        # without the cluster's token, a driver is refused with a hint, and leaves nothing
        plain = {k: v for k, v in cluster.env.items() if not k.startswith("RAY_AUTH")}
        code, out, err, took = evolve([str(world), "--out", str(tmp_path / "noauth"),
                                       "--backend", "ray", "--address", cluster.address],
                                      plain)  # fmt: skip
        assert code == 1 and len(error_lines(err)) == 1 and "Traceback" not in err, err[-2000:]
        assert "RAY_AUTH_MODE=token" in error_lines(err)[0] and took < 60
        assert not (tmp_path / "noauth").exists()

        # a node whose NumPy runs other SIMD code would not compute the same bits: refused
        cluster.add_node(NPY_DISABLE_CPU_FEATURES="X86_V3")
        code, out, err, _ = evolve([str(world), "--out", str(tmp_path / "mixed"), "--backend",
                                    "ray", "--address", cluster.address, "--workers", "3"],
                                   cluster.env)  # fmt: skip
        lines = error_lines(err)
        assert code == 1 and len(lines) == 1 and "Traceback" not in err, err[-2000:]
        assert "NumPy SIMD level" in lines[0] and "bit-identical" in lines[0]


def test_unreachable_address_fails_at_once_and_leaves_no_run_dir(tmp_path, capsys):
    pytest.importorskip("ray")
    world = write_world(tmp_path, TINY)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    code = cli.main(["evolve", str(world), "--out", str(tmp_path / "r"), "--backend", "ray",
                     "--address", f"127.0.0.1:{port}", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and time.monotonic() - t0 < 10
    assert err.count("error: ") == 1 and f"cannot reach a Ray cluster at 127.0.0.1:{port}" in err
    assert not (tmp_path / "r").exists() and not list(tmp_path.glob(".r.*"))
    assert cli.main(["evolve", str(world), "--backend", "ray", "--address", "nocolon"]) == 1
    assert "not HOST:PORT" in capsys.readouterr().err


@pytest.mark.slow  # waits for Ray's connection deadline (25 s)
def test_address_that_is_not_ray_fails_within_30_s(tmp_path):
    pytest.importorskip("ray")
    world = write_world(tmp_path, TINY)
    with socket.socket() as server:  # listens, but speaks no Ray
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        address = f"127.0.0.1:{server.getsockname()[1]}"
        code, out, err, took = evolve([str(world), "--out", str(tmp_path / "r"), "--backend",
                                       "ray", "--address", address], dict(os.environ))  # fmt: skip
    lines = error_lines(err)
    assert code == 1 and len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert f"a Ray cluster at {address} did not answer" in lines[0] and took < 40
    assert not (tmp_path / "r").exists()
