"""The Lua libraries Redis loads into scripts: bit, cjson, cmsgpack, struct.

lupa's Lua 5.1 has none of them; they are Python functions exposed to Lua,
written from the libraries' documented behaviour and checked against
redis-server (tests/behaviour/test_scripting.py):

- ``bit`` (LuaBitOp): 32-bit operations on numbers; results are signed
  32-bit; a fractional argument is rounded to nearest-even first (the
  library adds 2^52+2^51 and keeps the low word);
- ``cjson``: ``encode`` writes a table whose keys are 1..n as an array,
  other tables as objects (number keys as strings), numbers as ``%.14g``,
  escapes ``/`` as ``\\/``, refuses sparse arrays, non-string keys,
  functions and nesting deeper than 1000; ``decode`` gives tables, and
  ``cjson.null`` for null; ``encode_keep_buffer`` and the configuration
  functions are accepted;
- ``cmsgpack``: ``pack(...)`` packs each argument (a table whose keys are
  1..n is an array, other tables maps; integral numbers as the smallest
  integer form, others as float32 when exact, else float64; strings as raw
  fixraw/raw16/raw32) and concatenates them; ``unpack`` returns every value;
- ``struct``: ``pack``, ``unpack`` and ``size`` with Roberto Ierusalimschy's
  format letters (``< > ! x b B h H l L T i I f d s c``, sizes after i/I/c).
"""
import math
import re
import struct as _struct

from shardis.scripting.lua import RaiseMessage, load_chunk

_U32 = 0xFFFFFFFF


def _i32(x):
    x &= _U32
    return x - (1 << 32) if x & 0x80000000 else x


def _tobit(v):
    if v.__class__ is float:
        if v != v or v in (float("inf"), float("-inf")):
            return 0
        v = round(v)        # round half to even, as the FPU does for 2^52+2^51 + x
    return _i32(int(v))


def _bit(rt):
    def band(*a):
        r = -1
        for x in a:
            r &= _tobit(x)
        return _i32(r)

    def bor(*a):
        r = 0
        for x in a:
            r |= _tobit(x)
        return _i32(r)

    def bxor(*a):
        r = 0
        for x in a:
            r ^= _tobit(x)
        return _i32(r)

    def tohex(x, n=8):
        x = _tobit(x) & _U32
        n = _tobit(n)
        upper = n < 0
        n = min(abs(n), 8) if n else 8
        s = "%0*x" % (n, x & ((1 << (4 * n)) - 1))
        return (s.upper() if upper else s).encode()

    def rol(x, n):
        x = _tobit(x) & _U32
        n = _tobit(n) & 31
        return _i32((x << n) | (x >> (32 - n)))

    def ror(x, n):
        x = _tobit(x) & _U32
        n = _tobit(n) & 31
        return _i32((x >> n) | (x << (32 - n)))

    def bswap(x):
        x = _tobit(x) & _U32
        return _i32(int.from_bytes(x.to_bytes(4, "little"), "big"))

    return {
        b"tobit": _tobit, b"bnot": lambda x: _i32(~_tobit(x)),
        b"band": band, b"bor": bor, b"bxor": bxor, b"tohex": tohex,
        b"lshift": lambda x, n: _i32(_tobit(x) << (_tobit(n) & 31)),
        b"rshift": lambda x, n: _i32((_tobit(x) & _U32) >> (_tobit(n) & 31)),
        b"arshift": lambda x, n: _i32(_tobit(x) >> (_tobit(n) & 31)),
        b"rol": rol, b"ror": ror, b"bswap": bswap,
    }


# -- cjson --------------------------------------------------------------------------------------
class _JsonError(Exception):
    pass


def _num14(v):
    if v != v:
        return b"nan" if v.__class__ is float else b"%d" % v
    if v in (float("inf"), float("-inf")):
        return b"inf" if v > 0 else b"-inf"
    s = b"%.14g" % v
    return s


_ESC = {i: ("\\u%04x" % i).encode() for i in range(32)}
_ESC.update({8: b"\\b", 9: b"\\t", 10: b"\\n", 12: b"\\f", 13: b"\\r", 34: b'\\"', 92: b"\\\\",
             47: b"\\/", 127: b"\\u007f"})


