"""How many threads each stage of a World's tick runs on: all of Numba's, or one.

A parallel region wakes its threads and waits for the last of them, which costs little on an
idle machine and a great deal on one whose cores other processes hold (a thread waits for a
time slice). ThreadChoice times a stage on both counts and keeps the one that clearly wins;
MachineLoad measures how much CPU other processes use.
"""

from __future__ import annotations

import os
import statistics
import time

STARTS_PARALLEL = False  # a stage's count before its first try
PROBE_EVERY = 64  # ticks between tries of the thread count not in use (0: never try)
FIRST_PROBE = 4  # ticks before the first try (after UNTIMED_TICKS, at least 2 timed ones)
UNTIMED_TICKS = 1  # a World's first ticks are not timed (first touch of memory, compiling)
PROBE_TICKS = 6  # runs per try; a try whose first half all lose is cut short
RECENT = 12  # runs of the count in use whose median it is judged by
MARGIN = 0.1  # all threads are used only while their median is this much below one thread's
MAX_PROBE_EVERY = 4096  # a count that keeps losing is tried this rarely at most
LOAD_EVERY = 0.2  # seconds between readings of the machine's CPU use (0: never busy)
# cores other processes may use, beyond those a stage's threads leave free, while the machine
# still counts as idle: a third of a core (10 ms bursts, 30% of the time) already makes 2
# threads 5-15% slower than one on 2 cores
IDLE_OTHERS = 0.15


class MachineLoad:
    """How busy other processes keep this machine's cores. Every LOAD_EVERY seconds it reads
    the CPU time all processes used (Linux's /proc/stat; elsewhere the machine never counts as
    busy) less this process's own (its threads' CPU time, spinning included). The machine is
    busy for a stage on `threads` threads while the others used more than IDLE_OTHERS of a core
    beyond the cores that leave `threads` free (2 cores, 2 threads: more than 0.15 of a core):
    a parallel region of that stage would wait for a core. One per process (MACHINE): it
    measures the machine."""

    def __init__(self):
        affinity = getattr(os, "sched_getaffinity", None)
        self.cores = len(affinity(0)) if affinity else (os.cpu_count() or 1)
        self.last: tuple[float, float, float] | None = None  # (wall, machine CPU, own CPU) s
        self.others = 0.0  # cores the other processes used between the last two readings

    def busy(self, threads: int) -> bool:
        """Is the machine busy for a stage on `threads` threads (now and then a new reading)?"""
        if not LOAD_EVERY:
            return False
        now = time.perf_counter()
        if self.last is None or now - self.last[0] >= LOAD_EVERY:
            machine = _machine_cpu_seconds()
            if machine is None:
                return False
            own = time.process_time()
            if self.last is not None:
                used = machine - self.last[1] - (own - self.last[2])
                self.others = max(0.0, used) / (now - self.last[0])
            self.last = (now, machine, own)
        return self.others > self.cores - threads + IDLE_OTHERS


def _machine_cpu_seconds() -> float | None:
    """CPU seconds the machine's processes have used since it started (busy: not idle nor
    waiting for I/O; niced processes only when this one is niced too, as otherwise they yield
    their core to it), None where the kernel does not say."""
    global _STAT_FD
    if _STAT_FD is None:
        try:
            _STAT_FD = os.open("/proc/stat", os.O_RDONLY)
        except OSError:
            _STAT_FD = -1
    if _STAT_FD < 0:
        return None
    # "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks
    line = os.pread(_STAT_FD, 256, 0).split(b"\n", 1)[0]
    user, nice, system, _, _, irq, softirq, steal = (int(x) for x in line.split()[1:9])
    return (user + system + irq + softirq + steal + _NICED * nice) / _CLOCK_TICKS


_STAT_FD: int | None = None  # /proc/stat, opened once per process (-1: not readable)
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_NICED = hasattr(os, "nice") and os.nice(0) > 0
MACHINE = MachineLoad()
if hasattr(os, "register_at_fork"):  # a forked child's CPU time starts again from zero
    os.register_at_fork(after_in_child=MACHINE.__init__)


class ThreadChoice:
    """Whether a stage of a World's tick (sensing, a species' think, acting, catching) runs on
    all its Numba threads or on one. A parallel region wakes and waits for every thread, so on
    a busy machine (or for small stages) one thread can be faster than several; timings there
    are noisy, so the choice goes by medians and takes all threads only when they clearly win.

    Stages over fewer than `serial_below` agents always use one thread. Otherwise a stage
    starts on one thread (STARTS_PARALLEL: on all) and every run after the first UNTIMED_TICKS
    is timed (seconds per agent). After FIRST_PROBE ticks, then every
    `probe_every` ticks, the other count is tried for PROBE_TICKS runs (fewer if the first
    half of them are all slower than the count in use) and the medians decide: all threads
    win if their median is at least MARGIN below one thread's, one thread wins otherwise. A
    try that loses doubles the wait before the next one (up to MAX_PROBE_EVERY). While all
    threads are in use, a median of their last RECENT runs above one thread's last median (the
    machine got busier) brings the next try forward to the next tick."""

    def __init__(self, serial_below: int):
        self.serial_below = serial_below
        self.cost: dict[bool, float] = {}  # parallel? -> median seconds per agent at the last try
        self.parallel = STARTS_PARALLEL
        self.recent: list[float] = []  # the count in use: its last RECENT runs since a try
        self.tried: list[float] = []  # the current try's runs
        self.probe_every = PROBE_EVERY
        self.countdown = FIRST_PROBE
        self.probing = False
        self.timed = False  # is the run pick() chose timed (not below the floor, not forced)
        self.untimed = UNTIMED_TICKS

    def pick(self, allowed: int, n: int) -> int:
        """The thread count for the stage's next run (allowed: Numba's count; n: agents)."""
        self.timed = allowed > 1 and n >= self.serial_below
        if not self.timed:
            return 1
        if PROBE_EVERY and not self.probing:
            self.countdown -= 1
            if self.countdown <= 0 and self.recent:  # a try needs the count in use timed
                self.probing, self.tried = True, []
        return allowed if self.parallel != self.probing else 1

    def record(self, threads: int, seconds_per_agent: float) -> None:
        """The stage's last wall time per agent on `threads` threads (the count pick() gave)."""
        if not self.timed:
            return
        if self.untimed:
            self.untimed -= 1
            return
        if (threads > 1) == self.parallel:
            self.recent = [*self.recent[1 - RECENT :], seconds_per_agent]
            full = self.parallel and len(self.recent) == RECENT
            if full and statistics.median(self.recent) > self.cost.get(False, float("inf")):
                self.countdown = 0  # no faster than one thread now: try it at once
            return
        self.tried.append(seconds_per_agent)
        current = self.cost[self.parallel] = statistics.median(self.recent)
        half = (PROBE_TICKS + 1) // 2
        lost = len(self.tried) == half and min(self.tried) > current
        if len(self.tried) < PROBE_TICKS and not lost:
            return
        tried = self.cost[not self.parallel] = statistics.median(self.tried)
        serial, parallel = (tried, current) if self.parallel else (current, tried)
        won = (parallel < (1 - MARGIN) * serial) != self.parallel
        if won:
            self.parallel = not self.parallel
            self.probe_every = PROBE_EVERY
        else:
            self.probe_every = min(2 * self.probe_every, MAX_PROBE_EVERY)
        self.countdown, self.probing, self.recent = self.probe_every, False, []
