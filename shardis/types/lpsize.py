"""What an element costs in a real Redis listpack (listpack.c's encodings),
for the encodings whose conversions Redis decides by byte size (lists,
streams): shardis stores elements its own way but must switch encodings
where Redis does.

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
