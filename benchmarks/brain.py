"""Brain benchmark: WHT, FFB net, NTM step, JIT compile times, side by side in one run.

Run: `python -m benchmarks.brain [--quick]` or `python run.py bench [--quick]`.
Every table compares sides measured in the same process, interleaved repetition by repetition
(the machine is shared and noisy), and reports ratios of medians. Thread counts are pinned and
printed: BLAS through OPENBLAS_NUM_THREADS/OMP_NUM_THREADS/MKL_NUM_THREADS set before NumPy is
loaded (if NumPy was already loaded unpinned, the benchmark re-runs itself in a subprocess),
Numba through numba.set_num_threads, fht-cpu through num_threads=1.
"""

from __future__ import annotations

import os
import sys

_PIN = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_BLAS_PINNED = "numpy" not in sys.modules or all(os.environ.get(k) == v for k, v in _PIN.items())
if "numpy" not in sys.modules:
    os.environ.update(_PIN)

import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH = 1000


def interleaved(sides: dict, reps: int, prepare=None, cpu: dict | None = None) -> dict:
    """Median wall seconds per call of each side; sides run in rotating order within every rep.

    `prepare(name)` (untimed) runs before each timed call, e.g. to refresh an in-place buffer.
    If `cpu` is a dict it receives the median process CPU seconds per call of each side (the
    compute cost without time spent descheduled; meaningful for single-threaded sides).
    """
    names = list(sides)
    times: dict[str, list[float]] = {k: [] for k in names}
    cpus: dict[str, list[float]] = {k: [] for k in names}
    for rep in range(reps):
        for i in range(len(names)):
            name = names[(rep + i) % len(names)]
            if prepare is not None:
                prepare(name)
            c0 = time.process_time()
            t0 = time.perf_counter()
            sides[name]()
            times[name].append(time.perf_counter() - t0)
            cpus[name].append(time.process_time() - c0)
    if cpu is not None:
        cpu.update({k: float(np.median(v)) for k, v in cpus.items()})
    return {k: float(np.median(v)) for k, v in times.items()}


