"""Episode scores (fitness) from per-agent counters, weighted by each species' `scoring:` block.

The counters (alife.world.interact C_*) count items eaten, prey caught, ticks alive and cue
goals reached; the weights come from the world file, so "what counts as good" is data, not code
(as with the task rewards of EvoJAX / Gymnasium environments).
"""

from __future__ import annotations

import numpy as np

from alife.world.interact import (
    C_ALIVE_TICKS,
    C_FAILURE,
    C_FOOD,
    C_POISON,
    C_PREY,
    C_SUCCESS,
)


def start_goal_distance(world) -> np.ndarray:
    """(N,) float64 distance from each agent's start to the nearest cue goal (0 without a cue)."""
    A = world.agents
    if world.config.cue is None:
        return np.zeros(A["x"].shape[0])
    dx = A["spawn_x"][:, None] - world.goals[None, :, 0]
    dy = A["spawn_y"][:, None] - world.goals[None, :, 1]
    return np.sqrt(dx * dx + dy * dy).min(axis=1)


def episode_scores(world) -> list[np.ndarray]:
    """Score so far per species, (n,) float64 each, in the species' row (= genome) order."""
    A = world.agents
    c = A["counters"].astype(np.float64)
    out = []
    for s, sp in enumerate(world.config.species):
        lo, hi = world.offsets[s], world.offsets[s + 1]
        w = sp.scoring
        f = (
            w.food * c[lo:hi, C_FOOD]
            + w.poison * c[lo:hi, C_POISON]
            + w.prey * c[lo:hi, C_PREY]
            + w.survival * c[lo:hi, C_ALIVE_TICKS]
            + w.success * c[lo:hi, C_SUCCESS]
            + w.failure * c[lo:hi, C_FAILURE]
            + w.energy * np.maximum(A["energy"][lo:hi], 0.0)
        )
        if w.approach and world.config.cue is not None:
            d0 = np.maximum(start_goal_distance(world)[lo:hi], 1e-9)
            f = f + w.approach * np.clip(1.0 - A["goal_d"][lo:hi] / d0, 0.0, 1.0)
        out.append(f)
    return out
