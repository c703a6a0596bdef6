"""Shared helpers for the world tests: small configs built in code."""

from __future__ import annotations

import copy

import numpy as np

from alife.config.models import WorldConfig
from alife.world import make_controller


def species(**over) -> dict:
    base = {
        "name": "a",
        "count": 4,
        "sensors": {
            "rays": 8,
            "fov": 120,
            "range": 80,
            "sees": ["wall", "food", "poison", "agent"],
        },
        "brain": {"width": 64, "depth": 2},
        "memory": {"enabled": True, "width": 64, "key_size": 8, "value_size": 4, "reads": 1},
    }
    return _merge(base, over)


def config(**over) -> WorldConfig:
    base = {
        "seed": 3,
        "arena": {"width": 400, "height": 300, "boundary": "walls", "count": 1},
        "food": {"count": 20, "regrowth": 0.05},
        "poison": {"count": 5, "regrowth": 0.05},
        "species": [species()],
        "episode": {"length": 50},
    }
    return WorldConfig.model_validate(_merge(base, over))


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def clear_items(world) -> None:
    world.items.factive[:] = False


def put_item(world, slot: int, x: float, y: float) -> None:
    world.items.fx[slot] = x
    world.items.fy[slot] = y
    world.items.factive[slot] = True


def pose(world, row: int, x: float, y: float, heading: float = 0.0) -> None:
    world.agents["x"][row] = x
    world.agents["y"][row] = y
    world.agents["heading"][row] = heading


class FixedMotors:
    """Stands in for a species' brain: replays given motors (broadcast) or random ones."""

    def __init__(self, ctrl, motors=None, seed=0):
        self.ctrl, self.motors, self.rng = ctrl, motors, np.random.default_rng(seed)

    def __getattr__(self, name):  # everything else (new_state, init_genomes...) is the real one
        return getattr(self.ctrl, name)

    def step(self, genomes, state, sensors):
        n = sensors.shape[0]
        if self.motors is not None:
            return np.broadcast_to(self.motors, (n, self.ctrl.n_motors)).astype(np.float32)
        return self.rng.uniform(-1, 1, (n, self.ctrl.n_motors)).astype(np.float32)


def fixed_motors(motors=None, seed=0):
    """A controller factory whose controllers replay motors (see FixedMotors)."""
    return lambda config, s: FixedMotors(make_controller(config, s), motors, seed)


def rows(world, s: int = 0) -> np.ndarray:
    return np.arange(*world.span(s), dtype=np.int64)
