"""Genome clusters: automatic speciation in NEAT's sense, kept apart from the world file's species.

The distance between two genomes is the mean absolute difference of their parameters: NEAT's
compatibility distance (Stanley & Miikkulainen 2002) for genomes of one fixed shape, where its
disjoint and excess terms vanish and only the average weight difference is left. Each generation
(each chunk of an open-ended run) the genomes of every world-file species are clustered the way
NEAT speciates (as neat-python's `DefaultSpeciesSet.speciate` does):

1. every cluster of the previous generation, in id order, takes as its new representative the
   not yet taken genome nearest its old representative, if that one is closer than `threshold`;
   a cluster with none ends;
2. every other genome, in row order, joins the cluster whose representative is nearest, if it is
   closer than `threshold`, or else founds a new cluster and represents it.

Cluster ids are never reused (one counter for all species), so a cluster keeps its identity as
long as it has members. Clustering only observes: selection never sees it. No randomness: the
result is a pure function of the genomes and the previous clusters. Distances stop being summed
once they pass the best found so far (at most the threshold), so unrelated genomes cost a
fraction of a full comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alife.jit import njit_inline, njit_serial

BLOCK = 16  # parameters summed between two checks against the stopping point


@njit_inline
def _distance_sum(a, i, b, j, stop):
    """sum |a[i] - b[j]| in float64, in blocks of BLOCK parameters (a block's sum vectorises),
    stopping after the first block that brings it to `stop` or above."""
    n = a.shape[1]
    acc = 0.0
    for start in range(0, n, BLOCK):
        part = 0.0
        for p in range(start, min(start + BLOCK, n)):
            part += abs(np.float64(a[i, p]) - np.float64(b[j, p]))
        acc += part
        if acc >= stop:
            return acc
    return acc


@njit_inline
def _copy_row(a, i, b, j):
    """b[j, :] = a[i, :], as a loop (a row assignment would compile Numba's general broadcasting
    setitem, with its error messages, for seconds on a first start)."""
    for p in range(a.shape[1]):
        b[j, p] = a[i, p]


@njit_serial
def _speciate(genomes, old_reps, limit):
    n, k_old, n_params = genomes.shape[0], old_reps.shape[0], genomes.shape[1]
    taken = np.zeros(n, np.bool_)
    member = np.full(n, -1, np.int64)
    rep_rows = np.empty(n + k_old, np.int64)
    reps = np.empty((min(n, n + k_old), n_params), genomes.dtype)  # new reps, contiguous
    carried = np.full(k_old, -1, np.int64)
    m = 0
    for k in range(k_old):
        best, pick = limit, -1
        for i in range(n):
            if not taken[i]:
                d = _distance_sum(genomes, i, old_reps, k, best)
                if d < best:
                    best, pick = d, i
        if pick >= 0:
            taken[pick] = True
            member[pick] = m
            rep_rows[m] = pick
            _copy_row(genomes, pick, reps, m)
            carried[k] = m
            m += 1
    for i in range(n):
        if taken[i]:
            continue
        best, pick = limit, -1
        for j in range(m):
            d = _distance_sum(genomes, i, reps, j, best)
            if d < best:
                best, pick = d, j
        if pick < 0:
            rep_rows[m] = i
            _copy_row(genomes, i, reps, m)
            pick = m
            m += 1
        member[i] = pick
    return member, rep_rows[:m].copy(), carried


@njit_serial
def _nearest(genomes, reps, limit):
    out = np.full(genomes.shape[0], -1, np.int64)
    for i in range(genomes.shape[0]):
        best = limit
        for j in range(reps.shape[0]):
            d = _distance_sum(genomes, i, reps, j, best)
            if d < best:
                best, out[i] = d, j
    return out


def _genomes(genomes: np.ndarray, n_params: int) -> np.ndarray:
    g = np.ascontiguousarray(genomes, dtype=np.float32)
    if g.ndim != 2 or g.shape[1] != n_params:
        raise ValueError(f"genomes must be (n, {n_params}) float32, got {g.shape}")
    return g


@dataclass(frozen=True)
class Clusters:
    """The clusters of every world-file species s: representatives reps[s] (K_s, n_params_s)
    float32 and their ids ids[s] (K_s,) int64; next_id: the id the next new cluster gets."""

    reps: tuple[np.ndarray, ...]
    ids: tuple[np.ndarray, ...]
    next_id: int = 0

    @classmethod
    def empty(cls, n_params: Sequence[int]) -> Clusters:
        reps = tuple(np.zeros((0, int(p)), np.float32) for p in n_params)
        return cls(reps, tuple(np.zeros(0, np.int64) for _ in n_params), 0)

    def arrays(self, prefix: str = "clusters_") -> dict[str, np.ndarray]:
        """As npz arrays: <prefix>reps_<s>, <prefix>ids_<s>, <prefix>next_id."""
        out = {f"{prefix}next_id": np.array(self.next_id, np.int64)}
        for s, (r, i) in enumerate(zip(self.reps, self.ids, strict=True)):
            out[f"{prefix}reps_{s}"], out[f"{prefix}ids_{s}"] = r, i
        return out

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], n_params: Sequence[int], prefix: str = "clusters_"
    ) -> Clusters:
        """What `arrays` wrote; ValueError naming the array that is missing or does not fit."""
        reps, ids = [], []
        for s, p in enumerate(n_params):
            r, i = arrays.get(f"{prefix}reps_{s}"), arrays.get(f"{prefix}ids_{s}")
            if r is None or i is None:
                raise ValueError(f"array '{prefix}reps_{s}' or '{prefix}ids_{s}' is missing")
            if r.dtype != np.float32 or r.ndim != 2 or r.shape[1] != p:
                raise ValueError(f"'{prefix}reps_{s}' must be float32 (k, {p}), got {r.shape}")
            if i.dtype != np.int64 or i.shape != (r.shape[0],):
                raise ValueError(f"'{prefix}ids_{s}' must be int64 ({r.shape[0]},)")
            reps.append(np.ascontiguousarray(r).copy())
            ids.append(i.copy())
        nxt = arrays.get(f"{prefix}next_id")
        if nxt is None or nxt.shape != () or nxt.dtype.kind not in "iu":
            raise ValueError(f"array '{prefix}next_id' is missing or not an integer")
        if any(i.size and int(i.max()) >= int(nxt) for i in ids):
            raise ValueError(f"'{prefix}next_id' is not above every cluster id")
        return cls(tuple(reps), tuple(ids), int(nxt))

    def nearest(self, s: int, genomes: np.ndarray, threshold: float) -> np.ndarray:
        """(n,) int64: the id of the cluster of species s whose representative is nearest each
        genome, if closer than `threshold`, else -1. The clusters are not changed."""
        reps = self.reps[s]
        g = _genomes(genomes, reps.shape[1])
        if reps.shape[0] == 0 or g.shape[0] == 0:
            return np.full(g.shape[0], -1, np.int64)
        j = _nearest(g, reps, float(threshold) * reps.shape[1])
        return np.where(j >= 0, self.ids[s][np.maximum(j, 0)], -1)


def speciate(
    clusters: Clusters, genomes: Sequence[np.ndarray], threshold: float
) -> tuple[Clusters, list[np.ndarray]]:
    """Cluster this generation's genomes (per species (n_s, n_params_s) float32, see the module
    docstring). Returns (the new Clusters, per species (n_s,) int64 cluster id of every row)."""
    if threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    next_id = clusters.next_id
    reps, ids, members = [], [], []
    for s, old in enumerate(clusters.reps):
        g = _genomes(genomes[s], old.shape[1])
        member, rep_rows, carried = _speciate(g, old, float(threshold) * old.shape[1])
        new_ids = np.empty(rep_rows.size, np.int64)
        kept = carried >= 0
        new_ids[carried[kept]] = clusters.ids[s][kept]
        fresh = np.setdiff1d(np.arange(rep_rows.size), carried[kept])  # in creation order
        new_ids[fresh] = next_id + np.arange(fresh.size)
        next_id += int(fresh.size)
        order = np.argsort(new_ids, kind="stable")  # representatives kept in id order
        reps.append(np.ascontiguousarray(g[rep_rows[order]]))
        ids.append(new_ids[order])
        members.append(new_ids[member])
    return Clusters(tuple(reps), tuple(ids), next_id), members


def compile_kernels(config) -> None:
    """Compile (or load) the kernels that cluster the genomes of `config` (a WorldConfig):
    speciating, and for open-ended worlds (whose births join the nearest cluster) the
    nearest-cluster search. A warm-up's `also` (alife.world.warm)."""
    from alife.world import make_controller

    n_params = [make_controller(config, s).n_params for s in range(len(config.species))]
    genomes = [np.zeros((2, p), np.float32) for p in n_params]
    clusters, _ = speciate(Clusters.empty(n_params), genomes, 1.0)
    if config.evolution.mode == "open_ended":
        for s, g in enumerate(genomes):
            clusters.nearest(s, g, 1.0)


def sizes_text(members: np.ndarray) -> str:
    """'id:size id:size ...' of the clusters present in `members` (n,) int64, by id."""
    ids, counts = np.unique(np.asarray(members, np.int64), return_counts=True)
    return " ".join(f"{i}:{c}" for i, c in zip(ids.tolist(), counts.tolist(), strict=True))


def parse_sizes(text: str) -> dict[int, int]:
    """{cluster id: size} from a `sizes_text` cell; ValueError if it is not one."""
    out: dict[int, int] = {}
    for item in text.split():
        key, _, value = item.partition(":")
        out[int(key)] = int(value)
    return out
