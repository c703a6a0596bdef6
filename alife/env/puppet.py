"""A species' controller some of whose agents are driven from outside (by a learner).

`Puppet` wraps the species' own controller (alife.world.controller.Controller). Before each
tick the environment says which rows of the species it drives and with what actions; in the
tick the Puppet returns those actions as the rows' motors, and steps the species' own
controller for the other rows only when some of them are alive (`brains`).

With `memory` on, a driven agent also uses its species' hashed memory (alife.brain.HashMemory,
content addressing) the way the NTM does: its action is [motors, read keys (R x key_size),
write key (key_size), value (value_size), gate] and, in the tick, the memory is written (gate
(a + 1) / 2) and then read with each read key; the reads are part of its next observation.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from alife.world.controller import Controller, ControllerState, takes_live


class Puppet:
    """Controller of one species whose rows `rows` take `actions` (see the module docstring)."""

    def __init__(self, inner: Controller, memory: bool):
        self.inner = inner
        self._inner_live = takes_live(inner)  # its step may skip dead agents' rows
        self.n_sensors = inner.n_sensors
        self.n_motors = inner.n_motors
        self.addressing = getattr(inner, "addressing", None)  # saved with the world's state
        mem = getattr(inner, "memory", None) if memory else None
        self.memory = mem
        self.reads = int(inner.reads) if mem is not None else 0
        self.read_size = self.reads * mem.value_size if mem is not None else 0
        self.n_actions = self.n_motors + (
            (self.reads + 1) * mem.key_size + mem.value_size + 1 if mem is not None else 0
        )
        self.drive(np.zeros(0, np.int64), np.zeros((0, self.n_actions), np.float32), False)

    # the species' own controller, for everything but the driven rows
    @property
    def n_params(self) -> int:
        return self.inner.n_params

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.inner.init_genomes(rng, count)

    def new_state(self, batch: int) -> ControllerState:
        return self.inner.new_state(batch)

    def prepare(self, genomes: np.ndarray, after=None):
        return self.inner.prepare(genomes, after)

    def drive(self, rows: np.ndarray, actions: np.ndarray, brains: bool) -> None:
        """The next tick: rows (k,) int64 (within the species) take actions (k, n_actions)
        float32 in [-1, 1]; brains: step the species' controller for the other rows."""
        self.rows, self.actions, self.brains = rows, actions, brains

    def step(self, genomes, state: ControllerState, sensors: np.ndarray,
             live: np.ndarray | None = None) -> np.ndarray:
        rows, acts = self.rows, self.actions
        if self.brains:
            kept = state.take(rows) if self.memory is not None else None
            motors = self.inner.step(genomes, state, sensors,
                                     **({"live": live} if self._inner_live else {}))
            if kept is not None:  # the driven rows' memory is theirs, not the brain's
                for f in fields(state):
                    getattr(state, f.name)[rows] = getattr(kept, f.name)
        else:
            motors = np.zeros((sensors.shape[0], self.n_motors), np.float32)
        motors[rows] = acts[:, : self.n_motors]
        if self.memory is not None and rows.size:
            self._use_memory(state, rows, acts[:, self.n_motors :])
        return motors

    def _use_memory(self, state, rows: np.ndarray, io: np.ndarray) -> None:
        """Write, then read, the memories of rows (NTM order) from their memory actions io."""
        mem, r, k, v = self.memory, self.reads, self.memory.key_size, self.memory.value_size
        read_keys = io[:, : r * k].reshape(-1, r, k)
        write_key = np.ascontiguousarray(io[:, r * k : (r + 1) * k])
        value = np.ascontiguousarray(io[:, (r + 1) * k : (r + 1) * k + v])
        gate = np.ascontiguousarray(np.clip(0.5 * (io[:, -1] + 1.0), 0.0, 1.0), np.float32)
        w = np.ascontiguousarray(state.memory[rows])
        mem.write(w, write_key, value, gate)
        for q in range(r):
            state.reads[rows, q] = mem.read(w, np.ascontiguousarray(read_keys[:, q]))
        state.memory[rows] = w
