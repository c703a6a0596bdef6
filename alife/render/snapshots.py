"""Named snapshots of the window's world: save as many as you like, pick one to go back to.

A snapshot is a folder `<snapshot dir>/<name>/` holding one checkpoint (alife.evolve.checkpoint:
.npz + JSON, atomic, SHA-checked, no pickle) of everything a `Session` needs to continue exactly
where it was: the World on screen and the off-screen arenas (every living agent with its genome,
body and memory: the whole population of an open-ended world), the generational population with
its best genomes, the chart history, the lineage and the genome clusters. Names come from the
time and the world's clock (`20250101-120304-g3-t120`), so saving asks for nothing. Loading
checks that the world file is the one the snapshot was saved with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from alife.errors import CheckpointError
from alife.evolve import checkpoint as ck

KIND = "window"


@dataclass(frozen=True)
class SnapshotInfo:
    """One saved snapshot: its name, its checkpoint's JSON path, generation, tick, world file."""

    name: str
    path: Path
    generation: int
    tick: int
    world_file: str


def new_name(generation: int, tick: int, folder: Path) -> str:
    """A name not yet used in `folder`: local time, generation and tick."""
    base = f"{time.strftime('%Y%m%d-%H%M%S')}-g{generation}-t{tick}"
    name, k = base, 2
    while (folder / name).exists():
        name, k = f"{base}-{k}", k + 1
    return name


def save_snapshot(session, folder: Path, name: str | None = None) -> SnapshotInfo:
    """Write the session's state as a new snapshot in `folder`; returns what was written."""
    folder = Path(folder)
    arrays, meta = session.state()
    name = name or new_name(session.generation, int(meta["tick"]), folder)
    meta = {**meta, "kind": KIND, "name": name}
    path = ck.save_checkpoint(folder / name, ck.Checkpoint(session.generation, meta, arrays))
    return SnapshotInfo(name, path, session.generation, int(meta["tick"]), meta["world_file"])


def _info(json_path: Path) -> SnapshotInfo | None:
    """What a snapshot's JSON says about it (None if it is not a window snapshot)."""
    import json

    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
        if meta.get("kind") != KIND:
            return None
        return SnapshotInfo(str(meta.get("name", json_path.parent.name)), json_path,
                            int(meta["generation"]), int(meta["tick"]),
                            str(meta.get("world_file", "")))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def list_snapshots(folder: Path) -> list[SnapshotInfo]:
    """The snapshots in `folder`, newest first (unreadable folders are left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for sub in folder.iterdir():
        if not sub.is_dir():
            continue
        try:
            info = _info(ck.latest_checkpoint(sub))
        except CheckpointError:
            continue
        if info is not None:
            found.append((info.path.stat().st_mtime_ns, info))
    return [info for _, info in sorted(found, key=lambda t: (t[0], t[1].name), reverse=True)]


def find_snapshot(where: str | Path, folder: Path | None = None) -> Path:
    """The checkpoint JSON of a snapshot given as its folder, its JSON, or its name inside
    `folder`; CheckpointError naming what was looked for."""
    where = Path(where)
    candidates = [where] + ([Path(folder) / where] if folder is not None else [])
    for c in candidates:
        if c.is_file() and c.suffix == ".json":
            return c
        if c.is_dir():
            return ck.latest_checkpoint(c)
    names = [s.name for s in list_snapshots(folder)] if folder is not None else []
    hint = f" (saved: {', '.join(names[:5])})" if names else ""
    raise CheckpointError(f"{where}: no such snapshot{hint}")


def snapshot_world(json_path: Path) -> str:
    """The world file a snapshot was saved from (CheckpointError if it does not say)."""
    info = _info(Path(json_path))
    if info is None or not info.world_file:
        raise CheckpointError(f"{json_path}: not a window snapshot")
    return info.world_file


def load_snapshot(session, json_path: Path) -> SnapshotInfo:
    """Restore `session` to the snapshot at `json_path` (CheckpointError if it is damaged,
    foreign, or saved with another version of the world file)."""
    ckpt = ck.load_checkpoint(json_path)
    if ckpt.meta.get("kind") != KIND:
        raise CheckpointError(f"{json_path}: not a window snapshot")
    session.restore_state(ckpt, str(json_path))
    return _info(Path(json_path)) or SnapshotInfo(Path(json_path).parent.name, Path(json_path),
                                                   ckpt.generation, 0, "")  # fmt: skip
