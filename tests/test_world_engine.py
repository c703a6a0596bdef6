"""World engine invariants: determinism, arena independence, energy bookkeeping, checkpoints."""

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.config import load_world
from alife.errors import WorldError
from alife.world import World
from alife.world.interact import (
    L_CHILD,
    L_EATEN,
    L_FOOD,
    L_POISON,
    L_PREY,
    L_SPENT,
    L_WASTED,
)

from world_helpers import (
    config,
    species,
)

pytestmark = pytest.mark.usefixtures("single_thread")

WORLDS = Path(__file__).resolve().parent.parent / "worlds"


def _state_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def _predators(**over):
    return config(
        food={"count": 30, "regrowth": 0.05},
        species=[
            species(name="prey", count=12, eats=["food", "poison"]),
            species(name="hunter", count=3, eats=["prey"],
                    sensors={"sees": ["wall", "prey", "hunter"]}),
        ],
        **over,
    )  # fmt: skip


def test_same_seed_same_state_bit_for_bit():
    cfg = _predators()
    a, b = World(cfg, 5, arena_ids=[0, 1]), World(cfg, 5, arena_ids=[0, 1])
    for _ in range(40):
        a.tick()
        b.tick()
    _state_equal(a.state_arrays(), b.state_arrays())
    c = World(cfg, 6, arena_ids=[0, 1])
    for _ in range(40):
        c.tick()
    assert not np.array_equal(a.agents["x"], c.agents["x"])


def test_thread_count_never_changes_results(monkeypatch):
    import alife.world.tick as tick
    from alife.jit import set_threads

    monkeypatch.setattr(tick, "SERIAL_BELOW", 0)  # use the parallel kernels even for 45 agents
    monkeypatch.setattr(tick, "PROBE_EVERY", 0)  # and never switch to one thread
    cfg = _predators()
    states = []
    for threads in (1, 2):
        set_threads(threads)
        w = World(cfg, 9, arena_ids=range(3))
        for _ in range(40):
            w.tick()
        states.append(w.state_arrays())
    _state_equal(*states)


def test_thread_count_never_changes_results_with_births_and_free_rows(monkeypatch):
    """An open-ended world whose species' blocks hold dead agents and free rows (births fill
    them) ticks the same on one and on two threads, every stage parallel."""
    import alife.world.tick as tick
    from alife.jit import set_threads

    monkeypatch.setattr(tick, "SERIAL_BELOW", 0)
    monkeypatch.setattr(tick, "PROBE_EVERY", 0)
    cfg = load_world(WORLDS / "ecology.yaml")
    cfg = cfg.model_copy(update={"arena": cfg.arena.model_copy(update={"count": 2})})
    states = []
    for threads in (1, 2):
        set_threads(threads)
        w = World(cfg, 3)
        for _ in range(120):
            w.tick()
        states.append(w.state_arrays())
    assert w.totals["births"] > 0 and w.totals["deaths"] > 0
    assert min(w.agents.room(s) for s in range(2)) > 0  # free rows in every block
    _state_equal(*states)


@settings(deadline=None)  # the first example compiles
@given(alive=st.lists(st.booleans(), max_size=200), pieces=st.integers(1, 9),
       seed=st.integers(0, 2**16))  # fmt: skip
