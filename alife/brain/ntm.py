"""Neural Turing Machine controller: an FFB net that reads and writes a hashed memory.

DESIGN section 3 (one agent, one tick):
    x = [sensors, previous reads, 1];  y = ffb_net(genome, x)
    y = motor (M) | read keys (R x k) | write key (k) | write value (d) | write gate (1)
    write(write key, value, sigmoid(gate)); reads = [read(key_r)]  (after the write)
    actions = tanh(motor)
Memory None is the memory-off ablation: no read inputs, no memory outputs.
Evolved NTMs: Greve, Jacobsen & Risi, "Evolving Neural Turing Machines" (GECCO 2016).
One compiled, parallel kernel steps every agent; each task takes ROWS_PER_TASK agents, one
at a time, row-major (no transpositions), with explicit-SIMD transforms (alife.brain.simd).
The per-agent helpers are inlined (a call with array arguments costs ~100 ns of atomic
reference counting), and the next agent's memory is prefetched while this one computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import prange

from alife.brain.checks import require_float32, require_positive
from alife.brain.ffb import FFBNet, PreparedGenomes, embed_vec, ffb_vec
from alife.brain.hashmem import HashMemory, hash_at, memory_vec
from alife.brain.simd import prefetch
from alife.brain.wht import ROWS_PER_TASK
from alife.jit import njit_inline, njit_parallel


@dataclass
class NTMState:
    """Per-agent runtime state: memory (B, d, m) and last reads (B, R, d), float32.

    With memory off both have zero-sized trailing axes. Not part of the genome.
    """

    memory: np.ndarray
    reads: np.ndarray

    def __len__(self) -> int:
        return self.reads.shape[0]

    def take(self, idx) -> NTMState:
        """A new state holding rows `idx` (an index array or boolean mask)."""
        return NTMState(np.ascontiguousarray(self.memory[idx]),
                        np.ascontiguousarray(self.reads[idx]))

    def reset_rows(self, mask) -> None:
        """Zero the memory and reads of rows `mask` (births, episode starts)."""
        self.memory[mask] = 0.0
        self.reads[mask] = 0.0

    def concat(self, other: NTMState) -> NTMState:
        return NTMState(np.concatenate([self.memory, other.memory]),
                        np.concatenate([self.reads, other.reads]))

    def copy(self) -> NTMState:
        return NTMState(self.memory.copy(), self.reads.copy())


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


@njit_parallel
def _step(genomes, shared, sensors, reads, memory, net_signs, depth, mem_tables, reservoir,
          key_size, motors):
    """One tick of every agent; agents stay row-major, one agent's vectors live in L1 at a time."""
    batch, n_sensors = sensors.shape
    n_reads, value_size = reads.shape[1], reads.shape[2]
    n = net_signs.shape[0]
    m = mem_tables.shape[1]
    n_motor = motors.shape[1]
    n_in = n_sensors + n_reads * value_size + 1
    has_memory = memory.shape[2] > 0
    off_value = n_motor + (n_reads + 1) * key_size
    off_gate = off_value + value_size
    for c in prange((batch + ROWS_PER_TASK - 1) // ROWS_PER_TASK):
        # task-local scratch and copies of the shared read-only arrays: views of arrays that all
        # threads share would update one reference count from every thread for every agent
        xin = np.empty(n_in, dtype=np.float32)
        v = np.empty(n, dtype=np.float32)
        nsigns = net_signs.copy()
        mtables = mem_tables.copy()
        hashes = np.empty((n_reads + 1) * m, dtype=np.float32)  # flat: read hashes, write hash
        norms = np.empty(2 * n_reads + 1, dtype=np.float32)
        dots = np.empty(12 * ((n_reads + 3) // 3), dtype=np.float32)
        stop = min(batch, (c + 1) * ROWS_PER_TASK)
        for a in range(c * ROWS_PER_TASK, stop):
            nxt = a + 1 if has_memory and a + 1 < stop else -1
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
            _prefetch_part(memory, nxt, 1, n_reads + 3)
            for q in range(n_reads + 1):
                hash_at(v, n_motor + q * key_size, key_size, mtables, reservoir, hashes, q * m)
                _prefetch_part(memory, nxt, 2 + q, n_reads + 3)
            gate = np.float32(1.0 / (1.0 + math.exp(-v[off_gate])))
            memory_vec(memory, a, hashes, v, off_value, gate, reads, norms, dots, not reservoir)


class NTMController:
    """Batched NTM controllers sharing one architecture; genomes are the net's slopes."""

    def __init__(self, n_sensors: int, n_motors: int, memory: HashMemory | None = None,
                 reads: int = 1, width: int = 64, depth: int = 3, seed: int = 0):
        self.n_sensors = require_positive("n_sensors", n_sensors)
        self.n_motors = require_positive("n_motors", n_motors)
        self.memory = memory
        self.reads = require_positive("reads", reads) if memory is not None else 0
        value = memory.value_size if memory is not None else 0
        key = memory.key_size if memory is not None else 0
        self.n_inputs = n_sensors + self.reads * value + 1
        self.n_outputs = n_motors + (self.reads * key + key + value + 1 if memory else 0)
        if self.n_inputs > width or self.n_outputs > width:
            raise ValueError(
                f"brain width {width} is too small: it needs inputs {self.n_inputs} "
                f"(sensors + reads x value size + bias) and outputs {self.n_outputs} "
                f"(motors + (reads + 1) x key size + value size + gate) to fit")
        self.net = FFBNet(self.n_inputs, self.n_outputs, width, depth, seed)
        empty = self.new_state(0)  # trailing shapes step() checks, fixed per controller
        self._state_tails = {"memory": empty.memory.shape[1:], "reads": empty.reads.shape[1:]}
        self._empty_mem_tables = np.ones((2, 1), dtype=np.float32)

    @property
    def n_params(self) -> int:
        return self.net.n_params

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.net.init_genomes(rng, count)

    def prepare(self, genomes: np.ndarray) -> PreparedGenomes:
        """Validate genomes (count, n_params) or (n_params,) once for many `step` calls (e.g. a
        whole episode): step accepts the result in place of the array and skips re-checking."""
        return self.net.prepare(genomes)

    def new_state(self, batch: int) -> NTMState:
        mem = self.memory
        if mem is None:
            empty = np.zeros((batch, 0, 0), np.float32)
            return NTMState(empty, empty.copy())
        return NTMState(mem.new_state(batch),
                        np.zeros((batch, self.reads, mem.value_size), dtype=np.float32))

    def _check_state(self, state: NTMState, batch: int) -> None:
        for name, tail in self._state_tails.items():
            arr = getattr(state, name)
            if not (isinstance(arr, np.ndarray) and arr.dtype == np.float32
                    and arr.flags.c_contiguous and arr.shape == (batch, *tail)):
                raise ValueError(f"state.{name} must be a C-contiguous float32 array of shape "
                                 f"{(batch, *tail)}, got {getattr(arr, 'shape', arr)}")

    def step(self, genomes: np.ndarray, state: NTMState, sensors: np.ndarray) -> np.ndarray:
        """One tick for B agents: sensors (B, n_sensors) float32 -> motors (B, n_motors) in
        [-1, 1]; memory and reads in `state` are updated in place. genomes (B, P) or (P,) or
        a PreparedGenomes from `prepare`."""
        sensors = require_float32("sensors", sensors, (None, self.n_sensors))
        batch = sensors.shape[0]
        g, shared = self.net.check_genomes(genomes, batch)
        self._check_state(state, batch)
        motors = np.empty((batch, self.n_motors), dtype=np.float32)
        if batch:
            mem = self.memory
            _step(g, shared, sensors, state.reads, state.memory, self.net.signs, self.net.depth,
                  mem.tables if mem else self._empty_mem_tables, bool(mem and mem.reservoir),
                  mem.key_size if mem else 0, motors)
        return motors

    def split_outputs(self, y: np.ndarray) -> dict:
        """Name the parts of one raw net output y (n_outputs,)."""
        parts = {"motor_raw": y[: self.n_motors]}
        if self.memory is not None:
            k, d = self.memory.key_size, self.memory.value_size
            o = self.n_motors
            parts["read_keys"] = y[o: o + self.reads * k].reshape(self.reads, k)
            o += self.reads * k
            parts["write_key"] = y[o: o + k]
            parts["write_value"] = y[o + k: o + k + d]
            parts["write_gate"] = float(1.0 / (1.0 + np.exp(-float(y[o + k + d]))))
        return parts

    def inputs(self, state: NTMState, row: int, sensors_row: np.ndarray) -> np.ndarray:
        """The net input x (n_inputs,) float32 of agent `row`: sensors, last reads, bias."""
        return np.concatenate([sensors_row, state.reads[row].ravel(), [1.0]]).astype(np.float32)

    def trace(self, genome: np.ndarray, state: NTMState, row: int,
              sensors_row: np.ndarray) -> dict:
        """Everything one agent's step computes, for the inspector; `state` is not modified.

        Keys: inputs, raw (n_outputs,), motor_raw, motors (tanh), switch_states, condensed,
        read_keys, write_key, write_value, write_gate, memory and reads (after the write).
        """
        sensors_row = require_float32("sensors_row", sensors_row, (self.n_sensors,))
        x = self.inputs(state, row, sensors_row)
        switch_states, condensed = self.net.explain(genome, x)
        raw = self.net.forward(genome, x[None])[0]
        after = state.take([row])
        motors = self.step(genome, after, sensors_row[None])[0]
        return {"inputs": x, "raw": raw, "motors": motors, "switch_states": switch_states,
                "condensed": condensed, **self.split_outputs(raw),
                "memory": after.memory[0], "reads": after.reads[0]}

    def input_names(self, sensor_names: list[str]) -> list[str]:
        value = self.memory.value_size if self.memory else 0
        reads = [f"read{r}[{i}]" for r in range(self.reads) for i in range(value)]
        return [*sensor_names, *reads, "bias"]
