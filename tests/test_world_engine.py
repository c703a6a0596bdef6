"""World engine invariants: determinism, arena independence, energy bookkeeping, checkpoints."""

import io
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.config import load_world
from alife.errors import WorldError
from alife.world import World, make_controller
from alife.world.controller import takes_live
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


def test_thread_count_never_changes_results(every_stage_parallel):
    from alife.jit import set_threads

    cfg = _predators()
    states = []
    for threads in (1, 2):
        set_threads(threads)
        w = World(cfg, 9, arena_ids=range(3))
        for _ in range(40):
            w.tick()
        states.append(w.state_arrays())
    _state_equal(*states)


def test_thread_count_never_changes_results_with_births_and_free_rows(every_stage_parallel):
    """An open-ended world whose species' blocks hold dead agents and free rows (births fill
    them) ticks the same on one and on two threads, every stage parallel."""
    from alife.jit import set_threads

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


def _run_choice(choice, median: dict, ticks: int, rng=None) -> list[int]:
    """Thread counts a ThreadChoice picks over `ticks` runs of a 1000-agent stage on 2 allowed
    threads, each run timed median[threads] (with rng: scattered around it by _noisy)."""
    used = []
    for _ in range(ticks):
        threads = choice.pick(2, 1000)
        used.append(threads)
        choice.record(threads, median[threads] if rng is None else _noisy(rng, median[threads]))
    return used


def _noisy(rng, median: float) -> float:
    """A stage's timing on a shared machine: lognormal scatter, and now and then a run that
    lost its core for a while (ten times as long)."""
    x = median * rng.lognormal(0.0, 0.25)
    return 10 * x if rng.random() < 0.05 else x


def test_thread_choice_takes_all_threads_for_a_clear_win():
    """A stage starts on one thread, tries all early, keeps them when they clearly win, and
    tries one thread again less and less often."""
    import alife.world.threads as threads

    choice = threads.ThreadChoice(256)
    used = _run_choice(choice, {2: 1.0, 1: 3.0}, 2000)
    assert used[: threads.FIRST_PROBE - 1] == [1] * (threads.FIRST_PROBE - 1)
    assert choice.parallel and used.count(2) > 0.97 * len(used)
    tries = [i for i in range(1, len(used)) if used[i] == 1 and used[i - 1] == 2]
    assert len(tries) >= 3 and (np.diff(np.diff(tries)) > 0).all()  # backing off
    assert choice.pick(2, 100) == 1 and choice.pick(1, 10_000) == 1  # small stage; one allowed
    assert threads.ThreadChoice(64).pick(2, 100) == 1  # a stage with a lower floor (think) ...
    choice = threads.ThreadChoice(64)
    _run_choice(choice, {2: 1.0, 1: 3.0}, 50)
    assert choice.pick(2, 100) == 2  # ... may use all threads from 64 agents on


def test_thread_choice_is_not_fooled_by_noise():
    """Two threads that are no faster than one, or slower, timed with scatter and outliers,
    cost almost nothing over one thread alone: a lucky try does not keep them for long."""
    import alife.world.threads as threads

    for slower in (1.0, 1.1, 1.3, 2.0):
        costs = []  # mean true cost per run, one thread alone = 1
        for seed in range(10):
            rng = np.random.default_rng(seed)
            used = _run_choice(threads.ThreadChoice(256), {2: slower, 1: 1.0}, 3000, rng)
            costs.append(1 + used.count(2) / len(used) * (slower - 1))
        assert np.median(costs) < 1.01 and max(costs) < 1.03, (slower, costs)


def test_thread_choice_takes_a_noisy_clear_win_and_leaves_it_when_the_machine_gets_busy():
    import alife.world.threads as threads

    rng = np.random.default_rng(5)
    choice = threads.ThreadChoice(256)
    used = _run_choice(choice, {2: 0.6, 1: 1.0}, 500, rng)
    assert choice.parallel and used[-300:].count(2) > 0.9 * 300
    # another process takes a core: two threads now wait on it
    used = _run_choice(choice, {2: 1.5, 1: 1.0}, 3000, rng)
    assert not choice.parallel
    assert used.index(1) < 2 * threads.RECENT  # tried one thread early, not after a long wait
    assert used.count(2) / len(used) < 0.03
    # and idle again: two threads win their next try
    used = _run_choice(choice, {2: 0.6, 1: 1.0}, 5000, rng)
    assert choice.parallel and used[-1000:].count(2) > 0.9 * 1000


