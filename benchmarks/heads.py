"""Location addresses for the NTM heads: crosstalk of a tape of L items, two candidates.

Run: `python -m benchmarks.heads [--width M] [--trials T]` (NumPy, float64, a few seconds).

Candidates for the address a(p) of position p on a memory of width m:
  (A) cyclic shifts of one random ±1 vector r: a(p) = roll(r, p) (permutation binding);
  (B) Walsh rows under a fixed ±1 diagonal D: a(p)[j] = D[j] (-1)^popcount(p & j) (the
      controllers' choice, with D from alife.brain.heads.address_tables).
A tape of L items: random values v_p (value size 8) stored at positions 0..L-1, then every
position read back as W a(p) / m. Crosstalk = mean squared recall error / value variance, for
  delta: the controllers' write, W += outer(v - W a / m, a) with gate 1, positions in order;
  hebb:  superposition W = sum_p outer(v_p, a(p)) (the central limit theorem predicts
         (L - 1) / m for random addresses).
Last table: overlaps that `both` addressing mixes, (x.y / m)^2 averaged over pairs, times m
(1.0 = like independent random ±1 vectors): content hashes of random keys with location
addresses, and content hashes with each other.
"""

from __future__ import annotations

import argparse

import numpy as np

VALUE_SIZE = 8


def walsh_addresses(signs: np.ndarray) -> np.ndarray:
    """(m, m) rows a(p) = signs * (row p of the Sylvester Hadamard matrix)."""
    h = np.ones((1, 1))
    while h.shape[0] < signs.shape[0]:
        h = np.block([[h, h], [h, -h]])
    return h * signs[None, :]


def cyclic_addresses(r: np.ndarray) -> np.ndarray:
    return np.stack([np.roll(r, p) for p in range(r.shape[0])])


def tape_crosstalk(addr: np.ndarray, length: int, rng: np.random.Generator) -> tuple[float, float]:
    """(delta, hebb) crosstalk of one tape of `length` items at positions 0..length-1."""
    m = addr.shape[1]
    a = addr[:length]
    values = rng.standard_normal((length, VALUE_SIZE))
    w = np.zeros((VALUE_SIZE, m))
    for p in range(length):
        w += np.outer(values[p] - w @ a[p] / m, a[p])
    delta = np.mean((a @ w.T / m - values) ** 2)
    hebb = values.T @ a
    return float(delta), float(np.mean((a @ hebb.T / m - values) ** 2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    from alife.brain import HashMemory
    from alife.brain.heads import address_tables

    m = args.width
    rng = np.random.default_rng(0)
    candidates = {
        "(A) cyclic": cyclic_addresses(rng.choice([-1.0, 1.0], m)),
        "(B) Walsh": walsh_addresses(address_tables(1, m)[:m].astype(np.float64)),
    }
    print(f"tape crosstalk, memory width m = {m}, value size {VALUE_SIZE}, {args.trials} trials "
          "(mean squared recall error / value variance)")
    print()
    print("| L | (L-1)/m | (A) delta | (A) hebb | (B) delta | (B) hebb |")
    print("|---|---|---|---|---|---|")
    lengths = [n for n in (8, 16, 32, 64, 128, 256, 512, 1024) if n <= m]
    for length in lengths:
        cells = []
        for addr in candidates.values():
            runs = np.array([tape_crosstalk(addr, length, rng) for _ in range(args.trials)])
            cells += [f"{runs[:, 0].mean():.3g}", f"{runs[:, 1].mean():.3g}"]
        print(f"| {length} | {(length - 1) / m:.3g} | " + " | ".join(cells) + " |")
    walsh = candidates["(B) Walsh"]
    gram = walsh @ walsh.T
    print()
    print(f"(B) largest |a(p).a(q)| / m over p != q: "
          f"{np.abs(gram - m * np.eye(m)).max() / m:.3g}")
    mem = HashMemory(16, VALUE_SIZE, m, 2, "sign", seed=1)
    keys = rng.standard_normal((512, 16)).astype(np.float32)
    h = mem.hash(keys).astype(np.float64)
    hash_addr = np.mean((h @ walsh.T / m) ** 2) * m
    hh = h[:256] @ h[256:].T / m
    print()
    print("overlaps mixed by `both` addressing ((x.y / m)^2 * m; 1 = independent random):")
    print(f"  content hash (key 16, 2 sign rounds) vs location address: {hash_addr:.3f}")
    print(f"  content hash vs content hash (unrelated keys):            "
          f"{np.mean(hh ** 2) * m:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
