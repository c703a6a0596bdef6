"""Shared helpers for the world tests: small configs built in code."""

from __future__ import annotations

import copy

import numpy as np

from alife.config.models import WorldConfig


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
    world.item["factive"][:] = False


def put_item(world, slot: int, x: float, y: float) -> None:
    world.item["fx"][slot] = x
    world.item["fy"][slot] = y
    world.item["factive"][slot] = True


def pose(world, row: int, x: float, y: float, heading: float = 0.0) -> None:
    world.agents["x"][row] = x
    world.agents["y"][row] = y
    world.agents["heading"][row] = heading


def rows(world, s: int = 0) -> np.ndarray:
    return np.arange(world.offsets[s], world.offsets[s + 1], dtype=np.int64)
