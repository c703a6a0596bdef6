"""Open-ended runs (evolution.mode: open_ended): one World ticking on, births and deaths inside.

The World does the biology (alife.world.births: reproduction past an energy threshold, mutated
child genomes, deaths by energy or age). This module drives it in chunks of
`open_ended.chunk_ticks` ticks (a chunk plays the role of a generation for progress, metrics and
checkpoints), records per species population, births, deaths, mean energy and age and the
deepest lineage and the genome clusters of the living (alife.evolve.clusters), and appends
every birth to `lineage.csv` (alife.evolve.lineage; founders have parent -1), as Polyworld and
Avida record their lineages. Checkpoints hold the World's `state_arrays()`, the lineage depths
and the clusters, so a resumed run continues bit-identically; restoring one checks the world
state (alife.world.state_checks) and that it is the world the metrics rows before it describe.
"""

from __future__ import annotations

import time

import numpy as np

from alife.errors import AlifeError, CheckpointError
from alife.evolve import checkpoint as ck
from alife.evolve.clusters import Clusters, sizes_text, speciate
from alife.evolve.lineage import LINEAGE_COLUMNS, LINEAGE_FILE, csv_rows
from alife.evolve.metrics import MetricsLog
from alife.evolve.mode import Backend, EvolutionMode, InterruptGuard
from alife.evolve.progress import Progress
from alife.evolve.selection import FOUNDER, MUTANT

_PREFIX = "world_"


