"""Read-only views of a World for drawing, stats and the inspector.

`World.snapshot()` returns a `Snapshot`; `World.inspect(agent_id)` returns an `AgentView`.
The renderer and the evolution runner only ever read these; they never touch engine state.
All arrays are copies or read-only views (``arr.flags.writeable is False``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alife.brain.heads import HeadTrace


@dataclass(frozen=True)
class Snapshot:
    """State of every arena at one tick. N = agents alive, F = food/poison items.

    Agent arrays (N,): x, y, heading (radians) float32; radius, energy, max_energy float32;
    age int32; ids, parent_ids int64 (parent -1 for founders); species int16 (index into
    config.species); arena int32; signal (N, 3) float32 in [0, 1] (the emitted colour).
    Food arrays (F,): food_x, food_y float32; food_kind int8 (0 food, 1 poison); food_arena int32.
    cue_on (A,) bool per arena (a cue light is showing); cue_side (A,) int8 (-1/+1, 0 none).
    swapped (A,) bool per arena: food and poison trade roles this episode (None: the world
    never swaps them).
    births, deaths, eaten: totals since the last reset(); tick_births, tick_deaths, tick_eaten:
    during the last tick only. done (N,) bool: the agent has finished (reached a cue goal).
    """

    tick: int
    generation: int
    arena_count: int
    arena_size: tuple[float, float]
    x: np.ndarray
    y: np.ndarray
    heading: np.ndarray
    radius: np.ndarray
    energy: np.ndarray
    max_energy: np.ndarray
    age: np.ndarray
    ids: np.ndarray
    parent_ids: np.ndarray
    species: np.ndarray
    arena: np.ndarray
    signal: np.ndarray
    food_x: np.ndarray
    food_y: np.ndarray
    food_kind: np.ndarray
    food_arena: np.ndarray
    cue_on: np.ndarray
    cue_side: np.ndarray
    population: int
    food_count: int
    births: int
    deaths: int
    eaten: int
    done: np.ndarray | None = None
    tick_births: int = 0
    tick_deaths: int = 0
    tick_eaten: int = 0
    swapped: np.ndarray | None = None


@dataclass(frozen=True)
class AgentView:
    """One agent's body and brain at this tick, for the inspector.

    sensor_names: list of S input names (sensors, then previous reads, then "bias");
    inputs (S,) float32: the controller input x this tick; motors (M,) float32 in [-1, 1];
    motor_names: list of M names; switch_states (depth, width) bool;
    condensed (n_out, S) float32: C with C @ inputs == raw net output (pre-tanh);
    memory (value_size, mem_width) float32 or None when memory is off;
    read_keys (R, key_size), write_key (key_size,), write_value (value_size,) float32 or None;
    write_gate float or None; ray_angles (rays,) float32 (relative to heading) and ray_range float
    for drawing the sensor rays; heads: the positional heads' step (alife.brain.heads.HeadTrace:
    positions before and after, shifts, home flags, interpolation gates) or None (content
    addressing or memory off); addressing: "content", "location" (memory holds tape cells,
    column p = cell p) or "both".
    """

    agent_id: int
    species: int
    arena: int
    x: float
    y: float
    heading: float
    energy: float
    age: int
    generation: int
    parent_id: int
    sensor_names: list[str]
    inputs: np.ndarray
    motor_names: list[str]
    motors: np.ndarray
    switch_states: np.ndarray
    condensed: np.ndarray
    memory: np.ndarray | None
    read_keys: np.ndarray | None
    write_key: np.ndarray | None
    write_value: np.ndarray | None
    write_gate: float | None
    ray_angles: np.ndarray
    ray_range: float
    heads: HeadTrace | None = None
    addressing: str = "content"
