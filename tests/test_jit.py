"""alife.jit's call-path helpers: the NamedTuple typing cache and the same-arguments dispatch."""

from typing import NamedTuple

import numba
import numpy as np
from numba.core.typing.typeof import _typeof_tuple

from alife.jit import Dispatch, kernel_tuple, njit_serial, watch_compiles


@kernel_tuple
class Pair(NamedTuple):
    a: np.ndarray
    b: np.ndarray
    scale: float


@njit_serial
def _weighted(pair, out):
    for i in range(out.shape[0]):
        out[i] = pair.scale * (pair.a[i] + pair.b[i])
    return out.shape[0]


def test_kernel_tuple_types_like_numba():
    """The cache gives the type Numba's own tuple typing gives, for every kind of member."""
    cases = [
        Pair(np.zeros(3), np.zeros(3, np.int32), 1.0),
        Pair(np.zeros((2, 3)), np.zeros(3), 2.0),  # another dimension
        Pair(np.zeros(6)[::2], np.zeros(3), 1.0),  # not contiguous
        Pair(np.zeros((3, 2), order="F"), np.zeros(3), 1.0),
        Pair(np.zeros(3, np.float32), np.zeros(3), 1.0),
    ]
    frozen = Pair(np.zeros(3), np.zeros(3), 1.0)
    frozen.a.flags.writeable = False
    for value in [*cases, frozen, cases[0]]:
        assert numba.typeof(value) == _typeof_tuple(value, None)
    assert len({numba.typeof(v) for v in [*cases, frozen]}) == len(cases) + 1


def test_dispatch_reuses_the_compiled_call_only_for_the_same_objects():
    call = Dispatch(_weighted)
    pair, out = Pair(np.ones(4), np.ones(4), 2.0), np.zeros(4)
    assert call(pair, out) == 4 and (out == 4.0).all()
    pair.a[:] = 3.0  # same objects, new values: the fast path sees them
    assert call(pair, out) == 4 and (out == 8.0).all()
    other = Pair(np.ones(2, np.int64), np.ones(2), 0.5)  # new objects, another type
    small = np.zeros(2)
    assert call(other, small) == 2 and (small == 1.0).all()
    assert len(_weighted.signatures) == 2
    assert call(pair, out) == 4 and (out == 8.0).all()


def test_watch_compiles_counts_real_compilations():
    seen = []
    with watch_compiles(lambda n, s: seen.append((n, s))) as counter:
        numba.njit(lambda x: x * 3)(2)  # a new function: compiled
        _weighted(Pair(np.ones(1), np.ones(1), 1.0), np.zeros(1))  # compiled before: not
    assert counter.compiled == len(seen) >= 1 and seen[-1][1] >= 0.0
