"""A world file as a Gymnasium Env for one agent: the learner drives one agent of one species.

The driven agent is the first agent of the chosen species (default: the world's first) in the
first arena; every other agent, of its species too, is driven by its own brain, with the
genomes given per species or fresh random ones (alife.env.batch.BatchEnv with first_only=True:
read its docstring for observations, actions, rewards and seeds). The episode terminates when
the agent dies and is truncated after `max_steps` ticks.

Registered as "alife/World-v0" when alife.env is imported:
`gymnasium.make("alife/World-v0", world="worlds/foraging.yaml")`.
"""

from __future__ import annotations

import gymnasium
import numpy as np

from alife.env.batch import BatchEnv
from alife.errors import EnvError


class WorldSingleAgentEnv(gymnasium.Env):
    """Gymnasium Env over a world file; species: the driven agent's species (default: the
    first); other keyword arguments as for BatchEnv (genomes, memory, arenas, max_steps)."""

    metadata = {"render_modes": []}

    def __init__(self, world, species: str | None = None, **options):
        if "first_only" in options or "max_agents" in options:
            raise EnvError("the single-agent env drives one agent: no first_only or max_agents")
        self.batch = BatchEnv(world, species=species, first_only=True, **options)
        s = self.batch.learners[0]
        self.observation_space = gymnasium.spaces.Box(*self.batch.obs_bounds(s), dtype=np.float32)
        self.action_space = gymnasium.spaces.Box(
            -1.0, 1.0, (self.batch.n_actions(s),), dtype=np.float32
        )
        self.render_mode = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start an episode of the World seeded `seed`; without a seed, the first reset uses the
        world file's seed and later ones draw the next seed from the last seeded one."""
        if seed is None and self._np_random is None:
            seed = self.batch.config.seed
        super().reset(seed=seed)
        if seed is None:
            seed = int(self.np_random.integers(2**63 - 1))
        report = self.batch.reset(int(seed))
        return report.obs[0][0], {}

    def step(self, action):
        if self.batch.over:
            raise EnvError("the episode is over: call reset() to start another")
        a = np.asarray(action, dtype=np.float32).reshape(1, -1)
        report = self.batch.step([a])  # reports the driven agent only
        return (
            report.obs[0][0],
            float(report.rewards[0][0]),
            bool(report.terminated[0][0]),
            bool(report.truncated[0][0]),
            {},
        )

    def close(self) -> None:
        self.batch.world = None
