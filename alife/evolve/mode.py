"""What an `EvolutionRun` delegates to: an evolution mode, and the Ctrl-C guard it runs under.

Two modes implement `EvolutionMode`: `GenerationalMode` (alife.evolve.generational: episodes in
arenas on a backend, then selection) and `OpenEndedMode` (alife.evolve.open_ended: one World with
births and deaths). The run owns the run directory, the checkpoints' common fields, the progress
and the loop; the mode owns its state, what it checkpoints, and one step.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from alife.evolve.checkpoint import Checkpoint
from alife.evolve.evaluate import Result, Task
from alife.evolve.metrics import MetricsLog
from alife.evolve.progress import Progress
from alife.evolve.rundir import BestGenomes


class InterruptGuard:
    """SIGINT raises KeyboardInterrupt inside `evaluation()`, else only sets `.requested`, so a
    generation's bookkeeping (metrics, best, checkpoint) is never cut in half."""

    def __init__(self):
        self.evaluating = False
        self.requested = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True
        if self.evaluating:
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)

    @contextmanager
    def evaluation(self) -> Iterator[None]:
        """The block may be cut short by Ctrl-C (raises KeyboardInterrupt at once if one came)."""
        if self.requested:
            raise KeyboardInterrupt
        self.evaluating = True
        try:
            yield
        finally:
            self.evaluating = False


class Backend(Protocol):
    """Evaluates Tasks (alife.evolve.backends: serial, processes, ray)."""

    name: str
    workers: int

    def start(self, evaluator: Callable[[Task], Result]) -> None: ...

    def map(self, tasks: list[Task]) -> list[Result]: ...

    def close(self, force: bool = False) -> None: ...


class EvolutionMode(Protocol):
    """One mode of evolution inside a run directory (see the module docstring)."""

    best: BestGenomes | None  # best genome ever per species (None: the mode keeps none)

    def manifest_extra(self) -> dict:
        """Mode-specific entries of manifest.json."""
        ...

    def task_evaluator(self) -> Callable[[Task], Result] | None:
        """What the backend's workers run (None: the mode needs no backend)."""
        ...

    def start(self) -> None:
        """Set up generation 0 of a new run."""
        ...

    def arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """The mode's state for a checkpoint: (arrays, extra JSON metadata)."""
        ...

    def restore(self, ckpt: Checkpoint, metrics: list[dict[str, str]]) -> None:
        """Take the state of a checkpoint written by `arrays`, after checking it against the
        world file and `metrics` (the verified metrics.csv rows before it); writes no file.
        CheckpointError naming the checkpoint if anything does not fit."""
        ...

    def logs(self) -> dict[str, MetricsLog]:
        """Growing files of the mode besides metrics.csv, by file name (checkpoints record their
        length)."""
        ...

    def step(self, backend: Backend, guard: InterruptGuard) -> Progress:
        """One generation (or open-ended chunk): metrics rows appended, run counters advanced."""
        ...
