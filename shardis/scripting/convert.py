"""Replies between RESP and Lua, both ways, as Redis converts them.

RESP -> Lua (what ``redis.call`` returns; the script's client speaks RESP2
unless the script called ``redis.setresp(3)``):

    integer -> number            bulk -> string        nil bulk / nil array -> false
    status  -> {ok=s}            error -> {err=s}      array -> table (1..n)
    RESP3:  null -> nil          boolean -> boolean    double -> {double=n}
            map -> {map={k=v}}   set -> {set={k=true}} big number -> {big_number=s}
            verbatim -> {verbatim_string={format=f, string=s}}   attributes dropped

Lua -> RESP (what the script returns, written for the caller's protocol):

    string -> bulk     number -> integer, truncated toward zero (NaN and values
    outside 64 bits give LLONG_MIN, as the C cast does on x86)
    boolean -> RESP2 script: true -> 1, false -> null; RESP3 script: boolean
    nil -> null
    table: {err=string} -> error; {ok=string} -> status; {double=n};
    {big_number=s}; {verbatim_string=...}; {map=...}; {set=...}; otherwise
    an array of t[1], t[2], ... up to the first nil (a hole ends it)

Fields are tested in Redis's order (err, ok, double, big_number,
verbatim_string, map, set) and only with the right Lua type: {err=5} is an
empty array. CR and LF inside an error or a status become spaces.
"""
from shardis.protocol.resp import RESP3

_LLONG_MIN = -(1 << 63)
_LLONG_MAX = (1 << 63) - 1


# -- RESP -> Lua ------------------------------------------------------------------------
class ReplyToLua:
    """Parse an encoded reply into Lua values of one runtime."""
    __slots__ = ("table_from", "newtable", "ok", "err_nostats", "double", "big_number",
                 "verbatim", "map", "set")

    def __init__(self, rt, m):
        # Lua functions held as Python attributes: indexing the Lua table from
        # Python on every reply would cost a crossing each time
        self.table_from = rt.table_from
        self.newtable = m.newtable
        self.ok = m.ok
        self.err_nostats = m.err_nostats
        self.double = m.double
        self.big_number = m.big_number
        self.verbatim = m.verbatim
        self.map = m.map
        self.set = m.set

    def convert(self, data):
        """The Lua value of a whole encoded reply (the common cases first)."""
        t = data[0]
        if t == 58:                         # ':'
            return int(data[1:-2])
        if t == 36:                         # '$'
            if data[1] == 45:               # '$-1'
                return False
            return data[data.index(b"\n") + 1:-2]
        return self._parse(data, 0)[0]

    def _parse(self, data, pos):
        t = data[pos]
        end = data.index(b"\r\n", pos)
        line = data[pos + 1:end]
        pos = end + 2
        if t == 36:                         # '$' bulk
            n = int(line)
            if n < 0:
                return False, pos
            return data[pos:pos + n], pos + n + 2
        if t == 58:                         # ':'
            return int(line), pos
        if t == 43:                         # '+'
            return self.ok(line), pos
        if t == 45:                         # '-'
            return self.err_nostats(error_text(line)), pos
        if t == 42 or t == 62:              # '*' array, '>' push
            n = int(line)
            if n < 0:
                return False, pos
            items = []
            for _ in range(n):
                v, pos = self._parse(data, pos)
                items.append(v)
            return self.table_from(items), pos
        if t == 95:                         # '_' null
            return None, pos
        if t == 35:                         # '#' boolean
            return line == b"t", pos
        if t == 44:                         # ',' double
            return self.double(_parse_double(line)), pos
        if t == 40:                         # '(' big number
            return self.big_number(line), pos
        if t == 61:                         # '=' verbatim
            n = int(line)
            body = data[pos:pos + n]
            return self.verbatim(body[:3], body[4:]), pos + n + 2
        if t == 37 or t == 126:             # '%' map, '~' set
            n = int(line)
            tbl = self.newtable()
            for _ in range(n):
                k, pos = self._parse(data, pos)
                if t == 37:
                    v, pos = self._parse(data, pos)
                else:
                    v = True
                if k is not None:
                    tbl[k] = v
            return (self.map(tbl) if t == 37 else self.set(tbl)), pos
        if t == 124:                        # '|' attribute: skipped
            n = int(line)
            for _ in range(2 * n):
                _, pos = self._parse(data, pos)
            return self._parse(data, pos)
        raise ValueError(f"unexpected reply type {chr(t)!r}")


