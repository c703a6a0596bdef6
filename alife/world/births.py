"""Open-ended mode: in-world reproduction and death, applied at the end of a tick.

An agent whose energy passes `evolution.open_ended.reproduce_energy` (and is at least `min_age`
old) gives `child_energy` of its energy to a child placed beside it, whose genome is the
parent's mutated by the `mutate` function the World was given (the evolution side's mutation,
as configured by `evolution.mutation`). Births are capped at `max_population` agents of a
species per arena; below `min_population` fresh random founders are added. Newborns fill their
species' free rows; dead agents' rows are dropped a batch at a time (they take part in nothing
meanwhile). Everything is applied in a fixed order (species, then row), and each arena's draws
come from its own generator seeded by (seed, generation, arena index, tick), so arenas stay
independent. The per-tick Python work here is vectorised; only the few arenas that have births
this tick are visited one by one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from alife.config.models import WorldConfig
from alife.jit import njit_serial
from alife.world.agents import (
    MIN_ROOM,
    AgentColumns,
    AgentTable,
    empty_columns,
)
from alife.world.controller import Controller
from alife.world.geometry import push_out_circle, push_out_rect
from alife.world.interact import L_CHILD
from alife.world.items import Arenas
from alife.world.rng import P_BIRTH, arena_generator
from alife.world.tables import WorldTables

#: mutate(genomes (k, n_params) float32, rng) -> mutated copy (k, n_params) float32
Mutate = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class Reproduction:
    """Births and deaths of an open-ended World (see the module docstring)."""

    def __init__(
        self,
        config: WorldConfig,
        tables: WorldTables,
        controllers: list[Controller],
        mutate: Mutate,
        seed: int,
        generation: int,
    ):
        self.config, self.tables, self.controllers = config, tables, controllers
        self.mutate, self.seed, self.generation = mutate, int(seed), int(generation)

    def apply(self, agents: AgentTable, arenas: Arenas, tick: int) -> int:
        """Apply births and founders (in the species' free rows while they last); drop the dead
        rows once they are a quarter of the agents' rows. Returns the agents born."""
        oe = self.config.evolution.open_ended
        n_sp = agents.n_species
        n_ar = arenas.ids.shape[0]
        cols = agents.columns
        count = np.empty((2, n_ar * n_sp), np.int64)  # work space of _census
        can, n_alive = _census(cols.alive, cols.energy, cols.age, cols.apos, cols.species, n_sp,
                               oe.reproduce_energy, oe.min_age, oe.max_population,
                               oe.min_population, count)  # fmt: skip
        n_born = self._births(agents, arenas, tick) if can else 0
        dead = agents.agent_rows - (n_alive + n_born)  # newborns live; a birth kills no one
        if dead > self.dead_rows_kept(agents.agent_rows):
            agents.drop_dead()
        return n_born

    @staticmethod
    def dead_rows_kept(n: int) -> int:
        """How many dead rows a table of n rows keeps before they are dropped."""
        return max(MIN_ROOM, n // 4)

    def _births(self, agents: AgentTable, arenas: Arenas, tick: int) -> int:
        """Children of the agents that can reproduce, and founders where too few live."""
        cols = agents.used()
        oe = self.config.evolution.open_ended
        n_sp = agents.n_species
        n_ar = arenas.ids.shape[0]
        alive = cols.alive
        group = cols.apos * n_sp + cols.species
        count = np.bincount(group[alive], minlength=n_ar * n_sp)
        want = alive & (cols.energy >= oe.reproduce_energy) & (cols.age >= oe.min_age)
        cand = np.flatnonzero(want)
        if cand.size:
            g = group[cand]
            order = np.argsort(g, kind="stable")
            sg = g[order]
            rank = np.empty(cand.size, np.int64)
            rank[order] = np.arange(cand.size) - np.searchsorted(sg, sg, side="left")
            cand = cand[count[g] + rank < oe.max_population]
        count = count + np.bincount(group[cand], minlength=n_ar * n_sp)
        founders = np.maximum(oe.min_population - count, 0).reshape(n_ar, n_sp)
        born: list[list[tuple]] = [[] for _ in range(n_sp)]
        for a in np.union1d(cols.apos[cand], np.flatnonzero(founders.any(axis=1))):
            rng = arena_generator(self.seed, self.generation, arenas.ids[a], tick, P_BIRTH)
            for s in range(n_sp):
                parents = cand[(cols.apos[cand] == a) & (cols.species[cand] == s)]
                k_f = int(founders[a, s])
                if parents.size + k_f:
                    born[s].append(self._children(agents, cols, s, a, parents, k_f, rng))
        need = [sum(len(c.x) for c, _ in parts) for parts in born]
        if any(k > agents.room(s) for s, k in enumerate(need)):
            agents.make_room(need)
        for s, parts in enumerate(born):  # species by species, so ids follow row order
            for c, g in parts:
                agents.append(s, c, g)
        return sum(need)

    def _children(
        self,
        agents: AgentTable,
        cols: AgentColumns,
        s: int,
        a: int,
        parents: np.ndarray,
        k_f: int,
        rng: np.random.Generator,
    ) -> tuple[AgentColumns, np.ndarray]:
        """Children of `parents` (rows of species s in arena a), then k_f founders: their
        columns and genomes. cols: the table's rows in use (agents.used())."""
        cfg, t = self.config, self.tables.species
        oe = cfg.evolution.open_ended
        k = parents.size + k_f
        child = empty_columns(k)
        r = t.radius[s]
        ctrl = self.controllers[s]
        if parents.size:
            gift = oe.child_energy * cols.energy[parents]
            cols.energy[parents] -= gift
            cols.ledger[parents, L_CHILD] += gift
            ang = rng.uniform(-math.pi, math.pi, parents.size)
            child.x[: parents.size] = cols.x[parents] + 2.2 * r * np.cos(ang)
            child.y[: parents.size] = cols.y[parents] + 2.2 * r * np.sin(ang)
            child.energy[: parents.size] = gift
            child.parent[: parents.size] = cols.ids[parents]
            genomes = self.mutate(agents.genomes[s][parents - agents.offsets[s]], rng)
        else:
            genomes = np.empty((0, ctrl.n_params), np.float32)
        if k_f:
            area = t.area[s]
            fx = rng.uniform(max(area[0], r), min(area[2], cfg.arena.width - r), k_f)
            fy = rng.uniform(max(area[1], r), min(area[3], cfg.arena.height - r), k_f)
            child.x[parents.size :] = fx
            child.y[parents.size :] = fy
            child.energy[parents.size :] = t.initial_energy[s]
            child.parent[parents.size :] = -1
            fresh = ctrl.init_genomes(rng, k_f).astype(np.float32)
            genomes = np.concatenate([genomes, fresh])
        fit_inside(child, r, self.tables)
        child.heading[:] = rng.uniform(-math.pi, math.pi, k)
        child.energy0[:] = child.energy
        child.alive[:] = True
        child.species[:] = s
        child.apos[:] = a
        child.born_gen[:] = self.generation
        child.ids[:] = -1  # numbered by the table, in row order
        return child, np.asarray(genomes, dtype=np.float32)


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


def fit_inside(child: AgentColumns, r: float, tables: WorldTables) -> None:
    """Wrap or clamp newborns into the arena and push them out of obstacles (a handful of
    agents per tick, so a plain loop)."""
    w, h, wrap = tables.grid.width, tables.grid.height, tables.grid.wrap
    circles, rects = tables.obstacles
    for q in range(child.x.shape[0]):
        px, py = float(child.x[q]), float(child.y[q])
        for _ in range(2):
            for cx, cy, cr in circles:
                px, py = push_out_circle(px, py, r, cx, cy, cr)
            for x0, y0, x1, y1 in rects:
                px, py = push_out_rect(px, py, r, x0, y0, x1, y1)
            if wrap:
                px, py = px % w, py % h
            else:
                px, py = min(max(px, r), w - r), min(max(py, r), h - r)
        child.x[q], child.y[q] = px, py
