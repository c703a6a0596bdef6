"""Explicit float32 SIMD building blocks (8 and 16 wide) for the brain kernels: Numba intrinsics.

Each intrinsic loads whole <8 x float> (or <16 x float>) vectors from float32 arrays at element
offsets (flat offsets for C-contiguous arrays of any ndim, so kernels need not make per-agent row
views), computes with LLVM vector instructions and stores them back, so the kernels get packed
SIMD (vaddps/vsubps ymm/zmm) without relying on the auto-vectoriser, which gives up on
butterflies when it cannot prove rows apart. Offsets are not bounds-checked: callers guarantee
`offset + lanes <= len`.

WHT building blocks (Sylvester order, Fino & Algazi 1976): `h8`/`h16` do the in-vector stages
(h = 1 .. lanes/2) with shuffles; `bfly{2,4,8}x16` do stages across 16-float vectors, 2/4/8
vectors h apart, i.e. 1/2/3 stages per pass over memory (radix-2/4/8 passes).
Note: Numba's cache does not see edits here; clear alife/**/__pycache__/*.nb* after changing it.
"""

from __future__ import annotations

import os

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

WIDTH = 8  # floats per SIMD vector (one AVX ymm register)

_F32 = ir.FloatType()
_I32 = ir.IntType(32)
_V8 = ir.VectorType(_F32, WIDTH)
_MASK = ir.VectorType(_I32, WIDTH)


def _is_vec_array(t) -> bool:
    """float32 arrays: 1-D of any layout, or C-contiguous of any ndim (flat offsets)."""
    return (
        isinstance(t, types.Array) and t.dtype == types.float32 and (t.ndim == 1 or t.layout == "C")
    )


def _ptr(context, builder, aryty, ary, idx, lanes=WIDTH):
    """Pointer to element idx (1-D) or flat element idx (C-contiguous N-D) as <lanes x float>*."""
    arr = context.make_array(aryty)(context, builder, ary)
    if aryty.ndim == 1:
        p = cgutils.get_item_pointer(context, builder, aryty, arr, [idx], wraparound=False)
    else:
        p = builder.gep(arr.data, [idx])
    return builder.bitcast(p, ir.VectorType(_F32, lanes).as_pointer())


def _load(builder, p):
    return builder.load(p, align=4)


def _store(builder, v, p):
    builder.store(v, p, align=4)


def _splat(builder, x, lanes=WIDTH):
    vty = ir.VectorType(_F32, lanes)
    v = builder.insert_element(ir.Constant(vty, ir.Undefined), x, ir.Constant(_I32, 0))
    mask = ir.Constant(ir.VectorType(_I32, lanes), [0] * lanes)
    return builder.shuffle_vector(v, ir.Constant(vty, ir.Undefined), mask)


def _as_f32(context, builder, fromty, val):
    return context.cast(builder, val, fromty, types.float32)


def _h_stages(builder, v, lanes):
    """WHT stages h = 1 .. lanes/2 inside one vector: v' = v * (+1 | -1) + (v, lanes i ^ h)."""
    vty = ir.VectorType(_F32, lanes)
    mty = ir.VectorType(_I32, lanes)
    h = 1
    while h < lanes:
        swapped = builder.shuffle_vector(v, v, ir.Constant(mty, [i ^ h for i in range(lanes)]))
        signs = ir.Constant(vty, [-1.0 if i & h else 1.0 for i in range(lanes)])
        v = builder.fadd(builder.fmul(v, signs), swapped)
        h *= 2
    return v