def error_text(line):
    """The ``err`` field Redis builds from an error reply line (without the
    leading '-'): "CODE message"; a line without a space gets the code ERR."""
    line = line.rstrip(b"\r\n")
    if b" " not in line:
        return b"ERR " + line
    return line


def _parse_double(s):
    s = s.lower()
    if s in (b"inf", b"+inf"):
        return float("inf")
    if s == b"-inf":
        return float("-inf")
    return float(s)


# -- Lua -> RESP ------------------------------------------------------------------------
def to_integer(v):
    """(long long) of a Lua number."""
    if v.__class__ is int:
        return v if _LLONG_MIN <= v <= _LLONG_MAX else _LLONG_MIN
    if v != v or not (-9.223372036854776e18 <= v < 9.223372036854776e18):
        return _LLONG_MIN
    return int(v)


def _flat(b):
    if b"\r" in b or b"\n" in b:
        b = b.replace(b"\r", b" ").replace(b"\n", b" ")
    return b


class NoStats(bytes):
    """An error reply whose error was already counted by the command that
    raised it inside the script (the Lua table carries
    ``ignore_error_stats_update``): the EVAL's handler takes the count back
    that Dispatcher.call will add (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE)."""
    __slots__ = ()


class LuaToReply:
    """Encode a script's return value for a caller speaking ``r``'s protocol
    (RESP2 or RESP3); ``script_resp`` is the protocol the script chose with
    redis.setresp (booleans depend on it)."""
    __slots__ = ("istable",)

    def __init__(self, m):
        self.istable = m.istable

    def convert(self, v, r, script_resp):
        cls = v.__class__
        if cls is bytes:
            return b"$%d\r\n%s\r\n" % (len(v), v)
        if cls is int or cls is float:
            return b":%d\r\n" % to_integer(v)
        if cls is bool:
            if script_resp == 2:
                return b":1\r\n" if v else r.nil
            if r is RESP3:
                return b"#t\r\n" if v else b"#f\r\n"
            return b":1\r\n" if v else b":0\r\n"
        if v is None or not self.istable(v):
            return r.nil
        return self._table(v, r, script_resp)

    def _table(self, t, r, script_resp):
        err = t[b"err"]
        if err.__class__ is bytes:
            if t[b"ignore_error_stats_update"]:
                return NoStats(b"-%s\r\n" % _flat(err))
            return b"-%s\r\n" % _flat(err)
        ok = t[b"ok"]
        if ok.__class__ is bytes:
            return b"+%s\r\n" % _flat(ok)
        d = t[b"double"]
        if d.__class__ is int or d.__class__ is float:
            return r.double(float(d))
        big = t[b"big_number"]
        if big.__class__ is bytes:
            big = _flat(big)
            if r is RESP3:
                return b"(%s\r\n" % big
            return b"$%d\r\n%s\r\n" % (len(big), big)
        vb = t[b"verbatim_string"]
        if vb is not None and self.istable(vb):
            fmt = vb[b"format"]
            s = vb[b"string"]
            if fmt.__class__ is bytes and s.__class__ is bytes:
                if r is RESP3:
                    return b"=%d\r\n%s:%s\r\n" % (len(s) + 4, fmt[:3], s)
                return b"$%d\r\n%s\r\n" % (len(s), s)
        mp = t[b"map"]
        if mp is not None and self.istable(mp):
            parts = []
            n = 0
            for k, v in mp.items():
                parts.append(self.convert(k, r, script_resp))
                parts.append(self.convert(v, r, script_resp))
                n += 1
            return r.map_header(n) + b"".join(parts)
        st = t[b"set"]
        if st is not None and self.istable(st):
            parts = [self.convert(k, r, script_resp) for k in st.keys()]
            return r.set_header(len(parts)) + b"".join(parts)
        parts = []
        i = 1
        while True:
            v = t[i]
            if v is None:
                break
            parts.append(self.convert(v, r, script_resp))
            i += 1
        return b"*%d\r\n" % len(parts) + b"".join(parts)