def _json_str(b):
    out = bytearray(b'"')
    for ch in b:
        e = _ESC.get(ch)
        if e is None:
            out.append(ch)
        else:
            out += e
    out += b'"'
    return bytes(out)


def _cjson(rt, m):
    istable = m.istable
    isfunction = m.isfunction

    def enc(v, depth):
        cls = v.__class__
        if cls is bytes:
            return _json_str(v)
        if cls is bool:
            return b"true" if v else b"false"
        if cls is int or cls is float:
            if cls is float and (v != v or v in (float("inf"), float("-inf"))):
                raise _JsonError(b"Cannot serialise number: must not be NaN or Inf")
            return _num14(v)
        if v is None:
            return b"null"
        if istable(v):
            if depth > 1000:
                raise _JsonError(b"Cannot serialise, excessive nesting (1001)")
            keys = list(v.keys())
            n = len(keys)
            if n == 0:
                return b"{}"
            ints = [k for k in keys if (k.__class__ is int or k.__class__ is float) and k >= 1
                    and k == int(k)]
            if len(ints) == n:
                mx = int(max(ints))
                if mx > n * 2 and mx > 10:
                    raise _JsonError(b"Cannot serialise table: excessively sparse array")
                return b"[" + b",".join(enc(v[i], depth + 1) for i in range(1, mx + 1)) + b"]"
            parts = []
            for k in keys:
                if k.__class__ is bytes:
                    ks = _json_str(k)
                elif k.__class__ in (int, float):
                    ks = b'"' + _num14(k) + b'"'
                else:
                    raise _JsonError(b"Cannot serialise " + _luatype(k, istable, isfunction)
                                     + b": table key must be a number or string")
                parts.append(ks + b":" + enc(v[k], depth + 1))
            return b"{" + b",".join(parts) + b"}"
        if isnull[0](v):
            return b"null"
        raise _JsonError(b"Cannot serialise " + _luatype(v, istable, isfunction)
                         + b": type not supported")

    null_value = [None]
    isnull = [None]

    def encode(*args):
        if len(args) != 1:
            raise RaiseMessage(b"bad argument #1 to 'encode' (expected 1 argument)")
        try:
            return enc(args[0], 1)
        except _JsonError as e:
            raise RaiseMessage(e.args[0])

    def to_lua(x):
        if x is None:
            return null_value[0]
        if isinstance(x, bytes):
            return x
        if isinstance(x, str):
            return x.encode("utf-8", "surrogatepass")
        if isinstance(x, bool):
            return x
        if isinstance(x, (int, float)):
            return x
        if isinstance(x, list) and not isinstance(x, _Obj):
            t = m.newtable()
            for i, e in enumerate(x, 1):
                t[i] = to_lua(e)
            return t
        t = m.newtable()
        for k, e in x:
            t[k] = to_lua(e)
        return t

    def decode(*args):
        if len(args) != 1 or args[0].__class__ is not bytes:
            raise RaiseMessage(b"bad argument #1 to 'decode' (string expected)")
        try:
            obj = _json_decode(args[0])
        except _JsonError as e:
            raise RaiseMessage(e.args[0])
        return to_lua(obj)

    return {b"encode": encode, b"decode": decode}, null_value, isnull


# A decoder with cjson's grammar and its error texts ("Expected comma or
# array end but found T_END at character 5"): objects come out as lists of
# (key, value) pairs, in order, so a repeated key keeps its last value.
_NUM = re.compile(rb"-?(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")
_WS = b" \t\n\r"
_ESCAPES = {34: b'"', 92: b"\\", 47: b"/", 98: b"\b", 102: b"\f", 110: b"\n", 114: b"\r",
            116: b"\t"}
_TOKEN_NAMES = {b"{": "T_OBJ_BEGIN", b"}": "T_OBJ_END", b"[": "T_ARR_BEGIN", b"]": "T_ARR_END",
                b":": "T_COLON", b",": "T_COMMA"}


class _Tok:
    __slots__ = ("kind", "value", "index")

    def __init__(self, kind, value, index):
        self.kind = kind        # '{', '}', '[', ']', ':', ',', 'str', 'num', 'lit', 'end', 'err'
        self.value = value
        self.index = index


