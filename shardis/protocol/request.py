"""Request parsing: RESP multibulk (via hiredis) and inline commands.

The fast path hands every byte to a ``hiredis.Reader`` and takes back complete
commands as lists of bytes. hiredis is a *reply* parser, so it is lenient where
Redis's request parser is strict (it accepts integers, nested arrays and status
lines inside a request, and its error texts differ). Whenever hiredis returns
anything that is not a flat list of bytes, or raises, the bytes since the last
clean command boundary are re-parsed by ``PyRequestParser`` — a pure-Python
parser that follows Redis's request grammar — which skips the commands already
returned and yields the rest, including inline commands and Redis's exact
``Protocol error`` texts. The pure parser is also used when a command starts
with a byte other than ``*`` (inline commands, telnet style).

``gets()`` returns a list of bytes (a command), ``False`` when more input is
needed, or a ``ProtocolErr`` (the error text; the connection must reply with it
and close).
"""
import re

import hiredis

INLINE_MAX = 64 * 1024          # PROTO_INLINE_MAX_SIZE
MBULK_BIG_ARG = 32 * 1024
INT_MAX = 2 ** 31 - 1
# The input ends right after a line that Redis would judge at once (a header,
# or an element hiredis accepts and Redis refuses): check it with the pure
# parser instead of waiting for more bytes.
_SUSPECT_TAIL = re.compile(rb"(?:\A|\n)[*$%~>|=!:+\-_,#(][^\n]{0,40}\r\n\Z")
# Input since the last command boundary up to this size is judged by counting
# command headers (see RequestReader._at_false); past it, by the last argument.
_HEADER_CHECK_MAX = 256 * 1024
# An array header of a million elements or more anywhere in the input: hiredis
# would allocate the whole list up front (and Redis only grows it as elements
# arrive), so such input goes to the pure parser.
_HUGE_ARRAY = re.compile(rb"\*\d{7}")
# A simple-string ('+') or verbatim ('=') element in a request: hiredis returns
# it as bytes, as it does a bulk string, and Redis refuses it ("expected '$'").
# Input where one may be (CRLF then either byte; a bulk payload can hold the
# same bytes, which only costs a slower parse) goes to the pure parser. The
# test first looks for either byte anywhere (``43 in data``: an int operand
# is one memchr, with none of bytes.find's argument parsing), then for the
# pairs; a regex costs several times more.
_SIMPLE_ELEM = re.compile(rb"\r\n[+=]")
# A line inside a request that starts an element other than a bulk string
# (hiredis accepts these as parts of a reply).
_NESTED = re.compile(rb"\n(?:[*:%~>|!_,#(\-]|\$-)")
# b"".join(args) is the cheapest whole-command test that every element hiredis
# returned is a bulk string (bytes): anything else raises TypeError.
_join = b"".join


class ProtocolErr:
    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return f"ProtocolErr({self.message!r})"


def string2ll(b):
    """Strict integer parse as Redis's string2ll: no '+', no leading zeros,
    no spaces, 64-bit range. Returns int or None."""
    n = len(b)
    if n == 0 or n > 20:
        return None
    if n == 1 and b == b"0":
        return 0
    neg = b[0] == 45
    digits = b[1:] if neg else b
    if not digits or not digits.isdigit() or digits[0] == 48:
        return None
    try:
        v = int(digits)
    except ValueError:
        return None
    if neg:
        v = -v
        if v < -2 ** 63:
            return None
    elif v > 2 ** 63 - 1:
        return None
    return v


_ESC = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
        ord("a"): b"\a"}
_HEX = b"0123456789abcdefABCDEF"


