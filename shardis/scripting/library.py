"""The function library store, and FUNCTION DUMP's payload.

A *library* is the code given to FUNCTION LOAD (its first line the metadata
header ``#!<engine> name=<name>``) and the functions its code registered
with ``redis.register_function``. The store maps library names to
``Library`` and function names to ``Function`` (function names are unique
across libraries). It is what RDB and AOF persist and what replicas receive:
Redis saves each library as its code and loads it by running FUNCTION LOAD
again, so the code is the whole state (``Library.code``).

FUNCTION DUMP's payload is Redis's RDB record of the libraries followed by
the DUMP footer: for each library the opcode ``RDB_OPCODE_FUNCTION2`` (245)
and the code as an RDB string, then the RDB version as two little-endian
bytes and the CRC-64 (Jones) of everything before it. ``dump_payload`` /
``parse_payload`` build and read it; an RDB writer and reader (issue 13)
reuse ``encode_function_records`` / ``read_rdb_string`` for the records
between the aux fields and the databases.
"""
import re

from shardis.util.crc64 import crc64
from shardis.util import lzf

RDB_OPCODE_FUNCTION2 = 245      # a library: its code as an RDB string
RDB_OPCODE_FUNCTION_PRE_GA = 246   # 7.0 release candidates' format: refused, as Redis does
RDB_VERSION = 10                # Redis 7.0's RDB version

# function flags (FUNCTION LIST shows their names, in this order)
FLAG_NO_WRITES = 1
FLAG_ALLOW_OOM = 2
FLAG_ALLOW_STALE = 4
FLAG_NO_CLUSTER = 8
FLAG_ALLOW_CROSS_SLOT = 16
FLAG_EVAL_COMPAT = 32           # an EVAL script without a shebang line
FLAG_NAMES = (("no-writes", FLAG_NO_WRITES), ("allow-oom", FLAG_ALLOW_OOM),
              ("allow-stale", FLAG_ALLOW_STALE), ("no-cluster", FLAG_NO_CLUSTER),
              ("allow-cross-slot-keys", FLAG_ALLOW_CROSS_SLOT))
FLAG_BY_NAME = {n: f for n, f in FLAG_NAMES}

_NAME_OK = re.compile(rb"[A-Za-z0-9_]+\Z")


def valid_name(name):
    """Library and function names: letters, digits and underscores, not empty."""
    return bool(_NAME_OK.match(name))


class Function:
    __slots__ = ("name", "callback", "library", "description", "flags")

    def __init__(self, name, callback, library, description, flags):
        self.name = name                # bytes
        self.callback = callback        # the Lua function
        self.library = library
        self.description = description  # bytes or None
        self.flags = flags

    def flag_names(self):
        return [n.encode() for n, f in FLAG_NAMES if self.flags & f]


class Library:
    __slots__ = ("name", "engine", "code", "functions")

    def __init__(self, name, engine, code):
        self.name = name                # bytes
        self.engine = engine            # b"LUA"
        self.code = code                # the whole code, metadata line included
        self.functions = {}             # name -> Function, in registration order


class FunctionStore:
    """Libraries by name and functions by name."""
    __slots__ = ("libraries", "functions")

    def __init__(self):
        self.libraries = {}
        self.functions = {}

    def add(self, lib):
        self.libraries[lib.name] = lib
        for name, f in lib.functions.items():
            self.functions[name] = f

    def remove(self, name):
        lib = self.libraries.pop(name)
        for fname in lib.functions:
            self.functions.pop(fname, None)
        return lib

    def clear(self):
        self.libraries.clear()
        self.functions.clear()

    def __len__(self):
        return len(self.libraries)


def parse_metadata(code):
    """The library header: returns (engine, name) or an error text.
    ``#!<engine> name=<name>`` on the first line; other options refused."""
    if not code.startswith(b"#!"):
        return "ERR Missing library metadata"
    nl = code.find(b"\n")
    first = code[2:] if nl < 0 else code[2:nl]
    parts = first.split(b" ")
    engine = parts[0]
    if not engine:
        return "ERR Invalid library metadata"
    name = None
    for p in parts[1:]:
        if not p:
            continue
        if p.startswith(b"name="):
            name = p[5:]
        else:
            return "ERR Invalid metadata value given: " + p.decode("utf-8", "replace")
    if name is None:
        return "ERR Invalid library metadata" if len(parts) == 1 else "ERR Library name was not given"
    return engine, name