def child_depths(ids: np.ndarray, depth: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Lineage depth of newborns: parent's depth + 1 (0 for founders or unknown parents).

    ids (K,) int64 sorted, depth (K,) int64 aligned with ids; parents (B,) int64 -> (B,) int64."""
    if ids.size == 0:
        return np.zeros(parents.shape, dtype=np.int64)
    pos = np.minimum(np.searchsorted(ids, parents), ids.size - 1)
    known = (parents >= 0) & (ids[pos] == parents)
    return np.where(known, depth[pos] + 1, 0).astype(np.int64)


class OpenEndedMode(EvolutionMode):
    """The open-ended part of an `EvolutionRun`: one World in this process, no backend."""

    best = None  # no generations to rank: nothing is kept as "best"

    def __init__(self, run):
        self.run = run
        self.world = None
        self.lineage = MetricsLog(run.run_dir / LINEAGE_FILE, LINEAGE_COLUMNS, keep_rows=False)
        self.clusters: Clusters | None = None
        self.depth_ids = np.zeros(0, dtype=np.int64)  # sorted ids of agents alive at last count
        self.depth = np.zeros(0, dtype=np.int64)

    # ----------------------------------------------------------------- set-up and checkpoints
    def manifest_extra(self) -> dict:
        return {"arenas": int(self.run.config.arena.count)}

    def task_evaluator(self) -> None:
        return None

    def start(self) -> None:
        from alife.world.engine import World

        self.world = World(self.run.config, self.run.seed)
        ids = self.world.agents["ids"]
        order = np.argsort(ids)
        self.depth_ids, self.depth = ids[order].copy(), np.zeros(ids.size, dtype=np.int64)
        self.clusters = Clusters.empty([c.n_params for c in self.world.controllers])
        members = self._speciate()
        rows = np.arange(ids.size)
        self.lineage.append(csv_rows(self._births(-1, rows, np.concatenate(members))))

    def _speciate(self) -> list[np.ndarray]:
        """Cluster the living genomes of every species; their cluster ids (in row order)."""
        A = self.world.agents
        live = [A.genomes[s][A["alive"][slice(*A.span(s))]] for s in range(A.n_species)]
        threshold = self.run.config.evolution.clusters.threshold
        self.clusters, members = speciate(self.clusters, live, threshold)
        return members

    def arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        out = {_PREFIX + k: v for k, v in self.world.state_arrays().items()}
        out["lineage_ids"] = self.depth_ids
        out["lineage_depth"] = self.depth
        out.update(self.clusters.arrays())
        return out, {"tick": int(self.world.tick_count)}

    def logs(self) -> dict[str, MetricsLog]:
        return {LINEAGE_FILE: self.lineage}

    def restore(self, ckpt, metrics: list[dict[str, str]]) -> None:
        from alife.world.engine import World

        run, where = self.run, ckpt.path
        arrays = {k[len(_PREFIX) :]: v for k, v in ckpt.arrays.items() if k.startswith(_PREFIX)}
        try:
            world = World.from_state_arrays(run.config, arrays)
        except AlifeError as err:
            raise CheckpointError(f"{where}: {err}") from None
        alive = world.agents["alive"]
        tick = ckpt.generation * run.config.evolution.open_ended.chunk_ticks
        if not ckpt.meta.get("tick") == world.tick_count == tick:
            raise CheckpointError(f"{where}: the world is at tick {world.tick_count}, not at "
                                  f"generation {ckpt.generation}'s tick {tick}")  # fmt: skip
        ids = ck.require_array(ckpt, "lineage_ids", np.int64, (None,))
        depth = ck.require_array(ckpt, "lineage_depth", np.int64, ids.shape)
        if not np.array_equal(ids, np.sort(world.agents["ids"][alive])) or (depth < 0).any():
            raise CheckpointError(f"{where}: the lineage depths do not match the world's agents")
        counts = np.bincount(world.agents["species"][alive], minlength=len(run.species))
        last = metrics[-len(run.species) :] if ckpt.generation else []
        for s, row in enumerate(last):
            if row["tick"] != str(tick) or row["population"] != str(counts[s]):
                raise CheckpointError(
                    f"{where}: its world (tick {tick}, {counts[s]} {run.species[s]}) is not the "
                    f"one metrics.csv recorded last (tick {row['tick'][:20]}, "
                    f"{row['population'][:20]})"
                )
        self.world, self.depth_ids, self.depth = world, ids.copy(), depth.copy()
        try:
            n_params = [c.n_params for c in world.controllers]
            self.clusters = Clusters.from_arrays(ckpt.arrays, n_params)
        except ValueError as err:
            raise CheckpointError(f"{where}: {err}") from None

    # ----------------------------------------------------------------------- one chunk
    def _births(self, generation: int, rows: np.ndarray, clusters: np.ndarray) -> dict:
        """Lineage records of agent rows `rows` (int64) born this tick, in cluster `clusters`."""
        A = self.world.agents
        parent = A["parent"][rows]
        n = rows.size
        return {
            "generation": np.full(n, generation), "id": A["ids"][rows], "parent_id": parent,
            "second_parent_id": np.full(n, -1), "species": A["species"][rows],
            "arena": self.world.arena_ids[A["apos"][rows]],
            "tick": np.full(n, self.world.tick_count), "cluster": clusters,
            "kind": np.where(parent < 0, FOUNDER, MUTANT),
        }  # fmt: skip

    def _populations(self, n_sp: int) -> np.ndarray:
        A = self.world.agents
        return np.bincount(A["species"][A["alive"]], minlength=n_sp)

    def step(self, backend: Backend, guard: InterruptGuard) -> Progress:
        from alife.world.engine import World

        run, world = self.run, self.world
        n_sp = len(run.species)
        g = run.generation
        saved = world.state_arrays()  # restored if Ctrl-C cuts the chunk short
        depth_ids, depth = self.depth_ids, self.depth
        births = np.zeros(n_sp, dtype=np.int64)
        deaths = np.zeros(n_sp, dtype=np.int64)
        born: list[dict] = []  # lineage records of the chunk's births, tick by tick
        born_genomes: list[np.ndarray] = []  # their genomes, in the same order
        ticks0 = world.agent_ticks
        t0 = time.perf_counter()
        try:
            with guard.evaluation():
                for _ in range(run.config.evolution.open_ended.chunk_ticks):
                    before = self._populations(n_sp)
                    next_id = world.agents.next_id
                    world.tick()
                    A = world.agents
                    new = np.flatnonzero(A["ids"] >= next_id)
                    if new.size:
                        born.append(self._births(g, new, np.full(new.size, -1)))
                        for r in new.tolist():
                            s = A.species_of_row(r)
                            born_genomes.append(A.genomes[s][r - A.offsets[s]])
                        d = child_depths(depth_ids, depth, A["parent"][new])
                        ids_all = np.concatenate([depth_ids, A["ids"][new]])
                        d_all = np.concatenate([depth, d])
                        order = np.argsort(ids_all, kind="stable")
                        depth_ids, depth = ids_all[order], d_all[order]
                    count = np.bincount(A["species"][new], minlength=n_sp)
                    births += count
                    deaths += before + count - self._populations(n_sp)
        except KeyboardInterrupt:  # a second Ctrl-C now only sets guard.requested
            self.world = World.from_state_arrays(run.config, saved)
            raise
        dt = max(time.perf_counter() - t0, 1e-9)
        A = world.agents
        live = A["alive"]
        keep = np.isin(depth_ids, A["ids"][live])
        depth_ids, depth = depth_ids[keep], depth[keep]
        ticks = world.agent_ticks - ticks0
        members = self._speciate()
        records = {k: np.concatenate([b[k] for b in born]) for k in LINEAGE_COLUMNS} if born else {}
        threshold = run.config.evolution.clusters.threshold
        for s in np.unique(records.get("species", [])).tolist():  # births' clusters as of now
            mine = np.flatnonzero(records["species"] == s)
            genomes = np.stack([born_genomes[i] for i in mine.tolist()])
            records["cluster"][mine] = self.clusters.nearest(s, genomes, threshold)
        metric_rows = []
        for s, name in enumerate(run.species):
            mine = live & (A["species"] == s)
            pop = int(mine.sum())
            d = depth[np.isin(depth_ids, A["ids"][mine])]
            metric_rows.append(
                {
                    "generation": g,
                    "tick": int(world.tick_count),
                    "species": name,
                    "population": pop,
                    "births": int(births[s]),
                    "deaths": int(deaths[s]),
                    "mean_energy": float(A["energy"][mine].mean()) if pop else 0.0,
                    "mean_age": float(A["age"][mine].mean()) if pop else 0.0,
                    "max_lineage_depth": int(d.max()) if d.size else 0,
                    "clusters": int(np.unique(members[s]).size),
                    "cluster_sizes": sizes_text(members[s]),
                    "agent_ticks": int(ticks),
                    "agent_ticks_per_s": ticks / dt,
                    "wall_time": run.wall_time + dt,
                }
            )
        self.lineage.append(csv_rows(records) if records else [])
        run.metrics.append(metric_rows)
        self.depth_ids, self.depth = depth_ids, depth
        return run.advance(ticks, dt, [float(r["population"]) for r in metric_rows],
                           [r["mean_energy"] for r in metric_rows],
                           extra={"tick": int(world.tick_count)})
