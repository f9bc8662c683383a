"""Bitmap commands over string values: SETBIT, GETBIT, BITCOUNT, BITPOS,
BITOP, BITFIELD, BITFIELD_RO.

Bit 0 is the most significant bit of the first byte. Ranges are evaluated
with ``int.from_bytes`` so that large strings stay in C loops. Strings that
are written become ``bytearray`` values (Redis's unshared raw strings).
"""
from shardis.commands import command
from shardis.commands import errors as E
from shardis.commands.util import parse_int, clamp_range, either
from shardis.protocol.resp import CZERO, CONE, CNEG1, integer, error

_BYTES = bytes
_BYTEARRAY = bytearray
_U64 = (1 << 64) - 1

BITFIELD_TYPE_ERR = error("ERR Invalid bitfield type. Use something like i16 u8. "
                          "Note that u64 is not supported but i64 is.")
BITPOS_BIT_ERR = error("ERR The bit argument must be 1 or 0.")


def _wrap64(x):
    """Two's complement wrap of a Python int to int64."""
    x &= _U64
    return x - (1 << 64) if x >> 63 else x


def _bit_offset(c, arg, hash_ok=False, bits=0):
    """getBitOffsetFromArgument: the offset or an encoded error."""
    usehash = hash_ok and bits > 0 and arg[:1] == b"#"
    off = parse_int(arg[1:] if usehash else arg)
    if off is None:
        return E.BIT_OFFSET
    if usehash:
        off = _wrap64(off * bits)
    if off < 0 or (off >> 3) >= c.server.proto_max_bulk_len:
        return E.BIT_OFFSET
    return off


def _is_str(v):
    return v.__class__ is _BYTES or v.__class__ is _BYTEARRAY


def _string_for_write(c, key, maxbit):
    """lookupStringForBitCommand: the bytearray at key grown to hold bit
    ``maxbit``; (value, grew) or an error reply."""
    db = c.db
    need = (maxbit >> 3) + 1
    v = db.lookup_write(key)
    if v is None:
        v = bytearray(need)
        db.set(key, v)
        return v, True
    if v.__class__ is not _BYTEARRAY:
        if v.__class__ is not _BYTES:
            return E.WRONGTYPE
        v = bytearray(v)
        db.store(key, v)
    n = len(v)
    if n < need:
        v.extend(bytes(need - n))
        return v, True
    return v, False


@command("setbit")
def cmd_setbit(c, argv):
    off = _bit_offset(c, argv[2])
    if off.__class__ is bytes:
        return off
    on = parse_int(argv[3])
    if on is None or on & ~1:
        return E.BIT_VALUE
    r = _string_for_write(c, argv[1], off)
    if r.__class__ is bytes:
        return r
    v, dirty = r
    byte = off >> 3
    bit = 7 - (off & 7)
    old = (v[byte] >> bit) & 1
    if dirty or old != on:
        if on:
            v[byte] |= 1 << bit
        else:
            v[byte] &= ~(1 << bit) & 0xff
        db = c.db
        db.signal(argv[1])
        srv = c.server
        if srv.notify_on:
            srv.notify(db, "$", "setbit", argv[1])
        srv.dirty += 1
    return CONE if old else CZERO


@command("getbit")
def cmd_getbit(c, argv):
    off = _bit_offset(c, argv[2])
    if off.__class__ is bytes:
        return off
    v = c.db.lookup_read(argv[1])
    if v is None:
        return CZERO
    if not _is_str(v):
        return E.WRONGTYPE
    byte = off >> 3
    if byte < len(v) and (v[byte] >> (7 - (off & 7))) & 1:
        return CONE
    return CZERO


def _bits_value(v, bs, be):
    """Integer made of bits bs..be (inclusive, bit offsets) of v, MSB first."""
    x = int.from_bytes(v[bs >> 3:(be >> 3) + 1], "big")
    x >>= 7 - (be & 7)
    return x & ((1 << (be - bs + 1)) - 1)


def _unit(arg):
    """True for BIT, False for BYTE, None for anything else."""
    return either(arg.lower(), b"byte", b"bit")


@command("bitcount")
def cmd_bitcount(c, argv):
    n = len(argv)
    isbit = False
    if n == 4 or n == 5:
        start = parse_int(argv[2])
        end = parse_int(argv[3]) if start is not None else None
        if start is None or end is None:
            return E.NOT_INT
        if n == 5:
            isbit = _unit(argv[4])
            if isbit is None:
                return E.SYNTAX
    elif n != 2:
        return E.SYNTAX
    v = c.db.lookup_read(argv[1])
    if v is None:
        return CZERO
    if not _is_str(v):
        return E.WRONGTYPE
    if n == 2:
        return integer(int.from_bytes(v, "big").bit_count())
    if start < 0 and end < 0 and start > end:
        return CZERO
    totlen = len(v) * 8 if isbit else len(v)
    start, end = clamp_range(start, end, totlen)
    if start > end:
        return CZERO
    if isbit:
        return integer(_bits_value(v, start, end).bit_count())
    return integer(int.from_bytes(v[start:end + 1], "big").bit_count())


