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
generation, arena index, tick, P_BIRTH, species). So arenas stay independent of which others
share the World.
"""

from __future__ import annotations

import math

import numpy as np

from alife.config.models import WorldConfig
from alife.jit import njit_callee, njit_serial
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
        self._held: tuple | None = None  # (columns, arenas, kernel arguments): _args

    def apply(self, agents: AgentTable, arenas: Arenas, tick: int) -> int:
        """Apply births and founders (in the species' free rows while they last); drop the dead
        rows once they are a quarter of the agents' rows. Returns the agents born."""
        plan, _ = self._args(agents, arenas)
        n_alive, n_parents, n_founders = _plan(*plan)
        n_born = n_parents + n_founders
        if n_born:
            self._births(agents, arenas, tick, *plan[-4:])
        rows = agents.agent_rows
        if rows - (n_alive + n_born) > self.dead_rows_kept(rows):  # a birth kills no one
            agents.drop_dead()
        return n_born

    def compile(self, agents: AgentTable, arenas: Arenas) -> None:
        """Compile (or load from Numba's cache) the births' kernels (AgentTable.grow's too) for
        the argument types of this World, without running them."""
        agents.compile()
        plan, spawn = self._args(agents, arenas)
        parents, child_index = plan[-4:-2]
        for kernel, args in ((_plan, plan),
                             (_spawn, (0, 0, 0, 0, parents, child_index, *spawn[0])),
                             (fit_inside, self._fit_args(np.empty(0), np.empty(0), 0))):
            kernel.compile(tuple(kernel.typeof_pyval(a) for a in args))

    @staticmethod
    def dead_rows_kept(n: int) -> int:
        """How many dead rows a table of n rows keeps before they are dropped."""
        return max(MIN_ROOM, n // 4)

    def _births(self, agents: AgentTable, arenas: Arenas, tick: int, parents: np.ndarray,
                child_index: np.ndarray, per_species: np.ndarray, founders: np.ndarray) -> None:
        """The children of parents and the founders, as _plan's outputs say."""
        children, founded = per_species.tolist(), founders.tolist()  # (S,), (A, S)
        need = [k + sum(row[s] for row in founded) for s, k in enumerate(children)]
        if any(k > agents.room(s) for s, k in enumerate(need)):
            agents.make_room(need)
        spawn = self._args(agents, arenas)[1]
        start = 0
        for s, k in enumerate(children):
            if k:
                first = agents.grow(s, k)
                _spawn(first, start, start + k, tick, parents, child_index, *spawn[s])
                start += k
            if need[s] > k:
                for a, row in enumerate(founded):
                    if row[s]:
                        self._found(agents, arenas, tick, s, a, row[s])

    def _args(self, agents: AgentTable, arenas: Arenas) -> tuple[tuple, list[tuple]]:
        """(_plan's arguments, per species s the arguments of _spawn after `parents` and
        `child_index`), made again only when the table's columns or the arenas change: _plan's
        work arrays (parents, child_index, per_species, founders) are made once per table."""
        held = self._held
        if held is None or held[0] is not agents.columns or held[1] is not arenas:
            oe, c = self.config.evolution.open_ended, agents.columns
            n, n_arenas, n_species = c.alive.shape[0], arenas.ids.shape[0], agents.n_species
            plan = (c.alive, c.energy, c.age, c.apos, c.species, agents.offsets,
                    oe.reproduce_energy, oe.min_age, oe.max_population, oe.min_population,
                    np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n_species, np.int64),
                    np.empty((n_arenas, n_species), np.int64))  # fmt: skip
            spawn = [(int(agents.offsets[s]), c.x, c.y, c.heading, c.energy, c.energy0, c.alive,
                      c.apos, c.born_gen, c.parent, c.ids, c.ledger, agents.genome_block(s),
                      arenas.keys, self.generation, float(self.tables.species.radius[s]),
                      oe.child_energy, *self._bounds(), *self.mutation)
                     for s in range(n_species)]  # fmt: skip
            held = self._held = (agents.columns, arenas, (plan, spawn))
        return held[2]

    def _fit_args(self, x: np.ndarray, y: np.ndarray, s: int) -> tuple:
        return (x, y, 0, x.shape[0], self.tables.species.radius[s], *self._bounds())

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
def _plan(alive, energy, age, apos, species, offsets, min_energy, min_age, max_population,
          min_population, parents, child_index, per_species, founders):  # fmt: skip
    """Who has a child this tick (species s's rows start at offsets[s], int64 (S + 1,)).
    Returns (living agents, P: children, F: founders); no births are due when P + F == 0.
    Fills parents[:P] (int64 (N,)): rows counted from their species' first row (make_room
    keeps those), ordered by species, then arena, then row (in each arena and species the first
    in row order, while fewer than max_population live); child_index[:P] (int64 (N,)): each
    child's index among its arena's children this tick (its random stream); per_species (S,)
    int64: children; founders (A, S) int64: fresh agents where fewer than min_population would
    live."""
    n = alive.shape[0]
    n_arenas, n_species = founders.shape
    n_groups = n_species * n_arenas  # group g = species * n_arenas + arena
    # np.empty and loops: np.zeros and np.full would each compile an implementation
    living = np.empty(n_groups, np.int64)
    taken = np.empty(n_groups, np.int64)
    fill = np.empty(n_groups, np.int64)
    for g in range(n_groups):
        living[g] = 0
        taken[g] = 0
        fill[g] = 0
    group = np.empty(n, np.int64)  # the group of each parent
    n_alive = 0
    for i in range(n):
        group[i] = -1
        if alive[i]:
            living[species[i] * n_arenas + apos[i]] += 1
            n_alive += 1
    for i in range(n):
        if alive[i] and energy[i] >= min_energy and age[i] >= min_age:
            g = species[i] * n_arenas + apos[i]
            if living[g] + taken[g] < max_population:
                group[i] = g
                taken[g] += 1
    start = np.empty(n_groups + 1, np.int64)  # where each group's parents start
    start[0] = 0
    for g in range(n_groups):
        start[g + 1] = start[g] + taken[g]
    for s in range(n_species):
        per_species[s] = 0
    n_founders = 0
    for g in range(n_groups):
        s, a = g // n_arenas, g % n_arenas
        per_species[s] += taken[g]
        founders[a, s] = max(min_population - living[g] - taken[g], 0)
        n_founders += founders[a, s]
    for i in range(n):
        g = group[i]
        if g >= 0:
            parents[start[g] + fill[g]] = i - offsets[g // n_arenas]
            fill[g] += 1
    before = np.empty(n_arenas, np.int64)  # children of each arena in earlier species
    for a in range(n_arenas):
        before[a] = 0
    for g in range(n_groups):
        a = g % n_arenas
        for q in range(taken[g]):
            child_index[start[g] + q] = before[a] + q
        before[a] += taken[g]
    return n_alive, start[n_groups], n_founders


@njit_serial
def _spawn(first, start, end, tick, parents, child_index, offset, x, y, heading, energy, energy0,
           alive, apos, born_gen, parent, ids, ledger, genomes, keys, generation, radius,
           child_energy, width, height, wrap, circles, rects,
           kind, count, rate, c, precision, sigma):  # fmt: skip
    """The children of parents[start:end] (int64, rows of one species counted from its first
    row, `offset`; child_index: their streams, as _plan made them) in rows first.. (claimed by
    AgentTable.grow: zeroed and numbered) of the agent columns x .. ledger. Each gets
    child_energy of its parent's energy, a place 2.2 radii away in a random direction (pushed
    out of obstacles, into the arena: width .. rects), a random heading, and its parent's genome
    mutated (genomes (rows, n_params) float32: the species' block, rows counted like parents;
    kind .. sigma: Reproduction.mutation)."""
    mutation = (kind, count, rate, c, precision, sigma)
    scratch = np.empty(genomes.shape[1], np.int64)
    for j in range(end - start):
        p = offset + parents[start + j]
        row = first + j
        a = apos[p]
        key = keys[a]
        idx = child_index[start + j]
        gift = child_energy * energy[p]
        energy[p] -= gift
        ledger[p, L_CHILD] += gift
        ang = -math.pi + 2.0 * math.pi * uniform(key, tick, P_BIRTH, idx, _ANGLE)
        x[row] = x[p] + 2.2 * radius * math.cos(ang)
        y[row] = y[p] + 2.2 * radius * math.sin(ang)
        heading[row] = -math.pi + 2.0 * math.pi * uniform(key, tick, P_BIRTH, idx, _HEADING)
        energy[row] = gift
        energy0[row] = gift
        alive[row] = True
        apos[row] = a
        born_gen[row] = generation
        parent[row] = ids[p]
        for i in range(genomes.shape[1]):  # a loop: a row assignment compiles slowly
            genomes[row - offset, i] = genomes[p - offset, i]
        _mutate(genomes[row - offset], key, tick, idx, scratch, mutation)
    fit_inside(x, y, first, first + end - start, radius, width, height, wrap, circles,
               rects)  # fmt: skip


@njit_callee
def _mutate(genome, key, tick, idx, scratch, mutation):
    """Mutate genome (n_params,) float32 in place: `count` distinct parameters (rate 0) or each
    with probability `rate`, by +-c exp(-u precision) (GRAY) or N(0, sigma^2) (GAUSSIAN) steps;
    draws _MUTATION.. of the child's stream. mutation: (kind, count, rate, c, precision,
    sigma)."""
    kind, count, rate, c, precision, sigma = mutation
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


@njit_callee
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
def fit_inside(x, y, lo, hi, r, width, height, wrap, circles, rects):
    """Wrap or clamp discs lo:hi (x, y float64, radius r) into the arena and push them out of
    obstacles, in place."""
    for q in range(lo, hi):
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
