"""The evidence experiments: a tiny `--quick` run of each, checked for its claim.

Each quick run is small (seconds) but still asserts the behaviour the full figure shows, so a
regression in the brain or the experiment code fails here, not only in docs/RESULTS.md.
"""

import csv
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from alife.cli import main
from alife.errors import ExperimentError
from alife.experiments import EXPERIMENTS, run_experiment
from alife.experiments.common import Table


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _check_outputs(result):
    assert result.figures and result.tables
    for fig in result.figures:
        img = pygame.image.load(str(fig))
        assert img.get_size() == (900, 500)
    for table in result.tables:
        rows = _rows(result.out / f"{table.name}.csv")
        assert len(rows) == len(table.rows) > 0
        assert (result.out / f"{table.name}.md").read_text().startswith("| ")


def test_relu_switch_quick(tmp_path):
    result = run_experiment("relu_switch", tmp_path, quick=True, seed=3)
    _check_outputs(result)
    errs = [float(r["max_rel_err"]) for r in _rows(tmp_path / "relu_switch.csv")]
    assert max(errs) <= 1e-4
    assert result.headline["within_1e-4"] == "True"


def test_memory_capacity_quick(tmp_path):
    result = run_experiment("memory_capacity", tmp_path, quick=True, seed=3)
    _check_outputs(result)
    for r in _rows(tmp_path / "memory_capacity.csv"):
        theory, hebb = float(r["theory"]), float(r["hebbian"])
        assert 0.6 * theory < hebb < 1.5 * theory  # CLT crosstalk (k-1)/m
        # the delta rule beats Hebbian storage, and more passes beat one pass
        assert float(r["delta_10_pass"]) < float(r["delta_1_pass"]) < hebb
    ratios = {
        (int(r["key_size"]), int(r["rounds"])): float(r["ratio_to_theory"])
        for r in _rows(tmp_path / "memory_key_rounds.csv")
    }
    assert ratios[(8, 1)] > 2.0 * ratios[(64, 1)]  # small keys: correlated sign hashes
    assert ratios[(8, 3)] < ratios[(8, 1)]  # more rounds decorrelate


def test_lsh_generalisation_quick(tmp_path):
    result = run_experiment("lsh_generalisation", tmp_path, quick=True, seed=3)
    _check_outputs(result)
    rows = _rows(tmp_path / "lsh_generalisation.csv")
    half = next(r for r in rows if float(r["sigma"]) == 0.5)
    lsh = float(half["norm_slope LSH sign r=1"])
    strong = float(half["norm_slope strong sign r=3"])
    assert lsh > strong + 0.15  # similar keys recall similar values only under mild hashing
    assert abs(lsh - float(half["theory_r1"])) < 0.2  # arcsine law


def test_same_seed_same_table(tmp_path):
    a = run_experiment("lsh_generalisation", tmp_path / "a", quick=True, seed=5)
    b = run_experiment("lsh_generalisation", tmp_path / "b", quick=True, seed=5)
    assert a.tables[0].rows == b.tables[0].rows


def test_registry_lists_every_module():
    names = {"relu_switch", "memory_capacity", "lsh_generalisation", "ntm_tasks", "ntm_recall"}
    names |= {"tmaze_ablation", "double_tmaze", "open_worlds", "cue_delay", "ffb_vs_mlp"}
    names |= {"foraging_memory"}
    assert names == set(EXPERIMENTS)


def test_cli_list_and_errors(tmp_path, capsys):
    assert main(["experiment", "--list"]) == 0
    out = capsys.readouterr().out
    for name in EXPERIMENTS:
        assert name in out
    assert main(["experiment", "relu_swich"]) == 1
    assert "did you mean 'relu_switch'" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["experiment", "relu_switch", "--quick", "--out", str(blocker)]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert main(["experiment", "relu_switch", "--quick", "--seed", "-1"]) == 1


def test_cli_runs_quick(tmp_path, capsys):
    assert (
        main(["experiment", "relu_switch", "--quick", "--out", str(tmp_path), "--seed", "2"]) == 0
    )
    assert "relu_switch.png" in capsys.readouterr().out
    assert (tmp_path / "relu_switch.png").exists()


def test_table_rejects_wrong_row_length():
    t = Table("t", ["a", "b"])
    with pytest.raises(ValueError, match="2 columns"):
        t.add(1)


def test_experiment_error_is_alife_error():
    with pytest.raises(ExperimentError, match="unknown experiment"):
        run_experiment("nope")


