"""HyperLogLog sketches stored as plain string values, laid out as Redis lays
them out so that GET/SET/DUMP round-trip with redis-server byte for byte.

Layout: a 16-byte header -- magic ``HYLL``, one encoding byte (0 dense,
1 sparse), three unused bytes, and the cached cardinality as a 64-bit
little-endian integer whose top bit, when set, marks the cache stale -- then
the registers.

* dense: 16384 registers of 6 bits packed from the least significant bit of
  each byte upwards (12288 bytes).
* sparse: a run-length code of opcodes. ``00llllll`` is a run of 1..64 zero
  registers, ``01llllll llllllll`` a run of 1..16384 zero registers and
  ``1vvvvvll`` a run of 1..4 registers holding the value 1..32.

The functions operate on ``bytearray`` values in place (``sparse_set`` may
grow or shrink it) and return the (possibly new) value where the encoding can
change.
"""
import math
import struct
from bisect import bisect_right
from itertools import accumulate

P = 14
Q = 64 - P
REGISTERS = 1 << P
P_MASK = REGISTERS - 1
HDR_SIZE = 16
DENSE_SIZE = HDR_SIZE + (REGISTERS * 6 + 7) // 8
DENSE = 0
SPARSE = 1
SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
SPARSE_XZERO_MAX_LEN = 16384
ALPHA_INF = 0.721347520444481703680
SEED = 0xadc83b19

MASK64 = (1 << 64) - 1
_M = 0xc6a4a7935bd1e995
_R = 47

INVALID_ERR = b"-INVALIDOBJ Corrupted HLL object detected\r\n"
NOT_HLL_ERR = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"

_WORDS = [None] + [struct.Struct("<%dQ" % i).unpack_from for i in range(1, 64)]


def murmurhash64a(data, seed=SEED, m=_M, MASK=MASK64, _fb=int.from_bytes, _w=_WORDS):
    """MurmurHash2, 64-bit version, as Redis computes it (little-endian words).
    Arithmetic on Python ints, masked to 64 bits after each multiply."""
    n = len(data)
    h = seed ^ ((n * m) & MASK)
    nw = n >> 3
    if nw:
        words = _w[nw](data) if nw < 64 else struct.unpack_from("<%dQ" % nw, data)
        for k in words:
            k = (k * m) & MASK
            h ^= ((k ^ (k >> 47)) * m) & MASK
            h = (h * m) & MASK
    if n & 7:
        h = ((h ^ _fb(data[nw << 3:], "little")) * m) & MASK
    h ^= h >> 47
    h = (h * m) & MASK
    return h ^ (h >> 47)


def pat_len(ele):
    """(register index, run length of the '000..1' pattern) for an element."""
    h = murmurhash64a(ele)
    rest = (h >> P) | (1 << Q)
    # position of the lowest set bit, plus one
    return h & P_MASK, (rest & -rest).bit_length()