def _next_token(s, i):
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    if i >= n:
        return _Tok("end", None, i), i
    ch = s[i:i + 1]
    if ch in b"{}[]:,":
        return _Tok(ch.decode(), None, i), i + 1
    if ch == b'"':
        out = bytearray()
        j = i + 1
        while True:
            if j >= n:
                return _Tok("err", "unexpected end of string", i), j
            c = s[j]
            if c == 34:
                return _Tok("str", bytes(out), i), j + 1
            if c == 92:
                if j + 1 >= n:
                    return _Tok("err", "unexpected end of string", i), j
                e = s[j + 1]
                if e == 117:        # \uXXXX
                    hx = s[j + 2:j + 6]
                    try:
                        cp = int(hx, 16)
                        if len(hx) != 4:
                            raise ValueError
                    except ValueError:
                        return _Tok("err", "invalid unicode escape code", j), j
                    j += 6
                    if 0xD800 <= cp < 0xDC00 and s[j:j + 2] == b"\\u":
                        try:
                            lo = int(s[j + 2:j + 6], 16)
                        except ValueError:
                            return _Tok("err", "invalid unicode escape code", j), j
                        if 0xDC00 <= lo < 0xE000:
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                            j += 6
                    out += chr(cp).encode("utf-8", "surrogatepass")
                    continue
                r = _ESCAPES.get(e)
                if r is None:
                    return _Tok("err", "invalid escape code", j), j
                out += r
                j += 2
                continue
            out.append(c)
            j += 1
    if ch == b"-" or ch.isdigit() or ch == b".":
        mt = _NUM.match(s, i)
        if mt is None:
            return _Tok("err", "invalid number", i), i
        text = mt.group()
        try:
            v = float(int(text, 16)) if b"x" in text.lower() else float(text)
        except ValueError:
            return _Tok("err", "invalid number", i), i
        if v == int(v) and abs(v) < 2 ** 53:
            v = int(v)
        return _Tok("num", v, i), mt.end()
    for lit, val in ((b"true", True), (b"false", False), (b"null", None)):
        if s.startswith(lit, i):
            return _Tok("lit", val, i), i + len(lit)
    return _Tok("err", "invalid token", i), i


def _tok_name(t):
    if t.kind == "err":
        return t.value
    if t.kind == "end":
        return "T_END"
    if t.kind == "str":
        return "T_STRING"
    if t.kind == "num":
        return "T_NUMBER"
    if t.kind == "lit":
        return "T_NULL" if t.value is None else "T_BOOLEAN"
    return _TOKEN_NAMES[t.kind.encode()]


def _expected(what, t):
    raise _JsonError(b"Expected %s but found %s at character %d"
                     % (what.encode(), _tok_name(t).encode(), t.index + 1))


def _json_decode(s):
    tok, i = _next_token(s, 0)
    v, i = _json_value(s, tok, i, 0)
    tok, i = _next_token(s, i)
    if tok.kind != "end":
        _expected("the end", tok)
    return v


def _json_value(s, tok, i, depth):
    k = tok.kind
    if k in ("str", "num", "lit"):
        return tok.value, i
    if k == "{" or k == "[":
        depth += 1
        if depth > 1000:
            raise _JsonError(b"Found too many nested data structures (%d) at character %d"
                             % (depth, tok.index + 1))
        if k == "[":
            items = []
            tok, i = _next_token(s, i)
            if tok.kind == "]":
                return items, i
            while True:
                v, i = _json_value(s, tok, i, depth)
                items.append(v)
                tok, i = _next_token(s, i)
                if tok.kind == "]":
                    return items, i
                if tok.kind != ",":
                    _expected("comma or array end", tok)
                tok, i = _next_token(s, i)
        pairs = []
        tok, i = _next_token(s, i)
        if tok.kind == "}":
            return _Obj(pairs), i
        while True:
            if tok.kind != "str":
                _expected("object key string", tok)
            key = tok.value
            tok, i = _next_token(s, i)
            if tok.kind != ":":
                _expected("colon", tok)
            tok, i = _next_token(s, i)
            v, i = _json_value(s, tok, i, depth)
            pairs.append((key, v))
            tok, i = _next_token(s, i)
            if tok.kind == "}":
                return _Obj(pairs), i
            if tok.kind != ",":
                _expected("comma or object end", tok)
            tok, i = _next_token(s, i)
    _expected("value", tok)


