"""A run directory: world copy, manifest.json, best.npz (DESIGN section 5, "Checkpoints are data").

```
runs/NAME/
  world.yaml       the world file as it was when the run started (resume reads this copy; a
                   schema modeline is re-pointed from here, see `world_copy`)
  manifest.json    format version, seed, mode, target generations, layout, package versions,
                   git revision, command lines (start and every resume)
  metrics.csv      see alife.evolve.metrics
  fitness.png      chart, refreshed as the run goes (population.png in open-ended runs)
  best.npz         best genome ever per species: genome_<s> (n_params,) float32,
                   fitness (S,) float64, generation (S,) int64, species (S,) str
  checkpoints/     see alife.evolve.checkpoint
```
Everything is plain JSON / CSV / .npz (no pickle); files are replaced atomically.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from alife.errors import CheckpointError
from alife.evolve.checkpoint import atomic_write_bytes, sha256_bytes

RUN_FORMAT = "alife-run"
RUN_FORMAT_VERSION = 1
WORLD_FILE = "world.yaml"
MANIFEST_FILE = "manifest.json"
BEST_FILE = "best.npz"
_PACKAGES = ("alife", "numpy", "numba", "pydantic", "pyyaml", "pygame", "tqdm", "ray")


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


def write_json(path: Path, data: dict) -> None:
    atomic_write_bytes(path, json.dumps(data, indent=1, sort_keys=True).encode())


def read_manifest(run_dir: Path) -> dict:
    """The run's manifest; CheckpointError if the folder is not an alife run."""
    path = Path(run_dir) / MANIFEST_FILE
    if not Path(run_dir).is_dir():
        raise CheckpointError(f"{run_dir}: no such run directory")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{run_dir}: not a run directory (no {MANIFEST_FILE})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: unreadable run manifest ({err})") from None
    if not isinstance(data, dict) or data.get("format") != RUN_FORMAT:
        raise CheckpointError(f"{path}: not an alife run manifest")
    if data.get("format_version") != RUN_FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: run format version {data.get('format_version')!r} is not supported "
            f"(this alife reads version {RUN_FORMAT_VERSION})"
        )
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
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def load_best(run_dir_or_file: Path) -> BestGenomes:
    """Read a run's best.npz (the folder or the file); CheckpointError if missing or damaged."""
    path = Path(run_dir_or_file)
    if path.is_dir():
        path = path / BEST_FILE
    try:
        with np.load(path, allow_pickle=False) as npz:
            species = [str(s) for s in npz["species"]]
            genomes = [
                np.asarray(npz[f"genome_{s}"], dtype=np.float32) for s in range(len(species))
            ]
            fitness = np.asarray(npz["fitness"], dtype=np.float64)
            generation = np.asarray(npz["generation"], dtype=np.int64)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no best genomes saved yet") from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"{path}: unreadable best-genome file ({err})") from None
    return BestGenomes(species, genomes, fitness, generation)


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


def command_line() -> list[str]:
    return list(sys.argv)