def test_living_cuts_give_every_piece_as_many_living_agents(alive, pieces, seed):
    from alife.world.passes import living_cuts

    alive = np.array(alive, dtype=np.bool_)
    rows = np.random.default_rng(seed).permutation(alive.size).astype(np.int64)
    cuts, living = living_cuts(alive, rows, pieces)
    assert cuts.shape == (pieces + 1,) and cuts[0] == 0 and cuts[-1] == alive.size
    assert (np.diff(cuts) >= 0).all()
    counts = [int(alive[rows[a:b]].sum()) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    assert living == sum(counts) == alive.sum()
    assert max(counts) - min(counts) <= 1


def test_thread_choice_follows_the_faster_count(monkeypatch):
    """Tries the other thread count every so often, switches when it is faster, and tries a
    count that keeps losing less and less often."""
    import alife.world.tick as tick

    monkeypatch.setattr(tick, "PROBE_EVERY", 4)
    monkeypatch.setattr(tick, "PROBE_TICKS", 2)
    monkeypatch.setattr(tick, "FIRST_PROBE", 3)
    choice = tick.ThreadChoice()
    cost = {2: 1.0, 1: 3.0}  # two threads faster
    used = []
    for i in range(60):
        threads = choice.pick(2, 1000)
        used.append(threads)
        choice.record(threads, 1e3 if i == 0 else cost[threads])  # the first tick is not timed
    tries = [i for i in range(1, 60) if used[i] == 1 and used[i - 1] == 2]
    assert used[0] == 2 and tries[0] == 2 and len(tries) >= 3  # the first try comes early
    assert used[4] == 2  # a slow first tick (compiling) did not make one thread win
    assert all(b - a > 4 for a, b in zip(tries, tries[1:], strict=False))  # backing off
    cost = {2: 5.0, 1: 1.0}  # the machine got busy: one thread is faster now
    for _ in range(200):
        threads = choice.pick(2, 1000)
        choice.record(threads, cost[threads])
    assert choice.pick(2, 1000) == 1 or choice.probing
    assert choice.pick(2, 100) == 1 and choice.pick(1, 10_000) == 1  # small world; one allowed
    assert tick.ThreadChoice(64).pick(2, 100) == 2  # a stage with a lower floor (think)


def test_splitting_arenas_never_changes_results():
    cfg = _predators()
    ticks = 50
    whole = World(cfg, 11, generation=3, arena_ids=range(8))
    halves = [World(cfg, 11, generation=3, arena_ids=ids) for ids in (range(4), range(4, 8))]
    for w in [whole, *halves]:
        for _ in range(ticks):
            w.tick()
    for s in range(2):
        per = cfg.species[s].count
        lo, hi = whole.span(s)
        got = np.concatenate([h.agents["x"][slice(*h.span(s))] for h in halves])
        np.testing.assert_array_equal(whole.agents["x"][lo:hi], got)
        np.testing.assert_array_equal(
            whole.fitness()[s], np.concatenate([h.fitness()[s] for h in halves])
        )
        np.testing.assert_array_equal(
            whole.states[s].memory, np.concatenate([h.states[s].memory for h in halves])
        )
        assert hi - lo == 8 * per
    food = np.concatenate([h.items.fx for h in halves])
    np.testing.assert_array_equal(whole.items.fx, food)


def test_genomes_in_and_fitness_out_line_up():
    cfg = config(species=[species(count=3)])
    w0 = World(cfg, 1, arena_ids=[0, 1])
    genomes = [w0.genomes[0][::-1].copy()]
    w = World(cfg, 1, arena_ids=[0, 1], genomes=genomes)
    np.testing.assert_array_equal(w.genomes[0], genomes[0])
    f = w.run_episode()
    assert len(f) == 1 and f[0].shape == (6,) and f[0].dtype == np.float64
    with pytest.raises(WorldError, match="genomes"):
        World(cfg, 1, arena_ids=[0, 1], genomes=[genomes[0][:5]])


def test_energy_bookkeeping_balances():
    cfg = _predators(poison={"count": 10, "regrowth": 0.1, "energy": 0.5})
    w = World(cfg, 2, arena_ids=[0, 1, 2])
    for _ in range(150):
        w.tick()
    A = w.agents
    L = A["ledger"]
    expect = (
        A["energy0"] + L[:, L_FOOD] + L[:, L_PREY] - L[:, L_POISON] - L[:, L_SPENT]
        - L[:, L_WASTED] - L[:, L_CHILD] - L[:, L_EATEN]
    )  # fmt: skip
    np.testing.assert_allclose(A["energy"], expect, atol=1e-9)
    assert (L[:, L_FOOD] > 0).any() and (L[:, L_SPENT] > 0).all()
    assert w.totals["eaten"] > 0
    # living agents never exceed their cap
    cap = w.tables.species.max_energy[A["species"]]
    assert (A["energy"][A["alive"]] <= cap[A["alive"]] + 1e-12).all()


def test_checkpoint_restore_then_tick_equals_never_stopping(tmp_path):
    cfg = WORLDS / "ecology.yaml"
    cfg = load_world(cfg)
    a = World(cfg, 4)
    for _ in range(30):
        a.tick()
    buf = io.BytesIO()
    np.savez(buf, **a.state_arrays())
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    b = World.from_state_arrays(cfg, arrays)
    for _ in range(40):
        a.tick()
        b.tick()
    _state_equal(a.state_arrays(), b.state_arrays())


def _living(world) -> dict:
    """The living agents' columns, genomes and brain states per species, ordered by id."""
    A, out = world.agents, {}
    for s in range(A.n_species):
        lo, hi = A.span(s)
        alive = A["alive"][lo:hi]
        order = np.argsort(A["ids"][lo:hi][alive])
        for k in ("ids", "x", "y", "heading", "energy", "age", "parent"):
            out[f"{k}_{s}"] = A[k][lo:hi][alive][order]
        out[f"genomes_{s}"] = world.genomes[s][alive][order]
        out[f"memory_{s}"] = world.states[s].memory[alive][order]
    return out


def test_when_dead_rows_are_dropped_changes_nothing():
    """Open-ended worlds keep dead rows until they are a quarter of the table (or drop them at
    once when another species has births): living agents evolve the same either way."""
    cfg = load_world(WORLDS / "ecology.yaml")
    lazy = World(cfg, 3)
    eager = World(cfg, 3)
    eager._births.dead_rows_kept = lambda n: 0  # drop dead rows after every tick
    for _ in range(300):
        lazy.tick()
        eager.tick()
        assert eager.agents.agent_rows == int(eager.agents["alive"].sum())
    assert lazy.agents.agent_rows > int(lazy.agents["alive"].sum()) > 0  # lazy kept dead rows
    assert lazy.totals == eager.totals and lazy.agents.next_id == eager.agents.next_id
    for k, v in _living(lazy).items():
        np.testing.assert_array_equal(v, _living(eager)[k], err_msg=k)


@pytest.mark.parametrize("seed", range(4))
def test_census_says_when_births_are_due(seed):
    """The census kernel's (births due, living agents) against the same rule in NumPy."""
    from alife.world.births import _census

    rng = np.random.default_rng(seed)
    n, n_ar, n_sp = 300, 3, 2
    alive = rng.random(n) < 0.7
    energy, age = rng.random(n) * 2.0, rng.integers(0, 50, n)
    apos, species = rng.integers(0, n_ar, n), rng.integers(0, n_sp, n)
    group = apos * n_sp + species
    living = np.bincount(group[alive], minlength=n_ar * n_sp)
    ready = alive & (energy >= 1.5) & (age >= 20)
    wanting = np.bincount(group[ready], minlength=n_ar * n_sp)
    for max_pop, min_pop in [(living.max() + 1, 0), (living.min(), 0), (0, living.min() + 1),
                             (0, living.min())]:  # fmt: skip
        want = bool((((wanting > 0) & (living < max_pop)) | (living < min_pop)).any())
        count = np.empty((2, n_ar * n_sp), np.int64)
        got = _census(alive, energy, age, apos, species, n_sp, 1.5, 20, int(max_pop),
                      int(min_pop), count)  # fmt: skip
        assert got == (want, int(alive.sum()))


def test_from_state_arrays_rejects_bad_input():
    cfg = config()
    arrays = World(cfg).state_arrays()
    bad = dict(arrays)
    del bad["agent_x"]
    with pytest.raises(WorldError, match="agent_x"):
        World.from_state_arrays(cfg, bad)
    bad = dict(arrays, world_format=np.array(99))
    with pytest.raises(WorldError, match="format"):
        World.from_state_arrays(cfg, bad)


@pytest.mark.parametrize("path", sorted(WORLDS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_world_file_runs_200_ticks(path):
    cfg = load_world(path)
    w = World(cfg, 1)
    for _ in range(200):
        w.tick()
    snap = w.snapshot()
    W, H = cfg.arena.width, cfg.arena.height
    for arr in (snap.x, snap.y, snap.heading, snap.energy, snap.food_x, snap.food_y):
        assert np.isfinite(arr).all()
    assert ((snap.x >= 0) & (snap.x <= W) & (snap.y >= 0) & (snap.y <= H)).all()
    assert ((snap.food_x >= 0) & (snap.food_x <= W)).all()
    assert snap.tick == 200 and w.agent_ticks > 0
    for s in range(len(cfg.species)):
        f, (lo, hi) = w.fitness()[s], w.span(s)
        assert np.isfinite(f).all() and f.shape == (hi - lo,)
    if snap.population:
        view = w.inspect(int(snap.ids[0]))
        ctrl = w.controllers[view.species]
        raw = view.condensed @ view.inputs
        assert view.inputs.shape == (ctrl.n_inputs,) and len(view.sensor_names) == ctrl.n_inputs
        np.testing.assert_allclose(np.tanh(raw[: len(view.motors)]), view.motors, atol=1e-4)
    assert w.inspect(-5) is None


def test_snapshot_is_read_only_copy():
    w = World(config())
    snap = w.snapshot()
    with pytest.raises(ValueError):
        snap.x[0] = 1.0
    assert snap.population == 4 and snap.food_count == 25
    assert snap.x.dtype == np.float32 and snap.species.dtype == np.int16


def test_python_overhead_does_not_grow_with_arenas(monkeypatch):
    """Compiled calls per tick are the same for 1 and 64 arenas (no per-arena Python loop)."""
    from alife.jit import Dispatch

    calls = {"n": 0}
    real = Dispatch.__call__

    def counting(self, *args):
        calls["n"] += 1
        return real(self, *args)

    monkeypatch.setattr(Dispatch, "__call__", counting)
    cfg = config()
    for n in (1, 64):
        w = World(cfg, arena_ids=range(n))
        calls["n"] = 0
        w.tick()
        assert calls["n"] == 3  # sense_pass, act_pass, finish_pass
