"""Import the `alife` package of another git revision next to this tree's, for A/B runs.

`baseline_package("main")` extracts alife/ and worlds/ of that revision (`git archive`) into a
cache folder,
renames the package to `alife_<commit>` (rewriting its absolute imports) and imports it, so a
benchmark can run the old and the new code in one process, interleaved. Its Numba cache lives
in that folder, so only the first use of a revision compiles.
"""

from __future__ import annotations

import importlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
_IMPORT = re.compile(r"\b(from|import)\s+alife\b")
_DOTTED = re.compile(r"\balife\.")


def baseline_worlds(package: ModuleType) -> Path:
    """The worlds/ folder of the revision `package` (from baseline_package) was taken from."""
    return Path(package.__file__).resolve().parent.parent / "worlds"


def baseline_package(rev: str) -> ModuleType:
    """The alife package of git revision `rev` of this repository, as `alife_<commit>`; that
    revision's worlds/ lands beside it (baseline_worlds)."""
    git = ["git", "-C", str(ROOT)]
    try:
        found = subprocess.run(
            [*git, "rev-parse", "--short=10", f"{rev}^{{commit}}"], capture_output=True, text=True
        )
        found.check_returncode()
        commit = found.stdout.strip()
    except (OSError, subprocess.CalledProcessError) as err:
        raise SystemExit(f"--against {rev}: not a revision of {ROOT} ({err})") from None
    name = f"alife_{commit}"
    home = Path(tempfile.gettempdir()) / "alife-baselines" / commit
    if not (home / name / "__init__.py").exists() or not (home / "worlds").is_dir():
        archive = subprocess.run([*git, "archive", commit, "alife", "worlds"],
                                 capture_output=True).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(home, filter="data")
            else:
                tar.extractall(home)  # noqa: S202 (our own repository's files)
        shutil.rmtree(home / name, ignore_errors=True)
        (home / "alife").rename(home / name)
        for path in (home / name).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            text = _IMPORT.sub(lambda m: f"{m.group(1)} {name}", text)
            path.write_text(_DOTTED.sub(f"{name}.", text), encoding="utf-8")
    if str(home) not in sys.path:
        sys.path.insert(0, str(home))
    return importlib.import_module(name)
