"""A world file as a PettingZoo ParallelEnv: every agent of the learner species acts each tick.

Built on alife.env.batch.BatchEnv (read its docstring for observations, actions, rewards, names
and seeds); this module only turns its arrays into the dicts PettingZoo uses. Agent names are
"<species>_<k>"; `possible_agents` lists every name an episode can use (in an open-ended world,
up to `max_agents` per species). Agents that die are terminated and leave `agents` after that
step; newborns join `agents` in the step they are born, with reward 0 and the info {"born": True,
"parent": the parent's name, or None for a founder added to keep the species alive}.
"""

from __future__ import annotations

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from alife.env.batch import BatchEnv, Report
from alife.errors import EnvError


class WorldParallelEnv(ParallelEnv):
    """PettingZoo ParallelEnv over a world file; keyword arguments as for BatchEnv
    (species, genomes, memory, arenas, max_steps, max_agents)."""

    metadata = {"name": "alife_world_v0", "render_modes": [], "is_parallelizable": True}
    render_mode = None

    def __init__(self, world, **options):
        self.batch = BatchEnv(world, **options)
        b, names = self.batch, self.batch.config.species_names
        self._names = [[f"{names[s]}_{k}" for k in range(n)]
                       for s, n in zip(b.learners, b.n_names, strict=True)]
        self.possible_agents = [a for names in self._names for a in names]
        spaces = [
            (gymnasium.spaces.Box(*b.obs_bounds(s), dtype=np.float32),
             gymnasium.spaces.Box(-1.0, 1.0, (b.n_actions(s),), dtype=np.float32))
            for s in b.learners
        ]  # fmt: skip
        self.observation_spaces = {a: spaces[i][0] for i, ns in enumerate(self._names) for a in ns}
        self.action_spaces = {a: spaces[i][1] for i, ns in enumerate(self._names) for a in ns}
        self.agents: list[str] = []
        self._rng: np.random.Generator | None = None

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        return self._space(self.observation_spaces, agent)

    def action_space(self, agent: str) -> gymnasium.spaces.Box:
        return self._space(self.action_spaces, agent)

    @staticmethod
    def _space(spaces: dict, agent: str) -> gymnasium.spaces.Box:
        try:
            return spaces[agent]
        except KeyError:
            raise EnvError(f"'{agent}' is not an agent of this environment") from None

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Start an episode of the World seeded `seed`; without a seed, the first reset uses the
        world file's seed and later ones draw the next seed from the last seeded one."""
        if seed is not None or self._rng is None:
            seed = self.batch.config.seed if seed is None else int(seed)
            self._rng = np.random.default_rng(seed)
        else:
            seed = int(self._rng.integers(2**63 - 1))
        report = self.batch.reset(seed)
        obs, _, _, _, infos = self._dicts(report)
        self.agents = list(obs)
        return obs, infos

    def step(self, actions: dict):
        b = self.batch
        if b.over:
            raise EnvError("the episode is over: call reset() to start another")
        arrays = []
        for i, names in enumerate(self._names):
            live = [names[k] for k in b.live_names(i).tolist()]
            missing = [a for a in live if a not in actions]
            if missing:
                raise EnvError(f"no action for {', '.join(missing[:5])}")
            try:
                arrays.append(np.array([actions[a] for a in live], np.float32))
            except (TypeError, ValueError):
                arrays.append(None)  # ragged or not numbers: BatchEnv.step names the problem
        extra = set(actions) - set(self.agents)
        if extra:
            raise EnvError(f"actions for agents that are not there: {sorted(extra)[:5]}")
        out = self._dicts(b.step(arrays))
        self.agents = [self._names[i][k] for i in range(len(self._names))
                       for k in b.live_names(i).tolist()]
        return out

    def _dicts(self, report: Report):
        obs, rewards, terminated, truncated, infos = {}, {}, {}, {}, {}
        for i, names in enumerate(self._names):
            agents = [names[k] for k in report.names[i].tolist()]
            obs.update(zip(agents, report.obs[i], strict=True))
            rewards.update(zip(agents, report.rewards[i].tolist(), strict=True))
            terminated.update(zip(agents, report.terminated[i].tolist(), strict=True))
            truncated.update(zip(agents, report.truncated[i].tolist(), strict=True))
            infos.update((a, {}) for a in agents)
            for k, p in zip(np.flatnonzero(report.born[i]), report.parents[i][report.born[i]],
                            strict=True):
                infos[agents[k]] = {"born": True, "parent": names[p] if p >= 0 else None}
        return obs, rewards, terminated, truncated, infos

    def render(self) -> None:
        """No rendering: watch a world with `python run.py play WORLD`."""
        return None

    def close(self) -> None:
        self.batch.world = None