def _make_hvec(lanes: int):
    """Intrinsic: dst[d_off : d_off + lanes] = H_lanes src[s_off : s_off + lanes] * scale."""

    @intrinsic
    def hvec(typingctx, src, s_off, dst, d_off, scale):
        if not (_is_vec_array(src) and _is_vec_array(dst)):
            return None
        sig = types.void(src, s_off, dst, d_off, scale)

        def codegen(context, builder, signature, args):
            s = signature.args
            v = _load(builder, _ptr(context, builder, s[0], args[0], args[1], lanes))
            v = builder.fmul(v, _splat(builder, _as_f32(context, builder, s[4], args[4]), lanes))
            v = _h_stages(builder, v, lanes)
            _store(builder, v, _ptr(context, builder, s[2], args[2], args[3], lanes))
            return context.get_dummy_value()

        return sig, codegen

    return hvec


h8 = _make_hvec(8)  # stages h = 1, 2, 4 inside one 8-float vector (scale fused)
h16 = _make_hvec(16)  # stages h = 1 .. 8 inside one 16-float vector (one AVX-512 register)


def _make_bfly(radix: int, lanes: int = WIDTH):
    """Intrinsic: radix-point butterflies on the lanes-float vectors at i, i + h, ..."""

    @intrinsic
    def bfly(typingctx, x, i, h):
        if not _is_vec_array(x):
            return None
        sig = types.void(x, i, h)

        def codegen(context, builder, signature, args):
            aryty, ary = signature.args[0], args[0]
            hh = context.cast(builder, args[2], signature.args[2], signature.args[1])
            ptrs, idx = [], args[1]
            for _ in range(radix):
                ptrs.append(_ptr(context, builder, aryty, ary, idx, lanes))
                idx = builder.add(idx, hh)
            vals = [_load(builder, p) for p in ptrs]
            step = 1
            while step < radix:
                nxt = list(vals)
                for k in range(radix):
                    if k & step == 0:
                        nxt[k] = builder.fadd(vals[k], vals[k + step])
                        nxt[k + step] = builder.fsub(vals[k], vals[k + step])
                vals = nxt
                step *= 2
            for v, p in zip(vals, ptrs, strict=True):
                _store(builder, v, p)
            return context.get_dummy_value()

        return sig, codegen

    return bfly


bfly2x16 = _make_bfly(2, 16)  # x[i + k h : +16] for k < 2: one stage (zmm; two ymm without AVX-512)
bfly4x16 = _make_bfly(4, 16)  # k < 4: two stages (h, 2h)
bfly8x16 = _make_bfly(8, 16)  # k < 8: three stages (h, 2h, 4h)
bfly16x16 = _make_bfly(16, 16)  # k < 16: four stages (16 vectors: all in AVX-512 registers)


def host_has_avx512() -> bool:
    """True if Numba compiles for AVX-512F (32 vector registers of 16 floats): radix-16 passes
    then keep their 16 vectors in registers; with AVX2's 16 ymm registers they would spill.
    Follows NUMBA_CPU_FEATURES / NUMBA_CPU_NAME when set (e.g. portable caches), else the host."""
    features = os.environ.get("NUMBA_CPU_FEATURES")
    if features is not None:
        return "+avx512f" in features.split(",")
    if os.environ.get("NUMBA_CPU_NAME", "host") != "host":
        return False
    try:
        from llvmlite import binding as llvm

        return bool(llvm.get_host_cpu_features().get("avx512f", False))
    except Exception:  # noqa: BLE001 - an unknown host simply takes the radix-8 passes
        return False


