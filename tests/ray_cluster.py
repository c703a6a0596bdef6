"""A real local Ray cluster for tests: `ray start --head` and more `ray start --address` nodes,
all on 127.0.0.1, with token authentication (a fresh token in a temporary file), ports that do
not collide with anything running, a temporary directory, and a teardown that ends exactly the
processes these commands started (each node runs in its own session; nothing else is touched).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_members(sid: int) -> list[int]:
    """Ids of the live (not zombie) processes whose session is `sid` (a node started with
    start_new_session)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


class LocalCluster:
    """Started by `local_cluster()`; `address` is the head's HOST:PORT, `env` what a driver
    needs (token authentication, this checkout on PYTHONPATH)."""

    def __init__(self, tmp: Path):
        self.tmp = Path(tmp)
        token = self.tmp / "token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        self.env = dict(os.environ, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token),
                        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                        RAY_USAGE_STATS_ENABLED="0")  # fmt: skip
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[subprocess.Popen] = []

    def _start(self, name: str, args: list[str], env: dict) -> None:
        ports = [
            "--node-manager-port", free_port(), "--object-manager-port", free_port(),
            "--dashboard-agent-listen-port", free_port(), "--dashboard-agent-grpc-port",
            free_port(), "--metrics-export-port", free_port(), "--runtime-env-agent-port",
            free_port(), "--min-worker-port", 0, "--max-worker-port", 0,
        ]  # fmt: skip
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen(
            ["ray", "start", "--block", "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
             "--disable-usage-stats", *map(str, ports), *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT,
        )  # fmt: skip
        self.nodes.append(proc)
        deadline = time.monotonic() + 180
        while "Ray runtime started" not in (self.tmp / f"{name}.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray node {name} did not start:\n"
                                   + (self.tmp / f"{name}.log").read_text()[-3000:])
            time.sleep(0.5)

    def start_head(self) -> None:
        self._start("head", ["--head", "--port", str(self.port), "--include-dashboard", "false",
                             "--dashboard-port", str(free_port()),
                             "--temp-dir", str(self.tmp / "ray")], self.env)  # fmt: skip

    def add_node(self, **env) -> None:
        """One more node of 1 CPU joining the head (extra environment variables for it)."""
        self._start(f"node{len(self.nodes)}", ["--address", self.address],
                    {**self.env, **env})  # fmt: skip

    def stop(self) -> None:
        """End every process of every node's session: SIGTERM, then SIGKILL after 15 s."""
        sessions = [p.pid for p in self.nodes]
        for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            for sid in sessions:
                for pid in session_members(sid):
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(session_members(s) for s in sessions):
                for p in self.nodes:
                    p.poll()  # reap the `ray start` processes themselves
                time.sleep(0.2)
            if not any(session_members(s) for s in sessions):
                break
        for p in self.nodes:
            p.poll()


@contextmanager
def local_cluster(nodes: int = 2):
    """A head and `nodes - 1` more nodes, 1 CPU each, in a short temporary folder (Ray's socket
    paths must stay under 108 characters); always torn down, folder removed."""
    tmp = Path(tempfile.mkdtemp(prefix="alife-ray-", dir="/tmp"))
    cluster = LocalCluster(tmp)
    try:
        cluster.start_head()
        for _ in range(nodes - 1):
            cluster.add_node()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
