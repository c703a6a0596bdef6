"""Compile a world's kernels before its first tick, on two cores at once.

On a cold Numba cache, a child process compiles the controllers' steps while this process
builds a small World (compiling the spawn kernels) whose controllers give fixed motors (the
passes do not depend on what the motors are). Then both processes compile the tick's passes
(alife.world.tick) without running them, each pass by whichever process claims it first (a file
created exclusively in a shared directory): this process starts with sensing, the child with
acting, so a world whose steps compile fast hands the child a share of the passes and one whose
steps compile slowly does not wait for them. The caller's own kernels (`also`: a module-level
function of the config, which the child finds by its name) are claimed last, by whichever
process gets there first. Everything lands in Numba's on-disk cache, so the caller's Worlds
(and any workers) load it instead of compiling. `warming_up` runs the caller's own setup (a
window, its World) once this process has compiled its share, while the child may still be
compiling. The child steps each species' controller exactly as a World does (prepared genomes,
a zeroed state, C-contiguous float32 sensors), so what it compiles is what the World calls.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import numpy as np

from alife.config.models import WorldConfig
from alife.world.engine import World, make_controller

GO = b"go\n"  # the line that tells the child this process's World is built


class _FixedMotors:
    """A species' controller whose step returns zero motors (the brain is not compiled)."""

    def __init__(self, ctrl):
        self._ctrl = ctrl

    def step(self, genomes, state, sensors) -> np.ndarray:
        return np.zeros((sensors.shape[0], self._ctrl.n_motors), np.float32)

    def __getattr__(self, name):
        return getattr(self._ctrl, name)


def _fixed_motors(config: WorldConfig, s: int) -> _FixedMotors:
    return _FixedMotors(make_controller(config, s))


def _small_world(config: WorldConfig, seed: int, factory=_fixed_motors) -> World:
    """A one-arena World of `config` (by default with fixed motors): the argument types of
    every pass."""
    return World(config, seed, arena_ids=np.zeros(1, np.int64), controller_factory=factory)


def _claim(claims: Path, name: str) -> bool:
    """True for the one process that claims pass `name` first."""
    try:
        os.close(os.open(claims / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def compile_passes(world: World, claims: Path | None, first: str) -> None:
    """Compile every pass of world's tick that this process claims (all of them without
    claims), starting with pass `first`."""
    names = world.pass_names()
    names.sort(key=lambda name: name != first)
    for name in names:
        if claims is None or _claim(claims, name):
            world.compile_pass(name)


Also = Callable[[WorldConfig], None]  # compiles (or loads) more of a first start's kernels


def compile_share(world: World, config: WorldConfig, claims: Path, first: str,
                  also: Also | None = None) -> None:  # fmt: skip
    """This process's share: the passes it claims (starting with `first`), then `also` if it
    claims it."""
    compile_passes(world, claims, first)
    if also is not None and _claim(claims, "also"):
        also(config)


def _name_of(also: Also | None) -> str | None:
    """'module:function' of `also`, by which the child imports it (ValueError for anything
    but a module-level function)."""
    if also is None:
        return None
    name = f"{getattr(also, '__module__', '')}:{getattr(also, '__qualname__', '')}"
    if _named(name) is not also:
        raise ValueError(f"also must be a module-level function, got {also!r}")
    return name


def _named(name: str | None) -> Also | None:
    if name is None:
        return None
    module, _, function = name.partition(":")
    return getattr(import_module(module), function, None) if module else None


def compile_steps(config: WorldConfig) -> None:
    """Compile (or load) every species' controller step: one step of two agents each."""
    rng = np.random.default_rng(0)
    for s in range(len(config.species)):
        ctrl = make_controller(config, s)
        genomes = ctrl.prepare(ctrl.init_genomes(rng, 2))
        ctrl.step(genomes, ctrl.new_state(2), np.zeros((2, ctrl.n_sensors), np.float32))


def child_main() -> None:
    """The child process: one JSON line {config, seed, also, claims} on stdin, then the steps;
    then, once GO arrives (end of input instead: the parent gave up), its share. It ends without
    Python's teardown (the compiled code is on disk; the parent waits for this exit)."""
    job = json.loads(sys.stdin.buffer.readline())
    config = WorldConfig.model_validate(job["config"])
    compile_steps(config)
    if sys.stdin.buffer.readline() == GO:
        world = _small_world(config, job["seed"])
        compile_share(world, config, Path(job["claims"]), "act", _named(job["also"]))
    os._exit(0)


# `python -c` puts the working directory first on sys.path: the child puts this alife package's
# folder there instead (argv[1]), so it never imports another alife found in the working
# directory, and its kernels' source paths (the keys of a NUMBA_CACHE_DIR) are this process's.
_CHILD = ("import sys\nsys.path[0] = sys.argv[1]\n"
          "from alife.world.warm import child_main\nchild_main()\n")


def warm_up(config: WorldConfig, seed: int, *, with_child: bool = True,
            also: Also | None = None) -> None:  # fmt: skip
    """Compile (or load from cache) every kernel a World of `config` ticks with, then two ticks
    of a one-arena World. with_child (for a cold cache: a child process costs a second or two
    to start): a child Python process compiles the steps and a share of the passes (and of
    `also`, see the module docstring) meanwhile (silent; killed if this one is interrupted);
    one that fails costs only time (whatever it did not compile, the ticks here or the first
    World compile)."""
    with warming_up(config, seed, with_child=with_child, also=also):
        pass


@contextmanager
def warming_up(config: WorldConfig, seed: int, *, with_child: bool = True,
               also: Also | None = None) -> Iterator[None]:  # fmt: skip
    """warm_up around the caller's own setup: the body runs once this process has compiled its
    share (with_child: the child may still be compiling), before the two ticks, so setup that
    needs no tick (opening a window, building a World) overlaps with the child's compiling."""
    if not with_child:
        world = _small_world(config, seed, make_controller)
        if also is not None:
            also(config)
        yield
        for _ in range(2):
            world.tick()
        return
    job = {"config": config.model_dump(mode="json"), "seed": int(seed), "also": _name_of(also)}
    claims = Path(tempfile.mkdtemp(prefix="alife-warm-"))
    root = str(Path(os.path.abspath(__file__)).parents[2])  # where this alife package is found
    child = subprocess.Popen([sys.executable, "-c", _CHILD, root], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    done = False
    try:
        _tell(child, json.dumps({**job, "claims": str(claims)}).encode() + b"\n")
        world = _small_world(config, seed)
        _tell(child, GO)
        _close(child)
        compile_share(world, config, claims, "sense", also)
        yield
        child.wait()
        for _ in range(2):
            world.tick()
        done = True
    finally:
        if not done:
            child.kill()
        child.wait()
        shutil.rmtree(claims, ignore_errors=True)


def _tell(child: subprocess.Popen, line: bytes) -> None:
    """Send the child a line (a child that has died already is ignored)."""
    try:
        child.stdin.write(line)
        child.stdin.flush()
    except OSError:
        pass


def _close(child: subprocess.Popen) -> None:
    """End the child's input (a child that has died already is ignored)."""
    try:
        child.stdin.close()
    except OSError:
        pass
