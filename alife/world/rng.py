"""Counter-based random numbers for the world kernels (explicit randomness, no shared state).

Every random draw inside a tick is a pure function of (arena key, tick, local index, purpose),
hashed with SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators"), in the style of counter-based generators (Salmon et al. 2011, "Parallel random
numbers: as easy as 1, 2, 3"). So kernels draw without shared generator state, in any thread
order, and an arena's numbers never depend on which other arenas share its World.

Arena keys come from `np.random.SeedSequence([seed, generation])` mixed with the arena index.
"""

from __future__ import annotations

import numpy as np

from alife.jit import njit_callee, njit_inline

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

# purposes: distinct streams for distinct uses
P_SPAWN = 1
P_FOOD = 2
P_REGROW = 3
P_PATCH = 4
P_CUE = 5
P_BIRTH = 6
P_SWAP = 7


@njit_callee
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche of one uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit_inline
def uniform(key: np.uint64, a: np.int64, b: np.int64, c: np.int64, draw: np.int64) -> float:
    """A float64 uniform in [0, 1) for (key, a, b, c, draw): the key and the counters hashed
    into one uint64. Inlined where it is called (its arguments are often constants, which would
    compile a copy per constant), while mix64 is compiled once."""
    z = mix64(key + _GOLDEN * np.uint64(a + 1))
    z = mix64(z ^ (_GOLDEN * np.uint64(b + 7)))
    z = mix64(z ^ (_GOLDEN * np.uint64(c + 13)))
    z = mix64(z + _GOLDEN * np.uint64(draw + 1))
    return float(z >> _S11) * _INV53


def arena_keys(seed: int, generation: int, arena_ids: np.ndarray) -> np.ndarray:
    """One uint64 key per arena from (seed, generation, arena index); shape (A,)."""
    base = np.random.SeedSequence([int(seed), int(generation)]).generate_state(1, np.uint64)[0]
    ids = np.asarray(arena_ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = base ^ ((ids + np.uint64(1)) * _GOLDEN)
        for _ in range(2):
            z = (z ^ (z >> _S30)) * _M1
            z = (z ^ (z >> _S27)) * _M2
            z = z ^ (z >> _S31)
    return z.astype(np.uint64)


def arena_generator(seed: int, generation: int, arena_id: int, *extra: int) -> np.random.Generator:
    """A NumPy Generator for one arena (used outside kernels: genomes, births)."""
    entropy = [int(seed), int(generation), int(arena_id), *map(int, extra)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
