"""Real Redis listpack entries (listpack.c's encodings): what an element costs
(``int_size``, ``backlen_size``, ``entry_size``), for the encodings whose
conversions Redis decides by byte size (lists, streams: shardis stores
elements its own way but must switch encodings where Redis does), and the
entries themselves (``encode_entry``, ``pack``) for RDB files and DUMP
payloads (persistence.rdb). ``len(encode_entry(x)) == entry_size(x)``.

An element is stored as an integer when its string is one string2ll accepts
(6 to 10 bytes for the encoding, 1 for the back-length), otherwise as a
string with a 1-, 2- or 5-byte header; every entry ends with a back-length of
1 to 5 bytes.
"""
from shardis.util.numbers import parse_int


def int_size(v):
    """Bytes of a listpack entry holding the integer ``v`` (with back-length)."""
    if 0 <= v <= 127:
        return 2
    if -4096 <= v <= 4095:
        return 3
    if -32768 <= v <= 32767:
        return 4
    if -8388608 <= v <= 8388607:
        return 5
    if -2147483648 <= v <= 2147483647:
        return 6
    return 10


def backlen_size(n):
    """Bytes of the back-length that follows an entry of ``n`` bytes."""
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def entry_size(b):
    """Bytes of a listpack entry holding the string ``b``."""
    n = len(b)
    if n <= 20 and n and b[0] < 58:
        v = parse_int(b)
        if v is not None:
            return int_size(v)
    e = n + (1 if n < 64 else 2 if n < 4096 else 5)
    return e + backlen_size(e)


def encode_backlen(n):
    """The back-length that follows an entry of ``n`` bytes: ``backlen_size(n)``
    bytes of 7 bits, most significant first, every byte but the first with its
    top bit set."""
    k = backlen_size(n)
    return bytes(((n >> 7 * (k - 1 - i)) & 127) | (128 if i else 0) for i in range(k))


def encode_int(v):
    """The entry of the integer ``v`` (with its back-length)."""
    if 0 <= v <= 127:
        return bytes((v, 1))
    if -4096 <= v <= 4095:
        u = v & 0x1FFF
        return bytes((0xC0 | u >> 8, u & 255, 2))
    if -32768 <= v <= 32767:
        return b"\xf1" + v.to_bytes(2, "little", signed=True) + b"\x03"
    if -8388608 <= v <= 8388607:
        return b"\xf2" + v.to_bytes(3, "little", signed=True) + b"\x04"
    if -2147483648 <= v <= 2147483647:
        return b"\xf3" + v.to_bytes(4, "little", signed=True) + b"\x05"
    return b"\xf4" + v.to_bytes(8, "little", signed=True) + b"\x09"


def encode_entry(x):
    """The entry of an int or a byte string; a string string2ll accepts is
    stored as an integer, as listpack's lpAppend does."""
    if x.__class__ is int:
        return encode_int(x)
    n = len(x)
    if n <= 20 and n and x[0] < 58:
        v = parse_int(x)
        if v is not None:
            return encode_int(v)
    if n < 64:
        return bytes((0x80 | n,)) + x + bytes((n + 1,))
    if n < 4096:
        return bytes((0xE0 | n >> 8, n & 255)) + x + encode_backlen(n + 2)
    return b"\xf0" + n.to_bytes(4, "little") + x + encode_backlen(n + 5)


def pack(items):
    """A whole listpack of ``items`` (bytes or ints): total bytes, count
    (65535 when it does not fit), the entries, the end byte."""
    body = b"".join([encode_entry(x) for x in items])
    n = len(items)
    return (7 + len(body)).to_bytes(4, "little") + min(n, 65535).to_bytes(2, "little") + body + b"\xff"
