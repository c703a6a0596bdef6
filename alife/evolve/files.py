"""Durable, self-checking files: atomic writes that survive a crash, and sealed JSON.

`atomic_write_bytes` writes a temporary file in the same folder, flushes it to disk (fsync),
renames it over the target (`os.replace`) and flushes the folder, so after a crash or `kill -9`
at any moment the target holds either its old or its new bytes, never a mix. `sealed_json`
adds a ``"sha256"`` field holding the SHA-256 of the document's canonical form (sorted keys,
no spaces); `read_sealed_json` recomputes it, so any change to a value (a flipped bit, an
edit) is refused, while changes that keep the document equal (whitespace, key order) are not.
Every failure is an `alife.errors.CheckpointError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from alife.errors import CheckpointError

SEAL = "sha256"
MAX_JSON_BYTES = 4 << 20  # manifests and checkpoint JSON are a few kB


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, new files) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` by `data` atomically and durably (temp file + fsync + rename + fsync)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _canonical(data: dict) -> bytes:
    body = {k: v for k, v in data.items() if k != SEAL}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def sealed_json(data: dict) -> bytes:
    """`data` as indented JSON with its seal; ValueError on NaN or infinity (not JSON)."""
    sealed = dict(data)
    sealed[SEAL] = sha256_bytes(_canonical(data))
    return json.dumps(sealed, indent=1, sort_keys=True, allow_nan=False).encode()


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_sealed_json(path: Path, what: str) -> dict:
    """The dict in `path`, after checking its seal; `what` names the file's role in errors."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise CheckpointError(f"{path}: {size:,} bytes is too large for a {what}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{path}: the {what} is missing") from None
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read the {what} ({err.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as err:
        raise CheckpointError(f"{path}: damaged {what} (not valid JSON: {err})") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: damaged {what} (not a JSON object)")
    seal = data.get(SEAL)
    if seal is None:
        raise CheckpointError(
            f"{path}: this {what} has no {SEAL} seal (written by an older alife, or edited)"
        )
    try:
        ok = isinstance(seal, str) and seal == sha256_bytes(_canonical(data))
    except ValueError:  # a number too large for a float became inf
        ok = False
    if not ok:
        raise CheckpointError(
            f"{path}: damaged or edited {what} (its content no longer matches its "
            f"{SEAL} seal)"
        )
    return data