def test_ntm_task_episodes_are_well_formed():
    import numpy as np

    from alife.experiments.ntm_tasks import Task

    rng = np.random.default_rng(0)
    for name in ("copy", "associative_recall"):
        task = Task(name, bits=3, key_bits=4)
        sens, tgt = task.episodes(rng, 5, 4)
        assert sens.shape == (9, 5, task.n_sensors) and tgt.shape == (9, 5, 3)
        assert not tgt[:5].any() and (np.abs(tgt[5:]) == 1).all()  # answers due after the cues
        stored = sens[:4, :, :3]  # value bits shown in the store phase
        if name == "copy":
            assert np.array_equal(tgt[5:], stored)  # reproduce the sequence in order
            assert np.array_equal(sens[:, :, -1].any(axis=1), np.arange(9) == 4)  # delimiter
        else:  # the answer to each query is the value stored with the queried key
            for b in range(5):
                for q in range(4):
                    key = sens[4 + q, b, 3:7]
                    i = next(i for i in range(4) if np.array_equal(sens[i, b, 3:7], key))
                    assert np.array_equal(tgt[5 + q, b], stored[i, b])
    with pytest.raises(ValueError, match="holds <= 16 pairs"):
        Task("associative_recall", bits=1, key_bits=4).episodes(rng, 1, 17)


def test_ntm_every_condition_runs():
    """Each task's conditions build their controller and evolve (tiny budget): location and
    both heads get no position code, the content ablation of copy does."""
    from alife.experiments.ntm_tasks import CONDITIONS, Settings, job, task_for

    tiny = Settings(2, 8, 8, (2,), (1, 3), 8, 1)
    for name, conditions in CONDITIONS.items():
        for cond in conditions:
            history, rows = job((name, cond, 1, 1, tiny))
            assert len(history) == 2 and [r[0] for r in rows] == [1, 3]
            has_code = task_for(name, cond).n_keys > 0
            assert has_code == (name == "associative_recall" or cond.code)


def test_ntm_per_bit_fitness_weighs_an_episode_by_its_length():
    """per_bit: the fitness is the mean of target * motor over every due bit of the generation
    (an episode of length L holds L due bits); the default is the mean over episodes."""
    import numpy as np

    from alife.experiments.ntm_tasks import EPISODES, SequenceEvaluator, Task, make_controller, play

    task = Task("copy")
    ctrl = make_controller(task, "location", width=64, depth=3, mem_width=16, seed=1)
    genomes = ctrl.init_genomes(np.random.default_rng(3), 5)
    lengths, per_length = (1, 4), 6
    rng = np.random.default_rng(np.random.SeedSequence([2, EPISODES, 7]))
    pooled, due, per_episode = np.zeros(5), 0, np.zeros(5)
    for length in lengths:
        sens, tgt = task.episodes(rng, per_length, length)
        s, _, _ = play(ctrl, genomes, sens, tgt)
        pooled += s.sum(axis=1) * length  # s: the mean over an episode's `length` due bits
        due += per_length * length
        per_episode += s.mean(axis=1) / len(lengths)
    for per_bit, want in ((True, pooled / due), (False, per_episode)):
        evaluate = SequenceEvaluator(task, ctrl, 2 * per_length, lengths, 2, per_bit=per_bit)
        got = evaluate(7, (genomes,)).fitness[0]
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert not np.allclose(pooled / due, per_episode)


def test_ntm_tasks_quick(tmp_path):
    """The figure's direction: after a short run location heads copy a bit they no longer see
    (the answer is due after the input is gone); without memory that is a guess."""
    result = run_experiment("ntm_tasks", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "ntm_generalisation.csv")
    for r in rows:
        assert 0.0 <= float(r["success_rate"]) <= float(r["bit_accuracy"]) <= 1.0
    at_1 = {r["condition"]: float(r["success_rate"]) for r in rows if r["length"] == "1"}
    assert at_1["heads (location)"] >= 0.95
    assert at_1["memory off"] <= 0.65


def test_ntm_recall_quick(tmp_path):
    """The figure's direction: after a short run location heads answer a query for the one
    stored pair (the value is gone from the inputs when its key comes back); without memory
    that is a guess."""
    result = run_experiment("ntm_recall", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "ntm_recall_generalisation.csv")
    assert {r["task"] for r in rows} == {"associative_recall"}
    at_1 = {r["condition"]: float(r["success_rate"]) for r in rows if r["length"] == "1"}
    assert at_1["heads (location)"] >= 0.95
    assert at_1["memory off"] <= 0.65


