"""Worlds as environments (alife.env): PettingZoo's and Gymnasium's own API checks, determinism,
rewards that add up to World.fitness() for the same actions, observations equal to what the
brain would sense, memory actions, births and names in open-ended worlds, bad input."""

import re
import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from alife.env import BatchEnv, WorldParallelEnv, WorldSingleAgentEnv
from alife.errors import EnvError
from alife.world import World, make_controller

from world_helpers import config, species

pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parent.parent
UNUSED_NAMES = "No agents present but not all possible_agents are terminated or truncated"
UNBOUNDED_READS = ".*A Box observation space (minimum|maximum) value is"


def _two_species(**over):
    base = {
        "food": {"count": 25, "regrowth": 0.05},
        "species": [
            species(name="prey", count=6, eats=["food", "poison"],
                    scoring={"food": 1.0, "poison": -1.0, "survival": 0.01, "energy": 0.5}),
            species(name="hunter", count=2, eats=["prey"], signal=True,
                    sensors={"sees": ["wall", "prey", "hunter"]}, scoring={"prey": 1.0}),
        ],
    }  # fmt: skip
    return config(**{**base, **over})


def _open_ended(**over):
    base = {
        "arena": {"width": 200, "height": 200, "boundary": "wrap", "count": 2},
        "food": {"count": 40, "max_count": 60, "energy": 0.6, "regrowth": 0.1},
        "poison": {"count": 0},
        "evolution": {
            "mode": "open_ended",
            "open_ended": {"reproduce_energy": 1.2, "child_energy": 0.5, "max_population": 12,
                           "min_population": 2},
        },
    }
    base.update(over)
    return _two_species(**base)


def _random_actions(env: WorldParallelEnv, rng) -> dict:
    return {a: rng.uniform(-1.2, 1.2, env.action_space(a).shape).astype(np.float32)
            for a in env.agents}  # fmt: skip


# ------------------------------------------------------------------ the libraries' own checks
@pytest.mark.parametrize("memory", [False, True])
def test_parallel_api_test_generational_two_species(memory):
    env = WorldParallelEnv(_two_species(episode={"length": 60}), memory=memory)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(env, num_cycles=80)


def test_parallel_api_test_open_ended_with_births_and_deaths():
    env = WorldParallelEnv(_open_ended(episode={"length": 150}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=UNUSED_NAMES)  # names never born this episode
        parallel_api_test(env, num_cycles=200)
    env.reset(seed=3)
    born = 0
    rng = np.random.default_rng(0)
    while env.agents:
        _, _, _, _, infos = env.step(_random_actions(env, rng))
        born += sum(bool(i.get("born")) for i in infos.values())
    assert born > 0  # the check above saw agents join


@pytest.mark.parametrize("world", ["foraging", "predators", "ecology", "tmaze"])
def test_parallel_api_test_shipped_worlds(world):
    env = WorldParallelEnv(ROOT / "worlds" / f"{world}.yaml", max_steps=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=UNUSED_NAMES)
        parallel_api_test(env, num_cycles=50)


def test_gymnasium_check_env_through_make():
    env = gymnasium.make("alife/World-v0", world=str(ROOT / "worlds" / "foraging.yaml"),
                         max_steps=30)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)


def test_gymnasium_check_env_memory_and_second_species():
    env = WorldSingleAgentEnv(_two_species(), species="hunter", memory=True)
    assert env.observation_space.shape == (8 * 3 + 4 + 4,)  # sensors, then 1 read x 4 values
    assert env.action_space.shape == (5 + 2 * 8 + 4 + 1,)  # motors + signal, keys, value, gate
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=UNBOUNDED_READS)  # memory reads: unbounded
        warnings.filterwarnings("ignore", message=".*not having a spec")  # made directly
        check_env(env)


# ------------------------------------------------------------------ determinism
def _trajectory(env: WorldParallelEnv, seed: int, steps: int) -> list:
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(42)
    out = [sorted((a, o.tobytes()) for a, o in obs.items())]
    for _ in range(steps):
        if not env.agents:
            break
        obs, rew, term, trunc, infos = env.step(_random_actions(env, rng))
        assert all(env.observation_space(a).contains(o) for a, o in obs.items())
        out.append(sorted((a, obs[a].tobytes(), rew[a], term[a], trunc[a], str(infos[a]))
                          for a in obs))  # fmt: skip
    return out


