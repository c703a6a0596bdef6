"""A run directory: its layout, its atomic creation, manifest.json, best.npz and its lock.

```
runs/NAME/
  world.yaml       the world file as it was when the run started (resume reads this copy; a
                   schema modeline is re-pointed from here, see `world_copy`)
  manifest.json    format version, seed, mode, target generations, layout, package versions,
                   git revision, command lines (start and every resume); sealed JSON
  metrics.csv      see alife.evolve.metrics
  lineage.csv      see alife.evolve.lineage (both modes)
  fitness.png      chart, refreshed as the run goes
  best.npz         generational runs: best genome ever per species: genome_<s> (n_params,)
                   float32, fitness (S,) float64, generation (S,) int64, species (S,) str
  .lock            held (flock) by the process writing the run, see `locked`
  checkpoints/     see alife.evolve.checkpoint (set_aside/: newer checkpoints moved aside by
                   --resume --from-generation)
```
`create` builds the whole directory, generation-0 checkpoint included, under a hidden
temporary name next to it and renames it into place, so a run directory either does not exist
or is complete and resumable. Every file is plain JSON / CSV / .npz (no pickle), replaced
atomically or appended to; everything read back is checked (alife.evolve.schema).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from alife.errors import CheckpointError
from alife.evolve.files import (
    atomic_write_bytes,
    fsync_dir,
    fsync_file,
    read_sealed_json,
    sealed_json,
    sha256_bytes,
)
from alife.evolve.npzfile import npz_bytes, read_npz
from alife.evolve.schema import RunManifest, validated

RUN_FORMAT = "alife-run"
RUN_FORMAT_VERSION = 2
WORLD_FILE = "world.yaml"
MANIFEST_FILE = "manifest.json"
BEST_FILE = "best.npz"
LOCK_FILE = ".lock"
_STAGING = ".creating-"
_PACKAGES = ("alife", "numpy", "numba", "llvmlite", "pydantic", "pyyaml", "pygame", "tqdm", "ray")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_revision(path: Path) -> dict | None:
    """{'revision': sha, 'dirty': bool} of the git checkout holding `path`, or None."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, timeout=5
        )
        if rev.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=path,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"revision": rev.stdout.strip(), "dirty": bool(status.stdout.strip())}


def command_line() -> list[str]:
    return list(sys.argv)


# ---------------------------------------------------------------------------- creation
def _staging_dirs(run_dir: Path) -> list[tuple[Path, int]]:
    """(folder, pid) of every half-made copy of `run_dir` (a `create` that was interrupted or is
    still running)."""
    prefix = f".{run_dir.name}{_STAGING}"
    if not run_dir.parent.is_dir():
        return []
    found = []
    for p in run_dir.parent.iterdir():
        if p.name.startswith(prefix) and p.name[len(prefix):].isdigit():
            found.append((p, int(p.name[len(prefix):])))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create(run_dir: Path, populate: Callable[[Path], None]) -> None:
    """Create `run_dir` complete or not at all: `populate(folder)` fills a hidden sibling
    folder, which is flushed to disk and renamed to `run_dir`. `run_dir` must not exist or be
    an empty folder; half-made copies left by a killed `create` are removed first."""
    run_dir = Path(run_dir)
    if (run_dir / MANIFEST_FILE).exists():
        raise CheckpointError(f"{run_dir} already holds a run; continue it with --resume "
                              f"{run_dir} or choose another --out")  # fmt: skip
    if run_dir.exists() and not run_dir.is_dir():
        raise CheckpointError(f"{run_dir} is a file, not a run directory; choose another --out")
    if run_dir.exists() and any(run_dir.iterdir()):
        raise CheckpointError(f"{run_dir} exists and is not empty; choose another --out")
    try:
        run_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CheckpointError(f"{run_dir}: cannot create run directory ({err})") from None
    for folder, pid in _staging_dirs(run_dir):
        if pid != os.getpid() and _alive(pid):
            raise CheckpointError(f"{run_dir}: another alife process (pid {pid}) is creating "
                                  "this run directory right now")  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
    staging = run_dir.parent / f".{run_dir.name}{_STAGING}{os.getpid()}"
    try:
        staging.mkdir()
        populate(staging)
        for p in sorted(staging.rglob("*"), reverse=True):
            (fsync_dir if p.is_dir() else fsync_file)(p)
        fsync_dir(staging)
        os.rename(staging, run_dir)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise CheckpointError(f"{run_dir}: cannot create run directory ({err})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(run_dir.parent)


@contextlib.contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Hold the run directory's lock (one process at a time writes a run); released when the
    block ends or the process dies."""
    try:
        fh = open(Path(run_dir) / LOCK_FILE, "a")
    except OSError as err:
        raise CheckpointError(f"{run_dir}: cannot open the run's lock file ({err})") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CheckpointError(f"{run_dir} is in use by another alife process; wait for it "
                                  "to finish or stop it first") from None  # fmt: skip
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------- manifest
def write_manifest(run_dir: Path, manifest: dict) -> None:
    atomic_write_bytes(Path(run_dir) / MANIFEST_FILE, sealed_json(manifest))


def read_manifest(run_dir: Path) -> dict:
    """The run's manifest, checked against `RunManifest`; CheckpointError if the folder is not
    a complete alife run or the manifest is damaged."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        hint = ""
        if _staging_dirs(run_dir):
            hint = (" (it was interrupted while being created, before its first checkpoint: "
                    "start it again with the same command)")  # fmt: skip
        raise CheckpointError(f"{run_dir}: no such run directory{hint}")
    path = run_dir / MANIFEST_FILE
    if not path.exists():
        raise CheckpointError(f"{run_dir}: not a run directory (no {MANIFEST_FILE})")
    data = read_sealed_json(path, "run manifest")
    if data.get("format") != RUN_FORMAT:
        raise CheckpointError(f"{path}: not an alife run manifest")
    if data.get("format_version") != RUN_FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: run format version {data.get('format_version')!r} is not supported "
            f"(this alife reads version {RUN_FORMAT_VERSION})"
        )
    data.pop("sha256")
    validated(RunManifest, data, path)
    return data


