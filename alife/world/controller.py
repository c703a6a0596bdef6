"""What a World needs from a brain: the `Controller` protocol and how a World gets one.

A World builds one controller per species with a `ControllerFactory` (config, species index)
-> Controller; the default is `alife.world.engine.make_controller` (the NTM). Each tick it steps
every species' agents at once: `step(prepare(genomes), state, sensors) -> motors`. Genomes are
flat float32 vectors the controller defines (n_params each); the per-agent runtime state (memory
and the like, not part of the genome) is a `ControllerState`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from alife.config.models import WorldConfig


@runtime_checkable
class ControllerState(Protocol):
    """Per-agent runtime state of B agents: a dataclass whose fields are arrays with the agent
    on the first axis (saved and restored field by field, by name)."""

    def __len__(self) -> int: ...

    def take(self, idx) -> ControllerState:
        """A new state of rows idx (an index array or boolean mask)."""
        ...

    def concat(self, other: ControllerState) -> ControllerState: ...

    def reset_rows(self, mask) -> None:
        """Zero the state of rows mask (an episode start, a birth)."""
        ...


@runtime_checkable
class Controller(Protocol):
    """A batched brain for the agents of one species."""

    n_sensors: int
    n_motors: int

    @property
    def n_params(self) -> int: ...

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Fresh random genomes (count, n_params) float32."""
        ...

    def new_state(self, batch: int) -> ControllerState:
        """The zeroed state of `batch` agents."""
        ...

    def prepare(self, genomes: np.ndarray, after: Any = None) -> Any:
        """Checked / converted genomes (B, n_params) float32, reused by many step calls.
        after: what prepare returned for the first rows of `genomes`, which have not changed
        since (rows were appended): a controller may check and convert only the new rows."""
        ...

    def step(self, genomes: Any, state: ControllerState, sensors: np.ndarray) -> np.ndarray:
        """One tick of B agents: genomes from prepare, sensors (B, n_sensors) float32 ->
        motors (B, n_motors) float32 in [-1, 1]; the state is updated in place.

        A step may also take a keyword `live` ((B,) bool, see `takes_live`): the World then
        passes which rows hold living agents, and the controller may skip the others (dead
        agents: their motors are ignored and their state is never stepped again)."""
        ...


def takes_live(ctrl: Controller) -> bool:
    """Does ctrl.step take the keyword `live` (it may skip dead agents' rows)?"""
    try:
        return "live" in inspect.signature(ctrl.step).parameters
    except (TypeError, ValueError):  # a step Python cannot look into
        return False


@runtime_checkable
class InspectableController(Controller, Protocol):
    """A controller the inspector can look into (the NTM)."""

    memory: Any

    def trace(
        self, genome: np.ndarray, state: ControllerState, row: int, sensors_row: np.ndarray
    ) -> dict: ...

    def input_names(self, sensor_names: list[str]) -> list[str]: ...


ControllerFactory = Callable[[WorldConfig, int], Controller]
