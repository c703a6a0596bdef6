"""A world file as an environment of arrays: the core under the PettingZoo and Gymnasium envs.

`BatchEnv` runs one World (alife.world) of a world file and lets a learner drive the agents of
chosen species ("learner species"): each `step` is one World tick, with every driven agent's
actions given as one (k, n_actions) float32 array per learner species; what comes back is
arrays too. Nothing here loops over agents in Python.

- Observation: the agent's sensor inputs (alife.world.sensors, all in [-1, 1]) as its brain
  would get them (World.sense_all), then, with `memory=True`, its last memory reads (see
  alife.env.puppet).
- Action: its motors in [-1, 1] (turn, thrust, and the signal colour where the species signals),
  then, with `memory=True`, its memory operations. Values outside [-1, 1] are clipped.
- Reward: the change of the agent's episode score (the world file's `scoring:`, computed by
  World.fitness()) over the step, the score before the first step counting as 0, so an agent's
  rewards add up to its episode score.
- An agent is terminated when it dies; its last observation is all zeros. Every agent still
  there is truncated after `max_steps` ticks (default: the file's episode.length). An agent
  that reached a cue goal that stops agents stays, unable to move, until then (its score can
  still change: ticks alive, energy).
- Agents of other species are driven by their own brains, with the genomes given per species
  (cycled over the agents of each arena) or fresh random ones.
- `first_only=True` drives one agent only: the first agent of the (single) learner species in
  the first arena; every other agent, of its species too, is driven by its brain.

Names: agent k of learner species s is name (s, k). In a generational world k numbers the
species' agents (arena-major); nobody is born. In an open-ended world the founders are named
first, then every newborn of a learner species gets the next k as it appears, up to
`max_agents` names per species (default 4 x the larger of the species' count and
evolution.open_ended.max_population, times the arenas). A birth that finds no name left ends
the episode: every agent is truncated at that step (`out_of_names` tells why). Founders added
to keep a species alive count as births. In `first_only` mode only the one agent has a name;
newborns are driven by their brains (a child of the driven agent by its genome, mutated).

Seeds: `reset(seed)` builds the World of that seed, so an episode with seed s is the World
World(config, s) with the learner's actions in place of its brains'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from alife.config import load_world
from alife.config.models import WorldConfig
from alife.env.puppet import Puppet
from alife.errors import EnvError
from alife.evolve.rundir import load_best
from alife.world import World, make_controller
from alife.world.episode import founders


class Report(NamedTuple):
    """What a reset or step reports, per learner species (lists aligned with
    BatchEnv.learners): the agents it reports on, by name index k (int64 (m,)), and theirs."""

    names: list[np.ndarray]
    obs: list[np.ndarray]  # float32 (m, obs_size)
    rewards: list[np.ndarray]  # float64 (m,)
    terminated: list[np.ndarray]  # bool (m,)
    truncated: list[np.ndarray]  # bool (m,)
    born: list[np.ndarray]  # bool (m,): born in this step
    parents: list[np.ndarray]  # int64 (m,): a newborn's parent's name index, else -1


class BatchEnv:
    """A world file's agents of learner species, driven in batches (module docstring).

    world: a world file path or a WorldConfig; species: learner species names (default: all);
    genomes: {species name: (g, n_params) float32} for brain-driven agents, or a run directory
    (its best genome per species); memory: give
    learners their species' memory; arenas: how many arenas (default arena.count);
    max_steps: ticks per episode (default episode.length); max_agents: names per open-ended
    species (see the module docstring)."""

    def __init__(
        self,
        world: str | Path | WorldConfig,
        *,
        species: str | Sequence[str] | None = None,
        first_only: bool = False,
        genomes: Mapping[str, np.ndarray] | str | Path | None = None,
        memory: bool = False,
        arenas: int | None = None,
        max_steps: int | None = None,
        max_agents: int | None = None,
    ):
        config = world if isinstance(world, WorldConfig) else load_world(world)
        self.config = config
        names = config.species_names
        chosen = [species] if isinstance(species, str) else list(species or names)
        unknown = [n for n in chosen if n not in names]
        if unknown or not chosen or len(set(chosen)) != len(chosen):
            raise EnvError(
                f"species must name distinct species of {config.name} ({', '.join(names)}); "
                f"got {chosen}"
            )
        if first_only and len(chosen) != 1:
            raise EnvError("first_only drives one agent: name one learner species")
        self.learners = [names.index(n) for n in chosen]
        self.first_only = first_only
        self.open_ended = config.evolution.mode == "open_ended"
        self.n_arenas = _positive("arenas", config.arena.count if arenas is None else arenas)
        self.max_steps = _positive(
            "max_steps", config.episode.length if max_steps is None else max_steps
        )
        self.controllers = [make_controller(config, s) for s in range(len(names))]
        for s in self.learners:
            mem = config.species[s].memory
            if memory and mem.enabled and mem.addressing != "content":
                raise EnvError(
                    f"memory=True drives content-addressed memories (hashed keys) only; species "
                    f"{names[s]} has memory.addressing: {mem.addressing}"
                )
            self.controllers[s] = Puppet(self.controllers[s], memory)
        self.genomes = self._check_genomes(genomes or {})
        self.n_names = [self._names_of(s, max_agents) for s in self.learners]
        self.world: World | None = None
        self.over = True
        self.out_of_names = False

    # ------------------------------------------------------------------ set-up
    def _check_genomes(self, genomes: Mapping[str, np.ndarray] | str | Path) -> dict:
        """{species index: (g, n_params) float32} from a mapping or a run directory."""
        if isinstance(genomes, str | Path):
            best = load_best(Path(genomes))
            genomes = dict(zip(best.species, best.genomes, strict=True))
        names = self.config.species_names
        out = {}
        for name, g in genomes.items():
            if name not in names:
                raise EnvError(f"genomes: unknown species '{name}' ({', '.join(names)})")
            s = names.index(name)
            p = self.controllers[s].n_params
            g = np.asarray(g, dtype=np.float32)
            if g.ndim == 1:
                g = g[None, :]
            if g.ndim != 2 or g.shape[0] == 0 or g.shape[1] != p:
                raise EnvError(
                    f"genomes['{name}'] must be (count, {p}) float32 genomes; got {g.shape}"
                )
            out[s] = g
        return out

    def _names_of(self, s: int, max_agents: int | None) -> int:
        """Names of learner species s per episode."""
        if self.first_only:
            return 1
        count = self.config.species[s].count
        if not self.open_ended:
            return count * self.n_arenas
        if max_agents is not None:
            return max(_positive("max_agents", max_agents), count * self.n_arenas)
        oe = self.config.evolution.open_ended
        return 4 * max(count, oe.max_population) * self.n_arenas

    def obs_size(self, s: int) -> int:
        """Observation length of learner species s's agents (s: a species index)."""
        return self.controllers[s].n_sensors + self.controllers[s].read_size

    def obs_bounds(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) float32 (obs_size,): sensors lie in [-1, 1], memory reads are unbounded."""
        n = self.controllers[s].n_sensors
        low = np.full(self.obs_size(s), -np.inf, np.float32)
        low[:n] = -1.0
        return low, -low

    def n_actions(self, s: int) -> int:
        """Action length of learner species s's agents (s: a species index)."""
        return self.controllers[s].n_actions

    # ------------------------------------------------------------------ episodes
    def reset(self, seed: int) -> Report:
        """Start an episode: the World of `seed` (an int >= 0) with every agent at its start."""
        if int(seed) != seed or not 0 <= seed < 2**63:
            raise EnvError(f"seed must be an integer from 0 to 2**63 - 1; got {seed}")
        seed = int(seed)
        config, ids = self.config, np.arange(self.n_arenas, dtype=np.int64)
        genomes = None
        if self.genomes:
            genomes = founders(config, self.controllers, seed, 0, ids, None).genomes
            for s, g in self.genomes.items():
                genomes[s] = g[np.arange(genomes[s].shape[0]) % config.species[s].count % len(g)]
        self.world = World(
            config, seed, arena_ids=ids, genomes=genomes,
            controller_factory=lambda _config, s: self.controllers[s],
        )  # fmt: skip
        self.name_of_row, self.prev = [], []
        for s in self.learners:
            lo, hi = self.world.agents.span(s)
            name = np.arange(hi - lo, dtype=np.int64)
            if self.first_only:
                name[1:] = -1
            self.name_of_row.append(name)
            self.prev.append(np.zeros(hi - lo))
        self.next_name = [int((n >= 0).sum()) for n in self.name_of_row]
        self.over, self.out_of_names = False, False
        self._find_live()
        m = [len(r) for r in self.live]
        sensors = self.world.sense_all()
        return Report(
            names=[n[r] for n, r in zip(self.name_of_row, self.live, strict=True)],
            obs=[self._observe(i, r, sensors) for i, r in enumerate(self.live)],
            rewards=[np.zeros(k) for k in m],
            terminated=[np.zeros(k, np.bool_) for k in m],
            truncated=[np.zeros(k, np.bool_) for k in m],
            born=[np.zeros(k, np.bool_) for k in m],
            parents=[np.full(k, -1, np.int64) for k in m],
        )

    def live_names(self, i: int) -> np.ndarray:
        """Name indices (int64) of learner species i's agents that act next, in row order (the
        order step() takes their actions in)."""
        return self.name_of_row[i][self.live[i]]

    def step(self, actions: Sequence[np.ndarray]) -> Report:
        """One tick: actions[i] (len(live_names(i)), n_actions) for learner species i."""
        if self.world is None or self.over:
            raise EnvError("the episode is over: call reset() to start another")
        if len(actions) != len(self.learners):
            raise EnvError(f"actions: one array per learner species ({len(self.learners)})")
        cols = self.world.agents.columns
        for i, s in enumerate(self.learners):
            want = (len(self.live[i]), self.n_actions(s))
            a = np.zeros(0) if actions[i] is None else np.asarray(actions[i], dtype=np.float32)
            if a.shape != want:
                raise EnvError(
                    f"actions of species '{self.config.species[s].name}': one action of "
                    f"{want[1]} numbers for each of its {want[0]} agents; got shape {a.shape}"
                )
            if not np.isfinite(a).all():
                raise EnvError(
                    f"actions of species '{self.config.species[s].name}': NaN or infinity"
                )
            lo, hi = self.world.agents.span(s)
            brains = bool((cols.alive[lo:hi] & (self.name_of_row[i] < 0)).any())
            self.controllers[s].drive(self.live[i], np.clip(a, -1.0, 1.0), brains)
        self.world.tick(after_acting=self._settle, sensed=True)  # reset/step sensed it
        acted, born, parents = self._follow_births()
        truncate = self.world.tick_count >= self.max_steps or self.out_of_names
        if truncate:  # born after the episode's last tick: they never join it
            born = [b[:0] for b in born]
            parents = [p[:0] for p in parents]
        self._find_live()
        report = Report([], [], [], [], [], [], [])
        sensors = self.world.sense_all()
        for i, (names, rewards, term) in enumerate(acted):
            live_obs = self._observe(i, self.live[i], sensors)
            slot = np.full(self.n_names[i], -1, np.int64)
            slot[self.name_of_row[i][self.live[i]]] = np.arange(len(self.live[i]))
            names = np.concatenate([names, born[i]])
            j = slot[names]
            obs = np.zeros((names.size, live_obs.shape[1]), np.float32)
            obs[j >= 0] = live_obs[j[j >= 0]]
            terminated = np.concatenate([term, np.zeros(born[i].size, np.bool_)])
            report.names.append(names)
            report.obs.append(obs)
            report.rewards.append(np.concatenate([rewards, np.zeros(born[i].size)]))
            report.terminated.append(terminated)
            report.truncated.append(~terminated & truncate)
            report.born.append(np.arange(names.size) >= term.size)
            report.parents.append(np.concatenate([np.full(term.size, -1, np.int64), parents[i]]))
        if truncate:
            self.live = [r[:0] for r in self.live]
        self.over = not any(len(r) for r in self.live)
        return report

    # ------------------------------------------------------------------ inside a step
    def _settle(self) -> None:
        """After the agents acted, before births: the driven rows' deaths and everyone's score
        (final for the dead, whose rows births remove)."""
        cols = self.world.agents.columns
        scores = self.world.fitness()
        self._columns, self._settled = cols, []
        for s in self.learners:
            lo, hi = self.world.agents.span(s)
            self._settled.append((scores[s], cols.ids[lo:hi].copy(), ~cols.alive[lo:hi]))

    def _follow_births(self):
        """After the tick: rewards and deaths of the agents that acted; names and scores carried
        over to the rows births and deaths left (by agent id), newborns named. Returns per
        learner species (acted names, rewards, dead), newborns' names, their parents' names
        (-1: not a learner agent)."""
        agents = self.world.agents
        cols = agents.columns
        # rows moved (births and deaths re-laid the table) or were appended (births in place)
        moved = cols is not self._columns or any(
            agents.span(s)[1] - agents.span(s)[0] != self._settled[i][1].size
            for i, s in enumerate(self.learners)
        )
        scores = self.world.fitness() if moved else None
        acted, born, parents = [], [], []
        for i, s in enumerate(self.learners):
            settled, old_ids, dead = self._settled[i]
            rows, prev = self.live[i], self.prev[i]
            names = self.name_of_row[i][rows]
            if not moved:
                acted.append((names, settled[rows] - prev[rows], dead[rows]))
                self.prev[i] = settled
                born.append(np.zeros(0, np.int64))
                parents.append(np.zeros(0, np.int64))
                continue
            lo, hi = agents.span(s)
            ids = cols.ids[lo:hi]
            now, stayed = _find(ids, old_ids[rows])  # where the agents that acted are now
            final = settled[rows]
            final[stayed] = scores[s][now[stayed]]
            acted.append((names, final - prev[rows], dead[rows]))
            src, found = _find(old_ids, ids)
            name = np.full(ids.size, -1, np.int64)
            name[found] = self.name_of_row[i][src[found]]
            self.prev[i] = np.where(found, scores[s], 0.0)
            new = np.flatnonzero(~found)
            if self.first_only:
                new = new[:0]
            give = min(new.size, self.n_names[i] - self.next_name[i])
            name[new[:give]] = self.next_name[i] + np.arange(give)
            self.next_name[i] += give
            self.out_of_names |= give < new.size
            new = new[:give]
            prow, pfound = _find(ids, cols.parent[lo:hi][new])
            born.append(name[new])
            parents.append(np.where(pfound, name[prow], -1))
            self.name_of_row[i] = name
        return acted, born, parents

    def _find_live(self) -> None:
        """The rows (within each learner species) of the driven agents alive now."""
        alive = self.world.agents.columns.alive
        self.live = []
        for i, s in enumerate(self.learners):
            lo, hi = self.world.agents.span(s)
            self.live.append(np.flatnonzero(alive[lo:hi] & (self.name_of_row[i] >= 0)))

    def _observe(self, i: int, rows: np.ndarray, sensors: list[np.ndarray]) -> np.ndarray:
        """Observations (len(rows), obs_size) float32 of rows of learner species i; sensors:
        World.sense_all() now."""
        s = self.learners[i]
        obs = sensors[s][rows]
        ctrl = self.controllers[s]
        if ctrl.read_size:
            reads = self.world.states[s].reads[rows].reshape(rows.size, -1)
            obs = np.concatenate([obs, reads], axis=1)
        return obs


def _find(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index into ids of each wanted id, found?) for int64 arrays (ids unique)."""
    if ids.size == 0:
        return np.zeros(wanted.shape, np.int64), np.zeros(wanted.shape, np.bool_)
    order = np.argsort(ids, kind="stable")
    pos = np.minimum(np.searchsorted(ids[order], wanted), ids.size - 1)
    src = order[pos]
    return src, ids[src] == wanted


def _positive(name: str, value: int) -> int:
    if int(value) != value or value < 1:
        raise EnvError(f"{name} must be a positive integer; got {value}")
    return int(value)
