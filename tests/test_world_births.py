"""Births kernels against the written-out rules (tests/reference.py): who has a child, how many
founders, each child's random stream and its mutated genome."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.world import World
from alife.world.births import GAUSSIAN, GRAY, _plan
from alife.world.rng import P_BIRTH, uniform

from reference import birth_mutation_ref, births_plan_ref
from world_helpers import config, species


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 60), st.integers(1, 8),
       st.integers(0, 5), st.integers(0, 2**31))
def test_plan_follows_the_rules(n_species, n_arenas, n_rows, max_pop, min_pop, seed):
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(n_rows, np.ones(n_species) / n_species)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    species_of = np.repeat(np.arange(n_species), sizes).astype(np.int64)
    alive = rng.random(n_rows) < 0.7
    energy = rng.uniform(0.0, 2.0, n_rows)
    age = rng.integers(0, 100, n_rows).astype(np.int64)
    apos = rng.integers(0, n_arenas, n_rows).astype(np.int64)
    rules = (alive, energy, age, apos, species_of, offsets)
    want = births_plan_ref(*rules, n_arenas, 1.0, 30, max_pop, min_pop)
    out = (np.empty(n_rows, np.int64), np.empty(n_rows, np.int64), np.empty(n_species, np.int64),
           np.full((n_arenas, n_species), -1, np.int64))
    n_alive, n_parents, n_founders = _plan(*rules, 1.0, 30, max_pop, min_pop, *out)
    assert (n_alive, n_founders) == (alive.sum(), out[3].sum())
    got = (out[0][:n_parents], out[2], out[1][:n_parents], out[3])
    for g, w, name in zip(got, want, ("parents", "per_species", "child_index", "founders"),
                          strict=True):  # fmt: skip
        np.testing.assert_array_equal(g, w, err_msg=name)


MUTATIONS = [
    {"kind": "gray", "count": 4},
    {"kind": "gray", "count": 1000},
    {"kind": "gray", "rate": 0.1, "c": 0.2, "precision": 3.0},
    {"kind": "gaussian", "count": 7, "sigma": 0.3},
    {"kind": "gaussian", "rate": 0.5},
]


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_children_are_their_parents_mutated_by_their_own_draws(mutation):
    """A tick of births in a World of 2 arenas and 2 species: every child sits 2.2 radii from
    its parent in the direction its first draw says, heads where its second says, holds 0.4 of
    its parent's energy, its parent's id, and its parent's genome mutated by its own stream
    (the child's index among its arena's children this tick), exactly as the reference does."""
    cfg = config(
        arena={"width": 400, "height": 400, "count": 2}, food={"count": 0},
        poison={"count": 0}, species=[species(count=6), species(name="b", count=3)],
        evolution={"mode": "open_ended", "mutation": mutation,
                   "open_ended": {"reproduce_energy": 1.5, "child_energy": 0.4, "min_age": 0}},
    )  # fmt: skip
    w = World(cfg, 3)
    A = w.agents
    A["x"][:] = 100.0 + 20.0 * np.arange(A.n)
    A["y"][:] = 200.0
    A["energy"][[0, 2, 4, 5, 6, 8]] = 1.8
    parents = [(int(A["species"][r]), int(A["apos"][r]), r, int(A["ids"][r]))
               for r in (0, 2, 4, 5, 6, 8)]  # fmt: skip
    genomes = {i: w.genomes[s][r - A.offsets[s]].copy() for s, _, r, i in parents}
    tick = w.tick_count
    w.tick()
    A = w.agents
    m = cfg.evolution.mutation
    kind = GAUSSIAN if m.kind == "gaussian" else GRAY
    seen = [0, 0]
    for s, a, _, pid in sorted(parents):
        kid = int(np.flatnonzero(A["parent"] == pid)[0])
        p = A.row_of(pid)
        idx, seen[a] = seen[a], seen[a] + 1
        key = w.arenas.keys[a]
        assert A["apos"][kid] == a and A["species"][kid] == s and A["alive"][kid]
        assert A["energy"][kid] == pytest.approx(A["energy"][p] * 0.4 / 0.6)
        assert A["energy0"][kid] == A["energy"][kid]
        ang = -math.pi + 2.0 * math.pi * uniform(key, tick, P_BIRTH, idx, 0)
        reach = 2.2 * cfg.species[s].body.radius
        assert A["x"][kid] == pytest.approx(A["x"][p] + reach * math.cos(ang))
        assert A["y"][kid] == pytest.approx(A["y"][p] + reach * math.sin(ang))
        heading = -math.pi + 2.0 * math.pi * uniform(key, tick, P_BIRTH, idx, 1)
        assert A["heading"][kid] == pytest.approx(heading)
        want = birth_mutation_ref(genomes[pid], key, tick, idx, kind, m.count, m.rate or 0.0,
                                  m.c, m.precision, m.sigma, uniform, P_BIRTH)  # fmt: skip
        got = w.genomes[s][kid - A.offsets[s]]
        np.testing.assert_array_equal(got, want)
        assert (got != genomes[pid]).any()
    assert sum(seen) == 6 and min(seen) > 0  # both arenas, both species


def test_newborns_start_from_zero_rows():
    """Over ticks of births, founders, make_room and drop_dead (agents killed at random), every
    newborn's brain state is zero and every column its birth does not set is zero, as on a
    fresh row; the table's ids stay unique."""
    cfg = config(
        arena={"count": 2}, food={"count": 0}, poison={"count": 0},
        species=[species(count=10), species(name="b", count=4)],
        evolution={"mode": "open_ended",
                   "open_ended": {"reproduce_energy": 1.5, "child_energy": 0.4, "min_age": 0,
                                  "max_population": 40, "min_population": 3}},
    )  # fmt: skip
    w = World(cfg, 5)
    rng = np.random.default_rng(0)
    unset = ("speed", "age", "done", "local", "spawn_x", "spawn_y", "spawn_h", "goal_d",
             "signal", "taste", "ledger", "counters")  # fmt: skip
    rebuilt = born = 0
    for _ in range(60):
        A = w.agents
        A["energy"][A["alive"]] = 2.0
        A["alive"][rng.random(A.n) < 0.15] = False
        first_id, columns = A.next_id, A.columns
        w.tick()
        A = w.agents
        rebuilt += A.columns is not columns
        new = np.flatnonzero(A["ids"] >= first_id)
        born += new.size
        for row in new.tolist():
            s = A.species_of_row(row)
            srow = row - A.span(s)[0]
            for name, arr in vars(A.states[s]).items():
                assert not arr[srow].any(), name
            for name in unset:
                assert not A[name][row].any(), name
        ids = A["ids"][A["ids"] >= 0]
        assert np.unique(ids).size == ids.size
    assert born > 200 and rebuilt >= 2


def test_grow_zeroes_every_column_of_its_rows():
    """_clear_rows names each column: rows it clears are zero in every one (ids and species
    aside), and rows outside lo:hi keep their values."""
    from alife.world.agents import AGENT_FIELDS, AgentColumns, _clear_rows

    cols = AgentColumns(*(np.ones((6, *shape), dt) for dt, shape in AGENT_FIELDS.values()))
    _clear_rows(cols, 2, 5, 3, 40)
    for name, col in zip(AgentColumns._fields, cols, strict=True):
        assert (col[:2] == 1).all() and (col[5:] == 1).all(), name
        if name == "species":
            assert (col[2:5] == 3).all()
        elif name == "ids":
            assert col[2:5].tolist() == [40, 41, 42]
        else:
            assert (col[2:5] == 0).all(), name