def test_cue_delay_quick(tmp_path):
    """The figure's direction: location heads evolve to hold the cue over 64 ticks of
    distractors (trained on delays 1 and 10); without memory the answer stays a guess."""
    result = run_experiment("cue_delay", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "cue_delay.csv")
    at_64 = {r["condition"]: float(r["success_rate"]) for r in rows if r["delay"] == "64"}
    assert at_64["heads (location)"] >= 0.9
    assert at_64["memory off"] <= 0.65


def test_cue_delay_task_and_memory_off_is_blind():
    import numpy as np

    from alife.experiments.cue_delay import CueDelayTask, controller
    from alife.experiments.ntm_tasks import play

    task = CueDelayTask()
    sens, tgt = task.episodes(np.random.default_rng(1), 64, 7)
    assert sens.shape == (13, 64, 11) and not tgt[:-1].any()
    side = sens[0, :, 1]  # light 1 on -> target -1
    assert np.array_equal(tgt[-1, :, 0], np.where(side == 1, -1.0, 1.0))
    assert not sens[5:, :, :2].any()  # the cue is gone after 5 ticks
    # without memory the controller is a pure function of the current input: on two episodes
    # whose go-tick inputs are equal it answers the same whatever the cue was
    ctrl = controller(None, 1)
    g = ctrl.init_genomes(np.random.default_rng(2), 3)
    a, b = sens[:, :1].copy(), sens[:, :1].copy()
    b[:5, 0, :2] = a[:5, 0, 1::-1]  # the other light
    sa, _, _ = play(ctrl, g, a, np.abs(tgt[:, :1]))
    sb, _, _ = play(ctrl, g, b, np.abs(tgt[:, :1]))
    assert np.allclose(sa, sb)


@pytest.fixture(scope="module")
def tmaze_quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("tmaze")
    return run_experiment("tmaze_ablation", out, quick=True, seed=1)


def test_tmaze_ablation_quick(tmaze_quick):
    """The direction of section 4's figure, in a tiny run: without memory the best genome is
    cue-blind (the same path whichever light showed), so on the balanced test mazes it scores
    exactly 0 or 0.5; with content heads the cue reaches the motors from the first generations
    (memory broken, this fails)."""
    result = tmaze_quick
    _check_outputs(result)
    rows = _rows(result.out / "tmaze_ablation.csv")
    assert len(rows) == 6  # 3 conditions x 2 seeds
    params = {r["condition"]: int(r["n_params"]) for r in rows}
    assert len(set(params.values())) == 1  # memory adds runtime state, not parameters
    by = {c: [r for r in rows if r["condition"] == c] for c in params}
    for r in by["memory off"]:
        assert r["cue_blind"] == "True"
        assert float(r["best_genome_success"]) in (0.0, 0.5)
    assert all(r["cue_blind"] == "False" for r in by["content heads"])
    for r in rows:
        assert 0.0 <= float(r["best_genome_success"]) <= 1.0


def test_tmaze_location_heads_solve_seed_1_where_memory_off_cannot():
    """The direction of section 4's figure on the shipped tmaze.yaml: in 60 generations seed 1's
    best location-head genome reaches the cued arm on 200 fresh mazes, while memory off, with
    the same seed and budget, stays cue-blind near chance (memory broken, this fails)."""
    from alife.config import load_world
    from alife.experiments.tmaze_ablation import WORLD, cue_blind
    from alife.experiments.worldevo import evaluate_genome, evolve_seed, memory_variants

    variants = memory_variants(load_world(WORLD))
    rates = {}
    for cond in ("location heads", "memory off"):
        cfg = variants[cond]
        best = evolve_seed(cfg, 1, 60).ranked[0]
        rates[cond] = evaluate_genome(cfg, best, 200, 10_001)[1]
        assert cue_blind(cfg, best, 10_001) == (cond == "memory off")
    assert rates["location heads"] >= 0.9
    assert rates["memory off"] < 0.6


def test_world_experiment_seed_is_a_cli_run(tmaze_quick, tmp_path):
    """Seed 2 of the quick T-maze's memory-off condition: `run.py evolve` of the world file the
    experiment wrote, with --seed 2, gives the same fitness curve (every float)."""
    curves = _rows(tmaze_quick.out / "tmaze_curves.csv")
    expected = [
        (r["generation"], r["best_fitness"], r["mean_fitness"])
        for r in curves
        if r["condition"] == "memory off" and r["seed"] == "2"
    ]
    world = tmaze_quick.out / "tmaze-memory-off.yaml"
    argv = ["evolve", str(world), "--seed", "2", "--out", str(tmp_path / "run")]
    assert main([*argv, "--backend", "serial", "--no-progress"]) == 0
    metrics = _rows(tmp_path / "run" / "metrics.csv")
    assert len(expected) == 3
    assert [(r["generation"], r["best"], r["mean"]) for r in metrics] == expected


