"""Ctrl-C is honoured also while Numba compiles (alife/interrupts.py): one SIGINT stops `evolve`
and `play` during a cold start promptly, with "interrupted", exit status 130 and no traceback.

The SIGINT that is easily lost is the one that arrives while LLVM generates machine code: the
first Python code to run after it is llvmlite's object-cache callback, called from C, where
a KeyboardInterrupt is printed as "Exception ignored" and dropped. HOOK makes that moment
exact: it raises one real SIGINT from inside that callback (through Numba's hook, which the
callback calls). Every subprocess compiles from scratch (its own empty NUMBA_CACHE_DIR).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOK = """
import signal
from numba.core import codegen

_hook = codegen.JITCodeLibrary._object_compiled_hook.__func__
_sent = []


def _hook_with_ctrl_c(cls, ll_module, buf):
    if not _sent:  # one Ctrl-C, while LLVM's callback into Python runs
        _sent.append(True)
        signal.raise_signal(signal.SIGINT)
    return _hook(cls, ll_module, buf)


codegen.JITCodeLibrary._object_compiled_hook = classmethod(_hook_with_ctrl_c)
"""
SMALL_KERNEL = """
import numba, numpy as np


@numba.njit(cache=True)
def f(x):
    return np.sin(x).sum()


try:
    f(np.ones(3))
    print("ran on")
except KeyboardInterrupt:
    print("interrupted")
"""
CLI = "import sys\nfrom alife.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # (a test runner in the background ignores it)


def start(code: str, args: list[str], tmp_path: Path) -> subprocess.Popen:
    """Run `code` (a script file, so that Numba can cache its functions) with `args`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    script = tmp_path / "script.py"
    script.write_text(code, encoding="utf-8")
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"), PYTHONPATH=path,
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")  # fmt: skip
    return subprocess.Popen(
        [sys.executable, str(script), *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_sigint,
    )  # fmt: skip


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_ctrl_c_inside_llvm_callback_is_dropped_without_the_handler(tmp_path):
    """The mechanism: without alife.interrupts the interrupt is lost (the control), with it the
    program stops."""
    code, out, err = finish(start(HOOK + SMALL_KERNEL, [], tmp_path / "a"))
    assert "Exception ignored on calling ctypes callback function" in err, err
    assert "KeyboardInterrupt" in err and out.strip() == "ran on", (out, err)
    fixed = HOOK + "from alife import interrupts\ninterrupts.install()\n" + SMALL_KERNEL
    code, out, err = finish(start(fixed, [], tmp_path / "b"))
    assert out.strip() == "interrupted" and "Exception ignored" not in err, (out, err)


@pytest.mark.parametrize(
    "args",
    [
        ["evolve", "worlds/foraging.yaml", "--generations", "2", "--backend", "serial",
         "--no-progress", "--out", "{tmp}/run"],
        ["play", "worlds/foraging.yaml", "--frames", "5", "--screenshot", "{tmp}/shot.png"],
    ],
    ids=["evolve", "play"],
)  # fmt: skip
def test_one_ctrl_c_during_compilation_stops_the_command(tmp_path, args):
    proc = start(HOOK + CLI, [a.format(tmp=tmp_path) for a in args], tmp_path)
    code, out, err = finish(proc)
    assert code == 130, (code, out, err)
    assert err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "done:" not in out and not (tmp_path / "shot.png").exists()


@pytest.mark.slow
def test_ctrl_c_during_a_cold_start_of_evolve(tmp_path):
    """A real Ctrl-C from outside, a moment after compilation has begun."""
    args = ["evolve", "worlds/foraging.yaml", "--generations", "2", "--backend", "serial",
            "--no-progress", "--out", str(tmp_path / "run")]  # fmt: skip
    proc = start(CLI, args, tmp_path)
    for line in proc.stdout:
        if line.startswith("compiling kernels"):
            break
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code, out, err = finish(proc)
    assert code == 130, (code, out, err)
    assert time.monotonic() - sent < 60  # at once, or when the current LLVM call returns
    assert err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err and "Exception ignored" not in err, err