@pytest.mark.parametrize("make", [_two_species, _open_ended])
def test_same_seed_same_trajectory(make):
    env = WorldParallelEnv(make(), memory=True)
    first = _trajectory(env, 7, 60)
    assert _trajectory(env, 7, 60) == first
    assert _trajectory(WorldParallelEnv(make(), memory=True), 7, 60) == first
    assert _trajectory(env, 8, 60) != first


def test_reset_without_seed_continues_from_the_last_seed():
    env = WorldParallelEnv(_two_species())
    a = env.reset()[0]  # the world file's seed
    b = env.reset(seed=_two_species().seed)[0]
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c, d = env.reset()[0], env.reset()[0]
    env.reset(seed=_two_species().seed)
    e = env.reset()[0]
    assert all(np.array_equal(c[k], e[k]) for k in c)
    assert any(not np.array_equal(c[k], d[k]) for k in c)


# ------------------------------------------------------------------ the same World underneath
class Replay:
    """A species' brain replaced by recorded motors (rows, motors) per tick; records the
    sensors it was given."""

    def __init__(self, ctrl, script):
        self.ctrl, self.script, self.seen, self.t = ctrl, script, [], 0

    def __getattr__(self, name):
        return getattr(self.ctrl, name)

    def step(self, genomes, state, sensors):
        rows, motors = self.script[self.t]
        self.t += 1
        self.seen.append(sensors.copy())
        out = np.zeros((sensors.shape[0], self.ctrl.n_motors), np.float32)
        out[rows] = np.clip(motors[:, : self.ctrl.n_motors], -1, 1)
        return out


def test_sense_all_is_sense_of_every_row():
    cfg = _two_species()
    world = World(cfg, 2, arena_ids=[0, 3])
    for _ in range(5):
        world.tick()
    every = world.sense_all()
    for s in range(2):
        lo, hi = world.agents.span(s)
        np.testing.assert_array_equal(every[s], world.sense(s, np.arange(lo, hi)))


@pytest.mark.parametrize("open_ended", [False, True])
def test_a_tick_on_sense_all_inputs_is_the_same_tick(open_ended):
    """tick(sensed=True) after sense_all() (what the env does) == a plain tick, births too."""
    cfg = _open_ended(episode={"length": 200}) if open_ended else _two_species()
    plain, reused = World(cfg, 4), World(cfg, 4)
    for t in range(150 if open_ended else 40):
        plain.tick()
        if t % 3:  # sensed=True without a sense_all() since the last tick senses as usual
            reused.sense_all()
        reused.tick(sensed=True)
    if open_ended:
        assert plain.totals["births"] > 0
    for k, v in plain.state_arrays().items():
        np.testing.assert_array_equal(v, reused.state_arrays()[k], err_msg=k)


def _play(cfg, seed: int, steps: int):
    """Random actions in a BatchEnv of every species; returns the env, per species the script
    (rows, actions) per tick, the observations per tick and the summed rewards per name."""
    env = BatchEnv(cfg)
    rng = np.random.default_rng(1)
    report = env.reset(seed)
    n = len(env.learners)
    scripts, observed = [[] for _ in range(n)], [[] for _ in range(n)]
    totals = [dict.fromkeys(r.tolist(), 0.0) for r in report.names]
    for _ in range(steps):
        if env.over:
            break
        acts = []
        for i, s in enumerate(env.learners):
            a = rng.uniform(-1.3, 1.3, (len(env.live[i]), env.n_actions(s))).astype(np.float32)
            scripts[i].append((env.live[i].copy(), a))
            observed[i].append(report.obs[i][np.isin(report.names[i], env.live_names(i))])
            acts.append(a)
        report = env.step(acts)
        for i in range(n):
            for k, r in zip(report.names[i].tolist(), report.rewards[i].tolist(), strict=True):
                totals[i][k] = totals[i].get(k, 0.0) + r
    return env, scripts, observed, totals