class _Obj(list):
    """A decoded JSON object: its (key, value) pairs."""
    __slots__ = ()


def _luatype(v, istable, isfunction):
    if istable(v):
        return b"table"
    if isfunction(v):
        return b"function"
    return b"userdata"


# -- cmsgpack -----------------------------------------------------------------------------------
def _mp_pack(v, istable, out, depth):
    cls = v.__class__
    if v is None:
        out += b"\xc0"
    elif cls is bool:
        out += b"\xc3" if v else b"\xc2"
    elif cls is bytes:
        n = len(v)
        if n < 32:
            out.append(0xA0 | n)
        elif n <= 0xFF:
            out += b"\xd9" + bytes((n,))
        elif n <= 0xFFFF:
            out += b"\xda" + n.to_bytes(2, "big")
        else:
            out += b"\xdb" + n.to_bytes(4, "big")
        out += v
    elif cls is int or (cls is float and v == v and not math.isinf(v) and v == int(v)
                        and -(1 << 63) <= v < (1 << 64)):
        v = int(v)
        if v >= 0:
            if v < 128:
                out.append(v)
            elif v <= 0xFF:
                out += b"\xcc" + bytes((v,))
            elif v <= 0xFFFF:
                out += b"\xcd" + v.to_bytes(2, "big")
            elif v <= 0xFFFFFFFF:
                out += b"\xce" + v.to_bytes(4, "big")
            else:
                out += b"\xcf" + v.to_bytes(8, "big")
        else:
            if v >= -32:
                out += v.to_bytes(1, "big", signed=True)
            elif v >= -128:
                out += b"\xd0" + v.to_bytes(1, "big", signed=True)
            elif v >= -32768:
                out += b"\xd1" + v.to_bytes(2, "big", signed=True)
            elif v >= -(1 << 31):
                out += b"\xd2" + v.to_bytes(4, "big", signed=True)
            else:
                out += b"\xd3" + v.to_bytes(8, "big", signed=True)
    elif cls is float:
        f32 = _struct.unpack(">f", _struct.pack(">f", v))[0] if abs(v) < 3.4e38 or math.isinf(v) else None
        if f32 is not None and (f32 == v or (v != v)):
            out += b"\xca" + _struct.pack(">f", v)
        else:
            out += b"\xcb" + _struct.pack(">d", v)
    elif istable(v):
        keys = list(v.keys())
        n = len(keys)
        is_array = n > 0 and all(k.__class__ in (int, float) and k == int(k) and 1 <= k <= n
                                 for k in keys)
        if depth > 16:
            out += b"\xc0"
            return
        if is_array:
            if n < 16:
                out.append(0x90 | n)
            elif n <= 0xFFFF:
                out += b"\xdc" + n.to_bytes(2, "big")
            else:
                out += b"\xdd" + n.to_bytes(4, "big")
            for i in range(1, n + 1):
                _mp_pack(v[i], istable, out, depth + 1)
        else:
            if n < 16:
                out.append(0x80 | n)
            elif n <= 0xFFFF:
                out += b"\xde" + n.to_bytes(2, "big")
            else:
                out += b"\xdf" + n.to_bytes(4, "big")
            for k in keys:
                _mp_pack(k, istable, out, depth + 1)
                _mp_pack(v[k], istable, out, depth + 1)
    else:
        out += b"\xc0"


class _MPError(Exception):
    pass