def _rule(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def _load() -> str:
    """1/5/15-minute load averages: other processes compete for the cores being measured."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# ---------------------------------------------------------------------------------------------
# 1. WHT
# ---------------------------------------------------------------------------------------------


def bench_wht(reps: int) -> bool:
    import fht_cpu
    import numba

    from alife.brain.wht import wht, wht_rows

    numba.set_num_threads(1)
    _rule(
        "1. WHT, batch 1000 float32 vectors, ns/vector; 1 thread each "
        "(Numba 1, fht-cpu num_threads=1, BLAS 1)"
    )
    print("   (a) public wht(x): (B, n) row-major in, new (B, n) out, everything included;")
    print("       vs fht(x, inplace=False). (b) the batched kernel in the controllers' layout:")
    print("       wht_rows(x, x) in place on (B, n) rows (the FFB net, hash and NTM kernels run")
    print("       fwht_vec per agent row) vs in-place fht(x).")
    print("       Ours is orthonormal (scale fused), fht-cpu unnormalised; one call per sample,")
    print("       in-place buffers refreshed (untimed) before each call.")
    head = (
        f"{'n':>5} {'(a) wht':>9} {'(b) rows':>9} {'fht new':>9} {'fht inpl':>9} "
        f"{'X@H BLAS':>9} {'(a)/fht':>8} {'(b)/fht':>8}  bars: (a)<=2 (b)<=1.25"
    )
    print(head)
    ok = True
    rng = np.random.default_rng(0)
    for n in (64, 256, 1024):
        x = rng.standard_normal((BATCH, n)).astype(np.float32)
        scale = np.float32(1 / np.sqrt(n))
        h = np.ones((1, 1), np.float32)
        while h.shape[0] < n:
            h = np.block([[h, h], [h, -h]])
        h = np.ascontiguousarray(h * scale, dtype=np.float32)
        dense_out = np.empty_like(x)
        bufs = {"rows": x.copy(), "fht_inplace": x.copy()}
        np.testing.assert_allclose(wht(x), fht_cpu.fht(x, inplace=False) * scale, atol=1e-4)
        check = x.copy()
        wht_rows(check, check, scale)
        np.testing.assert_allclose(check, wht(x), atol=1e-5)
        rows_buf, fht_buf = bufs["rows"], bufs["fht_inplace"]
        sides = {
            "pub": lambda x=x: wht(x),
            "rows": lambda b=rows_buf, s=scale: wht_rows(b, b, s),
            "fht": lambda x=x: fht_cpu.fht(x, inplace=False, num_threads=1),
            "fht_inplace": lambda b=fht_buf: fht_cpu.fht(b, num_threads=1),
            "dense": lambda x=x, h=h, o=dense_out: np.matmul(x, h, out=o),
        }

        def prepare(name, bufs=bufs, x=x):
            if name in bufs:
                np.copyto(bufs[name], x)

        med = interleaved(sides, reps, prepare)
        ns = {k: v / BATCH * 1e9 for k, v in med.items()}
        ra, rb = ns["pub"] / ns["fht"], ns["rows"] / ns["fht_inplace"]
        barred = n >= 256
        ok &= not barred or (ra <= 2.0 and rb <= 1.25)
        flag = f"  {_verdict(ra <= 2.0 and rb <= 1.25)}" if barred else ""
        print(
            f"{n:>5} {ns['pub']:>9.1f} {ns['rows']:>9.1f} {ns['fht']:>9.1f} "
            f"{ns['fht_inplace']:>9.1f} {ns['dense']:>9.1f} {ra:>8.2f} {rb:>8.2f}{flag}"
        )
    return ok


# ---------------------------------------------------------------------------------------------
# 2. FFB net vs dense layers
# ---------------------------------------------------------------------------------------------


def bench_ffb(reps: int) -> bool:
    import numba

    from alife.brain import FFBNet

    numba.set_num_threads(1)
    depth = 4
    _rule(
        f"2. FFBNet.forward, depth {depth}, batch 1000, one genome shared by the batch, "
        "vs the same 4 layers as dense matmuls; 1 thread each (Numba 1, BLAS 1)"
    )
    print("   dense: 4 x (B, n) @ (n, n) float32 via BLAS (matmuls only, switches not counted);")
    print("   dense+sw: also the two-slope switch after each matmul (NumPy where/multiply).")
    print(
        f"{'width':>5} {'ffb us/agent':>13} {'dense':>9} {'dense+sw':>9} {'dense/ffb':>10}"
        f" {'(dense+sw)/ffb':>15}  bar"
    )
    ok = True
    rng = np.random.default_rng(1)
    for width, bar in ((256, 3.0), (1024, 8.0)):
        net = FFBNet(width, width, width, depth, seed=3)
        genome = net.init_genomes(rng, 1)[0]
        x = rng.standard_normal((BATCH, width)).astype(np.float32)
        w = (rng.standard_normal((depth, width, width)) / np.sqrt(width)).astype(np.float32)
        slopes = genome.reshape(depth, 2, width)
        u = np.empty_like(x)
        v = np.empty_like(x)
        sel = np.empty_like(x)

        def ffb(net=net, genome=genome, x=x):
            net.forward(genome, x)

        def dense(x=x, w=w, u=u, v=v):
            src = x
            for layer in range(depth):
                np.matmul(src, w[layer], out=u)
                u, v = v, u
                src = v

        def dense_sw(x=x, w=w, u=u, v=v, sel=sel, slopes=slopes):
            src = x
            for layer in range(depth):
                np.matmul(src, w[layer], out=u)
                np.copyto(sel, slopes[layer, 1])
                np.copyto(sel, slopes[layer, 0], where=u >= 0)
                np.multiply(u, sel, out=u)
                u, v = v, u
                src = v

        med = interleaved({"ffb": ffb, "dense": dense, "dense_sw": dense_sw}, reps)
        us = {k: t / BATCH * 1e6 for k, t in med.items()}
        r, rs = med["dense"] / med["ffb"], med["dense_sw"] / med["ffb"]
        ok &= r >= bar
        print(
            f"{width:>5} {us['ffb']:>13.3f} {us['dense']:>9.3f} {us['dense_sw']:>9.3f} "
            f"{r:>10.1f} {rs:>15.1f}  >={bar:.0f}x {_verdict(r >= bar)}"
        )
    return ok


# ---------------------------------------------------------------------------------------------
# 3. NTM controller step
# ---------------------------------------------------------------------------------------------


def _ntm(memory: bool, addressing: str = "content"):
    from alife.brain import HashMemory, NTMController

    mem = HashMemory(key_size=16, value_size=8, width=256, rounds=2, mode="sign", seed=1)
    return NTMController(40, 3, memory=mem if memory else None, reads=1, width=64, depth=3, seed=2,
                         addressing=addressing)


HEAD_BAR = 1.2  # location and both heads: at most this times the content step


def bench_ntm(reps: int) -> bool:
    import fht_cpu
    import numba

    _rule("3. NTMController.step, B = 1000 agents, per-agent genomes: 40 sensors, 3 motors,")
    print("   FFB width 64 depth 3, HashMemory(key 16, value 8, width 256, rounds 2, sign),")
    print("   reads 1. agent-steps/s from the median wall time of interleaved calls (wrapper")
    print("   checks included); target >= 1,000,000 on 2 threads. 'prepared' = genomes passed")
    print("   through controller.prepare() once (skips the per-call finiteness scan).")
    print("   Addressing: content (hashed keys; 'memory'), location (positions on a tape of 256")
    print("   cells), both (interpolated); x content = time over the 'memory, per-agent genomes'")
    print(f"   row's time: 1 thread wall, 1 thread CPU, 2 threads wall (bar: all <= {HEAD_BAR}).")
    print("   1t cpu: the same from process CPU time (cost without time spent descheduled on a")
    print("   busy machine); x fht: 1-thread CPU time per agent over the CPU time of one fht-cpu")
    print("   n=256 transform of one vector, measured interleaved (a machine-speed yardstick).")
    rng = np.random.default_rng(2)
    sensors = rng.standard_normal((BATCH, 40)).astype(np.float32)
    rows = []
    sides = {}
    for memory, addressing in ((True, "content"), (True, "location"), (True, "both"),
                               (False, "content")):
        ctrl = _ntm(memory, addressing)
        genomes = ctrl.init_genomes(rng, BATCH)
        state = ctrl.new_state(BATCH)
        ctrl.step(genomes, state, sensors)
        variants = [("per-agent genomes", genomes)]
        if addressing == "content":
            variants += [("prepared per-agent genomes", ctrl.prepare(genomes)),
                         ("one shared genome", genomes[0])]
        for label, g in variants:
            ctrl.step(g, state, sensors)
            name = addressing if addressing != "content" else "memory"
            key = f"{name if memory else 'no memory'}, {label}"
            sides[key] = lambda c=ctrl, g=g, s=state: c.step(g, s, sensors)
            rows.append(key)
    x256 = rng.standard_normal((BATCH, 256)).astype(np.float32)
    sides["fht"] = lambda: fht_cpu.fht(x256, num_threads=1)
    ok = True
    print(
        f"{'variant':<38} {'1 thread':>10} {'2 threads':>10} {'2t/1t':>6} {'1t cpu':>10} "
        f"{'x fht':>6}  x content: {'1t':>4} {'1t cpu':>6} {'2t':>5}"
    )
    results, cpu1 = {}, {}
    for threads in (1, 2):
        numba.set_num_threads(threads)
        results[threads] = interleaved(sides, reps, cpu=cpu1 if threads == 1 else None)
    base = "memory, per-agent genomes"
    for key in rows:
        r1, r2 = BATCH / results[1][key], BATCH / results[2][key]
        rc = BATCH / cpu1[key]
        x1, x2 = results[1][key] / results[1][base], results[2][key] / results[2][base]
        xc = cpu1[key] / cpu1[base]
        tail = ""
        if key == base:
            ok &= r2 >= 1e6
            tail = f"  target {_verdict(r2 >= 1e6)}"
        elif key.startswith(("location", "both")):
            fits = max(x1, xc, x2) <= HEAD_BAR
            ok &= fits
            tail = f"  bar {_verdict(fits)}"
        print(
            f"{key:<38} {r1:>10,.0f} {r2:>10,.0f} {r2 / r1:>6.2f} {rc:>10,.0f} "
            f"{cpu1[key] / cpu1['fht']:>6.2f}  {'':>10} {x1:>4.2f} {xc:>6.2f} {x2:>5.2f}{tail}"
        )
    passive = _ntm_passive(reps)
    if passive:
        r1, r2 = passive["1"], passive["2"]
        print(
            f"{'memory, per-agent, passive OpenMP':<38} {r1:>10,.0f} {r2:>10,.0f} "
            f"{r2 / r1:>6.2f}  (OMP_WAIT_POLICY=passive, subprocess, measured later)"
        )
    return ok


_PASSIVE_SNIPPET = """
import json, sys, time
import numpy as np, numba
from benchmarks.brain import BATCH, _ntm, interleaved
reps = int(sys.argv[1])
rng = np.random.default_rng(2)
sensors = rng.standard_normal((BATCH, 40)).astype(np.float32)
ctrl = _ntm(True)
genomes = ctrl.init_genomes(rng, BATCH)
state = ctrl.new_state(BATCH)
ctrl.step(genomes, state, sensors)
out = {}
for threads in (1, 2):
    numba.set_num_threads(threads)
    ctrl.step(genomes, state, sensors)
    med = interleaved({"s": lambda: ctrl.step(genomes, state, sensors)}, reps)
    out[str(threads)] = BATCH / med["s"]
print(json.dumps(out))
"""


def _ntm_passive(reps: int) -> dict | None:
    """Step rate with OMP_WAIT_POLICY=passive (must be set before OpenMP loads: subprocess)."""
    if "OMP_WAIT_POLICY" in os.environ:
        return None
    env = dict(os.environ, OMP_WAIT_POLICY="passive", **_PIN)
    proc = subprocess.run(
        [sys.executable, "-c", _PASSIVE_SNIPPET, str(reps)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        print(proc.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# 4. JIT compile and warm start
# ---------------------------------------------------------------------------------------------

_COMPILE_SNIPPET = """
import json, time
t0 = time.perf_counter()
import numpy as np
from alife.brain import wht, FFBNet, HashMemory, NTMController
t1 = time.perf_counter()
rng = np.random.default_rng(0)
x = rng.standard_normal((40, 64)).astype(np.float32)
wht(x)
net = FFBNet(64, 8, 64, 3, seed=0)
g = net.init_genomes(rng, 40)
net.forward(g, x)
net.forward(g[0], x)
mem = HashMemory(16, 8, 256, 2, "sign", seed=0)
w = mem.new_state(40)
mem.write(w, x[:, :16], x[:, :8], np.ones(40, np.float32))
mem.read(w, x[:, :16])
for m, addressing in ((mem, "content"), (mem, "location"), (mem, "both"), (None, "content")):
    c = NTMController(40, 3, memory=m, reads=1, width=64, depth=3, seed=0, addressing=addressing)
    st = c.new_state(40)
    gg = c.init_genomes(rng, 40)
    c.step(gg, st, x[:, :40])
    c.step(gg[0], st, x[:, :40])
    if hasattr(c, "prepare"):
        c.step(c.prepare(gg), st, x[:, :40])
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_calls": t2 - t1}))
"""


def bench_compile() -> bool:
    import resource

    _rule(
        "4. JIT: cold compile (fresh NUMBA_CACHE_DIR) and warm start (cache=True), "
        "fresh subprocesses"
    )
    print("   first calls = wht, FFBNet.forward (per-agent + shared), HashMemory write/read,")
    print("   NTMController.step with and without memory (all genome forms; content, location")
    print("   and both addressing); child CPU = user + system CPU seconds of the subprocess")
    print("   (wall includes waiting for a busy CPU)")
    with tempfile.TemporaryDirectory(prefix="alife-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, **_PIN)
        out = {}
        for label in ("cold", "warm"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _COMPILE_SNIPPET],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode:
                print(proc.stderr)
                return False
            child_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            out[label] = {
                **json.loads(proc.stdout.strip().splitlines()[-1]),
                "wall": wall,
                "cpu": child_cpu,
            }
    print(
        f"{'':<6} {'import s':>9} {'first calls s':>14} {'process wall s':>15} {'child CPU s':>12}"
    )
    for label, r in out.items():
        print(
            f"{label:<6} {r['import']:>9.2f} {r['first_calls']:>14.2f} {r['wall']:>15.2f} "
            f"{r['cpu']:>12.2f}"
        )
    return True


def main(quick: bool = False) -> int:
    """Print the brain benchmark tables; 0 if every bar is met, 1 otherwise."""
    if not _BLAS_PINNED:  # NumPy came in before us with BLAS threads unpinned: rerun pinned
        env = dict(os.environ, **_PIN)
        args = [sys.executable, "-m", "benchmarks.brain"] + (["--quick"] if quick else [])
        return subprocess.run(args, env=env, cwd=ROOT, check=False).returncode
    import numba

    import alife  # noqa: F401

    reps = 7 if quick else 31
    print(
        f"brain benchmark: {'quick, ' if quick else ''}{reps} interleaved repetitions per "
        f"side; numba {numba.__version__}; BLAS threads "
        f"{os.environ.get('OPENBLAS_NUM_THREADS')}; cores {os.cpu_count()}; "
        f"load average {_load()}"
    )
    results = {
        "wht": bench_wht(reps),
        "ffb": bench_ffb(reps),
        "ntm": bench_ntm(reps),
    }
    if quick:
        print("\n4. JIT compile/warm start: skipped in --quick")
    else:
        results["compile"] = bench_compile()
    missed = [k for k, v in results.items() if not v]
    print(f"\nNumba threading layer: {numba.threading_layer()}; load average now {_load()}")
    print("all bars met" if not missed else f"bars missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv[1:]))