# -- the payload --------------------------------------------------------------------------
def encode_length(n):
    """An RDB length: 6-bit, 14-bit, 32-bit or 64-bit form."""
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def encode_string(s, compress=True):
    """An RDB string: LZF-compressed (as Redis writes strings over 20 bytes
    when it saves any space: rdbcompression yes), else raw."""
    if compress and len(s) > 20:
        c = lzf.compress(s)
        if c is not None:
            return b"\xc3" + encode_length(len(c)) + encode_length(len(s)) + c
    return encode_length(len(s)) + s


class PayloadError(ValueError):
    pass


def read_length(data, pos):
    """(length, encoded-string kind or None, new pos)."""
    if pos >= len(data):
        raise PayloadError("truncated")
    b = data[pos]
    kind = b >> 6
    if kind == 0:
        return b & 0x3F, None, pos + 1
    if kind == 1:
        if pos + 2 > len(data):
            raise PayloadError("truncated")
        return ((b & 0x3F) << 8) | data[pos + 1], None, pos + 2
    if kind == 3:
        return None, b & 0x3F, pos + 1
    if b == 0x80:
        if pos + 5 > len(data):
            raise PayloadError("truncated")
        return int.from_bytes(data[pos + 1:pos + 5], "big"), None, pos + 5
    if b == 0x81:
        if pos + 9 > len(data):
            raise PayloadError("truncated")
        return int.from_bytes(data[pos + 1:pos + 9], "big"), None, pos + 9
    raise PayloadError("bad length")


def read_rdb_string(data, pos):
    """(bytes, new pos) of an RDB string: raw, integer-encoded or LZF."""
    n, enc, pos = read_length(data, pos)
    if enc is None:
        if pos + n > len(data):
            raise PayloadError("truncated")
        return bytes(data[pos:pos + n]), pos + n
    if enc == 0:
        return b"%d" % int.from_bytes(data[pos:pos + 1], "little", signed=True), pos + 1
    if enc == 1:
        return b"%d" % int.from_bytes(data[pos:pos + 2], "little", signed=True), pos + 2
    if enc == 2:
        return b"%d" % int.from_bytes(data[pos:pos + 4], "little", signed=True), pos + 4
    if enc == 3:
        clen, _, pos = read_length(data, pos)
        ulen, _, pos = read_length(data, pos)
        if pos + clen > len(data):
            raise PayloadError("truncated")
        out = lzf.decompress(data[pos:pos + clen], ulen)
        if out is None or len(out) != ulen:
            raise PayloadError("bad lzf")
        return out, pos + clen
    raise PayloadError("bad string encoding")


def encode_function_records(store):
    """The RDB records of every library, in the store's order."""
    return b"".join(bytes((RDB_OPCODE_FUNCTION2,)) + encode_string(lib.code)
                    for lib in store.libraries.values())


def dump_payload(store):
    body = encode_function_records(store) + RDB_VERSION.to_bytes(2, "little")
    return body + crc64(0, body).to_bytes(8, "little")


def parse_payload(data):
    """The library codes in a FUNCTION DUMP payload, or raise PayloadError
    (Redis's "payload version or checksum are wrong" covers every case)."""
    if len(data) < 10:
        raise PayloadError("short")
    body, footer = data[:-8], data[-8:]
    version = int.from_bytes(body[-2:], "little")
    if version > RDB_VERSION:
        raise PayloadError("version")
    crc = int.from_bytes(footer, "little")
    if crc and crc64(0, body) != crc:
        raise PayloadError("checksum")
    codes = []
    pos = 0
    end = len(body) - 2
    while pos < end:
        op = body[pos]
        pos += 1
        if op != RDB_OPCODE_FUNCTION2:
            raise PayloadError("given type is not a function")
        code, pos = read_rdb_string(body, pos)
        codes.append(code)
    if pos != end:
        raise PayloadError("trailing bytes")
    return codes