def _mp_unpack(data, pos, m):
    if pos >= len(data):
        raise _MPError
    b = data[pos]
    pos += 1

    def take(n):
        if pos + n > len(data):
            raise _MPError
        return data[pos:pos + n]

    if b < 0x80:
        return b, pos
    if b >= 0xE0:
        return b - 256, pos
    if 0xA0 <= b <= 0xBF:
        n = b & 0x1F
        return take(n), pos + n
    if 0x90 <= b <= 0x9F:
        return _mp_array(data, pos, b & 0x0F, m)
    if 0x80 <= b <= 0x8F:
        return _mp_map(data, pos, b & 0x0F, m)
    if b == 0xC0:
        return None, pos
    if b == 0xC2:
        return False, pos
    if b == 0xC3:
        return True, pos
    fixed = {0xCC: (1, False), 0xCD: (2, False), 0xCE: (4, False), 0xCF: (8, False),
             0xD0: (1, True), 0xD1: (2, True), 0xD2: (4, True), 0xD3: (8, True)}
    if b in fixed:
        n, signed = fixed[b]
        return int.from_bytes(take(n), "big", signed=signed), pos + n
    if b == 0xCA:
        return _struct.unpack(">f", take(4))[0], pos + 4
    if b == 0xCB:
        return _struct.unpack(">d", take(8))[0], pos + 8
    if b in (0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6):
        w = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}[b]
        n = int.from_bytes(take(w), "big")
        pos += w
        if pos + n > len(data):
            raise _MPError
        return data[pos:pos + n], pos + n
    if b in (0xDC, 0xDD):
        w = 2 if b == 0xDC else 4
        return _mp_array(data, pos + w, int.from_bytes(take(w), "big"), m)
    if b in (0xDE, 0xDF):
        w = 2 if b == 0xDE else 4
        return _mp_map(data, pos + w, int.from_bytes(take(w), "big"), m)
    raise _MPError


def _mp_array(data, pos, n, m):
    t = m.newtable()
    for i in range(1, n + 1):
        v, pos = _mp_unpack(data, pos, m)
        t[i] = v
    return t, pos


def _mp_map(data, pos, n, m):
    t = m.newtable()
    for _ in range(n):
        k, pos = _mp_unpack(data, pos, m)
        v, pos = _mp_unpack(data, pos, m)
        if k is not None:
            t[k] = v
    return t, pos


def _cmsgpack(rt, m):
    istable = m.istable

    def pack(*args):
        if not args:
            raise RaiseMessage(b"MessagePack pack needs input.")
        out = bytearray()
        for a in args:
            _mp_pack(a, istable, out, 1)
        return bytes(out)

    def unpack(*args):
        if len(args) != 1 or args[0].__class__ is not bytes:
            raise RaiseMessage(b"MessagePack unpack needs a string")
        data = args[0]
        vals = []
        pos = 0
        try:
            while pos < len(data):
                v, pos = _mp_unpack(data, pos, m)
                vals.append(v)
        except _MPError:
            raise RaiseMessage(b"Missing bytes in input.")
        return tuple(vals)

    return {b"pack": pack, b"unpack": unpack}


# -- struct -------------------------------------------------------------------------------------
def _struct_items(fmt):
    """(endian, [(letter, size)]) from a Lua struct format."""
    endian = "<"
    items = []
    i = 0
    n = len(fmt)
    while i < n:
        ch = chr(fmt[i])
        i += 1
        num = b""
        while i < n and 48 <= fmt[i] <= 57:
            num += fmt[i:i + 1]
            i += 1
        if ch in " ":
            continue
        if ch in "<>=":
            endian = "<" if ch in "<=" else ">"
            continue
        if ch == "!":
            continue
        items.append((ch, int(num) if num else None))
    return endian, items


_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "i": 4, "I": 4, "f": 4,
          "d": 8, "x": 1}


