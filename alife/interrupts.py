"""Ctrl-C that is never lost, also while Numba compiles.

Python runs a SIGINT handler between two bytecodes of the main thread, wherever they are. While
Numba compiles, LLVM (C++, called through ctypes) calls back into Python: llvmlite's object-cache
callbacks run right after LLVM has generated machine code, so a Ctrl-C pressed during code
generation raises its KeyboardInterrupt inside such a callback. ctypes cannot pass an exception
back through C: it prints "Exception ignored on calling ctypes callback function ...
KeyboardInterrupt" and drops it: the interrupt is lost and the program runs on (and Numba's cache
misses that function's machine code, which can end in a RuntimeError later).

`handle_sigint` raises KeyboardInterrupt like Python's default handler, except while llvmlite's
binding layer (where those callbacks live) is on the stack: then it asks for the same signal
again a moment later (`_thread.interrupt_main` from a timer thread), and again, until the main
thread is back in ordinary code, where the KeyboardInterrupt propagates as usual.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

RETRY_SECONDS = 0.02


def install() -> None:
    """Use `handle_sigint` for SIGINT in this (main-thread) program, unless SIGINT is ignored
    (e.g. started with nohup or in the background of a script) or has its own handler."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, handle_sigint)


def handle_sigint(signum: int, frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt, or re-deliver the signal shortly while llvmlite code is on the
    stack (possibly a C callback, where the KeyboardInterrupt would be dropped)."""
    if _in_llvmlite(frame):
        timer = threading.Timer(RETRY_SECONDS, _thread.interrupt_main, (signum,))
        timer.daemon = True
        timer.start()
        return
    raise KeyboardInterrupt


def _in_llvmlite(frame: FrameType | None) -> bool:
    """True if a frame of llvmlite's binding layer is on the stack that ends at `frame`."""
    binding = sys.modules.get("llvmlite.binding")
    folder = getattr(binding, "__file__", None)
    if folder is None:
        return False
    folder = str(Path(folder).parent)
    while frame is not None:
        if str(Path(frame.f_code.co_filename).parent) == folder:
            return True
        frame = frame.f_back
    return False
