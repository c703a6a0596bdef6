"""Checkpoints are data: one sealed JSON and one .npz of arrays per saved generation.

Layout inside a folder: ``gen_000010.json`` and the data file it names,
``gen_000010.<first 16 hex digits of its SHA-256>.npz``. Saving writes the new data file under
its own name, then atomically replaces the JSON (see alife.evolve.files), then removes data
files no JSON names: a checkpoint exists exactly when its JSON does, and saving the same
generation again never leaves a JSON pointing at another save's data, whenever a crash or
``kill -9`` lands. The JSON is sealed (a SHA-256 of its own content) and records the SHA-256 of
its .npz, so any damage to either file is detected; the .npz is read with its headers checked
before allocation (alife.evolve.npzfile). Nothing is unpickled, no code runs. Every failure is
an `alife.errors.CheckpointError` naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alife.errors import CheckpointError
from alife.evolve.files import (
    atomic_write_bytes,
    fsync_dir,
    read_sealed_json,
    sealed_json,
    sha256_bytes,
)
from alife.evolve.npzfile import npz_bytes, read_npz
from alife.evolve.schema import MAX_GENERATIONS, Sha256, validated

FORMAT = "alife-checkpoint"
FORMAT_VERSION = 2
_NAME = re.compile(r"^gen_(\d{6,})\.json$")
_DATA = re.compile(r"^gen_(\d{6,})\.([0-9a-f]{16})\.npz$")


class CheckpointFields(BaseModel):
    """The fields every checkpoint JSON has; the rest is its owner's (`Checkpoint.meta`)."""

    model_config = ConfigDict(strict=True, extra="allow")
    format: str
    format_version: int
    generation: int = Field(ge=0, le=MAX_GENERATIONS)
    npz_file: Annotated[str, StringConstraints(pattern=_DATA.pattern)]
    npz_sha256: Sha256


@dataclass
class Checkpoint:
    """A saved state: `meta` (JSON-able dict) and `arrays` (name -> plain-data ndarray).

    `path` is the JSON file it was read from (None before saving)."""

    generation: int
    meta: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    path: Path | None = None


def json_path(folder: Path, generation: int) -> Path:
    return Path(folder) / f"gen_{int(generation):06d}.json"


def save_checkpoint(folder: Path, ckpt: Checkpoint, keep: int = 3) -> Path:
    """Write `ckpt` into `folder` (created if needed); keep the newest `keep` checkpoints.

    Returns the JSON path. The JSON holds `ckpt.meta` plus format, version, generation and the
    data file's name and SHA-256."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = npz_bytes(ckpt.arrays)
    digest = sha256_bytes(data)
    npz_path = folder / f"gen_{int(ckpt.generation):06d}.{digest[:16]}.npz"
    atomic_write_bytes(npz_path, data)
    meta = dict(ckpt.meta)
    meta.update(format=FORMAT, format_version=FORMAT_VERSION, generation=int(ckpt.generation),
                npz_file=npz_path.name, npz_sha256=digest)  # fmt: skip
    path = json_path(folder, ckpt.generation)
    atomic_write_bytes(path, sealed_json(meta))
    _prune(folder, keep)
    return path


def generations(folder: Path) -> list[int]:
    """The generations that have a checkpoint JSON in `folder`, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _NAME.match(p.name)))


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the newest `keep` checkpoints (JSON first: a checkpoint never lacks its
    data), then every data file no remaining JSON names (left by a re-save or a crash)."""
    listed = generations(folder)
    for g in listed[: max(0, len(listed) - max(1, keep))]:
        json_path(folder, g).unlink(missing_ok=True)
    named = set()
    for g in generations(folder):
        try:
            named.add(CheckpointFields.model_validate(
                read_sealed_json(json_path(folder, g), "checkpoint")).npz_file)
        except (CheckpointError, ValueError):
            return  # a damaged JSON: leave every data file for the user to inspect
    for p in folder.iterdir():
        if (_DATA.match(p.name) and p.name not in named) or (
            p.name.startswith(".gen_") and p.name.endswith(".tmp")
        ):
            p.unlink(missing_ok=True)
    fsync_dir(folder)


def latest_checkpoint(folder: Path) -> Path:
    """The JSON path of the newest checkpoint in `folder`; CheckpointError if there is none."""
    listed = generations(folder)
    if not listed:
        raise CheckpointError(f"{folder}: no checkpoint found (expected gen_NNNNNN.json files)")
    return json_path(folder, listed[-1])


def load_checkpoint(path: Path) -> Checkpoint:
    """Read and verify one checkpoint (sealed JSON + .npz with checked headers)."""
    path = Path(path)
    raw = read_sealed_json(path, "checkpoint")
    fields = validated(CheckpointFields, raw, path)
    if fields.format != FORMAT:
        raise CheckpointError(f"{path}: not an alife checkpoint (format {fields.format!r})")
    if fields.format_version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {fields.format_version} is not supported "
            f"(this alife reads version {FORMAT_VERSION})"
        )
    named = _NAME.match(path.name)
    if named and int(named.group(1)) != fields.generation:
        raise CheckpointError(
            f"{path}: holds generation {fields.generation}, not the one its name says"
        )
    if int(_DATA.match(fields.npz_file).group(1)) != fields.generation:
        raise CheckpointError(f"{path}: names the data file of another generation")
    npz_path = path.with_name(fields.npz_file)
    try:
        data = npz_path.read_bytes()
    except OSError:
        raise CheckpointError(f"{npz_path}: this checkpoint's data file is missing") from None
    if sha256_bytes(data) != fields.npz_sha256:
        raise CheckpointError(
            f"{npz_path}: checkpoint data is damaged or truncated (its SHA-256 does not match "
            f"{path.name})"
        )
    arrays = read_npz(data, str(npz_path))
    meta = {k: v for k, v in raw.items() if k not in CheckpointFields.model_fields}
    meta.pop("sha256", None)
    return Checkpoint(generation=fields.generation, meta=meta, arrays=arrays, path=path)


def require_array(
    ckpt: Checkpoint, name: str, dtype: np.dtype | type, shape: tuple[int | None, ...] | None
) -> np.ndarray:
    """ckpt.arrays[name], checked for dtype and shape (None matches any size); CheckpointError."""
    arr = ckpt.arrays.get(name)
    where = ckpt.path or f"checkpoint generation {ckpt.generation}"
    if arr is None:
        raise CheckpointError(f"{where}: array '{name}' is missing (foreign or damaged checkpoint)")
    if arr.dtype != np.dtype(dtype):
        raise CheckpointError(
            f"{where}: array '{name}' has dtype {arr.dtype}, expected {np.dtype(dtype)}"
        )
    if shape is not None and (
        arr.ndim != len(shape)
        or any(s is not None and s != a for s, a in zip(shape, arr.shape, strict=False))
    ):
        raise CheckpointError(f"{where}: array '{name}' has shape {arr.shape}, expected {shape}")
    return arr


def require_finite(
    ckpt: Checkpoint, name: str, dtype: np.dtype | type, shape: tuple[int | None, ...] | None
) -> np.ndarray:
    """`require_array`, and every value finite."""
    arr = require_array(ckpt, name, dtype, shape)
    if not np.isfinite(arr).all():
        where = ckpt.path or f"checkpoint generation {ckpt.generation}"
        raise CheckpointError(f"{where}: array '{name}' holds NaN or infinite values")
    return arr