def test_rewards_add_up_to_the_fitness_of_the_same_world_with_the_same_actions():
    cfg = _two_species(episode={"length": 80})
    env, scripts, observed, totals = _play(cfg, 11, 80)
    replays = [Replay(make_controller(cfg, s), scripts[s]) for s in range(2)]
    world = World(cfg, 11, controller_factory=lambda c, s: replays[s])
    for _ in range(80):
        world.tick()
    fitness = world.fitness()
    for s in range(2):
        assert np.array_equal(world.agents.genomes[s], env.world.agents.genomes[s])
        summed = np.array([totals[s][k] for k in range(len(fitness[s]))])
        np.testing.assert_allclose(summed, fitness[s], rtol=1e-9, atol=1e-9)
        # observations are the sensor inputs the brain gets at the next tick
        for seen, obs, (rows, _) in zip(replays[s].seen, observed[s], scripts[s], strict=True):
            np.testing.assert_array_equal(obs, seen[rows])
    assert sum(np.abs(f).sum() for f in fitness) > 0  # the episode scored something
    for k, v in world.state_arrays().items():
        np.testing.assert_array_equal(v, env.world.state_arrays()[k], err_msg=k)


def test_open_ended_env_world_is_the_world_with_those_actions():
    cfg = _open_ended(episode={"length": 120})
    env, scripts, observed, totals = _play(cfg, 5, 120)
    assert env.world.totals["births"] > 0 and env.world.totals["deaths"] > 0
    replays = [Replay(make_controller(cfg, s), scripts[s]) for s in range(2)]
    world = World(cfg, 5, controller_factory=lambda c, s: replays[s])  # fmt: skip
    for _ in range(120):
        world.tick()
    for k, v in world.state_arrays().items():
        np.testing.assert_array_equal(v, env.world.state_arrays()[k], err_msg=k)
    for s, seen_all in enumerate(r.seen for r in replays):
        for seen, obs, (rows, _) in zip(seen_all, observed[s], scripts[s], strict=True):
            np.testing.assert_array_equal(obs, seen[rows])
    fitness = world.fitness()
    for i, s in enumerate(env.learners):  # the living: summed rewards == their score now
        names = env.name_of_row[i]
        seen = np.array([k in totals[i] for k in names.tolist()])
        summed = np.array([totals[i][k] for k in names[seen].tolist()])
        np.testing.assert_allclose(summed, fitness[s][seen], rtol=1e-9, atol=1e-9)
        assert (world.agents["age"][world.agents.span(s)[0]:][: len(seen)][~seen] == 0).all()


def test_single_agent_others_run_their_given_genomes():
    cfg = _two_species(episode={"length": 50})
    rng = np.random.default_rng(3)
    g_prey = make_controller(cfg, 0).init_genomes(rng, 4)
    g_hunt = make_controller(cfg, 1).init_genomes(rng, 1)
    env = WorldSingleAgentEnv(cfg, species="prey", genomes={"prey": g_prey, "hunter": g_hunt})
    obs, _ = env.reset(seed=9)
    actions, total = [], 0.0
    for _ in range(50):
        a = rng.uniform(-1, 1, env.action_space.shape).astype(np.float32)
        actions.append(a)
        obs, r, term, trunc, _ = env.step(a)
        total += r
        if term or trunc:
            break

    class DriveFirst:
        def __init__(self, ctrl):
            self.ctrl, self.t = ctrl, 0

        def __getattr__(self, name):
            return getattr(self.ctrl, name)

        def step(self, genomes, state, sensors):
            out = self.ctrl.step(genomes, state, sensors)
            out[0] = actions[self.t][: self.ctrl.n_motors]
            self.t += 1
            return out

    genomes = [g_prey[np.arange(6) % 4], g_hunt[np.zeros(2, np.int64)]]
    ctrls = [DriveFirst(make_controller(cfg, 0)), make_controller(cfg, 1)]
    world = World(cfg, 9, genomes=genomes, controller_factory=lambda c, s: ctrls[s])
    for _ in range(len(actions)):
        world.tick()
    for k, v in world.state_arrays().items():
        np.testing.assert_array_equal(v, env.batch.world.state_arrays()[k], err_msg=k)
    assert total == pytest.approx(world.fitness()[0][0], abs=1e-9)
    assert term == (not world.agents["alive"][0])


def test_genomes_from_a_run_directory(tmp_path):
    from alife.evolve.rundir import BEST_FILE, BestGenomes, save_best

    cfg = _two_species()
    best = [make_controller(cfg, s).init_genomes(np.random.default_rng(s), 1) for s in (0, 1)]
    save_best(tmp_path / BEST_FILE, BestGenomes(["prey", "hunter"], [b[0] for b in best],
                                                np.zeros(2), np.zeros(2, np.int64)))  # fmt: skip
    env = BatchEnv(cfg, species="prey", genomes=tmp_path)
    env.reset(0)
    assert (env.world.agents.genomes[1] == best[1]).all()  # every hunter runs the best genome


