"""Neural Turing Machine controller: an FFB net that reads and writes a memory through heads.

One agent, one tick:
    x = [sensors, previous reads, 1];  y = ffb_net(genome, x)
    y = motor (M) | R read heads | write head | write value (d) | write gate (1)
    the write head moves and writes the value with gate sigmoid(gate output);
    then each read head moves and reads (after the write); actions = tanh(motor)
How heads address the memory (content keys, positions on a tape, or both) and what each head's
block of outputs holds: alife.brain.heads. Memory None is the memory-off ablation: no read
inputs, no memory outputs.
Evolved NTMs: Greve, Jacobsen & Risi, "Evolving Neural Turing Machines" (GECCO 2016).
One compiled, parallel kernel steps every agent in every addressing mode; each task takes up
to ROWS_PER_TASK agents (alife.brain.wht.task_rows), one at a time, row-major (no
transpositions), with explicit-SIMD transforms (alife.brain.simd). The per-agent helpers are
inlined (a call with array arguments costs ~100 ns of atomic reference counting), and where a
step reads the whole memory the next agent's memory is prefetched while this one computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

from alife.brain.checks import require_float32, require_positive
from alife.brain.ffb import FFBNet, PreparedGenomes, embed_vec, ffb_vec
from alife.brain.hashmem import HashMemory, hash_at, memory_vec
from alife.brain.heads import (
    ADDRESSING,
    BOTH,
    CONTENT,
    LOCATION,
    SHIFTS,
    HeadLayout,
    HeadTrace,
    address_tables,
    mix_address,
    move_head,
    sigmoid,
    tape_vec,
)
from alife.brain.simd import prefetch
from alife.brain.wht import task_rows
from alife.jit import njit_inline, njit_parallel


@dataclass
class NTMState:
    """Per-agent runtime state: memory (B, d, m) and last reads (B, R, d) float32, head
    positions (B, P) int32 (P = R + 1 for positional heads, read heads first, write head last;
    P = 0 otherwise). In location mode memory holds tape cells (alife.brain.heads).

    With memory off, memory and reads have zero-sized trailing axes. Not part of the genome.
    `NTMState(memory, reads)` means heads without positions.
    """

    memory: np.ndarray
    reads: np.ndarray
    positions: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.positions is None:
            self.positions = np.zeros((len(self), 0), np.int32)

    def __len__(self) -> int:
        return self.reads.shape[0]

    def take(self, idx) -> NTMState:
        """A new state holding rows `idx` (an index array or boolean mask)."""
        return NTMState(np.ascontiguousarray(self.memory[idx]),
                        np.ascontiguousarray(self.reads[idx]),
                        np.ascontiguousarray(self.positions[idx]))

    def reset_rows(self, mask) -> None:
        """Zero the memory, reads and head positions of rows `mask` (births, episode starts)."""
        self.memory[mask] = 0.0
        self.reads[mask] = 0.0
        self.positions[mask] = 0

    def concat(self, other: NTMState) -> NTMState:
        return NTMState(np.concatenate([self.memory, other.memory]),
                        np.concatenate([self.reads, other.reads]),
                        np.concatenate([self.positions, other.positions]))

    def copy(self) -> NTMState:
        return NTMState(self.memory.copy(), self.reads.copy(), self.positions.copy())


@njit_inline
def _tanh(x):
    """tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): float32 to ~1e-7 absolute, and a
    few times cheaper than the libm tanh call here (one exp, no overflow: e is in (0, 1])."""
    e = math.exp(np.float32(-2.0) * abs(x))
    return math.copysign((np.float32(1.0) - e) / (np.float32(1.0) + e), x)


@njit_inline
def _prefetch_part(memory, agent, part, parts):
    """Prefetch part `part` of `parts` equal slices of memory[agent] (agent < 0: nothing).

    The step issues the parts of the next agent's W between its own phases (before the net,
    after it, after each hash), so W streams in from L3 while the current agent computes;
    one burst of all 128 lines would stall on the CPU's few line-fill buffers."""
    if agent < 0:
        return
    size = memory.shape[1] * memory.shape[2]
    lo = agent * size + part * size // parts
    for i in range(lo, lo + size // parts, 16):
        prefetch(memory, i)


def _step_kernel(addressing: int, has_memory: bool):
    """The step kernel of one head mode: `addressing` (CONTENT, LOCATION or BOTH, from
    alife.brain.heads) and `has_memory` are constants of the closure, so Numba prunes the other
    modes' branches before compiling, and compiles only the modes a run uses (each is cached
    on disk under its own key)."""
    keyed = addressing != LOCATION  # the whole W is read: prefetch the next agent's

    @njit_parallel
    def step(genomes, shared, sensors, reads, memory, positions, live, per, net_signs, depth,
             mem_tables, addr_tables, reservoir, key_size, head_size, motors):
        """One tick of every agent; agents stay row-major, one agent's vectors live in L1 at a
        time. Head q's outputs start at n_motors + q head_size (key first, then shift logits,
        home, interpolation). live (B,) bool, or empty (all live): rows that are not live are
        skipped (zero motors, state untouched). per: rows per parallel task (task_rows)."""
        batch, n_sensors = sensors.shape
        skip_dead = live.shape[0] > 0
        n_reads, value_size = reads.shape[1], reads.shape[2]
        n = net_signs.shape[0]
        m = mem_tables.shape[1]
        n_motor = motors.shape[1]
        n_in = n_sensors + n_reads * value_size + 1
        shift = key_size if keyed else 0
        off_value = n_motor + (n_reads + 1) * head_size
        off_gate = off_value + value_size
        for c in prange((batch + per - 1) // per):
            # task-local scratch and copies of the shared read-only arrays: views of arrays that
            # all threads share would update one reference count from every thread for every
            # agent
            xin = np.empty(n_in, dtype=np.float32)
            v = np.empty(n, dtype=np.float32)
            nsigns = net_signs.copy()
            mtables = mem_tables.copy()
            atables = addr_tables.copy()
            hashes = np.empty((n_reads + 1) * m, dtype=np.float32)  # flat: read heads, write
            norms = np.empty(2 * n_reads + 1, dtype=np.float32)
            dots = np.empty(12 * ((n_reads + 3) // 3), dtype=np.float32)
            stop = min(batch, (c + 1) * per)
            for a in range(c * per, stop):
                if skip_dead and not live[a]:
                    for i in range(n_motor):
                        motors[a, i] = 0.0
                    continue
                nxt = a + 1 if has_memory and keyed and a + 1 < stop else -1
                _prefetch_part(memory, nxt, 0, n_reads + 3)
                for i in range(n_sensors):
                    xin[i] = sensors[a, i]
                for r in range(n_reads):
                    for dd in range(value_size):
                        xin[n_sensors + r * value_size + dd] = reads[a, r, dd]
                xin[n_in - 1] = 1.0
                embed_vec(xin, nsigns, v)
                ffb_vec(v, genomes, 0 if shared else a, depth)
                for i in range(n_motor):
                    motors[a, i] = _tanh(v[i])
                if not has_memory:
                    continue
                gate = sigmoid(v[off_gate])
                if addressing != CONTENT:  # positions (B, R+1): read heads, then the write head
                    for q in range(n_reads + 1):
                        positions[a, q] = move_head(v, n_motor + q * head_size + shift,
                                                    positions[a, q], m)
                if addressing == LOCATION:
                    tape_vec(memory, a, positions, v, off_value, gate, reads)
                    continue
                _prefetch_part(memory, nxt, 1, n_reads + 3)
                for q in range(n_reads + 1):
                    o = n_motor + q * head_size
                    hash_at(v, o, key_size, mtables, reservoir, hashes, q * m)
                    if addressing == BOTH:
                        mix_address(hashes, q * m, atables, positions[a, q],
                                    sigmoid(v[o + shift + SHIFTS + 1]))
                    _prefetch_part(memory, nxt, 2 + q, n_reads + 3)
                memory_vec(memory, a, hashes, v, off_value, gate, reads, norms, dots,
                           addressing == CONTENT and not reservoir)

    return step


_STEPS = {}  # (addressing, has_memory) -> the step kernel, made on first use
_ALL_LIVE = np.zeros(0, np.bool_)  # the step kernel's `live` when every row steps


def step_kernel(addressing: int, has_memory: bool):
    """The (cached) step kernel of a head mode and memory on / off."""
    key = (int(addressing), bool(has_memory))
    if key not in _STEPS:
        _STEPS[key] = _step_kernel(*key)
    return _STEPS[key]


class NTMController:
    """Batched NTM controllers sharing one architecture; genomes are the net's slopes.

    addressing: "content", "location" or "both" (alife.brain.heads); `layout` (a HeadLayout,
    None with memory off) says where each head's outputs sit; `address_signs` (m,) float32 is
    the diagonal D of the location addresses (None with memory off)."""

    def __init__(self, n_sensors: int, n_motors: int, memory: HashMemory | None = None,
                 reads: int = 1, width: int = 64, depth: int = 3, seed: int = 0,
                 addressing: str = "content"):
        self.n_sensors = require_positive("n_sensors", n_sensors)
        self.n_motors = require_positive("n_motors", n_motors)
        if addressing not in ADDRESSING:
            raise ValueError(f"addressing must be one of {ADDRESSING}, got {addressing!r}")
        self.addressing = addressing
        self.memory = memory
        self.reads = require_positive("reads", reads) if memory is not None else 0
        value = memory.value_size if memory is not None else 0
        self.n_inputs = n_sensors + self.reads * value + 1
        self.layout = None if memory is None else HeadLayout(
            addressing, n_motors, self.reads, memory.key_size, value)
        self.n_outputs = n_motors if memory is None else self.layout.n_outputs
        if self.n_inputs > width or self.n_outputs > width:
            outputs = f"motors {n_motors}" if memory is None else self.layout.describe()
            raise ValueError(
                f"brain width {width} is too small: it needs inputs {self.n_inputs} "
                f"(sensors + reads x value size + bias) and outputs {self.n_outputs} "
                f"({outputs}) to fit")
        self.net = FFBNet(self.n_inputs, self.n_outputs, width, depth, seed)
        self._address_tables = None if memory is None else address_tables(memory.seed,
                                                                          memory.width)
        self.address_signs = None if memory is None else self._address_tables[: memory.width]
        empty = self.new_state(0)  # trailing shapes step() checks, fixed per controller
        self._state_tails = tuple((name, getattr(empty, name).shape[1:], np.dtype(dtype))
                                  for name, dtype in (("memory", np.float32),
                                                      ("reads", np.float32),
                                                      ("positions", np.int32)))  # fmt: skip
        tables = np.ones((2, 1), dtype=np.float32)  # stand-ins with memory off
        # the step kernel of this head mode (memory off: one without heads), and its arguments
        # after the state's, fixed per controller
        self.kernel = step_kernel(CONTENT, False) if memory is None else step_kernel(
            self.layout.code, True)  # fmt: skip
        self._fixed_args = (self.net.signs, self.net.depth, memory.tables if memory else tables,
                            self._address_tables if memory else tables[0],
                            bool(memory and memory.reservoir), memory.key_size if memory else 0,
                            self.layout.head_size if memory else 0)  # fmt: skip

    @property
    def n_params(self) -> int:
        return self.net.n_params

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.net.init_genomes(rng, count)

    def prepare(self, genomes: np.ndarray, after: PreparedGenomes | None = None
                ) -> PreparedGenomes:  # fmt: skip
        """Validate genomes (count, n_params) or (n_params,) once for many `step` calls (e.g. a
        whole episode): step accepts the result in place of the array and skips re-checking.
        after: an earlier result for the first rows, unchanged since (FFBNet.prepare)."""
        return self.net.prepare(genomes, after)

    def new_state(self, batch: int) -> NTMState:
        """Zeroed state for `batch` agents (birth, episode start)."""
        mem = self.memory
        if mem is None:
            empty = np.zeros((batch, 0, 0), np.float32)
            return NTMState(empty, empty.copy())
        heads = self.reads + 1 if self.layout.positional else 0
        return NTMState(mem.new_state(batch),
                        np.zeros((batch, self.reads, mem.value_size), dtype=np.float32),
                        np.zeros((batch, heads), dtype=np.int32))

    def _check_state(self, state: NTMState, batch: int) -> None:
        for name, tail, dtype in self._state_tails:
            arr = getattr(state, name)
            if not (isinstance(arr, np.ndarray) and arr.dtype == dtype
                    and arr.flags.c_contiguous and arr.shape == (batch, *tail)):
                raise ValueError(f"state.{name} must be a C-contiguous {np.dtype(dtype)} array "
                                 f"of shape {(batch, *tail)}, got "
                                 f"{getattr(arr, 'dtype', '')} {getattr(arr, 'shape', arr)}")

    def step(self, genomes: np.ndarray, state: NTMState, sensors: np.ndarray,
             live: np.ndarray | None = None) -> np.ndarray:
        """One tick for B agents: sensors (B, n_sensors) float32 -> motors (B, n_motors) in
        [-1, 1]; memory, reads and head positions in `state` are updated in place (positions
        are taken mod m). genomes (B, P) or (P,) or a PreparedGenomes from `prepare`.
        live (B,) bool: only rows where it is True step; the others (dead agents) get zero
        motors and keep their state as it is (None: every row steps)."""
        sensors = require_float32("sensors", sensors, (None, self.n_sensors))
        batch = sensors.shape[0]
        g, shared = self.net.check_genomes(genomes, batch)
        self._check_state(state, batch)
        if live is None:
            live = _ALL_LIVE
        elif not (isinstance(live, np.ndarray) and live.dtype == np.bool_
                  and live.shape == (batch,)):
            raise ValueError(f"live must be a bool array of shape ({batch},), got "
                             f"{getattr(live, 'dtype', type(live).__name__)} "
                             f"{getattr(live, 'shape', '')}")
        motors = np.empty((batch, self.n_motors), dtype=np.float32)
        if batch:
            self.kernel(g, shared, sensors, state.reads, state.memory, state.positions, live,
                        task_rows(batch, numba.get_num_threads()), *self._fixed_args, motors)
        return motors

    def split_outputs(self, y: np.ndarray) -> dict:
        """Name the parts of one raw net output y (n_outputs,): motor_raw (M,) and, with memory,
        the heads' parts (HeadLayout.split)."""
        parts = {"motor_raw": y[: self.n_motors]}
        if self.layout is not None:
            parts.update(self.layout.split(y))
        return parts

    def inputs(self, state: NTMState, row: int, sensors_row: np.ndarray) -> np.ndarray:
        """The net input x (n_inputs,) float32 of agent `row`: sensors, last reads, bias."""
        return np.concatenate([sensors_row, state.reads[row].ravel(), [1.0]]).astype(np.float32)

    def trace(self, genome: np.ndarray, state: NTMState, row: int,
              sensors_row: np.ndarray) -> dict:
        """Everything one agent's step computes, for the inspector; `state` is not modified.

        Keys: inputs, raw (n_outputs,), motor_raw, motors (tanh), switch_states, condensed,
        the heads' parts (split_outputs), memory and reads (after the write), and heads: a
        HeadTrace (positions before and after, shifts, home flags, interpolation gates) for
        positional heads, else None.
        """
        sensors_row = require_float32("sensors_row", sensors_row, (self.n_sensors,))
        x = self.inputs(state, row, sensors_row)
        switch_states, condensed = self.net.explain(genome, x)
        raw = self.net.forward(genome, x[None])[0]
        after = state.take([row])
        motors = self.step(genome, after, sensors_row[None])[0]
        parts = self.split_outputs(raw)
        heads = None
        if self.layout is not None and self.layout.positional:
            interp = parts.get("interp_gates")
            heads = HeadTrace(self.addressing, self.memory.width, state.positions[row].copy(),
                              after.positions[0].copy(), parts["shifts"].astype(np.int8),
                              parts["home"].copy(),
                              None if interp is None else interp.astype(np.float32))
        return {"inputs": x, "raw": raw, "motors": motors, "switch_states": switch_states,
                "condensed": condensed, **parts, "memory": after.memory[0],
                "reads": after.reads[0], "heads": heads}

    def input_names(self, sensor_names: list[str]) -> list[str]:
        value = self.memory.value_size if self.memory else 0
        reads = [f"read{r}[{i}]" for r in range(self.reads) for i in range(value)]
        return [*sensor_names, *reads, "bias"]
