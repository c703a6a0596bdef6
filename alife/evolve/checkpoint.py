"""Checkpoints are data: one .npz of arrays + one JSON manifest per save.

Layout inside a run directory: ``checkpoints/gen_000010.npz`` and ``checkpoints/gen_000010.json``.
Both are written to a temporary file, flushed to disk and renamed (``os.replace``), the .npz
first and the JSON last, so a checkpoint exists exactly when its JSON exists: a crash or
``kill -9`` at any moment leaves the previous complete checkpoint intact. The JSON records the
SHA-256 of the .npz and of the run's world file, so truncation, corruption, foreign files and an
edited world file are all detected. Loading uses ``np.load(allow_pickle=False)`` and
``json.loads`` only: it never executes code. Every failure is an `alife.errors.CheckpointError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from alife.errors import CheckpointError

FORMAT = "alife-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"^gen_(\d{6,})\.json$")


@dataclass
class Checkpoint:
    """A saved run state: `meta` (JSON-able dict) and `arrays` (name -> ndarray, no objects)."""

    generation: int
    meta: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same folder + fsync + os.replace."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of an uncompressed .npz holding `arrays` (refuses object arrays)."""
    for name, arr in arrays.items():
        if np.asarray(arr).dtype.hasobject:
            raise ValueError(f"array {name!r} has dtype object; checkpoints hold plain data only")
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def checkpoint_paths(folder: Path, generation: int) -> tuple[Path, Path]:
    stem = f"gen_{int(generation):06d}"
    return Path(folder) / f"{stem}.npz", Path(folder) / f"{stem}.json"


def save_checkpoint(folder: Path, ckpt: Checkpoint, keep: int = 3) -> Path:
    """Write `ckpt` into `folder` (created if needed); keep the newest `keep` checkpoints.

    Returns the JSON path. The JSON gets format, version, generation and the .npz's SHA-256
    on top of `ckpt.meta`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    npz_path, json_path = checkpoint_paths(folder, ckpt.generation)
    data = npz_bytes(ckpt.arrays)
    atomic_write_bytes(npz_path, data)
    meta = dict(ckpt.meta)
    meta.update(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        generation=int(ckpt.generation),
        npz_file=npz_path.name,
        npz_sha256=sha256_bytes(data),
    )
    atomic_write_bytes(json_path, json.dumps(meta, indent=1, sort_keys=True).encode())
    _prune(folder, keep)
    return json_path


def _listed(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


def _prune(folder: Path, keep: int) -> None:
    listed = _listed(folder)
    for _, json_path in listed[: max(0, len(listed) - max(1, keep))]:
        npz_path = json_path.with_suffix(".npz")
        json_path.unlink(missing_ok=True)  # JSON first: a checkpoint never lacks its .npz
        npz_path.unlink(missing_ok=True)


def latest_checkpoint(folder: Path) -> Path:
    """The JSON path of the newest checkpoint in `folder`; CheckpointError if there is none."""
    listed = _listed(Path(folder))
    if not listed:
        raise CheckpointError(f"{folder}: no checkpoint found (expected gen_NNNNNN.json files)")
    return listed[-1][1]


def load_checkpoint(json_path: Path) -> Checkpoint:
    """Read and verify one checkpoint (JSON + .npz). Never unpickles, never runs code."""
    json_path = Path(json_path)
    try:
        raw = json_path.read_bytes()
    except OSError as err:
        raise CheckpointError(f"{json_path}: cannot read checkpoint: {err.strerror}") from None
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(
            f"{json_path}: not a valid checkpoint manifest (bad JSON: {err})"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{json_path}: not an alife checkpoint (missing format '{FORMAT}')")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{json_path}: checkpoint format version {version!r} is not supported "
            f"(this alife reads version {FORMAT_VERSION})"
        )
    generation = meta.get("generation")
    npz_name = meta.get("npz_file")
    digest = meta.get("npz_sha256")
    if (
        not isinstance(generation, int)
        or not isinstance(npz_name, str)
        or not isinstance(digest, str)
    ):
        raise CheckpointError(
            f"{json_path}: checkpoint manifest lacks generation/npz_file/npz_sha256"
        )
    npz_path = json_path.with_name(Path(npz_name).name)
    try:
        data = npz_path.read_bytes()
    except OSError:
        raise CheckpointError(f"{json_path}: its data file {npz_path.name} is missing") from None
    if sha256_bytes(data) != digest:
        raise CheckpointError(
            f"{npz_path}: checkpoint data is corrupt or truncated (SHA-256 does not match "
            f"{json_path.name}); delete both files to resume from an older checkpoint"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise CheckpointError(f"{npz_path}: unreadable checkpoint data ({err})") from None
    return Checkpoint(generation=generation, meta=meta, arrays=arrays)


def require_array(
    ckpt: Checkpoint, name: str, dtype: np.dtype | type, shape: tuple[int | None, ...] | None
) -> np.ndarray:
    """ckpt.arrays[name], checked for dtype and shape (None matches any size); CheckpointError."""
    arr = ckpt.arrays.get(name)
    where = f"checkpoint generation {ckpt.generation}"
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
