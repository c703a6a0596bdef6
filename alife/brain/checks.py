"""Argument checks shared by the brain's public wrappers: clear ValueErrors, never silent casts."""

from __future__ import annotations

import numpy as np


def is_power_of_two(n: int) -> bool:
    return isinstance(n, (int, np.integer)) and n >= 1 and (n & (n - 1)) == 0


def require_power_of_two(name: str, n: int) -> int:
    if not is_power_of_two(n):
        raise ValueError(f"{name} must be a power of two (1, 2, 4, 8, ...), got {n!r}")
    return int(n)


def require_positive(name: str, n: int, minimum: int = 1) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def require_float32(name: str, arr, shape: tuple) -> np.ndarray:
    """Return `arr` as a C-contiguous float32 array of `shape` (None = any size on that axis).

    Raises ValueError if it is not a float32 array of that shape or holds NaN/inf.
    """
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name} must be a numpy float32 array of shape {_fmt(shape)}, "
                         f"got {type(arr).__name__}")
    if arr.dtype != np.float32:
        raise ValueError(f"{name} must have dtype float32, got {arr.dtype}")
    if arr.ndim != len(shape) or any(
        want is not None and want != got for want, got in zip(shape, arr.shape, strict=True)
    ):
        raise ValueError(f"{name} must have shape {_fmt(shape)}, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return np.ascontiguousarray(arr)


def _fmt(shape: tuple) -> str:
    inner = ", ".join("any" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