def _struct_lib(rt, m):
    def pack(fmt, *args):
        endian, items = _struct_items(fmt)
        out = bytearray()
        ai = 0
        try:
            for ch, size in items:
                if ch == "x":
                    out += b"\x00"
                    continue
                if ai >= len(args):
                    raise RaiseMessage(b"bad argument #%d to 'pack' (number expected, got no value)"
                                 % (ai + 2))
                v = args[ai]
                ai += 1
                if ch in "bBhHlLTiI":
                    sz = size if ch in "iI" and size else _SIZES[ch]
                    out += (int(v) & ((1 << (8 * sz)) - 1)).to_bytes(
                        sz, "little" if endian == "<" else "big")
                elif ch in "fd":
                    out += _struct.pack(endian + ch, float(v))
                elif ch == "s":
                    out += v + b"\x00"
                elif ch == "c":
                    if size is None or size == 0:
                        out += v
                    else:
                        out += v[:size].ljust(size, b"\x00")
        except (TypeError, ValueError, _struct.error):
            raise RaiseMessage(b"bad argument to 'pack'")
        return bytes(out)

    def unpack(fmt, data, init=1):
        endian, items = _struct_items(fmt)
        pos = int(init) - 1
        vals = []
        bo = "little" if endian == "<" else "big"
        try:
            for ch, size in items:
                if ch == "x":
                    pos += 1
                    continue
                if ch in "bBhHlLTiI":
                    sz = size if ch in "iI" and size else _SIZES[ch]
                    if pos + sz > len(data):
                        raise ValueError
                    vals.append(int.from_bytes(data[pos:pos + sz], bo, signed=ch in "bhli"))
                    pos += sz
                elif ch in "fd":
                    sz = _SIZES[ch]
                    if pos + sz > len(data):
                        raise ValueError
                    vals.append(_struct.unpack(endian + ch, data[pos:pos + sz])[0])
                    pos += sz
                elif ch == "s":
                    e = data.index(b"\x00", pos)
                    vals.append(data[pos:e])
                    pos = e + 1
                elif ch == "c":
                    sz = size or 0
                    if pos + sz > len(data):
                        raise ValueError
                    vals.append(data[pos:pos + sz])
                    pos += sz
        except ValueError:
            raise RaiseMessage(b"bad argument #2 to 'unpack' (data string too short)")
        vals.append(pos + 1)
        return tuple(vals)

    def size(fmt):
        _, items = _struct_items(fmt)
        total = 0
        for ch, sz in items:
            if ch in "sc" and not (ch == "c" and sz):
                raise RaiseMessage(b"options 'c0' - 's' have undefined sizes")
            total += sz if ch in "iIc" and sz else _SIZES.get(ch, 0)
        return total

    return {b"pack": pack, b"unpack": unpack, b"size": size}


# Lua glue: the Python functions are the library functions themselves (C
# functions to Lua, so "return cjson.encode(x)" keeps the script's frame for
# the error position); errors are raised as RaiseMessage.
_GLUE = r"""
local py, null = ...
local cjson = {encode = py.cjson_encode, decode = py.cjson_decode, null = null,
               encode_keep_buffer = function() end, encode_max_depth = function() end,
               decode_max_depth = function() end, encode_invalid_numbers = function() end,
               decode_invalid_numbers = function() end}
local cmsgpack = {pack = py.mp_pack, unpack = py.mp_unpack}
local struct = {pack = py.st_pack, unpack = py.st_unpack, size = py.st_size}
local bit = {}
for k, f in pairs(py.bit) do bit[k] = f end
return {cjson = cjson, cmsgpack = cmsgpack, struct = struct, bit = bit}
"""


def install(rt):
    """The library tables for a new runtime: {name: Lua table}."""
    helpers = rt.eval("""{
      err = function(msg) return {err = msg} end,
      newtable = function() return {} end,
      istable = function(v) return type(v) == 'table' end,
      isfunction = function(v) return type(v) == 'function' end,
      pack_values = function(...) return {n = select('#', ...), ...} end,
    }""")
    m = _Helpers(helpers)
    null = rt.eval("newproxy(false)")
    cj, null_ref, isnull_ref = _cjson(rt, m)
    null_ref[0] = null
    isnull_ref[0] = rt.eval("function(n) return function(v) return rawequal(v, n) end end")(null)
    mp = _cmsgpack(rt, m)
    st = _struct_lib(rt, m)
    py = rt.table_from({
        b"cjson_encode": cj[b"encode"], b"cjson_decode": cj[b"decode"],
        b"mp_pack": mp[b"pack"], b"mp_unpack": mp[b"unpack"],
        b"st_pack": st[b"pack"], b"st_unpack": st[b"unpack"], b"st_size": st[b"size"],
        b"bit": rt.table_from(_bit(rt)),
    })
    glue = load_chunk(rt, _GLUE.encode(), b"=shardis")
    t = glue(py, null)
    return {"cjson": t[b"cjson"], "cmsgpack": t[b"cmsgpack"], "struct": t[b"struct"],
            "bit": t[b"bit"]}


class _Helpers:
    __slots__ = ("err", "newtable", "istable", "isfunction", "pack_values")

    def __init__(self, t):
        self.err = t[b"err"]
        self.newtable = t[b"newtable"]
        self.istable = t[b"istable"]
        self.isfunction = t[b"isfunction"]
        self.pack_values = t[b"pack_values"]
