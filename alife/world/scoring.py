"""Episode scores (fitness) from per-agent counters, weighted by each species' `scoring:` block.

The counters (alife.world.interact C_*) count items eaten, prey caught, ticks alive and cue
goals reached; the weights come from the world file, so "what counts as good" is data, not code
(as with the task rewards of EvoJAX / Gymnasium environments).
"""

from __future__ import annotations

import numpy as np

from alife.config.models import WorldConfig
from alife.world.agents import AgentTable
from alife.world.episode import approach_cued, start_goal_distance
from alife.world.interact import (
    C_ALIVE_TICKS,
    C_FAILURE,
    C_FOOD,
    C_POISON,
    C_PREY,
    C_SUCCESS,
)


def episode_scores(config: WorldConfig, agents: AgentTable, goals: np.ndarray,
                   cue_side: np.ndarray) -> list[np.ndarray]:
    """Score so far per species, (n_s,) float64 each, in the species' row (= genome) order;
    goals (G, 2) float64 are the cue goals and cue_side (A,) int64 each arena's cue goal (for
    the approach score)."""
    cols = agents.used()
    c = cols.counters.astype(np.float64)
    has_cue = config.cue is not None
    d0 = None  # each agent's start distance to its goal, for the approach score
    if has_cue and any(sp.scoring.approach for sp in config.species):
        d0 = start_goal_distance(cols, goals, has_cue, cue_side, approach_cued(config))
        d0 = np.maximum(d0, 1e-9)
    out = []
    for s, sp in enumerate(config.species):
        lo, hi = agents.span(s)
        w = sp.scoring
        f = (
            w.food * c[lo:hi, C_FOOD]
            + w.poison * c[lo:hi, C_POISON]
            + w.prey * c[lo:hi, C_PREY]
            + w.survival * c[lo:hi, C_ALIVE_TICKS]
            + w.success * c[lo:hi, C_SUCCESS]
            + w.failure * c[lo:hi, C_FAILURE]
            + w.energy * np.maximum(cols.energy[lo:hi], 0.0)
        )
        if w.approach and d0 is not None:
            f = f + w.approach * np.clip(1.0 - cols.goal_d[lo:hi] / d0[lo:hi], 0.0, 1.0)
        out.append(f)
    return out
