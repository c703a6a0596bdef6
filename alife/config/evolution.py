"""The `evolution:` section of a world file (see docs/algorithms.md).

Consumed by alife/evolve/ (generational runs) and by the World engine (open-ended births).
Every field has a default, so `evolution: {}` (or omitting the section) is valid.

Arena layout in generational mode (resolved with `EvolutionConfig.layout(species_counts)`):
each generation runs `arenas` independent arenas; arena a holds `agents_per_arena[s]` agents of
species s (default: that species' `count` from the species section), so species s has a
population of `arenas * agents_per_arena[s]` genomes, passed to `World(..., genomes=...)` in
arena-major order. `population` may be given instead of `arenas`; it must then be a multiple of
the per-arena count (the same number of arenas for every species). With `episodes` E > 1 each
arena's group of agents plays E arenas per generation (fresh placements and items, the same
genomes) and a genome's fitness is its mean over them.

Mutation follows the "continuous Gray code" style of the source material: a few randomly chosen
parameters are moved by +-c * exp(-u * precision), u ~ U(0, 1), so step sizes spread
log-uniformly from c down to c * exp(-precision).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from alife.config.base import StrictModel

MAX_ARENAS = 100_000  # per generation


class SelectionConfig(StrictModel):
    """How parents are chosen each generation (generational mode)."""

    method: Literal["tournament", "truncation"] = Field(
        "tournament",
        description="tournament: best of `tournament_size` random picks; "
        "truncation: uniform pick among the best `truncation` fraction",
    )
    tournament_size: int = Field(3, ge=1, le=64, description="contestants per tournament")
    truncation: float = Field(
        0.25, gt=0.0, le=1.0, description="fraction of the population allowed to breed"
    )


class MutationConfig(StrictModel):
    """How a child's genome differs from its parent's (both modes)."""

    kind: Literal["gray", "gaussian"] = Field(
        "gray", description="gray: +-c*exp(-u*precision) steps; gaussian: N(0, sigma) steps"
    )
    count: int = Field(
        2, ge=1, le=100_000, description="parameters changed per child (used when rate is null)"
    )
    rate: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="per-parameter mutation probability; null = mutate exactly `count`",
    )
    c: float = Field(0.5, gt=0.0, le=100.0, description="largest gray-code step")
    precision: float = Field(
        12.0, ge=0.0, le=60.0, description="smallest gray step is c*exp(-precision)"
    )
    sigma: float = Field(0.05, gt=0.0, le=100.0, description="gaussian step size")


class OpenEndedConfig(StrictModel):
    """In-world reproduction (evolution.mode: open_ended)."""

    reproduce_energy: float = Field(
        1.5, gt=0.0, description="an agent whose energy passes this splits off a child"
    )
    child_energy: float = Field(
        0.5, gt=0.0, lt=1.0, description="fraction of the parent's energy given to the child"
    )
    min_age: int = Field(0, ge=0, description="ticks an agent must live before reproducing")
    max_population: int = Field(
        1000, ge=1, description="births are suppressed when a species reaches this many agents"
    )
    min_population: int = Field(
        0, ge=0, description="if a species drops below this, random founders are added"
    )
    chunk_ticks: int = Field(
        500, ge=1, description="ticks per 'generation' of an open-ended run (metrics, checkpoints)"
    )

    @model_validator(mode="after")
    def _populations(self) -> OpenEndedConfig:
        if self.min_population > self.max_population:
            raise ValueError("min_population must not exceed max_population")
        return self


class ClustersConfig(StrictModel):
    """Automatic speciation: genomes are clustered every generation (both modes; observed and
    logged, never used by selection)."""

    threshold: float = Field(
        0.1,
        gt=0.0,
        le=100.0,
        description="a genome joins a cluster when its mean absolute parameter difference to "
        "the cluster's representative is below this (NEAT's compatibility threshold)",
    )


class EvolutionConfig(StrictModel):
    """The `evolution:` section. Each species evolves its own population."""

    mode: Literal["generational", "open_ended"] = Field(
        "generational", description="generational: episodes + selection; open_ended: births"
    )
    generations: int = Field(100, ge=1, le=10_000_000, description="generations to run")
    arenas: int | None = Field(
        None, ge=1, le=MAX_ARENAS, description="arenas per generation (default 8 unless population)"
    )
    agents_per_arena: int | list[int] | None = Field(
        None, description="agents of each species per arena (int = all species; null = count)"
    )
    population: int | list[int] | None = Field(
        None, description="genomes per species (int = all species; null = arenas*agents)"
    )
    episodes: int = Field(
        1,
        ge=1,
        le=1000,
        description="arenas each genome plays per generation; its fitness is the mean "
        "(more episodes, less luck in the score)",
    )
    elitism: int = Field(1, ge=0, description="best genomes copied unchanged to the next gen")
    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    mutation: MutationConfig = Field(default_factory=MutationConfig)
    crossover: float = Field(
        0.0, ge=0.0, le=1.0, description="probability a child is a uniform crossover of 2 parents"
    )
    checkpoint_every: int = Field(10, ge=1, description="generations between checkpoints")
    open_ended: OpenEndedConfig = Field(default_factory=OpenEndedConfig)
    clusters: ClustersConfig = Field(default_factory=ClustersConfig)

    @model_validator(mode="after")
    def _check(self) -> EvolutionConfig:
        for name in ("agents_per_arena", "population"):
            value = getattr(self, name)
            values = value if isinstance(value, list) else [value] if value is not None else []
            if isinstance(value, list) and not value:
                raise ValueError(f"{name} must not be an empty list")
            for v in values:
                if v < 1:
                    raise ValueError(f"{name} must be >= 1 (got {v})")
        return self

    def layout(self, species_counts: list[int]) -> tuple[int, list[int]]:
        """Resolve (arena count, agents per arena per species) for generational runs.

        species_counts: each species' `count` from the species section. Raises ValueError
        with a message that starts with the key path (within this section) of the field to
        fix when the numbers do not fit together.
        """
        n = len(species_counts)
        per = _per_species(self.agents_per_arena, n, "agents_per_arena")
        per = [int(c) for c in species_counts] if per is None else per
        pop = _per_species(self.population, n, "population")
        if pop is None:
            arenas = self.arenas if self.arenas is not None else 8
        else:
            counts = set()
            for s, (p, a) in enumerate(zip(pop, per, strict=True)):
                if p % a:
                    raise ValueError(
                        f"{_entry('population', self.population, s)}: {p:,} is not a multiple "
                        f"of {_entry('agents_per_arena', self.agents_per_arena, s)} = {a:,}"
                    )
                counts.add(p // a)
            if len(counts) != 1:
                raise ValueError(
                    "population: population / agents_per_arena must give the same number of "
                    f"arenas for every species (got {sorted(counts)})"
                )
            arenas = counts.pop()
            if self.arenas is not None and self.arenas != arenas:
                raise ValueError(
                    f"arenas: {self.arenas:,} disagrees with population, which "
                    f"implies {arenas:,} arenas"
                )
        if arenas * self.episodes > MAX_ARENAS:
            raise ValueError(
                f"episodes: arenas x episodes = {arenas} x {self.episodes} is more than "
                f"{MAX_ARENAS} arenas per generation"
            )
        smallest = min(range(n), key=lambda s: per[s])
        population = arenas * per[smallest]
        if self.elitism >= population:
            raise ValueError(
                f"elitism: {self.elitism:,} must be smaller than species {smallest}'s "
                f"population ({arenas:,} arenas x {per[smallest]:,} = {population:,})"
            )
        size = self.selection.tournament_size
        if self.selection.method == "tournament" and size > population:
            raise ValueError(
                f"selection.tournament_size: {size} is more than species {smallest}'s "
                f"population ({population:,}); nearly every tournament would pick the best"
            )
        return arenas, per


def _per_species(value: int | list[int] | None, n: int, name: str) -> list[int] | None:
    if value is None:
        return None
    if isinstance(value, int):
        return [value] * n
    if len(value) != n:
        raise ValueError(f"{name}: has {len(value)} entries but the world has {n} species")
    return list(value)


def _entry(name: str, value: int | list[int] | None, s: int) -> str:
    """The key path of species s's entry of a per-species setting: `name[s]` for a list."""
    return f"{name}[{s}]" if isinstance(value, list) else name
