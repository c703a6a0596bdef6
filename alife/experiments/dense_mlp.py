"""A dense MLP controller with the NTMController interface, for the FFB-vs-dense comparison.

Baseline for experiment 6 only (the world's brain config has no dense option): layers
n_sensors -> width -> ... (depth hidden layers, tanh) -> n_motors (tanh), every
agent its own weights, so one tick is a batched matrix product over agents (np.matmul on
(B, out, in) stacks; NumPy/BLAS, not a Numba kernel: this is a yardstick, not a product path).
Memory is not supported (the comparison is between the two nets without memory). Genome: all
weight matrices and biases flattened, float32; init N(0, 1/fan_in) (LeCun) so activations
start at unit scale, as the FFB's N(0, 1) slopes do.
"""

from __future__ import annotations

import numpy as np

from alife.brain.ntm import NTMState


class DenseMLPController:
    """Drop-in for NTMController (memory None) inside a World: n_params, init_genomes,
    prepare, new_state, step."""

    memory = None
    reads = 0

    def __init__(self, n_sensors: int, n_motors: int, width: int = 64, depth: int = 3):
        self.n_sensors, self.n_motors = int(n_sensors), int(n_motors)
        self.n_inputs = self.n_sensors
        self.sizes = [self.n_inputs] + [int(width)] * int(depth) + [self.n_motors]
        self.shapes = [(o, i) for i, o in zip(self.sizes[:-1], self.sizes[1:], strict=True)]

    @property
    def n_params(self) -> int:
        return int(sum(o * i + o for o, i in self.shapes))

    def init_genomes(self, rng: np.random.Generator, count: int) -> np.ndarray:
        parts = []
        for o, i in self.shapes:
            parts.append(rng.standard_normal((count, o * i)) / np.sqrt(i))
            parts.append(np.zeros((count, o)))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def prepare(self, genomes: np.ndarray, after=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Views of each layer's (B, out, in) weights and (B, out) biases into `genomes`
        (views cost nothing to make again: `after` is not needed)."""
        g = np.asarray(genomes, dtype=np.float32)
        if g.ndim != 2 or g.shape[1] != self.n_params:
            raise ValueError(f"genomes must be (B, {self.n_params}) float32, got {g.shape}")
        layers, off = [], 0
        for o, i in self.shapes:
            w = g[:, off : off + o * i].reshape(-1, o, i)
            off += o * i
            layers.append((w, g[:, off : off + o]))
            off += o
        return layers

    def new_state(self, batch: int) -> NTMState:
        empty = np.zeros((batch, 0, 0), np.float32)
        return NTMState(empty, empty.copy())

    def step(self, genomes, state: NTMState, sensors: np.ndarray) -> np.ndarray:
        """sensors (B, n_sensors) float32 -> motors (B, n_motors) in [-1, 1]."""
        layers = genomes if isinstance(genomes, list) else self.prepare(genomes)
        h = np.asarray(sensors, dtype=np.float32)
        for w, b in layers:
            h = np.tanh(np.matmul(w, h[:, :, None])[:, :, 0] + b)
        return h.astype(np.float32)
