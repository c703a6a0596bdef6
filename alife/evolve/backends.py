"""Evaluation backends behind one interface: serial, processes, ray.

`backend.start(evaluator)` ships the evaluator (world config + seed) to the workers once;
`backend.map(tasks)` returns one `Result` per task, in task order; `backend.close()` stops the
workers. Workers are long-lived (one process or Ray actor per worker for the whole run) and pull
batches of arenas, so per-generation overhead is a few messages. Every worker pins Numba, OpenMP
and BLAS to one thread: K workers use K cores without oversubscription.
Results never depend on the backend or worker count: tasks are cut from the layout
alone and each arena is seeded from (seed, generation, arena).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import socket
import threading
import traceback

from alife.errors import AlifeError, BackendError
from alife.evolve.evaluate import Result, Task
from alife.evolve.fingerprint import node_fingerprint

THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
BACKENDS = ("serial", "processes", "ray")
CONNECT_TIMEOUT_S = 25.0


def pin_threads() -> None:
    """This process computes on one thread (Numba, OpenMP, BLAS)."""
    os.environ.update(THREAD_ENV)
    from alife.jit import set_threads

    set_threads(1)


class SerialBackend:
    """Evaluate every task in this process, on one thread (the baseline)."""

    name = "serial"

    def __init__(self, threads: int = 1):
        self.workers = 1
        self.threads = threads
        self._evaluator = None

    def connect(self) -> None:
        """Nothing to reach: evaluation happens in this process."""

    def start(self, evaluator) -> None:
        import numba

        from alife.jit import set_threads

        self._saved_threads = numba.get_num_threads()
        set_threads(self.threads)
        self._evaluator = evaluator

    def map(self, tasks: list[Task]) -> list[Result]:
        return [self._evaluator(t) for t in tasks]

    def close(self, force: bool = False) -> None:
        if self._evaluator is not None:
            from alife.jit import set_threads

            set_threads(self._saved_threads)
        self._evaluator = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(force=exc[0] is not None)


def _worker_main(evaluator, inbox, outbox, parent: int) -> None:
    """Long-lived worker loop: (call, index, task) in, (call, index, ok, result-or-error) out;
    None stops it, and so does the parent's death (no orphans after a kill -9 of the run)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    pin_threads()
    while True:
        try:
            item = inbox.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if item is None:
            return
        call, index, task = item
        try:
            outbox.put((call, index, True, evaluator(task)))
        except BaseException as err:  # noqa: BLE001 - report every failure to the parent
            detail = err if isinstance(err, AlifeError) else traceback.format_exc()
            outbox.put((call, index, False, detail))


@contextlib.contextmanager
def _env(extra: dict[str, str]):
    old = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ProcessBackend:
    """K long-lived local worker processes (spawn context) pulling tasks from one queue."""

    name = "processes"

    def __init__(self, workers: int | None = None, start_method: str = "spawn"):
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self._ctx = mp.get_context(start_method)
        self._procs: list = []
        self._inbox = self._outbox = None
        self._call = 0  # tags messages, so results left over from a failed map are ignored

    def connect(self) -> None:
        """Nothing to reach: the workers start with the run."""

    def start(self, evaluator) -> None:
        self._inbox, self._outbox = self._ctx.Queue(), self._ctx.Queue()
        with _env(THREAD_ENV):  # spawned children inherit it before importing numba
            for _ in range(self.workers):
                p = self._ctx.Process(
                    target=_worker_main,
                    args=(evaluator, self._inbox, self._outbox, os.getpid()),
                    daemon=True,
                )
                p.start()
                self._procs.append(p)

    def map(self, tasks: list[Task]) -> list[Result]:
        self._call += 1
        for i, t in enumerate(tasks):
            self._inbox.put((self._call, i, t))
        results: list[Result | None] = [None] * len(tasks)
        pending = len(tasks)
        while pending:
            try:
                call, index, ok, payload = self._outbox.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in self._procs if not p.is_alive()]
                if dead:
                    raise BackendError(
                        f"{len(dead)} worker process(es) died (exit code "
                        f"{dead[0].exitcode}); the run can be resumed from its last checkpoint"
                    ) from None
                continue
            if call != self._call:
                continue
            if not ok:
                if isinstance(payload, AlifeError):
                    raise payload
                raise BackendError(f"a worker failed while evaluating:\n{payload}")
            results[index] = payload
            pending -= 1
        return results  # type: ignore[return-value]

    def close(self, force: bool = False) -> None:
        if not self._procs:
            return
        if not force:
            for _ in self._procs:
                with contextlib.suppress(Exception):
                    self._inbox.put(None)
            for p in self._procs:
                p.join(timeout=5.0)
        for p in self._procs:
            if p.is_alive():
                p.terminate()
                p.join(timeout=5.0)
        for q in (self._inbox, self._outbox):
            q.cancel_join_thread()
            q.close()
        self._procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(force=exc[0] is not None)