def check_world_unchanged(run_dir: Path, expected_sha: str) -> str:
    """The text of the run's world.yaml, after checking it is byte-identical to the recorded one."""
    path = Path(run_dir) / WORLD_FILE
    try:
        raw = path.read_bytes()
    except OSError:
        raise CheckpointError(f"{path}: the run's copy of its world file is missing") from None
    if sha256_bytes(raw) != expected_sha:
        raise CheckpointError(
            f"{path}: the world file changed since the run started (its SHA-256 no longer "
            "matches manifest.json); a resumed run must use the same world. Restore the file "
            "or start a new run with the edited world."
        )
    return raw.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------- best genomes
@dataclass
class BestGenomes:
    """Best genome ever seen per species."""

    species: list[str]
    genomes: list[np.ndarray]
    fitness: np.ndarray
    generation: np.ndarray


def save_best(path: Path, best: BestGenomes) -> None:
    arrays = {f"genome_{s}": g.astype(np.float32) for s, g in enumerate(best.genomes)}
    arrays["fitness"] = np.asarray(best.fitness, dtype=np.float64)
    arrays["generation"] = np.asarray(best.generation, dtype=np.int64)
    arrays["species"] = np.array(best.species, dtype=str)
    atomic_write_bytes(path, npz_bytes(arrays))


def load_best(run_dir_or_file: Path) -> BestGenomes:
    """Read a run's best.npz (the folder or the file); CheckpointError if missing or damaged."""
    path = Path(run_dir_or_file)
    if path.is_dir():
        path = path / BEST_FILE
    try:
        arrays = read_npz(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no best genomes saved yet") from None
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read it ({err.strerror})") from None
    species = arrays.get("species")
    if species is None or species.dtype.kind != "U" or species.ndim != 1 or not species.size:
        raise CheckpointError(f"{path}: damaged best-genome file (no species names)")
    n = species.size
    fitness, generation = arrays.get("fitness"), arrays.get("generation")
    genomes = [arrays.get(f"genome_{s}") for s in range(n)]
    if (
        fitness is None or fitness.dtype != np.float64 or fitness.shape != (n,)
        or generation is None or generation.dtype != np.int64 or generation.shape != (n,)
        or any(g is None or g.dtype != np.float32 or g.ndim != 1 for g in genomes)
    ):  # fmt: skip
        raise CheckpointError(f"{path}: damaged best-genome file (arrays of the wrong type "
                              "or shape)")  # fmt: skip
    if not all(np.isfinite(g).all() for g in genomes):
        raise CheckpointError(f"{path}: damaged best-genome file (a genome is not finite)")
    return BestGenomes([str(s) for s in species], genomes, fitness, generation)


SCHEMA_MODELINE = "# yaml-language-server: $schema="


def world_copy(raw: bytes, world_path: Path, run_dir: Path) -> bytes:
    """The bytes of the run's world.yaml: the world file, with a first-line schema modeline
    that points relative to the world file (`../assets/world.schema.json`) re-pointed from the
    run directory, or turned into a plain comment when the schema is not there. Line numbers
    stay those of the original; the run's world SHA-256 is that of these bytes."""
    first, sep, rest = raw.partition(b"\n")
    line = first.decode("utf-8", errors="replace").rstrip("\r")
    if not line.startswith(SCHEMA_MODELINE):
        return raw
    target = line[len(SCHEMA_MODELINE) :].strip()
    if "://" in target or Path(target).is_absolute():
        return raw
    schema = (Path(world_path).resolve().parent / target).resolve()
    if schema.is_file():
        new = SCHEMA_MODELINE + os.path.relpath(schema, Path(run_dir).resolve())
    else:
        new = f"# (schema modeline removed: {target} is not there from this run directory)"
    return new.encode() + sep + rest