def split_args(line):
    """Split an inline command line like Redis's sdssplitargs: whitespace
    separated, with "double quotes" (escapes \\n \\r \\t \\b \\a \\xHH and any
    escaped char) and 'single quotes' (only \\' escaped). A closing quote must
    be followed by a space or the end. Returns a list of bytes or None on
    unbalanced quotes."""
    if b'"' not in line and b"'" not in line:
        return line.split()     # the same whitespace set as Redis's isspace()
    args = []
    i = 0
    n = len(line)
    while True:
        while i < n and line[i] in b" \n\r\t\v\f":
            i += 1
        if i >= n:
            return args
        cur = bytearray()
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    return None
                c = line[i]
                if c == 92 and i + 3 < n and line[i + 1] == 120 and line[i + 2] in _HEX \
                        and line[i + 3] in _HEX:
                    cur.append(int(line[i + 2:i + 4], 16))
                    i += 3
                elif c == 92 and i + 1 < n:
                    i += 1
                    e = line[i]
                    cur += _ESC.get(e, bytes((e,)))
                elif c == 34:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t\v\f":
                        return None
                    inq = False
                    i += 1
                    break
                else:
                    cur.append(c)
            elif insq:
                if i >= n:
                    return None
                c = line[i]
                if c == 92 and i + 1 < n and line[i + 1] == 39:
                    i += 1
                    cur.append(39)
                elif c == 39:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t\v\f":
                        return None
                    insq = False
                    i += 1
                    break
                else:
                    cur.append(c)
            else:
                if i >= n:
                    break
                c = line[i]
                if c in b" \n\r\t\v\f":
                    break
                if c == 34:
                    inq = True
                elif c == 39:
                    insq = True
                else:
                    cur.append(c)
            i += 1
        args.append(bytes(cur))


