""""ReLU is a switch": for a fixed input every switch is fixed, so the net is a linear map.

For input x, record each layer's switch states (v >= 0 takes slope a, else b), then push the
identity through the same fixed transforms: y = C x with C (n_out, n_in). Runs in float64 NumPy
(one agent, not a hot path), so C @ x reproduces the float32 forward to float tolerance.
"""

from __future__ import annotations

import numpy as np


def fwht64(a: np.ndarray) -> np.ndarray:
    """Orthonormal WHT along axis 0 of a float64 array (n, ...); returns a new array."""
    n = a.shape[0]
    out = np.array(a, dtype=np.float64)
    h = 1
    while h < n:
        blocks = out.reshape(n // (2 * h), 2, h, *out.shape[1:])
        top = blocks[:, 0] + blocks[:, 1]
        bottom = blocks[:, 0] - blocks[:, 1]
        out = np.stack([top, bottom], axis=1).reshape(out.shape)
        h *= 2
    return out / np.sqrt(n)


def embed_matrix(n_in: int, width: int) -> np.ndarray:
    """E (width, n_in) float64: tile x cyclically into width and scale by sqrt(n_in / width)."""
    e = np.zeros((width, n_in))
    e[np.arange(width), np.arange(width) % n_in] = np.sqrt(n_in / width)
    return e


def condense(slopes: np.ndarray, signs: np.ndarray, x: np.ndarray, n_out: int):
    """slopes (depth, 2, n), signs (n,), x (n_in,) -> (states (depth, n) bool, C (n_out, n_in)).

    C is float32; states[l, j] is True when switch j of layer l took slope a (v_j >= 0).
    """
    depth, _, n = slopes.shape
    m = signs.astype(np.float64)[:, None] * embed_matrix(x.shape[0], n)
    v = m @ x.astype(np.float64)
    states = np.zeros((depth, n), dtype=bool)
    for layer in range(depth):
        v = fwht64(v)
        m = fwht64(m)
        on = v >= 0
        states[layer] = on
        s = np.where(on, slopes[layer, 0], slopes[layer, 1]).astype(np.float64)
        v = v * s
        m = m * s[:, None]
    return states, fwht64(m)[:n_out].astype(np.float32)
