"""The World's parts and interfaces: controllers by factory, births mutated as the file says, no
imports of the evolution or drawing code, user errors as WorldError."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alife.errors import AlifeError, WorldError
from alife.experiments.dense_mlp import DenseMLPController
from alife.world import Controller, ControllerState, World, make_controller

from world_helpers import config, species

pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parent.parent


def _memory_off(**over):
    return config(species=[species(count=3, memory={"enabled": False}, **over)])


def test_ntm_and_dense_mlp_are_controllers():
    cfg = _memory_off()
    ntm = make_controller(cfg, 0)
    mlp = DenseMLPController(ntm.n_sensors, ntm.n_motors, width=16, depth=2)
    for ctrl in (ntm, mlp):
        assert isinstance(ctrl, Controller)
        assert isinstance(ctrl.new_state(2), ControllerState)


def test_world_runs_a_controller_from_its_factory():
    cfg = _memory_off(energy={"brain_cost": 1.0})
    ntm = make_controller(cfg, 0)
    mlp = DenseMLPController(ntm.n_sensors, ntm.n_motors, width=16, depth=2)
    w = World(cfg, 1, arena_ids=[0, 1], controller_factory=lambda config, s: mlp)
    assert w.controllers == [mlp] and w.genomes[0].shape == (6, mlp.n_params)
    # the brain-size energy cost follows the factory's genome size
    assert w.tables.species.brain_cost[0] == pytest.approx(mlp.n_params / 1000.0)
    x0 = w.agents["x"].copy()
    f = w.run_episode()
    assert f[0].shape == (6,) and not np.array_equal(w.agents["x"], x0)


def test_controller_that_does_not_fit_is_refused():
    cfg = _memory_off()
    ntm = make_controller(cfg, 0)
    wrong = DenseMLPController(ntm.n_sensors + 1, ntm.n_motors)
    with pytest.raises(WorldError, match="sensors"):
        World(cfg, controller_factory=lambda config, s: wrong)


@pytest.mark.parametrize("mutation, changed", [
    ({"kind": "gaussian", "count": 3, "sigma": 0.1}, 3),
    ({"kind": "gray", "count": 5, "c": 0.5, "precision": 6.0}, 5),
    ({"kind": "gray", "rate": 1.0, "c": 0.5, "precision": 6.0}, None),
])
def test_open_ended_births_mutate_as_the_world_file_says(mutation, changed):
    oe = {"reproduce_energy": 1.5, "child_energy": 0.4}
    cfg = config(evolution={"mode": "open_ended", "open_ended": oe, "mutation": mutation})
    w = World(cfg)
    w.agents["energy"][:3] = 1.9
    parents = w.genomes[0][:3].copy()
    w.tick()
    assert w.last["births"] == 3
    children = w.genomes[0][-3:]
    step = children - parents
    n_params = parents.shape[1]
    for k in range(3):
        moved = np.flatnonzero(step[k])
        assert moved.size == (n_params if changed is None else changed)
        if mutation["kind"] == "gray":  # +-c exp(-u precision), u in [0, 1)
            size = np.abs(step[k, moved])
            assert (size <= 0.5 * 1.0001).all() and (size >= 0.5 * np.exp(-6.0) * 0.999).all()
    assert len({s.tobytes() for s in step}) == 3  # each child its own draws


def test_user_errors_are_alife_errors():
    cfg = config()
    assert issubclass(WorldError, AlifeError)
    with pytest.raises(WorldError, match="arena_ids"):
        World(cfg, arena_ids=[])
    w = World(cfg)
    with pytest.raises(WorldError, match="rows"):
        w.sense(0, np.array([99]))
    arrays = w.state_arrays()
    for bad in (
        dict(arrays, agent_species=arrays["agent_species"] + 1),  # rows of an unknown species
        dict(arrays, agent_apos=arrays["agent_apos"] + 5),  # an arena this world lacks
        dict(arrays, memory_0=arrays["memory_0"][:, :1]),  # brain state of another shape
        dict(arrays, genomes_0=arrays["genomes_0"][:, :-1]),
    ):
        with pytest.raises(WorldError):
            World.from_state_arrays(cfg, bad)


def test_state_saves_every_brain_state_array():
    w = World(config())
    arrays = w.state_arrays()
    for name in ("memory_0", "reads_0"):
        np.testing.assert_array_equal(arrays[name], getattr(w.states[0], name.split("_")[0]))
    back = World.from_state_arrays(config(), arrays)
    for a, b in zip(back.states[0].memory, w.states[0].memory, strict=True):
        np.testing.assert_array_equal(a, b)


def test_world_never_imports_evolution_or_drawing_code():
    for path in sorted((ROOT / "alife" / "world").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("alife.evolve", "alife.render")), (path.name, name)
    code = (
        "import sys, numpy as np\n"
        "from alife.config import load_world\n"
        "from alife.world import World\n"
        f"cfg = load_world({str(ROOT / 'worlds' / 'ecology.yaml')!r})\n"
        "w = World(cfg, 1)\n"
        "[w.tick() for _ in range(3)]\n"
        "bad = [m for m in sys.modules if m.startswith(('alife.evolve', 'alife.render'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