class PyRequestParser:
    """Redis's request grammar in pure Python over a bytearray buffer."""

    __slots__ = ("buf", "pos", "max_bulk")

    def __init__(self, max_bulk):
        self.buf = bytearray()
        self.pos = 0
        self.max_bulk = max_bulk

    def feed(self, data):
        self.buf += data

    def pending(self):
        return len(self.buf) - self.pos

    def _compact(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0

    def gets(self):
        """Next command, False (need more) or ProtocolErr."""
        while True:
            buf = self.buf
            if self.pos >= len(buf):
                self.buf = bytearray()
                self.pos = 0
                return False
            if buf[self.pos] == 42:  # '*'
                r = self._multibulk()
            else:
                r = self._inline()
            if r is None:       # an empty command: skip it
                continue
            if r is False:
                self._compact()
            return r

    def _inline(self):
        buf, pos = self.buf, self.pos
        nl = buf.find(b"\n", pos)
        if nl >= 0 and buf.find(b"\0", pos, nl) >= 0:
            nl = -1             # Redis looks for the newline with strchr: a NUL hides it
        if nl < 0:
            if len(buf) - pos > INLINE_MAX:
                return ProtocolErr("Protocol error: too big inline request")
            return False
        line = bytes(buf[pos:nl])
        self.pos = nl + 1
        if line.endswith(b"\r"):
            line = line[:-1]
        args = split_args(line)
        if args is None:
            return ProtocolErr("Protocol error: unbalanced quotes in request")
        if not args:
            return None
        return args

    def _multibulk(self):
        buf, pos = self.buf, self.pos
        cr = buf.find(b"\r", pos)
        if cr >= 0 and buf.find(b"\0", pos, cr) >= 0:
            cr = -1             # strchr semantics, as above
        if cr < 0:
            if len(buf) - pos > INLINE_MAX:
                return ProtocolErr("Protocol error: too big mbulk count string")
            return False
        if cr + 1 >= len(buf):
            return False
        count = string2ll(bytes(buf[pos + 1:cr]))
        if count is None or count > INT_MAX:
            return ProtocolErr("Protocol error: invalid multibulk length")
        p = cr + 2
        if count <= 0:
            self.pos = p
            return None
        args = []
        for _ in range(count):
            if p >= len(buf):
                return False
            cr = buf.find(b"\r", p)
            if cr >= 0 and buf.find(b"\0", p, cr) >= 0:
                cr = -1
            if cr < 0:
                if len(buf) - p > INLINE_MAX:
                    return ProtocolErr("Protocol error: too big bulk count string")
                return False
            if buf[p] != 36:  # '$'
                return ProtocolErr("Protocol error: expected '$', got '%s'" % chr(buf[p]))
            if cr + 1 >= len(buf):
                return False
            n = string2ll(bytes(buf[p + 1:cr]))
            if n is None or n < 0 or n > self.max_bulk:
                return ProtocolErr("Protocol error: invalid bulk length")
            start = cr + 2
            if len(buf) < start + n + 2:
                return False
            args.append(bytes(buf[start:start + n]))
            p = start + n + 2
        self.pos = p
        return args


class RequestReader:
    """hiredis fast path with the pure parser behind it (see module doc)."""

    __slots__ = ("_h", "_chunks", "_ndone", "_py", "max_bulk", "pending_bytes", "_tail",
                 "_last", "_maybe")

    def __init__(self, max_bulk=512 * 1024 * 1024):
        self._h = hiredis.Reader()
        self._chunks = []       # bytes fed to hiredis since the last clean boundary
        self._ndone = 0         # commands returned since that boundary
        self._py = None         # PyRequestParser while in pure mode
        self.max_bulk = max_bulk
        self.pending_bytes = 0  # bytes of an incomplete command held (query buffer size)
        self._tail = b""        # the last bytes fed to hiredis (a header split across reads)
        self._last = None       # the last command hiredis returned
        self._maybe = False     # the input so far seems to end at a command boundary

    def feed(self, data):
        if self._maybe and data[:1] == b"*" and self._py is None and (
                data.find(b"\r") < 8 if data.find(b"*", 1) < 0
                else _HUGE_ARRAY.search(data) is None) and data.find(b"\r") > 0:
            # The usual read: new commands after a command boundary, no huge
            # multibulk count (for a lone command only its header can have one).
            self._maybe = False
            self._chunks = [data]
            self._ndone = 0
            self._last = None
            if (43 in data or 61 in data) and (
                    data.find(b"\r\n+") >= 0 or data.find(b"\r\n=") >= 0):
                self._to_pure()
                self.pending_bytes = self._py.pending()
                return
            self._h.feed(data)
            self._tail = data[-8:]
            self.pending_bytes = len(data)
            return
        if self._py is not None:
            self._py.feed(data)
            self.pending_bytes = self._py.pending()
            return
        if self._maybe:
            # The last read seemed to end at a command boundary. It may instead
            # have ended after complete elements of a command hiredis is still
            # building: then (in a valid request) this read starts with '$'.
            # An inline command starting with '$' still works: hiredis rejects
            # it and _fallback re-parses from the older boundary.
            self._maybe = False
            if data[:1] != b"$":
                self._chunks.clear()
                self._ndone = 0
                self._last = None
        if not self._chunks and data[:1] != b"*":
            self._py = PyRequestParser(self.max_bulk)
            self._py.feed(data)
            self.pending_bytes = self._py.pending()
            return
        t = self._tail
        if _HUGE_ARRAY.search(data) is not None or (
                b"*" in t and _HUGE_ARRAY.search(t + data[:8]) is not None) or (
                data.find(b"\r\n+") >= 0 or data.find(b"\r\n=") >= 0) or (
                _SIMPLE_ELEM.search(t[-2:] + data[:2]) is not None):
            self._chunks.append(data)
            self._to_pure()
            self.pending_bytes = self._py.pending()
            return
        self._chunks.append(data)
        self._h.feed(data)
        self._tail = data[-8:] if len(data) >= 8 else (t + data)[-8:]
        self.pending_bytes += len(data)     # exact again after the next gets()

    def feed_read(self, data):
        """``feed(data)`` then ``read_all()``, with a short path for the usual
        read: whole RESP commands after a command boundary (each C call here
        costs on every request, so the checks are ordered by price)."""
        n = len(data)
        if self._maybe and n > 9 and data[0] == 42 and self._py is None and (
                data[2] == 13 or data[3] == 13 or _HUGE_ARRAY.search(data) is None) \
                and ((43 not in data and 61 not in data)   # no "+" nor "=": one memchr each
                     or (data.find(b"\r\n+") < 0 and data.find(b"\r\n=") < 0)):
            # The first header has fewer than 7 digits (or no header anywhere
            # has), so hiredis can't be asked for a huge list by it.
            h = self._h
            h.feed(data)
            try:
                cmd = h.gets()
            except Exception:
                cmd = None
            if cmd.__class__ is list and cmd:
                try:
                    _join(cmd)      # TypeError unless every element is bytes
                    ok = True
                except TypeError:
                    ok = False
                if ok:
                    if not h.has_data():
                        # hiredis stops at the end of a command: nothing left
                        # means this read was exactly one command (the P=1 case)
                        self._last = cmd
                        return [cmd]
                    return self._read_rest(data, n, cmd)
            out = []
            self._maybe = False
            self._chunks = [data]
            self._ndone = 0
            self._last = None
            self._tail = data[-8:]
            self.pending_bytes = n
            if cmd is False:
                r = self._at_false()
            elif cmd.__class__ is list and not cmd:     # "*0"
                r = self.gets()
            else:
                r = self._fallback()
            while r is not False:
                out.append(r)
                if r.__class__ is ProtocolErr:
                    break
                r = self.gets()
            return out
        self.feed(data)
        return self.read_all()

    def _read_rest(self, data, n, first):
        """feed_read's pipeline case: ``first`` came from ``data`` and more
        bytes follow it."""
        h = self._h
        out = [first]
        if (data[2] == 13 or data[3] == 13) and _HUGE_ARRAY.search(data) is not None:
            # a huge count in a later header: go on with the pure parser
            cmd = None
        else:
            gets = h.gets
            try:
                cmd = gets()
                while cmd.__class__ is list and cmd:
                    try:
                        _join(cmd)  # TypeError unless every element is bytes
                    except TypeError:
                        break       # an integer, nil or nested array: the pure parser decides
                    out.append(cmd)
                    cmd = gets()
            except Exception:
                cmd = None
            if cmd is False and data[-1] == 10 and not h.has_data() \
                    and data.endswith(out[-1][-1], 0, n - 2) \
                    and data.count(b"\n*") == len(out) - 1:
                # (one command header per command: else hiredis may be
                # holding commands inside a multibulk that announced more
                # elements than it has, see _at_false)
                self._last = out[-1]
                return out          # still at a boundary: _maybe stays True
        # Anything else: set up the state feed() would have made, then
        # finish with the general code.
        self._maybe = False
        self._chunks = [data]
        self._ndone = 0
        self._last = None
        self._tail = data[-8:]
        self.pending_bytes = n
        self._sync(out)
        if cmd is None:
            self._to_pure()
            r = self.gets()
        elif cmd is False:
            r = self._at_false()
        elif cmd.__class__ is list and not cmd:     # "*0"
            r = self.gets()
        else:
            r = self._fallback()
        while r is not False:
            out.append(r)
            if r.__class__ is ProtocolErr:
                break
            r = self.gets()
        return out

    def gets(self):
        py = self._py
        if py is not None:
            r = py.gets()
            if r is False:
                self._py = None if py.pending() == 0 else py
                self.pending_bytes = py.pending()
            return r
        try:
            cmd = self._h.gets()
        except Exception:   # ProtocolError, or TypeError building a RESP3 map/set
            return self._fallback()
        if cmd is False:
            return self._at_false()
        if cmd.__class__ is not list:
            return self._fallback()
        if not cmd:             # "*0": Redis skips empty multibulks
            return self.gets()
        for a in cmd:
            if a.__class__ is not bytes:
                return self._fallback()
        self._ndone += 1
        self._last = cmd
        return cmd

    def _at_false(self):
        """hiredis has no complete command: note whether the input ended at a
        command boundary, size the query buffer, and check the headers of an
        incomplete command early. Returns False or a ProtocolErr.

        hiredis parses replies, so a multibulk count larger than the elements
        sent makes it take the commands that follow as nested arrays and wait
        for more (Redis answers "expected '$', got '*'" at once). Input up to
        ``_HEADER_CHECK_MAX`` since the last boundary is therefore judged by
        its command headers: every command starts with '*' at the start of a
        line, so with ``_ndone`` commands returned, one header more is one
        incomplete command (its own lines are checked), none more is a
        boundary, and anything else (a swallowed command, or a bulk payload
        holding such a line) is settled by the pure parser."""
        chunks = self._chunks
        if not chunks:
            return False
        c = chunks[-1]
        total = len(c) if len(chunks) == 1 else sum(map(len, chunks))
        if total <= _HEADER_CHECK_MAX:
            data = c if len(chunks) == 1 else b"".join(chunks)
            headers = data.count(b"\n*") + (data[:1] == b"*")
            extra = headers - self._ndone
            if extra == 0 and self._ndone and not self._h.has_data() \
                    and self._ends_with_last(chunks, c):
                self._maybe = True
                self.pending_bytes = 0
                return False
            self.pending_bytes = self._h.len()
            if extra == 1:
                start = data.rfind(b"\n*") + 1 if headers > 1 or data[:1] != b"*" else 0
                if _NESTED.search(data, start + 1) is None and \
                        _SUSPECT_TAIL.search(data[-48:]) is None and (
                        total <= INLINE_MAX or not _long_header(data)):
                    return False
            return self._exact()
        if self._ndone and not self._h.has_data() and self._ends_with_last(chunks, c):
            # everything fed so far seems to form complete commands
            self._maybe = True
            self.pending_bytes = 0
        else:
            # hiredis keeps the command it is building (and at most
            # 1 KB before it): the size of Redis's query buffer
            self.pending_bytes = self._h.len()
            if INLINE_MAX < total <= 4 * INLINE_MAX and len(chunks) <= 4 \
                    and b"".join(chunks)[-INLINE_MAX - 1:].find(b"\r") < 0:
                # a header line longer than Redis allows: check it now, as
                # Redis does, instead of buffering up to a bogus length
                err = self._check_partial()
                if err is not None:
                    return err
        return False

    def _ends_with_last(self, chunks, c):
        """Does the input end with the last argument of the last command
        returned (and its CRLF)? (A line that is not a command header, such
        as a '$' line of a continuation, may follow a complete command.)"""
        n = len(c) - 2
        a = self._last[-1]
        return c.endswith(b"\r\n") and (c.endswith(a, 0, n) if len(a) <= n
                                         else _ends_with_command(chunks, self._last))

    def _exact(self):
        """Judge the input since the last boundary with the pure parser: a
        ProtocolErr, or False after noting whether it ends at a boundary."""
        p = PyRequestParser(self.max_bulk)
        p.feed(b"".join(self._chunks))
        for _ in range(self._ndone):
            if p.gets() is False:
                return False
        while True:
            r = p.gets()
            if r.__class__ is ProtocolErr:
                return r
            if r is False:
                break
            if r.__class__ is not list:
                return False
        if p.pending() == 0 and self._ndone and not self._h.has_data() \
                and self._ends_with_last(self._chunks, self._chunks[-1]):
            self._maybe = True
            self.pending_bytes = 0
        return False

    def read_all(self):
        """Every complete command available now, in order; if the input turns
        out malformed, a ProtocolErr is the last item. Equivalent to calling
        ``gets()`` until it returns False, in one Python frame for the common
        case (the hot path calls this once per read)."""
        out = []
        if self._py is None:
            h = self._h.gets
            while True:
                try:
                    cmd = h()
                except Exception:   # ProtocolError, or TypeError building a RESP3 map/set
                    self._sync(out)
                    r = self._fallback()
                    break
                if cmd.__class__ is list:
                    if cmd:
                        for a in cmd:
                            if a.__class__ is not bytes:
                                break
                        else:
                            out.append(cmd)
                            continue
                    else:           # "*0": Redis skips empty multibulks
                        continue
                elif cmd is False and out:
                    # The usual end of a read: it held whole commands, so it
                    # ends with the last argument of the last one and CRLF.
                    c = self._chunks[-1]
                    last = out[-1]
                    a = last[-1]
                    n = len(c) - 2
                    if len(a) <= n and c.endswith(b"\r\n") and c.endswith(a, 0, n) \
                            and not self._h.has_data() and len(self._chunks) == 1 \
                            and c.count(b"\n*") + (c[:1] == b"*") == self._ndone + len(out):
                        self._ndone += len(out)
                        self._last = last
                        self._maybe = True
                        self.pending_bytes = 0
                        return out
                self._sync(out)
                r = self._at_false() if cmd is False else self._fallback()
                break
        else:
            r = self.gets()
        while r is not False:
            out.append(r)
            if r.__class__ is ProtocolErr:
                break
            r = self.gets()
        return out

    def _sync(self, done):
        if done:
            self._ndone += len(done)
            self._last = done[-1]

    def _check_partial(self):
        p = PyRequestParser(self.max_bulk)
        p.feed(b"".join(self._chunks))
        for _ in range(self._ndone):
            if p.gets() is False:
                return None
        while True:
            r = p.gets()
            if r is False or r.__class__ is not list:
                return r if r.__class__ is ProtocolErr else None

    def _fallback(self):
        """Re-parse everything since the last clean boundary with the pure
        parser, skip what hiredis already returned, continue in pure mode."""
        self._to_pure()
        return self.gets()

    def _to_pure(self):
        py = PyRequestParser(self.max_bulk)
        py.feed(b"".join(self._chunks))
        for _ in range(self._ndone):
            r = py.gets()
            if r is False or r.__class__ is ProtocolErr:
                break
        self._chunks = []
        self._ndone = 0
        self._h = hiredis.Reader()
        self._tail = b""
        self._last = None
        self._maybe = False
        self._py = py


# Redis's query buffer after a read (what CLIENT LIST's qbuf-free reports): a
# 16 KB read grows it to jemalloc's 20 KB size class less the sds header.
QUERYBUF_ALLOC = 20474


def query_buffer(reader):
    """(qbuf, argv bytes) as Redis's CLIENT LIST would see this connection's
    input now: Redis parses a multibulk request element by element, moving
    each complete argument (and the header of the one being received) out of
    its query buffer, so ``qbuf`` counts only the bytes not parsed yet and
    ``argv bytes`` the arguments already taken. Also returns the announced
    length of a bulk being received (0 if none). Computed on demand (CLIENT
    LIST), never on the read path."""
    py = reader._py
    if py is not None:
        rest = bytes(py.buf[py.pos:])
    else:
        chunks = reader._chunks
        if not chunks or reader._maybe:
            return 0, 0, 0
        if sum(map(len, chunks)) > 4 * 1024 * 1024:
            return reader.pending_bytes, 0, 0      # (not worth a parse of it all)
        p = PyRequestParser(reader.max_bulk)
        p.feed(b"".join(chunks))
        for _ in range(reader._ndone):
            if p.gets() is False:
                break
        rest = bytes(p.buf[p.pos:])
    if not rest or rest[0] != 42:          # inline: the whole line stays
        return len(rest), 0, 0
    cr = rest.find(b"\r\n")
    if cr < 0:
        return len(rest), 0, 0
    count = string2ll(rest[1:cr])
    pos = cr + 2
    taken = 0
    for _ in range(count or 0):
        cr = rest.find(b"\r\n", pos)
        if cr < 0 or rest[pos] != 36:
            break
        n = string2ll(rest[pos + 1:cr])
        if n is None or n < 0:
            break
        start = cr + 2
        if len(rest) < start + n + 2:
            return len(rest) - start, taken, n     # a bulk being received
        taken += n
        pos = start + n + 2
    return len(rest) - pos, taken, 0


def _long_header(data):
    """Does ``data`` end with a header line longer than Redis allows (no CR in
    the last INLINE_MAX bytes of a line starting with '*' or '$')? A bulk
    payload being received is not looked at by Redis; one starting with such
    a byte only costs a check by the pure parser."""
    if data.find(b"\r", -INLINE_MAX - 1) >= 0:
        return False
    line = data.rfind(b"\n") + 1
    return len(data) - line > INLINE_MAX and data[line:line + 1] in (b"*", b"$")


def _ends_with_command(chunks, cmd):
    """Did the reader stop at a command boundary? hiredis has consumed every
    byte; the input then ends either with the last command it returned or
    with complete elements of a command still being built. The test looks at
    the encoding of the last argument of the last command (its header, the
    bytes, CRLF) at the end of the input: cheap, and wrong only when a
    half-sent command's latest element equals that argument, which only
    costs exact error texts for input that is malformed later on."""
    if cmd is None:
        return False
    c = chunks[-1]
    a = cmd[-1]
    n = len(c)
    end = n - 2 - len(a)
    if end < 0:
        # a big last argument spread over several reads
        return c.endswith(b"\r\n") and a.endswith(c[:-2]) and len(chunks) > 1
    h = b"$%d\r\n" % len(a)
    return (c.endswith(b"\r\n") and c.startswith(a, end)
            and (end < len(h) and len(chunks) > 1 or c.startswith(h, end - len(h))))
