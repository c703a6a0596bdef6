"""Lineage and genome clusters: every genome's parents recorded in both modes (every parent
exists, counts match births and populations), resume keeps the lineage bit-identical, and
clustering is deterministic and agrees with a slow NumPy reference."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.errors import CheckpointError
from alife.evolve.backends import SerialBackend
from alife.evolve.clusters import Clusters, parse_sizes, sizes_text, speciate
from alife.evolve.lineage import LINEAGE_COLUMNS, Lineage, read_lineage
from alife.evolve.runner import EvolutionRun
from alife.evolve.selection import CROSSOVER, ELITE, FOUNDER, MUTANT

from reference import speciate_ref
from run_helpers import ECO, assert_same, comparable, run, write_world

POPULATION = {0: 18, 1: 6}  # TINY: 6 arenas of 3 prey and 1 predator


def metrics_rows(out) -> list[dict]:
    with open(out / "metrics.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def generational(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lineage")
    out = tmp / "run"
    run(write_world(tmp), out)
    return out


def test_generational_lineage_is_complete_and_consistent(generational):
    lin = read_lineage(generational / "lineage.csv")
    gen, species = lin["generation"], lin["species"]
    # generations 0..4 (4 evaluated, the 5th bred): every genome of every species once each
    for g in range(5):
        for s, pop in POPULATION.items():
            assert np.count_nonzero((gen == g) & (species == s)) == pop
    assert len(lin) == 5 * sum(POPULATION.values())
    kind = lin["kind"]
    assert (kind[gen == 0] == FOUNDER).all() and (lin["parent_id"][gen == 0] == -1).all()
    later = gen > 0
    for column in ("parent_id", "second_parent_id"):
        parent = lin[column][later]
        named = parent >= 0
        rows = lin.rows_of(parent[named])
        assert (rows >= 0).all(), f"{column}: a parent is missing"
        assert (gen[rows] == gen[later][named] - 1).all()  # the generation before
        assert (species[rows] == species[later][named]).all()
    assert (lin["parent_id"][later] >= 0).all()
    # elites: one per species per generation; crossovers (crossover: 0.3) have two parents
    for g in range(1, 5):
        for s in POPULATION:
            mine = (gen == g) & (species == s)
            assert np.count_nonzero(mine & (kind == ELITE)) == 1
    crossed = kind == CROSSOVER
    assert crossed.any() and (lin["second_parent_id"][crossed] >= 0).all()
    assert (lin["second_parent_id"][later & ~crossed] == -1).all()
    assert set(np.unique(kind[later]).tolist()) <= {ELITE, MUTANT, CROSSOVER}


def test_cluster_counts_in_metrics_match_the_lineage(generational):
    lin = read_lineage(generational / "lineage.csv")
    for row in metrics_rows(generational):
        g, s = int(row["generation"]), 0 if row["species"] == "prey" else 1
        mine = (lin["generation"] == g) & (lin["species"] == s)
        ids, counts = np.unique(lin["cluster"][mine], return_counts=True)
        sizes = parse_sizes(row["cluster_sizes"])
        assert sizes == dict(zip(ids.tolist(), counts.tolist(), strict=True))
        assert int(row["clusters"]) == len(sizes) and sum(sizes.values()) == POPULATION[s]


def test_resumed_run_records_the_same_lineage(tmp_path, generational):
    world = write_world(tmp_path)
    run(world, tmp_path / "a", generations=2)
    EvolutionRun.resume(tmp_path / "a", generations=4).run(SerialBackend())
    assert (tmp_path / "a" / "lineage.csv").read_bytes() == (
        generational / "lineage.csv"
    ).read_bytes()
    assert_same(comparable(tmp_path / "a"), comparable(generational))


def test_open_ended_lineage_every_parent_exists_and_births_match(tmp_path):
    out = tmp_path / "eco"
    r = run(write_world(tmp_path, ECO), out)
    lin = read_lineage(out / "lineage.csv")
    parent = lin["parent_id"]
    rows = lin.rows_of(parent[parent >= 0])
    assert (rows >= 0).all(), "a parent is missing from lineage.csv"
    assert (lin["tick"][rows] <= lin["tick"][parent >= 0]).all()
    assert (lin["second_parent_id"] == -1).all()
    assert (lin["kind"][parent >= 0] == MUTANT).all() and (lin["kind"][parent < 0] == FOUNDER).all()
    for row in metrics_rows(out):
        born = np.count_nonzero(lin["generation"] == int(row["generation"]))
        assert int(row["births"]) == born
        assert sum(parse_sizes(row["cluster_sizes"]).values()) == int(row["population"])
    ids = r.mode.world.agents["ids"]
    ids = ids[ids >= 0]  # every agent, living or dead (free rows have id -1)
    assert ids.size and (lin.rows_of(ids) >= 0).all()  # ... was recorded at birth
    assert (np.diff(lin["id"]) > 0).all()


def test_ancestry_walks_back_to_the_founders():
    lin = Lineage()
    #   0, 1 founders; 2 = child of 0; 3 = cross of 1 and 2; 4 = child of 3
    lin.add({
        "generation": [0, 0, 1, 2, 3], "id": [0, 1, 2, 3, 4], "parent_id": [-1, -1, 0, 2, 3],
        "second_parent_id": [-1, -1, -1, 1, -1], "species": [0] * 5, "arena": [0] * 5,
        "tick": [0] * 5, "kind": [FOUNDER, FOUNDER, MUTANT, CROSSOVER, MUTANT],
        "cluster": [0, 1, 0, 0, 0],
    })  # fmt: skip
    levels = lin.ancestry(4, 10)
    assert [lv.tolist() for lv in levels] == [[3], [1, 2], [0]]
    assert lin.founder_of(4) == (0, 3)
    assert lin.founder_of(1) == (1, 0) and lin.ancestry(0, 3) == []
    assert lin.rows_of([4, 9, -1]).tolist() == [4, -1, -1]


def test_damaged_lineage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "lineage.csv"
    with pytest.raises(CheckpointError, match="no lineage recorded"):
        read_lineage(path)
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CheckpointError, match="lineage.csv:1: not a lineage file"):
        read_lineage(path)
    head = ",".join(LINEAGE_COLUMNS)
    path.write_text(f"{head}\n0,0,-1,-1,0,0,0,founder,0\n0,1,-1,-1,0,0,0,alien,0\n")
    with pytest.raises(CheckpointError, match="lineage.csv:3: not a lineage row"):
        read_lineage(path)
    path.write_text(f"{head}\n0,5,-1,-1,0,0,0,founder,0\n0,4,-1,-1,0,0,0,founder,0\n")
    with pytest.raises(CheckpointError, match="ids must increase"):
        read_lineage(path)
    path.write_text(f"{head}\n0,0,-1,-1,0,0,0,founder,0\n0,1,-1\n")  # cut short by a crash
    assert len(read_lineage(path)) == 1


# ----------------------------------------------------------------------------- clustering
def families(rng, founders: int, per: int, n_params: int, spread: float) -> np.ndarray:
    """`founders` random genomes, each with `per` close relatives (noise of `spread`)."""
    base = rng.standard_normal((founders, n_params))
    kin = base[:, None, :] + spread * rng.standard_normal((founders, per, n_params))
    g = kin.reshape(-1, n_params).astype(np.float32)
    return g[rng.permutation(g.shape[0])]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    founders=st.integers(1, 6),
    per=st.integers(1, 8),
    n_params=st.integers(1, 40),
    spread=st.sampled_from([0.0, 0.01, 0.05, 0.3, 1.0]),
    threshold=st.sampled_from([0.02, 0.1, 0.5, 1.5]),
)
def test_speciation_matches_the_reference_over_generations(
    seed, founders, per, n_params, spread, threshold
):
    rng = np.random.default_rng(seed)
    clusters = Clusters.empty([n_params])
    ref = (np.zeros((0, n_params)), np.zeros(0, np.int64), 0)
    g = families(rng, founders, per, n_params, spread)
    for _ in range(3):  # three generations, drifting, so clusters carry over (or end)
        before = clusters
        clusters, members = speciate(clusters, [g], threshold)
        again, members2 = speciate(before, [g.copy()], threshold)  # deterministic
        assert np.array_equal(members[0], members2[0])
        assert again.next_id == clusters.next_id
        reps, ids, ref_members, next_id = speciate_ref(g, *ref, threshold)
        assert np.array_equal(members[0], ref_members)
        assert np.array_equal(clusters.ids[0], ids) and clusters.next_id == next_id
        assert np.array_equal(clusters.reps[0].astype(np.float64), reps)
        ref = (reps, ids, next_id)
        g = (g + 0.02 * rng.standard_normal(g.shape)).astype(np.float32)


def test_clusters_follow_families_and_keep_their_ids():
    rng = np.random.default_rng(0)
    g = families(rng, 4, 10, 64, 0.01)
    clusters, members = speciate(Clusters.empty([64]), [g], 0.1)
    assert np.unique(members[0]).size == 4 and clusters.next_id == 4
    assert sizes_text(members[0]) == "0:10 1:10 2:10 3:10"
    drifted = (g + 0.005 * rng.standard_normal(g.shape)).astype(np.float32)
    later, members2 = speciate(clusters, [drifted[:25]], 0.1)  # fewer genomes, same families
    same = members[0][:25]
    assert np.array_equal(members2[0], same)  # identities carried over
    assert set(later.ids[0].tolist()) == set(np.unique(same).tolist())
    assert np.array_equal(later.nearest(0, drifted[:25], 0.1), same)
    far = rng.standard_normal((3, 64)).astype(np.float32) * 5
    assert (later.nearest(0, far, 0.1) == -1).all()
    restored = Clusters.from_arrays(later.arrays(), [64])
    assert restored.next_id == later.next_id and np.array_equal(restored.reps[0], later.reps[0])
    with pytest.raises(ValueError, match="missing"):
        Clusters.from_arrays({}, [64])
    with pytest.raises(ValueError, match="threshold"):
        speciate(clusters, [g], 0.0)