@command("bitpos")
def cmd_bitpos(c, argv):
    bit = parse_int(argv[2])
    if bit is None:
        return E.NOT_INT
    if bit != 0 and bit != 1:
        return BITPOS_BIT_ERR
    n = len(argv)
    isbit = False
    end_given = False
    start = 0
    end = None
    if 4 <= n <= 6:
        start = parse_int(argv[3])
        if start is None:
            return E.NOT_INT
        if n == 6:
            isbit = _unit(argv[5])
            if isbit is None:
                return E.SYNTAX
        if n >= 5:
            end = parse_int(argv[4])
            if end is None:
                return E.NOT_INT
            end_given = True
    elif n != 3:
        return E.SYNTAX
    v = c.db.lookup_read(argv[1])
    if v is None:
        return CNEG1 if bit else CZERO
    if not _is_str(v):
        return E.WRONGTYPE
    totlen = len(v) * 8 if isbit else len(v)
    if end is None:
        end = totlen - 1
    start, end = clamp_range(start, end, totlen)
    if start > end:
        return CNEG1
    if isbit:
        bs, be = start, end
    else:
        bs, be = start * 8, end * 8 + 7
    nb = be - bs + 1
    x = _bits_value(v, bs, be)
    if not bit:
        x ^= (1 << nb) - 1
    if x:
        return integer(bs + nb - x.bit_length())
    if bit or end_given:
        return CNEG1
    return integer(be + 1)


@command("bitop")
def cmd_bitop(c, argv):
    op = argv[1].lower()
    if op not in (b"and", b"or", b"xor", b"not"):
        return E.SYNTAX
    if op == b"not" and len(argv) != 4:
        return error("ERR BITOP NOT must be called with a single source key.")
    db = c.db
    srcs = []
    maxlen = 0
    for key in argv[3:]:
        v = db.lookup_read(key)
        if v is None:
            srcs.append(b"")
            continue
        if not _is_str(v):
            return E.WRONGTYPE
        srcs.append(v)
        if len(v) > maxlen:
            maxlen = len(v)
    dest = argv[2]
    srv = c.server
    if maxlen:
        vals = [int.from_bytes(s, "big") << (8 * (maxlen - len(s))) for s in srcs]
        if op == b"not":
            r = vals[0] ^ ((1 << (8 * maxlen)) - 1)
        else:
            r = vals[0]
            if op == b"and":
                for x in vals[1:]:
                    r &= x
            elif op == b"or":
                for x in vals[1:]:
                    r |= x
            else:
                for x in vals[1:]:
                    r ^= x
        db.set(dest, bytearray(r.to_bytes(maxlen, "big")))
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "$", "set", dest)
    elif db.lookup_write(dest) is not None and db.delete(dest):
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "g", "del", dest)
    return integer(maxlen)


# -- BITFIELD ------------------------------------------------------------------------

_GET, _SET, _INCRBY = 0, 1, 2
_WRAP, _SAT, _FAIL = 0, 1, 2
_OPS = {b"get": _GET, b"set": _SET, b"incrby": _INCRBY}
_OVERFLOWS = {b"wrap": _WRAP, b"sat": _SAT, b"fail": _FAIL}


def _bf_type(arg):
    """(signed, bits) or None."""
    if not arg:
        return None
    s = arg[0]
    if s == 105:      # 'i'
        signed = True
    elif s == 117:    # 'u'
        signed = False
    else:
        return None
    bits = parse_int(arg[1:])
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        return None
    return signed, bits


def _get_unsigned(v, off, bits):
    end = off + bits - 1
    seg = v[off >> 3:(end >> 3) + 1]
    need = (end >> 3) - (off >> 3) + 1
    x = int.from_bytes(seg, "big")
    if len(seg) < need:
        x <<= 8 * (need - len(seg))
    return (x >> (7 - (end & 7))) & ((1 << bits) - 1)


def _set_unsigned(v, off, bits, val):
    end = off + bits - 1
    b0 = off >> 3
    b1 = (end >> 3) + 1
    x = int.from_bytes(v[b0:b1], "big")
    sh = 7 - (end & 7)
    mask = ((1 << bits) - 1) << sh
    x = (x & ~mask) | ((val << sh) & mask)
    v[b0:b1] = x.to_bytes(b1 - b0, "big")