def test_machine_load_counts_the_cores_other_processes_use(monkeypatch):
    import alife.world.threads as threads

    clock = {"wall": 0.0, "machine": 0.0, "own": 0.0}  # seconds
    fake = SimpleNamespace(perf_counter=lambda: clock["wall"], process_time=lambda: clock["own"])
    monkeypatch.setattr(threads, "time", fake)
    monkeypatch.setattr(threads, "_machine_cpu_seconds", lambda: clock["machine"])
    load = threads.MachineLoad()
    load.cores = 2

    def busy_after(seconds: float, own: float, others: float, threads: int = 2) -> bool:
        """busy(threads) after `seconds` in which this process and the others used these many
        cores."""
        clock["wall"] += seconds
        clock["own"] += own * seconds
        clock["machine"] += (own + others) * seconds
        return load.busy(threads)

    assert not busy_after(0.0, 0.0, 0.0)  # the first reading
    assert not busy_after(0.3, 2.0, 0.0)  # this process alone, its threads spinning or not
    assert busy_after(0.3, 1.0, 1.0)  # another process holds a core
    assert busy_after(0.05, 1.0, 0.0)  # no new reading before LOAD_EVERY seconds
    assert not busy_after(0.0, 0.0, 0.0, threads=1)  # one thread needs one core: still free
    assert busy_after(0.3, 1.5, 0.3)  # a third of a core now and then is busy
    assert not busy_after(0.3, 1.9, 0.1)  # a tenth of a core (daemons, a terminal) is not
    monkeypatch.setattr(threads, "_machine_cpu_seconds", lambda: None)  # no /proc/stat
    assert not threads.MachineLoad().busy(2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_measures_the_machine_afresh():
    from alife.world.threads import MACHINE

    MACHINE.busy(2)
    MACHINE.others = 3.0
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 when its MachineLoad starts over
        os._exit(0 if MACHINE.last is None and MACHINE.others == 0.0 else 1)
    _, status = os.waitpid(pid, 0)
    MACHINE.__init__()
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="the kernel has no /proc/stat")
def test_machine_cpu_seconds_count_this_process_spinning():
    import time

    from alife.world.threads import _machine_cpu_seconds

    before, own = _machine_cpu_seconds(), time.process_time()
    while time.process_time() - own < 0.3:  # spin this thread for 0.3 s of CPU
        pass
    assert _machine_cpu_seconds() - before >= 0.2  # clock ticks of 10 ms, other cores idle


@pytest.mark.parametrize("others, busy_serial_below, timed", [(0, 4096, True), (2, 4096, False),
                                                              (2, 0, True)])  # fmt: skip
def test_a_busy_machine_runs_small_stages_on_one_thread(monkeypatch, others, busy_serial_below,
                                                        timed):  # fmt: skip
    """While other threads hold the cores, stages under BUSY_SERIAL_BELOW agents run on one
    thread without asking their ThreadChoice (which times only the runs it chose)."""
    import alife.world.threads as threads
    import alife.world.tick as tick
    from alife.jit import set_threads

    monkeypatch.setattr(tick, "SERIAL_BELOW", 0)
    monkeypatch.setattr(threads, "STARTS_PARALLEL", True)
    monkeypatch.setattr(tick, "BUSY_SERIAL_BELOW", busy_serial_below)
    monkeypatch.setattr(threads.MACHINE, "busy", lambda count: others > 0)
    set_threads(2)
    w = World(_predators(), 9, arena_ids=range(3))
    for _ in range(5):
        w.tick()
    choices = w._pipeline.threads.values()
    assert choices and all(c.timed == timed for c in choices)


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
def test_plan_says_when_births_are_due(seed):
    """The plan kernel's living agents, and whether it plans any birth, against the rule in
    NumPy: births are due in an arena's species if one can reproduce below max_population, or
    fewer than min_population live."""
    from alife.world.births import _plan

    rng = np.random.default_rng(seed)
    n, n_ar, n_sp = 300, 3, 2
    alive = rng.random(n) < 0.7
    energy, age = rng.random(n) * 2.0, rng.integers(0, 50, n)
    apos, species = rng.integers(0, n_ar, n), np.sort(rng.integers(0, n_sp, n))
    offsets = np.searchsorted(species, np.arange(n_sp + 1)).astype(np.int64)
    group = apos * n_sp + species
    living = np.bincount(group[alive], minlength=n_ar * n_sp)
    ready = alive & (energy >= 1.5) & (age >= 20)
    wanting = np.bincount(group[ready], minlength=n_ar * n_sp)
    for max_pop, min_pop in [(living.max() + 1, 0), (living.min(), 0), (0, living.min() + 1),
                             (0, living.min())]:  # fmt: skip
        want = bool((((wanting > 0) & (living < max_pop)) | (living < min_pop)).any())
        out = (np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n_sp, np.int64),
               np.empty((n_ar, n_sp), np.int64))
        n_alive, n_parents, n_founders = _plan(alive, energy, age, apos, species, offsets, 1.5,
                                               20, int(max_pop), int(min_pop), *out)  # fmt: skip
        assert (n_parents + n_founders > 0, n_alive) == (want, int(alive.sum()))
        assert (n_parents, n_founders) == (out[2].sum(), out[3].sum())


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


class _EveryRow:
    """The NTM without the `live` keyword: the World then steps every row, dead ones too."""

    def __init__(self, ctrl):
        self.ctrl = ctrl

    def step(self, genomes, state, sensors):
        return self.ctrl.step(genomes, state, sensors)

    def __getattr__(self, name):
        return getattr(self.ctrl, name)


def test_dead_agents_brains_stop_and_nothing_else_changes():
    cfg = load_world(WORLDS / "foraging.yaml")
    skipping = World(cfg, 4, arena_ids=[0, 1])
    every = World(cfg, 4, arena_ids=[0, 1],
                  controller_factory=lambda c, s: _EveryRow(make_controller(c, s)))
    assert takes_live(skipping.controllers[0]) and not takes_live(every.controllers[0])
    frozen = None
    for _ in range(cfg.episode.length - 1):
        skipping.tick()
        every.tick()
        dead = ~skipping.agents["alive"]
        if dead.any() and frozen is None:  # the first deaths: their brains stop here
            frozen = dead, skipping.agents.states[0].memory[dead].copy()
    assert frozen is not None and dead.sum() > frozen[0].sum() > 0
    a, b = skipping.state_arrays(), every.state_arrays()
    for key in a:
        if key in ("memory_0", "reads_0", "positions_0"):
            np.testing.assert_array_equal(a[key][~dead], b[key][~dead], err_msg=key)
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    np.testing.assert_array_equal(skipping.agents.states[0].memory[frozen[0]], frozen[1])
    assert not np.array_equal(a["memory_0"][dead], b["memory_0"][dead])
