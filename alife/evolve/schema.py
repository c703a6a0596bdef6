"""What a run directory's JSON files must hold: pydantic models, checked on every read.

`RunManifest` is manifest.json; `RunCheckpoint` is the run's part of a checkpoint JSON (the
checkpoint container's own fields are alife.evolve.checkpoint.CheckpointFields). Types are
strict (no "3" for 3, no 3.0 for 3, no true for 1), numbers finite and in range, and unknown
fields are refused. `validated` turns the first problem into one line naming file and field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from alife.errors import CheckpointError

MAX_SEED = 2**63 - 1
MAX_GENERATIONS = 10**9
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class Resume(_Strict):
    at_generation: Count
    time: str
    command: list[str]


class GitRevision(_Strict):
    revision: str
    dirty: bool


class ArenaLayout(_Strict):
    arenas: Annotated[int, Field(ge=1)]
    agents_per_arena: list[Count]
    population: list[Count]
    arenas_per_task: Annotated[int, Field(ge=1)]


class RunManifest(_Strict):
    """manifest.json (see alife.evolve.rundir)."""

    format: Literal["alife-run"]
    format_version: int
    world_file: str
    world_name: str
    world_sha256: Sha256
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    mode: Literal["generational", "open_ended"]
    generations: Annotated[int, Field(ge=1, le=MAX_GENERATIONS)]
    species: Annotated[list[Name], Field(min_length=1)]
    created: str
    command: list[str]
    resumed: list[Resume]
    packages: dict[str, str]
    git: GitRevision | None
    layout: ArenaLayout | None = None  # generational runs
    arenas: Annotated[int, Field(ge=1)] | None = None  # open-ended runs


class FileMark(_Strict):
    """How long a growing file (metrics.csv, lineage.csv) was at a checkpoint, and the SHA-256
    of those bytes."""

    bytes: Count
    sha256: Sha256


class RunCheckpoint(_Strict):
    """A run's fields in a checkpoint JSON."""

    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    mode: Literal["generational", "open_ended"]
    world_sha256: Sha256
    species: Annotated[list[Name], Field(min_length=1)]
    agent_ticks: Count
    wall_time: Annotated[float, Field(ge=0.0)]
    packages: dict[str, str]
    files: dict[str, FileMark]
    population: list[Count] | None = None  # generational runs
    rng: str | None = None
    tick: Count | None = None  # open-ended runs


def _show(value) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validated(model: type[BaseModel], data: dict, where: Path | str):
    """`model` built from `data`; CheckpointError with one line for the first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(the document)"
        more = err.error_count() - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        if first["type"] == "missing":
            problem = f"field '{field}' is missing"
        elif first["type"] == "extra_forbidden":
            problem = f"unexpected field '{field}'"
        else:
            msg = first["msg"]
            problem = f"field '{field}': {msg[:1].lower()}{msg[1:]}, got {_show(first['input'])}"
        raise CheckpointError(f"{where}: {problem}{tail}") from None
