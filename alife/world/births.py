"""Open-ended mode: in-world reproduction and death, applied at the end of a tick.

An agent whose energy passes `evolution.open_ended.reproduce_energy` (and is at least `min_age`
old) gives `child_energy` of its energy to a child placed beside it, whose genome is the
parent's mutated as the world file's `evolution.mutation` says (gray or gaussian steps on
`count` parameters, or on each with probability `rate`). Births are capped at `max_population`
agents of a species per arena; below `min_population` fresh random founders are added.
Newborns fill their species' free rows; dead agents' rows are dropped a batch at a time (they
take part in nothing meanwhile).

Children are made by compiled kernels, every draw counter-based (alife.world.rng):
`uniform(arena key, tick, P_BIRTH, child index in its arena this tick, draw)`. They are placed
species by species, within a species arena by arena, within an arena in row order; founders
(a species about to die out) come after them, drawn by a NumPy Generator seeded by (seed,
generation, arena index, tick). So arenas stay independent of which others share the World.
"""

from __future__ import annotations

import math

import numpy as np

from alife.config.models import WorldConfig
from alife.jit import njit_inline, njit_serial
from alife.world.agents import MIN_ROOM, AgentTable, empty_columns
from alife.world.controller import Controller
from alife.world.geometry import push_out_circle, push_out_rect
from alife.world.interact import L_CHILD
from alife.world.items import Arenas
from alife.world.rng import P_BIRTH, arena_generator, uniform
from alife.world.tables import WorldTables

GRAY, GAUSSIAN = 0, 1  # evolution.mutation.kind in kernels
_ANGLE, _HEADING, _MUTATION = 0, 1, 2  # a child's draws: where it is put, its heading, then genes