@intrinsic
def switch8(typingctx, v, i, a, ia, b, ib):
    """Two-slope switch: v[i:i+8] *= where(v >= 0, a[ia:ia+8], b[ib:ib+8]) (NaN takes b)."""
    if not (_is_vec_array(v) and _is_vec_array(a) and _is_vec_array(b)):
        return None
    sig = types.void(v, i, a, ia, b, ib)

    def codegen(context, builder, signature, args):
        s = signature.args
        pv = _ptr(context, builder, s[0], args[0], args[1])
        x = _load(builder, pv)
        va = _load(builder, _ptr(context, builder, s[2], args[2], args[3]))
        vb = _load(builder, _ptr(context, builder, s[4], args[4], args[5]))
        ge = builder.fcmp_ordered(">=", x, ir.Constant(_V8, [0.0] * 8))
        _store(builder, builder.fmul(x, builder.select(ge, va, vb)), pv)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def sign_mul8(typingctx, v, i, d, i_d):
    """v[i:i+8] = where(v >= 0, 1, -1) * d[i_d:i_d+8] (sign, then the next round's diagonal)."""
    if not (_is_vec_array(v) and _is_vec_array(d)):
        return None
    sig = types.void(v, i, d, i_d)

    def codegen(context, builder, signature, args):
        s = signature.args
        pv = _ptr(context, builder, s[0], args[0], args[1])
        x = _load(builder, pv)
        dv = _load(builder, _ptr(context, builder, s[2], args[2], args[3]))
        ge = builder.fcmp_ordered(">=", x, ir.Constant(_V8, [0.0] * 8))
        _store(builder, builder.select(ge, dv, builder.fneg(dv)), pv)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def sign16(typingctx, v, i):
    """v[i:i+16] = where(v >= 0, 1, -1) (NaN gives -1)."""
    if not _is_vec_array(v):
        return None
    sig = types.void(v, i)

    def codegen(context, builder, signature, args):
        p = _ptr(context, builder, signature.args[0], args[0], args[1], 16)
        ge = builder.fcmp_ordered(">=", _load(builder, p), ir.Constant(_V16, [0.0] * 16))
        _store(builder, builder.select(ge, ir.Constant(_V16, [1.0] * 16),
                                       ir.Constant(_V16, [-1.0] * 16)), p)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def mul8(typingctx, src, i_s, d, i_d, dst, i_dst, scale):
    """dst[i_dst:+8] = src[i_s:+8] * (d[i_d:+8] * scale) (src or d may be dst)."""
    if not (_is_vec_array(src) and _is_vec_array(d) and _is_vec_array(dst)):
        return None
    sig = types.void(src, i_s, d, i_d, dst, i_dst, scale)

    def codegen(context, builder, signature, args):
        s = signature.args
        x = _load(builder, _ptr(context, builder, s[0], args[0], args[1]))
        dv = _load(builder, _ptr(context, builder, s[2], args[2], args[3]))
        sc = _splat(builder, _as_f32(context, builder, s[6], args[6]))
        y = builder.fmul(x, builder.fmul(dv, sc))
        _store(builder, y, _ptr(context, builder, s[4], args[4], args[5]))
        return context.get_dummy_value()

    return sig, codegen


_V16 = ir.VectorType(_F32, 16)


def _hsum16(builder, v):
    """Sum of the 16 lanes of v (pairwise halving)."""
    n = 16
    while n > 1:
        n //= 2
        mask = ir.Constant(ir.VectorType(_I32, 16), [i + n if i < n else i for i in range(16)])
        v = builder.fadd(v, builder.shuffle_vector(v, v, mask))
    return builder.extract_element(v, ir.Constant(_I32, 0))


def _range16(builder, count):
    """Loop j = 0, 16, ..., < count (count a multiple of 16)."""
    ty = count.type
    return cgutils.for_range_slice(builder, ir.Constant(ty, 0), count, ir.Constant(ty, 16))


