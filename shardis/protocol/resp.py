"""Reply encoding for RESP2 and RESP3.

Every reply a command returns is already-encoded ``bytes``. Protocol-dependent
shapes (null, maps, sets, doubles, booleans) go through a ``Replies`` object:
each client holds ``RESP2`` or ``RESP3`` in ``client.r`` and a handler writes
``c.r.nil`` or ``c.r.map(pairs)`` without testing the protocol version itself.

Shared replies are built once at import (the role of Redis's shared objects):
``OK``, ``PONG``, small integers, common errors.
"""

OK = b"+OK\r\n"
PONG = b"+PONG\r\n"
QUEUED = b"+QUEUED\r\n"
EMPTY_BULK = b"$0\r\n\r\n"
CZERO = b":0\r\n"
CONE = b":1\r\n"
CNEG1 = b":-1\r\n"
CNEG2 = b":-2\r\n"

_INTS = [b":%d\r\n" % i for i in range(10001)]

# "$<n>\r\n" for n < BULK_HDR_N: a short bulk reply is BULK_HDR[n] + v + b"\r\n",
# two concatenations (about 80 ns for a 3-byte value) where the %-format costs 190.
# Hot paths test ``n < 1024`` with the literal.
BULK_HDR_N = 1024
BULK_HDR = [b"$%d\r\n" % i for i in range(BULK_HDR_N)]


def integer(n):
    """Encode an integer reply (``:n``); small non-negative values are shared."""
    if 0 <= n <= 10000:
        return _INTS[n]
    return b":%d\r\n" % n


def bulk(v):
    """Encode a bulk string reply from bytes (or bytearray)."""
    return b"$%d\r\n%s\r\n" % (len(v), v)


def simple(s):
    """Encode a status reply; ``s`` is bytes without CR/LF."""
    return b"+%s\r\n" % s


def error(msg):
    """Encode an error reply. ``msg`` is str or bytes and carries its own prefix
    (``ERR ...``, ``WRONGTYPE ...``); CR/LF inside are replaced by spaces."""
    if isinstance(msg, str):
        msg = msg.encode()
    if b"\r" in msg or b"\n" in msg:
        msg = msg.replace(b"\r", b" ").replace(b"\n", b" ")
    return b"-%s\r\n" % msg


def bulk_array(items):
    """Array of bulk strings from a list of bytes (None entries become nil)."""
    parts = [b"*%d\r\n" % len(items)]
    for v in items:
        if v is None:
            parts.append(b"$-1\r\n")
        else:
            parts.append(b"$%d\r\n%s\r\n" % (len(v), v))
    return b"".join(parts)


def raw_array(encoded):
    """Array whose elements are already-encoded replies."""
    return b"*%d\r\n" % len(encoded) + b"".join(encoded)


def format_double(d):
    """Format a float the way Redis 7 does for replies and INCRBYFLOAT-free
    contexts (``%.17g``, with inf/-inf/nan spelled as Redis spells them)."""
    if d != d:
        return b"nan"
    if d == float("inf"):
        return b"inf"
    if d == float("-inf"):
        return b"-inf"
    if d == int(d) and abs(d) < 1e17:
        return b"%d" % int(d)
    return (b"%.17g" % d)


class Replies:
    """Protocol-dependent reply shapes. Two instances exist: RESP2 and RESP3."""

    __slots__ = ("version", "nil", "nil_array", "empty_array", "empty_map", "empty_set",
                 "true", "false")

    def __init__(self, version):
        self.version = version
        self.empty_array = b"*0\r\n"
        if version == 3:
            self.nil = b"_\r\n"
            self.nil_array = b"_\r\n"
            self.empty_map = b"%0\r\n"
            self.empty_set = b"~0\r\n"
            self.true = b"#t\r\n"
            self.false = b"#f\r\n"
        else:
            self.nil = b"$-1\r\n"
            self.nil_array = b"*-1\r\n"
            self.empty_map = b"*0\r\n"
            self.empty_set = b"*0\r\n"
            self.true = b":1\r\n"
            self.false = b":0\r\n"

    def map_header(self, n):
        """Header for a map of ``n`` pairs (RESP2: flat array of 2n)."""
        return b"%%%d\r\n" % n if self.version == 3 else b"*%d\r\n" % (2 * n)

    def set_header(self, n):
        return b"~%d\r\n" % n if self.version == 3 else b"*%d\r\n" % n

    def push_header(self, n):
        return b">%d\r\n" % n if self.version == 3 else b"*%d\r\n" % n

    def map(self, pairs):
        """Map from a list of (encoded key, encoded value) pairs."""
        out = [self.map_header(len(pairs))]
        for k, v in pairs:
            out.append(k)
            out.append(v)
        return b"".join(out)

    def bulk_map(self, d):
        """Map from an iterable of (bytes, bytes) pairs."""
        items = list(d)
        out = [self.map_header(len(items))]
        for k, v in items:
            out.append(b"$%d\r\n%s\r\n" % (len(k), k))
            out.append(b"$%d\r\n%s\r\n" % (len(v), v))
        return b"".join(out)

    def bulk_set(self, items):
        """Set reply of bulk strings (RESP2: array)."""
        items = list(items)
        out = [self.set_header(len(items))]
        for v in items:
            out.append(b"$%d\r\n%s\r\n" % (len(v), v))
        return b"".join(out)

    def double(self, d):
        """A double: RESP3 ``,`` type, RESP2 bulk string."""
        s = format_double(d)
        if self.version == 3:
            return b",%s\r\n" % s
        return b"$%d\r\n%s\r\n" % (len(s), s)

    def verbatim(self, text, fmt=b"txt"):
        """Verbatim string (RESP3 ``=``), bulk string in RESP2."""
        if self.version == 3:
            return b"=%d\r\n%s:%s\r\n" % (len(text) + 4, fmt, text)
        return b"$%d\r\n%s\r\n" % (len(text), text)

    def boolean(self, b):
        return self.true if b else self.false


RESP2 = Replies(2)
RESP3 = Replies(3)


def encode_value(r, v):
    """Encode a plain Python value: used by generic paths (CONFIG GET,
    COMMAND DOCS, Lua later) rather than hot handlers.
    bytes/str -> bulk, int/bool -> integer, float -> double, None -> nil,
    list/tuple -> array, dict -> map, set/frozenset -> set, Err -> error."""
    if isinstance(v, (bytes, bytearray)):
        return b"$%d\r\n%s\r\n" % (len(v), v)
    if isinstance(v, str):
        b = v.encode()
        return b"$%d\r\n%s\r\n" % (len(b), b)
    if v is None:
        return r.nil
    if isinstance(v, bool):
        return integer(int(v))
    if isinstance(v, int):
        return integer(v)
    if isinstance(v, float):
        return r.double(v)
    if isinstance(v, (list, tuple)):
        return b"*%d\r\n" % len(v) + b"".join(encode_value(r, x) for x in v)
    if isinstance(v, dict):
        return r.map_header(len(v)) + b"".join(
            encode_value(r, k) + encode_value(r, x) for k, x in v.items())
    if isinstance(v, (set, frozenset)):
        return r.set_header(len(v)) + b"".join(encode_value(r, x) for x in v)
    if isinstance(v, Status):
        return b"+%s\r\n" % v.text
    if isinstance(v, Encoded):
        return v.data
    raise TypeError(f"cannot encode {type(v)!r}")


class Status:
    """A status (``+text``) value for ``encode_value``."""
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text if isinstance(text, bytes) else text.encode()


class Encoded:
    """An already-encoded reply embedded in an ``encode_value`` structure."""
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data