# ------------------------------------------------------------------ memory, births, names
def test_memory_actions_write_then_read_the_agents_memory():
    env = BatchEnv(_two_species(), species="prey", memory=True)
    report = env.reset(3)
    ctrl = env.controllers[0]
    mem = ctrl.memory
    n_s, k, v = ctrl.n_sensors, mem.key_size, mem.value_size
    rng = np.random.default_rng(0)
    key = np.sign(rng.standard_normal(k)).astype(np.float32)
    value = rng.uniform(-0.9, 0.9, v).astype(np.float32)
    act = np.zeros((len(env.live[0]), env.n_actions(0)), np.float32)
    act[:, 2:2 + k] = key  # read key (1 read head), then write key, value, gate
    act[:, 2 + k:2 + 2 * k] = key
    act[:, 2 + 2 * k:2 + 2 * k + v] = value
    act[:, -1] = 1.0  # gate 1: store exactly
    assert np.all(report.obs[0][:, n_s:] == 0)
    report = env.step([act])
    np.testing.assert_allclose(report.obs[0][:, n_s:], np.tile(value, (6, 1)), atol=1e-5)


def test_open_ended_names_are_never_reused_and_parents_are_agents():
    env = WorldParallelEnv(_open_ended(episode={"length": 400}))
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=2)
    seen, finished, births = set(obs), set(), 0
    while env.agents:
        obs, _, term, trunc, infos = env.step(_random_actions(env, rng))
        for a, info in infos.items():
            if info.get("born"):
                births += 1
                assert a not in seen
                assert info["parent"] is None or info["parent"] in seen
                assert info["parent"] is None or info["parent"].split("_")[0] == a.split("_")[0]
        seen |= set(obs)
        finished |= {a for a in obs if term[a] or trunc[a]}
        assert not finished & set(env.agents)
    assert births > 0 and seen <= set(env.possible_agents)


def test_running_out_of_names_truncates_the_episode():
    env = BatchEnv(_open_ended(episode={"length": 300}), max_agents=14)
    env.reset(4)
    rng = np.random.default_rng(0)
    while not env.over:
        report = env.step([rng.uniform(-1, 1, (len(r), env.n_actions(s))).astype(np.float32)
                           for r, s in zip(env.live, env.learners, strict=True)])
    assert env.out_of_names and env.world.tick_count < env.max_steps
    assert any(t.any() for t in report.truncated)
    assert max(int(n.max(initial=-1)) for n in report.names) < 14


# ------------------------------------------------------------------ bad input
def test_bad_input_is_a_clear_error():
    cfg = _two_species(episode={"length": 3})
    with pytest.raises(EnvError, match="species must name"):
        BatchEnv(cfg, species="wolf")
    with pytest.raises(EnvError, match=r"genomes\['prey'\] must be"):
        BatchEnv(cfg, genomes={"prey": np.zeros((2, 5), np.float32)})
    with pytest.raises(EnvError, match="max_steps"):
        BatchEnv(cfg, max_steps=0)
    tape = {"enabled": True, "width": 64, "key_size": 8, "value_size": 4, "reads": 1,
            "addressing": "location"}
    with pytest.raises(EnvError, match="content-addressed memories"):
        BatchEnv(config(species=[species(memory=tape)]), memory=True)
    with pytest.raises(EnvError, match="seed must be"):
        BatchEnv(cfg).reset(-1)
    env = WorldParallelEnv(cfg)
    with pytest.raises(EnvError, match="call reset"):
        env.step({})
    obs, _ = env.reset(seed=1)
    acts = {a: np.zeros(2, np.float32) for a in env.agents}
    with pytest.raises(EnvError, match="no action for"):
        env.step({a: v for a, v in list(acts.items())[1:]})
    with pytest.raises(EnvError, match="not there"):
        env.step({**acts, "prey_99": np.zeros(2, np.float32)})
    with pytest.raises(EnvError, match="NaN"):
        env.step({**acts, "prey_0": np.array([np.nan, 0], np.float32)})
    with pytest.raises(EnvError, match="one action of 2 numbers"):
        env.step({**acts, "prey_0": np.zeros(3, np.float32)})
    for _ in range(3):
        env.step({a: np.zeros(env.action_space(a).shape, np.float32) for a in env.agents})
    assert env.agents == []
    with pytest.raises(EnvError, match="call reset"):
        env.step({})


def test_readme_snippet_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Worlds as environments"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