@intrinsic
def prefetch(typingctx, arr, i):
    """Hint the CPU to fetch the cache line holding flat element i of C-contiguous arr into
    L2 (llvm.prefetch: read, locality 2; no effect on results)."""
    if not (isinstance(arr, types.Array) and arr.layout == "C"):
        return None
    sig = types.void(arr, i)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        i8p = ir.IntType(8).as_pointer()
        itemsize = context.get_abi_sizeof(context.get_data_type(signature.args[0].dtype))
        off = builder.mul(args[1], ir.Constant(args[1].type, itemsize))
        p = builder.gep(builder.bitcast(ary.data, i8p), [off])
        fnty = ir.FunctionType(ir.VoidType(), [i8p, _I32, _I32, _I32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [p, ir.Constant(_I32, 0), ir.Constant(_I32, 2), ir.Constant(_I32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def dot16(typingctx, x, i, y, j, m):
    """x[i : i+m] . y[j : j+m] as float32 (16-float vectors, one accumulator); m % 16 == 0."""
    if not (_is_vec_array(x) and _is_vec_array(y)):
        return None
    sig = types.float32(x, i, y, j, m)

    def codegen(context, builder, signature, args):
        s = signature.args
        xo, yo, count = (context.cast(builder, args[k], s[k], types.intp) for k in (1, 3, 4))
        acc = cgutils.alloca_once_value(builder, ir.Constant(_V16, [0.0] * 16))
        with _range16(builder, count) as (t, _):
            a = _load(builder, _ptr(context, builder, s[0], args[0], builder.add(xo, t), 16))
            b = _load(builder, _ptr(context, builder, s[2], args[2], builder.add(yo, t), 16))
            builder.store(builder.fadd(builder.load(acc), builder.fmul(a, b)), acc)
        return _hsum16(builder, builder.load(acc))

    return sig, codegen


def _make_dot4(nvec: int):
    """Intrinsic (w, w_off, stride, h, h_off0, h_off1, h_off2, m, out, o_off):
    out[o_off + 3 i + k] = w[w_off + i stride : +m] . h[h_offk : +m] for rows i < 4 and the
    first nvec offsets k; m % 16 == 0.

    4 x nvec independent 16-float accumulators in one pass over the rows keep the FMA units
    busy; one row-at-a-time dot product would wait on its accumulator's latency instead."""

    @intrinsic
    def dot4(typingctx, w, w_off, stride, h, h_off0, h_off1, h_off2, m, out, o_off):
        if not (_is_vec_array(w) and _is_vec_array(h) and _is_vec_array(out)
                and out.ndim == 1):
            return None
        sig = types.void(w, w_off, stride, h, h_off0, h_off1, h_off2, m, out, o_off)

        def codegen(context, builder, signature, args):
            s = signature.args
            off, step, h0, h1, h2, count, base = (
                context.cast(builder, args[i], s[i], types.intp) for i in (1, 2, 4, 5, 6, 7, 9))
            hoffs = (h0, h1, h2)[:nvec]
            zero = ir.Constant(_V16, [0.0] * 16)
            accs = [cgutils.alloca_once_value(builder, zero) for _ in range(4 * nvec)]
            with _range16(builder, count) as (j, _):
                hs = [_load(builder, _ptr(context, builder, s[3], args[3], builder.add(ho, j), 16))
                      for ho in hoffs]
                row = builder.add(off, j)
                for i in range(4):
                    x = _load(builder, _ptr(context, builder, s[0], args[0], row, 16))
                    for k in range(nvec):
                        acc = accs[nvec * i + k]
                        builder.store(builder.fadd(builder.load(acc), builder.fmul(x, hs[k])),
                                      acc)
                    row = builder.add(row, step)
            out = context.make_array(s[8])(context, builder, args[8])
            for i in range(4):
                for k in range(nvec):
                    idx = builder.add(base, ir.Constant(base.type, 3 * i + k))
                    p = cgutils.get_item_pointer(context, builder, s[8], out, [idx],
                                                 wraparound=False)
                    builder.store(_hsum16(builder, builder.load(accs[nvec * i + k])), p)
            return context.get_dummy_value()

        return sig, codegen

    return dot4


dot4x1x16 = _make_dot4(1)
dot4x2x16 = _make_dot4(2)
dot4x3x16 = _make_dot4(3)


@intrinsic
def axpy16(typingctx, w, w_off, a, a_off, g, m):
    """w[w_off : w_off+m] += g * a[a_off : a_off+m] (16-float vectors); m % 16 == 0."""
    if not (_is_vec_array(w) and _is_vec_array(a)):
        return None
    sig = types.void(w, w_off, a, a_off, g, m)

    def codegen(context, builder, signature, args):
        s = signature.args
        off = context.cast(builder, args[1], s[1], types.intp)
        a_off = context.cast(builder, args[3], s[3], types.intp)
        count = context.cast(builder, args[5], s[5], types.intp)
        gv = _splat(builder, _as_f32(context, builder, s[4], args[4]), 16)
        with _range16(builder, count) as (j, _):
            p = _ptr(context, builder, s[0], args[0], builder.add(off, j), 16)
            y = _load(builder, _ptr(context, builder, s[2], args[2], builder.add(a_off, j), 16))
            _store(builder, builder.fadd(_load(builder, p), builder.fmul(gv, y)), p)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def h16_embed(typingctx, src, s_off, d, i_d, dst, d_off, escale, scale):
    """dst[d_off:+16] = H16 ((src[s_off:+16] * (d[i_d:+16] * escale)) * scale): an embedding
    (signs times tiled key) fused into the first WHT pass, same rounding as done apart."""
    if not (_is_vec_array(src) and _is_vec_array(d) and _is_vec_array(dst)):
        return None
    sig = types.void(src, s_off, d, i_d, dst, d_off, escale, scale)

    def codegen(context, builder, signature, args):
        s = signature.args
        x = _load(builder, _ptr(context, builder, s[0], args[0], args[1], 16))
        dv = _load(builder, _ptr(context, builder, s[2], args[2], args[3], 16))
        es = _splat(builder, _as_f32(context, builder, s[6], args[6]), 16)
        v = builder.fmul(x, builder.fmul(dv, es))
        v = builder.fmul(v, _splat(builder, _as_f32(context, builder, s[7], args[7]), 16))
        _store(
            builder, _h_stages(builder, v, 16), _ptr(context, builder, s[4], args[4], args[5], 16)
        )
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def h16_sign(typingctx, x, i, d, i_d, scale):
    """x[i:+16] = H16 (where(x >= 0, d, -d)[i_d:+16] * scale): a sign round's output times the
    next round's diagonal, fused into that round's first WHT pass."""
    if not (_is_vec_array(x) and _is_vec_array(d)):
        return None
    sig = types.void(x, i, d, i_d, scale)

    def codegen(context, builder, signature, args):
        s = signature.args
        p = _ptr(context, builder, s[0], args[0], args[1], 16)
        v = _load(builder, p)
        dv = _load(builder, _ptr(context, builder, s[2], args[2], args[3], 16))
        ge = builder.fcmp_ordered(">=", v, ir.Constant(_V16, [0.0] * 16))
        v = builder.select(ge, dv, builder.fneg(dv))
        v = builder.fmul(v, _splat(builder, _as_f32(context, builder, s[4], args[4]), 16))
        _store(builder, _h_stages(builder, v, 16), p)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def mix16(typingctx, z, i, t, i_t, d, i_d, c, s):
    """z[i:+16] = c * z[i:+16] + s * (t[i_t:+16] * d[i_d:+16]): a blend with a ±1 pattern."""
    if not (_is_vec_array(z) and _is_vec_array(t) and _is_vec_array(d)):
        return None
    sig = types.void(z, i, t, i_t, d, i_d, c, s)

    def codegen(context, builder, signature, args):
        a = signature.args
        p = _ptr(context, builder, a[0], args[0], args[1], 16)
        tv = _load(builder, _ptr(context, builder, a[2], args[2], args[3], 16))
        dv = _load(builder, _ptr(context, builder, a[4], args[4], args[5], 16))
        cv = _splat(builder, _as_f32(context, builder, a[6], args[6]), 16)
        sv = _splat(builder, _as_f32(context, builder, a[7], args[7]), 16)
        pattern = builder.fmul(sv, builder.fmul(tv, dv))
        _store(builder, builder.fadd(builder.fmul(cv, _load(builder, p)), pattern), p)
        return context.get_dummy_value()

    return sig, codegen
