"""The lineage and genome clusters of the window's world, kept as it runs (no drawing here).

Generational worlds record every bred generation as `run.py evolve` does (alife.evolve.lineage
`generation_records`, alife.evolve.clusters `speciate` with the same threshold), so the window's
lineage of generation G equals that of the run with the same seed. Open-ended worlds record
every birth as it happens and re-cluster the living every `RECLUSTER_EVERY` ticks; an agent's
colour is the cluster whose representative is nearest its genome (grey: none within the
threshold). `ancestry_lines` is what the inspector shows of one agent.
"""

from __future__ import annotations

import numpy as np

from alife.evolve.clusters import Clusters, speciate
from alife.evolve.lineage import LINEAGE_COLUMNS, Lineage, generation_records, genome_ids
from alife.evolve.selection import FOUNDER, KIND_NAMES, MUTANT

RECLUSTER_EVERY = 25  # open-ended worlds: ticks between re-clusterings of the living
LEVEL_NAMES = ("parents", "grandparents", "great-grandparents")


class Family:
    """Lineage (`lineage`), clusters (`clusters`) and, for generational worlds, the cluster id
    of every population row (`members`, per species (pop_s,) int64)."""

    def __init__(self, config, n_params: list[int], layout=None) -> None:
        self.threshold = float(config.evolution.clusters.threshold)
        self.layout = layout  # alife.evolve.evaluate.Layout of a generational world, else None
        self.lineage = Lineage()
        self.clusters = Clusters.empty(n_params)
        self.members: list[np.ndarray] = []
        self._colors_key: tuple | None = None
        self._colors = np.zeros(0, np.int64)

    # ----- recording ------------------------------------------------------------------------
    def bred(self, gen) -> None:
        """A generational world's generation `gen` (alife.evolve.loop.Generation) begins."""
        self.clusters, self.members = speciate(self.clusters, gen.genomes, self.threshold)
        lay = self.layout
        if gen.parents is not None:
            self.lineage.add(generation_records(gen, lay.population, lay.per_arena, self.members))

    def founded(self, world) -> None:
        """An open-ended world's first agents (all of them founders)."""
        self.recluster(world)
        rows = np.flatnonzero(world.agents["alive"])
        self._births(world, rows, -1)

    def ticked(self, world, next_id: int, generation: int) -> None:
        """After an open-ended world's tick: record agents with ids >= next_id (the births)."""
        new = np.flatnonzero(world.agents["ids"] >= next_id)
        if new.size:
            self._births(world, new, generation)
        if world.tick_count % RECLUSTER_EVERY == 0:
            self.recluster(world)

    def recluster(self, world) -> None:
        """Cluster the living genomes of every species (open-ended worlds)."""
        A = world.agents
        live = [A.genomes[s][A["alive"][slice(*A.span(s))]] for s in range(A.n_species)]
        self.clusters, _ = speciate(self.clusters, live, self.threshold)

    def _births(self, world, rows: np.ndarray, generation: int) -> None:
        A = world.agents
        parent, species = A["parent"][rows], A["species"][rows]
        cluster = np.full(rows.size, -1, np.int64)
        for s in np.unique(species).tolist():
            mine = species == s
            genomes = A.genomes[s][rows[mine] - A.offsets[s]]
            cluster[mine] = self.clusters.nearest(s, genomes, self.threshold)
        n = rows.size
        self.lineage.add({
            "generation": np.full(n, generation), "id": A["ids"][rows], "parent_id": parent,
            "second_parent_id": np.full(n, -1), "species": species,
            "arena": world.arena_ids[A["apos"][rows]], "tick": np.full(n, world.tick_count),
            "kind": np.where(parent < 0, FOUNDER, MUTANT), "cluster": cluster,
        })  # fmt: skip

    # ----- queries --------------------------------------------------------------------------
    def population_rows(self, world, rows: np.ndarray) -> np.ndarray:
        """Generational worlds: the population row (of its species) of each agent row of the
        shown World (arena-major, `per_arena` agents of a species per arena)."""
        A, lay = world.agents, self.layout
        species = A["species"][rows]
        per = np.asarray(lay.per_arena, np.int64)[species]
        r_s = rows - A.offsets[species]
        group = world.arena_ids[A["apos"][rows]] % lay.arenas
        return group * per + r_s % per

    def genome_id(self, world, agent_id: int, generation: int) -> int | None:
        """The lineage id of a living agent's genome (None if no such agent)."""
        row = world.row_of(agent_id)
        if row is None:
            return None
        if self.layout is None:
            return int(agent_id)
        s = int(world.agents["species"][row])
        pop_row = self.population_rows(world, np.array([row]))
        return int(genome_ids(generation, self.layout.population, s, pop_row)[0])

    def agent_clusters(self, world) -> np.ndarray:
        """(N,) int64 cluster id of each living agent, in snapshot (row) order; -1 none."""
        key = (id(world), world.tick_count, len(self.lineage), self.clusters.next_id)
        if key != self._colors_key:
            A = world.agents
            rows = np.flatnonzero(A["alive"])
            out = np.full(rows.size, -1, np.int64)
            species = A["species"][rows]
            for s in np.unique(species).tolist():
                mine = species == s
                if self.layout is not None and s < len(self.members):
                    out[mine] = self.members[s][self.population_rows(world, rows[mine])]
                else:
                    genomes = A.genomes[s][rows[mine] - A.offsets[s]]
                    out[mine] = self.clusters.nearest(s, genomes, self.threshold)
            self._colors_key, self._colors = key, out
        return self._colors

    def ancestry_lines(self, genome: int, depth: int = 4, width: int = 6) -> list[str]:
        """What the inspector shows of genome `genome`'s ancestry: its birth, then parents,
        grandparents, ... (at most `width` ids a line), then its founder along first parents."""
        lin = self.lineage
        row = int(lin.rows_of([genome])[0])
        if row < 0:
            return [f"genome #{genome}: born before this window's records"]
        generational = self.layout is not None

        def when(r: int) -> str:
            return f"g{lin['generation'][r]}" if generational else f"t{lin['tick'][r]}"

        kind = KIND_NAMES[int(lin["kind"][row])]
        cluster = int(lin["cluster"][row])
        lines = [f"genome #{genome}  born {when(row)}  {kind}"
                 + (f"  cluster {cluster}" if cluster >= 0 else "")]  # fmt: skip
        for k, level in enumerate(lin.ancestry(genome, depth)):
            name = LEVEL_NAMES[k] if k < len(LEVEL_NAMES) else f"{k + 1} back"
            shown = [f"#{i} {when(int(r))}" for i, r in zip(level[:width].tolist(),
                     lin.rows_of(level[:width]).tolist(), strict=True)]  # fmt: skip
            more = f"  +{level.size - width} more" if level.size > width else ""
            lines.append(f"{name}: " + "  ".join(shown) + more)
        founder, steps = lin.founder_of(genome)
        if steps:
            frow = int(lin.rows_of([founder])[0])
            lines.append(f"founder #{founder} {when(frow)}, {steps} generation"
                         f"{'s' if steps > 1 else ''} back")  # fmt: skip
        return lines

    # ----- snapshots ------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        out = {f"lineage_{k}": v for k, v in self.lineage.table().items()}
        out.update(self.clusters.arrays())
        out.update({f"members_{s}": m for s, m in enumerate(self.members)})
        return out

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Take what `arrays` wrote (ValueError if it does not fit)."""
        n_params = [r.shape[1] for r in self.clusters.reps]
        clusters = Clusters.from_arrays(arrays, n_params)
        lineage = Lineage()
        missing = [k for k in LINEAGE_COLUMNS if f"lineage_{k}" not in arrays]
        if missing:
            raise ValueError(f"array 'lineage_{missing[0]}' is missing")
        lineage.add({k: arrays[f"lineage_{k}"] for k in LINEAGE_COLUMNS})
        members = []
        s = 0
        while f"members_{s}" in arrays:
            members.append(np.asarray(arrays[f"members_{s}"], np.int64))
            s += 1
        self.lineage, self.clusters, self.members = lineage, clusters, members
        self._colors_key = None