class Reproduction:
    """Births and deaths of an open-ended World (see the module docstring)."""

    def __init__(self, config: WorldConfig, tables: WorldTables, controllers: list[Controller],
                 seed: int, generation: int):  # fmt: skip
        self.config, self.tables, self.controllers = config, tables, controllers
        self.seed, self.generation = int(seed), int(generation)
        m = config.evolution.mutation
        # (kind, count, rate (0: exactly `count` parameters), c, precision, sigma)
        self.mutation = (GAUSSIAN if m.kind == "gaussian" else GRAY, m.count, m.rate or 0.0,
                         m.c, m.precision, m.sigma)  # fmt: skip

    def apply(self, agents: AgentTable, arenas: Arenas, tick: int) -> int:
        """Apply births and founders (in the species' free rows while they last); drop the dead
        rows once they are a quarter of the agents' rows. Returns the agents born."""
        can, n_alive = _census(*self._census_args(agents, arenas))
        n_born = self._births(agents, arenas, tick) if can else 0
        dead = agents.agent_rows - (n_alive + n_born)  # newborns live; a birth kills no one
        if dead > self.dead_rows_kept(agents.agent_rows):
            agents.drop_dead()
        return n_born

    def compile(self, agents: AgentTable, arenas: Arenas) -> None:
        """Compile (or load from Numba's cache) the births' kernels for the argument types of
        this World, without running them."""
        none = np.empty(0, np.int64)
        for kernel, args in ((_census, self._census_args(agents, arenas)),
                             (_plan, self._plan_args(agents, arenas)),
                             (_spawn, self._spawn_args(agents, arenas, 0, 0, none, none, 0)),
                             (fit_inside, self._fit_args(np.empty(0), np.empty(0), 0))):
            kernel.compile(tuple(kernel.typeof_pyval(a) for a in args))

    @staticmethod
    def dead_rows_kept(n: int) -> int:
        """How many dead rows a table of n rows keeps before they are dropped."""
        return max(MIN_ROOM, n // 4)

    def _births(self, agents: AgentTable, arenas: Arenas, tick: int) -> int:
        """Children of the agents that can reproduce, then founders where too few live."""
        parents, per_species, child_index, founders = _plan(*self._plan_args(agents, arenas))
        need = (per_species + founders.sum(axis=0)).tolist()
        if any(k > agents.room(s) for s, k in enumerate(need)):
            agents.make_room(need)
        start = 0
        for s in range(agents.n_species):
            k = int(per_species[s])
            if k:
                rows = slice(start, start + k)
                _spawn(*self._spawn_args(agents, arenas, tick, s, parents[rows],
                                         child_index[rows], agents.grow(s, k)))  # fmt: skip
                start += k
            for a in np.flatnonzero(founders[:, s]):
                self._found(agents, arenas, tick, s, int(a), int(founders[a, s]))
        return sum(need)

    def _census_args(self, agents: AgentTable, arenas: Arenas) -> tuple:
        oe, cols = self.config.evolution.open_ended, agents.columns
        count = np.empty((2, arenas.ids.shape[0] * agents.n_species), np.int64)  # work space
        return (cols.alive, cols.energy, cols.age, cols.apos, cols.species, agents.n_species,
                oe.reproduce_energy, oe.min_age, oe.max_population, oe.min_population, count)

    def _plan_args(self, agents: AgentTable, arenas: Arenas) -> tuple:
        oe, cols = self.config.evolution.open_ended, agents.columns
        return (cols.alive, cols.energy, cols.age, cols.apos, cols.species, agents.offsets,
                arenas.ids.shape[0], oe.reproduce_energy, oe.min_age, oe.max_population,
                oe.min_population)  # fmt: skip

    def _spawn_args(self, agents: AgentTable, arenas: Arenas, tick: int, s: int,
                    parents: np.ndarray, child_index: np.ndarray, first: int) -> tuple:
        return (parents, child_index, first, int(agents.offsets[s]), agents.columns,
                agents.genomes[s], arenas.keys, tick, self.generation,
                self.tables.species.radius[s], self.config.evolution.open_ended.child_energy,
                *self._bounds(), *self.mutation)  # fmt: skip

    def _fit_args(self, x: np.ndarray, y: np.ndarray, s: int) -> tuple:
        return (x, y, self.tables.species.radius[s], *self._bounds())

    def _bounds(self) -> tuple:
        """(width, height, wrap, circles, rects): what keeps a newborn inside, out of obstacles."""
        grid = self.tables.grid
        return (grid.width, grid.height, grid.wrap, *self.tables.obstacles)

    def _found(self, agents: AgentTable, arenas: Arenas, tick: int, s: int, a: int,
               k: int) -> None:  # fmt: skip
        """k fresh random agents of species s in arena a (a species about to die out there)."""
        cfg, t = self.config, self.tables.species
        rng = arena_generator(self.seed, self.generation, arenas.ids[a], tick, P_BIRTH, s)
        r, area = t.radius[s], t.area[s]
        child = empty_columns(k)
        child.x[:] = rng.uniform(max(area[0], r), min(area[2], cfg.arena.width - r), k)
        child.y[:] = rng.uniform(max(area[1], r), min(area[3], cfg.arena.height - r), k)
        child.heading[:] = rng.uniform(-math.pi, math.pi, k)
        fit_inside(*self._fit_args(child.x, child.y, s))
        child.energy[:] = child.energy0[:] = t.initial_energy[s]
        child.parent[:] = -1
        child.alive[:] = True
        child.species[:] = s
        child.apos[:] = a
        child.born_gen[:] = self.generation
        genomes = self.controllers[s].init_genomes(rng, k).astype(np.float32)
        agents.append(s, child, genomes)


@njit_serial
def _census(alive, energy, age, apos, species, n_species, min_energy, min_age, max_population,
            min_population, count):  # fmt: skip
    """(any births due, living agents). Per group g = arena * n_species + species, count[0, g]
    is its living agents and count[1, g] those of them with the energy and age to reproduce;
    births are due in g if one can reproduce below max_population, or fewer than
    min_population live."""
    count[:] = 0
    n_alive = 0
    for i in range(alive.shape[0]):
        if alive[i]:
            n_alive += 1
            g = apos[i] * n_species + species[i]
            count[0, g] += 1
            if energy[i] >= min_energy and age[i] >= min_age:
                count[1, g] += 1
    due = False
    for g in range(count.shape[1]):
        living = count[0, g]
        due |= (count[1, g] > 0 and living < max_population) or living < min_population
    return due, n_alive


@njit_serial
def _plan(alive, energy, age, apos, species, offsets, n_arenas, min_energy, min_age,
          max_population, min_population):  # fmt: skip
    """Who has a child this tick (species s's rows start at offsets[s], int64 (S + 1,)).
    Returns parents (P,) int64: rows counted from their species' first row (make_room keeps
    those), ordered by species, then arena, then row (in each arena and species the first in
    row order, while fewer than max_population live); per_species (S,) int64: children;
    child_index (P,) int64: each child's index among its arena's children this tick (its random
    stream); founders (A, S) int64: fresh agents where fewer than min_population would live."""
    n = alive.shape[0]
    n_species = offsets.shape[0] - 1
    living = np.zeros((n_species, n_arenas), np.int64)
    for i in range(n):
        if alive[i]:
            living[species[i], apos[i]] += 1
    taken = np.zeros((n_species, n_arenas), np.int64)
    chosen = np.zeros(n, np.bool_)
    for i in range(n):
        if alive[i] and energy[i] >= min_energy and age[i] >= min_age:
            s, a = species[i], apos[i]
            if living[s, a] + taken[s, a] < max_population:
                chosen[i] = True
                taken[s, a] += 1
    start = np.zeros((n_species, n_arenas), np.int64)  # where each group's parents start
    per_species = np.zeros(n_species, np.int64)
    p = 0
    for s in range(n_species):
        for a in range(n_arenas):
            start[s, a] = p
            p += taken[s, a]
            per_species[s] += taken[s, a]
    parents = np.empty(p, np.int64)
    fill = start.copy()
    for i in range(n):
        if chosen[i]:
            s, a = species[i], apos[i]
            parents[fill[s, a]] = i - offsets[s]
            fill[s, a] += 1
    child_index = np.empty(p, np.int64)
    before = np.zeros(n_arenas, np.int64)  # children of each arena in earlier species
    for s in range(n_species):
        for a in range(n_arenas):
            for q in range(taken[s, a]):
                child_index[start[s, a] + q] = before[a] + q
            before[a] += taken[s, a]
    founders = np.maximum(min_population - (living + taken), 0).T.copy()
    return parents, per_species, child_index, founders


@njit_serial
def _spawn(parents, child_index, first, offset, cols, genomes, keys, tick, generation, radius,
           child_energy, width, height, wrap, circles, rects, kind, count, rate, c, precision,
           sigma):  # fmt: skip
    """The children of parents (P,) int64 (rows of one species counted from its first row,
    `offset`) in rows first.. (claimed by AgentTable.grow: zeroed and numbered). Each gets
    child_energy of its parent's energy, a place 2.2 radii away in a random direction (pushed
    out of obstacles, into the arena), a random heading, and its parent's genome mutated
    (genomes (rows, n_params) float32, rows counted like parents)."""
    n_params = genomes.shape[1]
    scratch = np.empty(n_params, np.int64)
    for j in range(parents.shape[0]):
        p = offset + parents[j]
        row = first + j
        a = cols.apos[p]
        key = keys[a]
        idx = child_index[j]
        gift = child_energy * cols.energy[p]
        cols.energy[p] -= gift
        cols.ledger[p, L_CHILD] += gift
        ang = -math.pi + 2.0 * math.pi * uniform(key, tick, P_BIRTH, idx, _ANGLE)
        cols.x[row] = cols.x[p] + 2.2 * radius * math.cos(ang)
        cols.y[row] = cols.y[p] + 2.2 * radius * math.sin(ang)
        cols.heading[row] = -math.pi + 2.0 * math.pi * uniform(key, tick, P_BIRTH, idx, _HEADING)
        cols.energy[row] = gift
        cols.energy0[row] = gift
        cols.alive[row] = True
        cols.apos[row] = a
        cols.born_gen[row] = generation
        cols.parent[row] = cols.ids[p]
        child = genomes[row - offset]
        child[:] = genomes[p - offset]
        _mutate(child, key, tick, idx, scratch, kind, count, rate, c, precision, sigma)
    fit_inside(cols.x[first : first + parents.shape[0]], cols.y[first : first + parents.shape[0]],
                radius, width, height, wrap, circles, rects)  # fmt: skip


@njit_inline
def _mutate(genome, key, tick, idx, scratch, kind, count, rate, c, precision, sigma):
    """Mutate genome (n_params,) float32 in place: `count` distinct parameters (rate 0) or each
    with probability `rate`, by +-c exp(-u precision) (GRAY) or N(0, sigma^2) (GAUSSIAN) steps;
    draws _MUTATION.. of the child's stream."""
    n = genome.shape[0]
    d = _MUTATION
    if rate > 0.0:
        for i in range(n):
            hit = uniform(key, tick, P_BIRTH, idx, d) < rate
            d += 1
            if hit:
                genome[i] += _step(key, tick, idx, d, kind, c, precision, sigma)
                d += 2
        return
    k = min(count, n)
    for i in range(n):
        scratch[i] = i
    for i in range(k):  # a partial Fisher-Yates shuffle: k distinct parameters
        j = i + min(int(uniform(key, tick, P_BIRTH, idx, d) * (n - i)), n - i - 1)
        d += 1
        scratch[i], scratch[j] = scratch[j], scratch[i]
        genome[scratch[i]] += _step(key, tick, idx, d, kind, c, precision, sigma)
        d += 2


@njit_inline
def _step(key, tick, idx, d, kind, c, precision, sigma):
    """One mutation step (float32) from draws d and d + 1 of the child's stream."""
    u1 = uniform(key, tick, P_BIRTH, idx, d)
    u2 = uniform(key, tick, P_BIRTH, idx, d + 1)
    if kind == GAUSSIAN:
        z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
        return np.float32(sigma * z)
    sign = -1.0 if u2 < 0.5 else 1.0
    return np.float32(sign * c * math.exp(-u1 * precision))


@njit_serial
def fit_inside(x, y, r, width, height, wrap, circles, rects):
    """Wrap or clamp discs (x, y (k,) float64, radius r) into the arena and push them out of
    obstacles, in place."""
    for q in range(x.shape[0]):
        px, py = x[q], y[q]
        for _ in range(2):
            for i in range(circles.shape[0]):
                px, py = push_out_circle(px, py, r, circles[i, 0], circles[i, 1], circles[i, 2])
            for i in range(rects.shape[0]):
                px, py = push_out_rect(px, py, r, rects[i, 0], rects[i, 1], rects[i, 2],
                                       rects[i, 3])  # fmt: skip
            if wrap:
                px, py = px % width, py % height
            else:
                px, py = min(max(px, r), width - r), min(max(py, r), height - r)
        x[q], y[q] = px, py