class RayBackend:
    """K Ray actors (one CPU each) on a cluster (`address`, HOST:PORT) or, without an address, on
    a private local Ray bound to 127.0.0.1. `connect()` reaches the cluster (BackendError within
    CONNECT_TIMEOUT_S if it does not answer); `start()` refuses a cluster whose nodes do not
    all have this process's `node_fingerprint()` (results would not be bit-identical)."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None):
        self._auto_workers = workers is None
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.address = address
        self._actors: list = []
        self._pool = None
        self._connected = False

    @staticmethod
    def _ray():
        try:
            import ray
        except ImportError:
            raise BackendError(
                "the ray backend needs Ray: pip install 'alife[ray]' (or pip install ray)"
            ) from None
        return ray

    def connect(self) -> None:
        """Join the cluster at `address` (or start a private local Ray) now."""
        if self._connected:
            return
        ray = self._ray()
        runtime_env = {"env_vars": dict(THREAD_ENV)}
        quiet = {"include_dashboard": False, "logging_level": "ERROR", "log_to_driver": False,
                 "runtime_env": runtime_env}  # fmt: skip
        if self.address:
            where = f"a Ray cluster at {self.address}"
            if self.address != "auto":
                _probe(self.address)
            options = {"address": self.address, **quiet}
        else:
            where = "a local Ray on 127.0.0.1"
            options = {"num_cpus": self.workers, "_node_ip_address": "127.0.0.1", **quiet}
        outcome: dict = {}

        def init() -> None:
            try:
                ray.init(**options)
            except BaseException as err:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = err

        if self.address:  # Ray retries an unanswering address for ever: give it a deadline
            thread = threading.Thread(target=init, name="ray-connect", daemon=True)
            thread.start()
            thread.join(CONNECT_TIMEOUT_S)
            if thread.is_alive():
                raise BackendError(f"{where} did not answer within {CONNECT_TIMEOUT_S:.0f} s "
                                   f"(is it a Ray head's address?){_auth_hint()}")  # fmt: skip
        else:
            init()
        if "error" in outcome:
            first = str(outcome["error"]).strip().splitlines()[:1] or [type(outcome["error"])]
            hint = _auth_hint() if self.address else ""
            raise BackendError(f"cannot start or reach {where}: {first[0]}{hint}")
        self._connected = True
        if self._auto_workers:  # use the whole cluster (or the whole local machine)
            self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def start(self, evaluator) -> None:
        self.connect()
        ray = self._ray()
        from ray.util import ActorPool

        actor_cls = ray.remote(num_cpus=1)(_RayWorker)
        ref = ray.put(evaluator)
        self._actors = [actor_cls.remote(ref) for _ in range(self.workers)]
        self._pool = ActorPool(self._actors)
        mine = node_fingerprint()
        for theirs in ray.get([a.fingerprint.remote() for a in self._actors]):
            differ = [k for k in sorted(set(mine) | set(theirs)) if mine.get(k) != theirs.get(k)]
            if differ:
                k = differ[0]
                self.close(force=True)
                raise BackendError(
                    f"a Ray worker's node differs from this machine in {k} ({theirs.get(k)} vs "
                    f"{mine.get(k)}): its results would not be bit-identical; run every node "
                    "with the same alife, Python packages and CPU family (see docs/algorithms.md, "
                    "Bit-identical results)"
                )

    def map(self, tasks: list[Task]) -> list[Result]:
        import ray

        try:
            return list(self._pool.map(lambda actor, t: actor.run.remote(t), tasks))
        except ray.exceptions.RayTaskError as err:
            cause = getattr(err, "cause", None)
            if isinstance(cause, AlifeError):
                raise cause from None
            raise BackendError(f"a Ray worker failed while evaluating:\n{err}") from None
        except ray.exceptions.RayActorError as err:
            raise BackendError(f"a Ray worker died: {err}") from None

    def close(self, force: bool = False) -> None:
        if not self._connected:
            return
        import ray

        for a in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(a)
        self._actors, self._pool = [], None
        ray.shutdown()
        self._connected = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(force=exc[0] is not None)


def _probe(address: str) -> None:
    """BackendError at once if nothing listens at HOST:PORT (Ray itself would retry for ever)."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BackendError(f"--address {address!r} is not HOST:PORT (a Ray head, e.g. "
                           "127.0.0.1:6379)")  # fmt: skip
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5.0).close()
    except OSError as err:
        raise BackendError(f"cannot reach a Ray cluster at {address}: "
                           f"{err.strerror or err}") from None  # fmt: skip


def _auth_hint() -> str:
    if os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
        return ""
    return ("; if the cluster uses token authentication, set RAY_AUTH_MODE=token here too, "
            "with the cluster's token in ~/.ray/auth_token or RAY_AUTH_TOKEN_PATH")


class _RayWorker:
    def __init__(self, evaluator):
        pin_threads()
        self.evaluator = evaluator

    def run(self, task: Task) -> Result:
        return self.evaluator(task)

    def fingerprint(self) -> dict[str, str]:
        return node_fingerprint()


def make_backend(name: str, workers: int | None = None, address: str | None = None):
    """A backend by name ('serial', 'processes', 'ray'); workers None = all local cores."""
    if name == "serial":
        return SerialBackend()
    if name == "processes":
        return ProcessBackend(workers)
    if name == "ray":
        return RayBackend(workers, address)
    raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