def new_sparse():
    """An empty sketch: sparse, one XZERO covering every register, cache 0."""
    out = bytearray(b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
    aux = REGISTERS
    while aux:
        x = min(aux, SPARSE_XZERO_MAX_LEN) - 1
        out.append((x >> 8) | 0x40)
        out.append(x & 0xff)
        aux -= x + 1
    return out


def is_valid(v):
    """Redis's isHLLObjectOrReply test on a string value (bytes/bytearray).
    Integer-encoded strings are never valid sketches."""
    n = len(v)
    if n < HDR_SIZE or v[0:4] != b"HYLL":
        return False
    enc = v[4]
    if enc > 1:
        return False
    if enc == DENSE and n != DENSE_SIZE:
        return False
    return True


def invalidate_cache(v):
    v[15] |= 0x80


def cache_valid(v):
    return not (v[15] & 0x80)


# -- dense registers -------------------------------------------------------------

def dense_get(v, idx):
    pos = idx * 6
    b = HDR_SIZE + (pos >> 3)
    fb = pos & 7
    if fb <= 2:
        return (v[b] >> fb) & 63
    return ((v[b] | (v[b + 1] << 8)) >> fb) & 63


def dense_set(v, idx, val):
    pos = idx * 6
    b = HDR_SIZE + (pos >> 3)
    fb = pos & 7
    if fb <= 2:
        v[b] = (v[b] & ~(63 << fb) & 0xff) | (val << fb)
    else:
        w = (v[b] | (v[b + 1] << 8)) & ~(63 << fb) | (val << fb)
        v[b] = w & 0xff
        v[b + 1] = w >> 8


def _tbl(fn):
    return bytes(fn(i) & 0xff for i in range(256))


_T_AND63 = _tbl(lambda i: i & 63)
_T_SHR6 = _tbl(lambda i: i >> 6)
_T_AND15_SHL2 = _tbl(lambda i: (i & 15) << 2)
_T_SHR4 = _tbl(lambda i: i >> 4)
_T_AND3_SHL4 = _tbl(lambda i: (i & 3) << 4)
_T_SHR2 = _tbl(lambda i: i >> 2)
_T_AND3_SHL6 = _tbl(lambda i: (i & 3) << 6)
_T_SHR2_AND15 = _tbl(lambda i: (i >> 2) & 15)
_T_AND15_SHL4 = _tbl(lambda i: (i & 15) << 4)
_T_SHR4_AND3 = _tbl(lambda i: (i >> 4) & 3)
_T_SHL2 = _tbl(lambda i: (i & 63) << 2)
_NG = REGISTERS // 4


def _or(a, b):
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def dense_registers(v):
    """All 16384 register values of a dense sketch as bytes, in register order."""
    d = bytes(v[HDR_SIZE:DENSE_SIZE])
    b0 = d[0::3]
    b1 = d[1::3]
    b2 = d[2::3]
    out = bytearray(REGISTERS)
    out[0::4] = b0.translate(_T_AND63)
    out[1::4] = _or(b0.translate(_T_SHR6), b1.translate(_T_AND15_SHL2))
    out[2::4] = _or(b1.translate(_T_SHR4), b2.translate(_T_AND3_SHL4))
    out[3::4] = b2.translate(_T_SHR2)
    return bytes(out)


def pack_dense(regs):
    """The 12288-byte dense payload for register values (each < 64)."""
    r0 = regs[0::4]
    r1 = regs[1::4]
    r2 = regs[2::4]
    r3 = regs[3::4]
    out = bytearray(DENSE_SIZE - HDR_SIZE)
    out[0::3] = _or(r0.translate(_T_AND63), r1.translate(_T_AND3_SHL6))
    out[1::3] = _or(r1.translate(_T_SHR2_AND15), r2.translate(_T_AND15_SHL4))
    out[2::3] = _or(r2.translate(_T_SHR4_AND3), r3.translate(_T_SHL2))
    return out


# -- sparse ----------------------------------------------------------------------

def sparse_registers(v):
    """Register values of a sparse sketch as bytes, or None if it is corrupt
    (runs not covering exactly the 16384 registers)."""
    parts = []
    idx = 0
    p = HDR_SIZE
    end = len(v)
    while p < end:
        b = v[p]
        if b & 0x80:
            run = (b & 3) + 1
            if idx + run > REGISTERS:
                return None
            parts.append(bytes((((b >> 2) & 31) + 1,)) * run)
            idx += run
            p += 1
        elif b & 0x40:
            run = (((b & 0x3f) << 8) | (v[p + 1] if p + 1 < end else 0)) + 1
            idx += run
            if idx > REGISTERS:
                return None
            parts.append(bytes(run))
            p += 2
        else:
            run = b + 1
            idx += run
            if idx > REGISTERS:
                return None
            parts.append(bytes(run))
            p += 1
    if idx != REGISTERS:
        return None
    return b"".join(parts)


def sparse_histogram(v):
    """Register histogram of a sparse sketch (list of 64 counts) and a
    validity flag, as Redis's hllSparseRegHisto computes them."""
    hist = [0] * 64
    idx = 0
    p = HDR_SIZE
    end = len(v)
    while p < end:
        b = v[p]
        if b & 0x80:
            run = (b & 3) + 1
            hist[((b >> 2) & 31) + 1] += run
            p += 1
        elif b & 0x40:
            run = (((b & 0x3f) << 8) | (v[p + 1] if p + 1 < end else 0)) + 1
            hist[0] += run
            p += 2
        else:
            run = b + 1
            hist[0] += run
            p += 1
        idx += run
    return hist, idx == REGISTERS


def sparse_to_dense(v):
    """A dense copy of a sparse sketch (header copied, encoding changed), or
    None if the sparse form is corrupt."""
    regs = sparse_registers(v)
    if regs is None:
        return None
    out = bytearray(v[:HDR_SIZE])
    out[4] = DENSE
    out += pack_dense(regs)
    return out


def sparse_set(v, index, count, max_bytes):
    """Raise register ``index`` to ``count`` in sparse sketch ``v``.

    Returns (status, value): status 1 if the register changed, 0 if not, -1
    if the sketch is corrupt; value is ``v`` (modified in place) or the new
    dense bytearray when the sketch had to be promoted."""
    if count > SPARSE_VAL_MAX_VALUE:
        return _promote(v, index, count)
    end = len(v)
    p = HDR_SIZE
    first = 0
    prev = -1
    span = 0
    while p < end:
        b = v[p]
        if b & 0x80:
            span = (b & 3) + 1
            oplen = 1
        elif b & 0x40:
            span = (((b & 0x3f) << 8) | (v[p + 1] if p + 1 < end else 0)) + 1
            oplen = 2
        else:
            span = b + 1
            oplen = 1
        if index <= first + span - 1:
            break
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1, v
    b = v[p]
    is_val = b & 0x80
    is_xzero = not is_val and (b & 0x40)
    if is_val:
        oldcount = ((b >> 2) & 31) + 1
        if oldcount >= count:
            return 0, v
        if (b & 3) == 0:
            v[p] = 0x80 | ((count - 1) << 2)
            return _merge_tail(v, prev, p)
    elif not is_xzero and b == 0:
        # ZERO run of length 1
        v[p] = 0x80 | ((count - 1) << 2)
        return _merge_tail(v, prev, p)

    last = first + span - 1
    seq = bytearray()
    if not is_val:
        if index != first:
            ln = index - first
            if ln > SPARSE_ZERO_MAX_LEN:
                seq.append(((ln - 1) >> 8) | 0x40)
                seq.append((ln - 1) & 0xff)
            else:
                seq.append(ln - 1)
        seq.append(0x80 | ((count - 1) << 2))
        if index != last:
            ln = last - index
            if ln > SPARSE_ZERO_MAX_LEN:
                seq.append(((ln - 1) >> 8) | 0x40)
                seq.append((ln - 1) & 0xff)
            else:
                seq.append(ln - 1)
    else:
        curbits = 0x80 | (b & 0x7c)
        if index != first:
            seq.append(curbits | (index - first - 1))
        seq.append(0x80 | ((count - 1) << 2))
        if index != last:
            seq.append(curbits | (last - index - 1))
    oldlen = 2 if is_xzero else 1
    deltalen = len(seq) - oldlen
    if deltalen > 0 and len(v) + deltalen > max_bytes:
        return _promote(v, index, count)
    v[p:p + oldlen] = seq
    return _merge_tail(v, prev, p)


def _merge_tail(v, prev, p):
    """Merge adjacent VAL opcodes of equal value, scanning at most 5 opcodes
    from the one before the change, as Redis does; invalidates the cache."""
    p = prev if prev >= 0 else HDR_SIZE
    end = len(v)
    scan = 5
    while p < end and scan:
        scan -= 1
        b = v[p]
        if not b & 0x80:
            p += 2 if b & 0x40 else 1
            continue
        if p + 1 < end:
            b2 = v[p + 1]
            if b2 & 0x80 and (b & 0x7c) == (b2 & 0x7c):
                ln = (b & 3) + (b2 & 3) + 2
                if ln <= SPARSE_VAL_MAX_LEN:
                    v[p + 1] = (b & 0xfc) | (ln - 1)
                    del v[p]
                    end -= 1
                    continue
        p += 1
    v[15] |= 0x80
    return 1, v


def _promote(v, index, count):
    d = sparse_to_dense(v)
    if d is None:
        return -1, v
    if dense_get(d, index) < count:
        dense_set(d, index, count)
    return 1, d


# -- adding ------------------------------------------------------------------------

_B1 = [bytes((i,)) for i in range(256)]


def _decode_ops(v):
    """Sparse opcodes as (ops, ends): ops are the opcodes' bytes, ends the
    running register count after each. None if the last opcode is cut."""
    ops = []
    spans = []
    p = HDR_SIZE
    end = len(v)
    b1 = _B1
    while p < end:
        b = v[p]
        if b & 0xc0 == 0x40:
            if p + 1 >= end:
                return None
            ops.append(bytes(v[p:p + 2]))
            spans.append((((b & 0x3f) << 8) | v[p + 1]) + 1)
            p += 2
        else:
            ops.append(b1[b])
            spans.append((b & 3) + 1 if b & 0x80 else b + 1)
            p += 1
    return ops, list(accumulate(spans))


def _zero_ops(n):
    if n > SPARSE_ZERO_MAX_LEN:
        return bytes((((n - 1) >> 8) | 0x40, (n - 1) & 0xff))
    return _B1[n - 1]


def _sparse_add_ops(v, pairs, start, max_bytes):
    """Apply ``pairs[start:]`` to sparse sketch ``v`` using a decoded opcode
    list (the same steps as sparse_set, with a bisect in place of the scan).
    Returns (updated, value, next position in pairs); the value is dense if
    the sketch was promoted, in which case the caller continues from there."""
    dec = _decode_ops(v)
    if dec is None:
        return None
    ops, ends = dec
    b1 = _B1
    nbytes = len(v)
    updated = 0
    npairs = len(pairs)
    i = start
    changed = False
    while i < npairs:
        index, count = pairs[i]
        if count > SPARSE_VAL_MAX_VALUE:
            break
        k = bisect_right(ends, index)
        if k >= len(ops):
            return -1, v, i
        op = ops[k]
        b = op[0]
        if b & 0x80:
            if ((b >> 2) & 31) + 1 >= count:
                i += 1
                continue
            if b & 3 == 0:
                ops[k] = b1[0x80 | ((count - 1) << 2)]
                nbytes -= _merge_ops(ops, ends, k - 1)
                updated += 1
                changed = True
                i += 1
                continue
        elif b == 0:
            ops[k] = b1[0x80 | ((count - 1) << 2)]
            nbytes -= _merge_ops(ops, ends, k - 1)
            updated += 1
            changed = True
            i += 1
            continue
        last = ends[k] - 1
        first = ends[k - 1] if k else 0
        seq = []
        sends = []
        newval = b1[0x80 | ((count - 1) << 2)]
        if b & 0x80:
            cur = 0x80 | (b & 0x7c)
            if index != first:
                seq.append(b1[cur | (index - first - 1)])
                sends.append(index)
            seq.append(newval)
            sends.append(index + 1)
            if index != last:
                seq.append(b1[cur | (last - index - 1)])
                sends.append(last + 1)
        else:
            if index != first:
                seq.append(_zero_ops(index - first))
                sends.append(index)
            seq.append(newval)
            sends.append(index + 1)
            if index != last:
                seq.append(_zero_ops(last - index))
                sends.append(last + 1)
        delta = sum(map(len, seq)) - len(op)
        if delta > 0 and nbytes + delta > max_bytes:
            break
        ops[k:k + 1] = seq
        ends[k:k + 1] = sends
        nbytes += delta
        nbytes -= _merge_ops(ops, ends, k - 1)
        updated += 1
        changed = True
        i += 1
    if changed:
        v[HDR_SIZE:] = b"".join(ops)
        v[15] |= 0x80
    return updated, v, i


def _merge_ops(ops, ends, k):
    """Redis's step 4 on the opcode list from opcode ``k`` (the one before the
    change; -1 for the start). Returns the number of bytes removed."""
    if k < 0:
        k = 0
    removed = 0
    scan = 5
    n = len(ops)
    while k < n and scan:
        scan -= 1
        b = ops[k][0]
        if not b & 0x80:
            k += 1
            continue
        if k + 1 < n:
            b2 = ops[k + 1][0]
            if b2 & 0x80 and (b & 0x7c) == (b2 & 0x7c):
                ln = (b & 3) + (b2 & 3) + 2
                if ln <= SPARSE_VAL_MAX_LEN:
                    ops[k + 1] = _B1[(b & 0xfc) | (ln - 1)]
                    del ops[k]
                    del ends[k]
                    n -= 1
                    removed += 1
                    continue
        k += 1
    return removed


def add_many(v, elements, max_bytes):
    """PFADD: add elements to sketch ``v`` (a bytearray). Returns
    (updated count or -1 if corrupt, value)."""
    updated = 0
    pairs = None
    start = 0
    if v[4] == SPARSE:
        pairs = [pat_len(e) for e in elements]
        while start < len(pairs) and v[4] == SPARSE:
            res = _sparse_add_ops(v, pairs, start, max_bytes)
            if res is None:
                # a cut final opcode: follow the byte-level path exactly
                for index, count in pairs[start:]:
                    if v[4] != SPARSE:
                        break
                    r, v = sparse_set(v, index, count, max_bytes)
                    if r < 0:
                        return -1, v
                    updated += r
                    start += 1
                break
            n, v, start = res
            if n < 0:
                return -1, v
            updated += n
            if start < len(pairs):
                # promotion needed for pairs[start]
                index, count = pairs[start]
                r, v = sparse_set(v, index, count, max_bytes)
                if r < 0:
                    return -1, v
                updated += r
                start += 1
        if start >= len(pairs):
            return updated, v
        elements = elements[start:]
        pairs = pairs[start:]
    for j, ele in enumerate(elements):
        index, count = pat_len(ele) if pairs is None else pairs[j]
        pos = index * 6
        b = HDR_SIZE + (pos >> 3)
        fb = pos & 7
        if fb <= 2:
            old = (v[b] >> fb) & 63
            if count > old:
                v[b] = (v[b] & ~(63 << fb) & 0xff) | (count << fb)
                updated += 1
        else:
            w = v[b] | (v[b + 1] << 8)
            if count > (w >> fb) & 63:
                w = w & ~(63 << fb) | (count << fb)
                v[b] = w & 0xff
                v[b + 1] = w >> 8
                updated += 1
    return updated, v


# -- counting ----------------------------------------------------------------------

def histogram(v):
    """(histogram of the 64 possible register values, valid flag)."""
    if v[4] == DENSE:
        return raw_histogram(dense_registers(v)), True
    return sparse_histogram(v)


def raw_histogram(regs):
    """Histogram of register values (bytes.count only for values present)."""
    hist = [0] * 64
    for i in set(regs):
        hist[i] = regs.count(i)
    return hist


def _sigma(x):
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        zp = z
        z += x * y
        y += y
        if zp == z:
            return z


def _tau(x):
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        zp = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if zp == z:
            return z / 3


def estimate(hist):
    """Cardinality from a register histogram (Ertl's improved estimator)."""
    m = float(REGISTERS)
    z = m * _tau((m - hist[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += hist[j]
        z *= 0.5
    z += m * _sigma(hist[0] / m)
    e = ALPHA_INF * m * m / z
    if e == math.inf:
        return 0
    n = int(e)
    if e - n >= 0.5:
        n += 1
    return n


def merge_into(maxregs, v):
    """Raise ``maxregs`` (bytearray of 16384) to the registers of sketch ``v``
    element-wise. Returns False if ``v`` is a corrupt sparse sketch."""
    if v[4] == DENSE:
        regs = dense_registers(v)
    else:
        regs = sparse_registers(v)
        if regs is None:
            return False
    if not any(maxregs):
        maxregs[:] = regs
    else:
        maxregs[:] = bytes(map(max, maxregs, regs))
    return True


def cached_card(v):
    return int.from_bytes(v[8:16], "little")


def store_card(v, card):
    v[8:16] = card.to_bytes(8, "little")