def test_double_tmaze_quick(tmp_path):
    """The double T-maze in a tiny run: without memory the best genome walks the same path for
    all four goals; with content heads the cues reach the motors from the first generations
    (memory broken, this fails)."""
    result = run_experiment("double_tmaze", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "double_tmaze.csv")
    assert len(rows) == 6  # 3 conditions x 2 seeds
    by = {c: [r for r in rows if r["condition"] == c] for c in {r["condition"] for r in rows}}
    assert all(r["cue_blind"] == "True" for r in by["memory off"])
    assert all(r["cue_blind"] == "False" for r in by["content heads"])
    for r in rows:
        assert 0.0 <= float(r["best_genome_success"]) <= 1.0
    assert (tmp_path / "double_tmaze-memory-off.yaml").is_file()


def test_open_worlds_quick(tmp_path):
    """Each open world in a tiny run: memory changes what the foragers do (with the same seed
    and the same first genomes, location heads, content heads and memory off end on different
    fitness; with memory broken they would be equal), memory-off foragers still score (a
    positive baseline, so section 4c's ratio means something), and the share columns are
    shares (nan where a 2-generation population ate nothing: the meadows are out of sight).
    The direction of the figure is the next test's."""
    import math

    result = run_experiment("open_worlds", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "open_worlds.csv")
    final = {(r["world"], r["condition"]): float(r["final_mean_fitness"]) for r in rows}
    for world in ("meadows", "patches"):
        for heads in ("location heads", "content heads"):
            assert final[(world, heads)] != final[(world, "memory off")]
        assert final[(world, "memory off")] > 0
    for r in rows:
        for key in ("good_share", "good_share_best"):
            v = float(r[key])
            assert math.isnan(v) or 0.0 <= v <= 1.0
        assert float(r["eaten_per_episode"]) >= 0


def test_meadows_location_heads_pick_the_good_meadow_where_memory_off_cannot():
    """The direction of section 4c's meadows figure on the shipped meadows.yaml: after 200
    generations seed 2's location-head foragers eat mostly good berries in fresh arenas,
    while memory off, cue-blind, eats the two kinds half and half (memory broken, this fails;
    about 40 s CPU)."""
    from alife.config import load_world
    from alife.experiments.open_worlds import ROOT, eaten_shares
    from alife.experiments.worldevo import evolve_seed, memory_variants

    variants = memory_variants(load_world(ROOT / "meadows.yaml"))
    share = {}
    for cond, gens in (("location heads", 200), ("memory off", 20)):
        cfg = variants[cond]
        share[cond] = eaten_shares(cfg, evolve_seed(cfg, 2, gens).ranked, 2)[0]
    assert share["location heads"] > 0.7
    assert 0.4 < share["memory off"] < 0.6


def test_foraging_memory_quick(tmp_path):
    """The default world in a tiny run: each memory setting is a different brain (same seed,
    same first genomes, different fitness: with the heads' outputs ignored they would be equal)
    and every setting forages (a positive baseline for section 6b's ratios)."""
    result = run_experiment("foraging_memory", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "foraging_memory.csv")
    final = {r["condition"]: float(r["final_mean_fitness"]) for r in rows}
    assert len(set(final.values())) == 3
    assert min(final.values()) > 0
    assert all(float(r["cpu_s"]) > 0 for r in rows)


def test_ffb_vs_mlp_quick(tmp_path):
    result = run_experiment("ffb_vs_mlp", tmp_path, quick=True, seed=1)
    _check_outputs(result)
    rows = _rows(tmp_path / "ffb_vs_mlp.csv")
    params = {r["brain"]: int(r["n_params"]) for r in rows}
    assert params["FFB"] * 10 < params["dense MLP"]


def test_dense_mlp_controller_matches_numpy():
    import numpy as np

    from alife.experiments.dense_mlp import DenseMLPController

    mlp = DenseMLPController(5, 2, width=8, depth=2)
    assert mlp.n_params == (8 * 5 + 8) + (8 * 8 + 8) + (2 * 8 + 2)
    rng = np.random.default_rng(0)
    g = mlp.init_genomes(rng, 3)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    out = mlp.step(g, mlp.new_state(3), x)
    for b in range(3):  # one agent at a time, weights sliced by hand
        h, off = x[b].astype(np.float64), 0
        for o, i in ((8, 5), (8, 8), (2, 8)):
            w = g[b, off : off + o * i].reshape(o, i)
            off += o * i
            h = np.tanh(w @ h + g[b, off : off + o])
            off += o
        assert np.allclose(out[b], h, atol=1e-5)