def _signed_overflow(value, incr, bits, owtype):
    """checkSignedBitfieldOverflow: (overflow flag, limit or None)."""
    mx = (1 << 63) - 1 if bits == 64 else (1 << (bits - 1)) - 1
    mn = -mx - 1
    maxincr = _wrap64(mx - value)
    minincr = _wrap64(mn - value)
    if value > mx or (bits != 64 and incr > maxincr) or (value >= 0 and incr > 0 and incr > maxincr):
        if owtype == _WRAP:
            return 1, _signed_wrap(value, incr, bits)
        return 1, mx if owtype == _SAT else None
    if value < mn or (bits != 64 and incr < minincr) or (value < 0 and incr < 0 and incr < minincr):
        if owtype == _WRAP:
            return 1, _signed_wrap(value, incr, bits)
        return -1, mn if owtype == _SAT else None
    return 0, None


def _signed_wrap(value, incr, bits):
    c = (value + incr) & _U64
    if bits < 64:
        c &= (1 << bits) - 1
        if c >> (bits - 1):
            c -= 1 << bits
        return c
    return _wrap64(c)


def _unsigned_overflow(value, incr, bits, owtype):
    """checkUnsignedBitfieldOverflow; ``value`` is already a uint64."""
    mx = (1 << bits) - 1
    maxincr = _wrap64(mx - value)
    minincr = _wrap64(-value)
    if value > mx or (incr > 0 and incr > maxincr):
        if owtype == _WRAP:
            return 1, (value + incr) & mx
        return 1, mx if owtype == _SAT else None
    if incr < 0 and incr < minincr:
        if owtype == _WRAP:
            return 1, (value + incr) & mx
        return -1, 0 if owtype == _SAT else None
    return 0, None


def _bitfield(c, argv, ro):
    ops = []
    owtype = _WRAP
    readonly = True
    highest = 0
    n = len(argv)
    j = 2
    while j < n:
        rem = n - j - 1
        name = argv[j].lower()
        op = _OPS.get(name)
        if op is None and name == b"overflow" and rem >= 1:
            owtype = _OVERFLOWS.get(argv[j + 1].lower())
            if owtype is None:
                return error("ERR Invalid OVERFLOW type specified")
            j += 2
            continue
        if op is None or rem < (2 if op == _GET else 3):
            return E.SYNTAX
        t = _bf_type(argv[j + 1])
        if t is None:
            return BITFIELD_TYPE_ERR
        signed, bits = t
        off = _bit_offset(c, argv[j + 2], True, bits)
        if off.__class__ is bytes:
            return off
        val = 0
        if op != _GET:
            readonly = False
            if highest < off + bits - 1:
                highest = off + bits - 1
            val = parse_int(argv[j + 3])
            if val is None:
                return E.NOT_INT
        ops.append((op, signed, bits, off, val, owtype))
        j += 3 if op == _GET else 4
    db = c.db
    key = argv[1]
    if readonly:
        v = db.lookup_read(key)
        if v is not None and not _is_str(v):
            return E.WRONGTYPE
    else:
        if ro:
            return error("ERR BITFIELD_RO only supports the GET subcommand")
        r = _string_for_write(c, key, highest)
        if r.__class__ is bytes:
            return r
        v, grew = r
    out = [b"*%d\r\n" % len(ops)]
    changes = 0
    if readonly:
        grew = False
    nil = c.r.nil
    for op, signed, bits, off, val, ow in ops:
        if op == _GET:
            if v is None:
                out.append(CZERO)
                continue
            x = _get_unsigned(v, off, bits)
            if signed and x >> (bits - 1):
                x -= 1 << bits
            out.append(integer(x))
            continue
        old = _get_unsigned(v, off, bits)
        if signed:
            if old >> (bits - 1):
                old -= 1 << bits
            if op == _INCRBY:
                ovf, lim = _signed_overflow(old, val, bits, ow)
                new = lim if ovf else old + val
                ret = new
            else:
                ovf, lim = _signed_overflow(val, 0, bits, ow)
                new = lim if ovf else val
                ret = old
        else:
            if op == _INCRBY:
                ovf, lim = _unsigned_overflow(old, val, bits, ow)
                new = lim if ovf else old + val
                ret = new
            else:
                uval = val & _U64
                ovf, lim = _unsigned_overflow(uval, 0, bits, ow)
                new = lim if ovf else uval
                ret = old
        if ovf and ow == _FAIL:
            out.append(nil)
            continue
        out.append(integer(ret))
        new &= (1 << bits) - 1
        if grew or new != old & ((1 << bits) - 1):
            changes += 1
        _set_unsigned(v, off, bits, new)
    if changes:
        db.signal(key)
        srv = c.server
        if srv.notify_on:
            srv.notify(db, "$", "setbit", key)
        srv.dirty += changes
    return b"".join(out)


@command("bitfield")
def cmd_bitfield(c, argv):
    return _bitfield(c, argv, False)


command("bitfield_ro")(lambda c, argv: _bitfield(c, argv, True))
