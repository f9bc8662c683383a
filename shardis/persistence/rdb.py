"""The RDB codec: Redis 7's snapshot format, read and written over shardis's
value objects.

File layout (what Redis's rdb.h/rdb.c define; our own code and wording):

    "REDIS" + 4 ASCII digits of the version (we write 0010, read up to 0011)
    records, each an opcode byte:
      250 AUX          two strings (name, value)
      245 FUNCTION2    one string: a function library's code
      254 SELECTDB     a length: the database id for the keys that follow
      251 RESIZEDB     two lengths: key count and volatile key count (hints)
      252 EXPIRETIME_MS  8 bytes LE: absolute deadline in unix ms (next key)
      253 EXPIRETIME   4 bytes LE seconds (old files)
      248 IDLE         a length: LRU idle seconds (next key)
      249 FREQ         one byte: LFU counter (next key)
      247 MODULE_AUX   module data: refused (shardis has no modules)
      0..21            a key: the value's type, the key string, the value
      255 EOF          then 8 bytes LE CRC-64 of everything before (0: none)

Lengths take 1, 2, 5 or 9 bytes (two top bits 00/01/10 of the first byte;
0x80 and 0x81 announce a 32- or 64-bit big-endian length); top bits 11 mark
a specially encoded string: an integer of 1, 2 or 4 bytes LE, or an LZF
block (compressed length, plain length, data).

Values (type byte -> payload): 0 string; 2 set / 4 hash / 1 list: a count
then strings; 5 zset: count, then member string + 8-byte LE double, written
from the highest score down; 3 zset with scores as text (old); 11 intset
blob; 16 hash / 17 zset / 20 set (version 11): one listpack blob; 18 list:
quicklist nodes, each a container kind (1 plain element, 2 listpack) and a
blob; 10/12/13/14 ziplist forms (read only, pre-7 files); 15/19/21 streams.

Reading gives shardis values in the encoding Redis 7.2 picks for what it
loads (limits from types/*.py, which the config hooks set). Writing gives
version 10, which redis-server 7.0 and 7.2 read: a listpack set (7.2 only)
is written as a plain set, a stream as type 19.

``load`` reads a whole file and returns only when every byte, the checksum
included, was accepted; any problem raises ``RDBError`` with the byte offset.
"""
import struct
import sys
import time
from collections import namedtuple

from shardis.scripting.library import RDB_OPCODE_FUNCTION2, RDB_OPCODE_FUNCTION_PRE_GA
from shardis.types import hash as H
from shardis.types import list as L
from shardis.types import listpack as LPK
from shardis.types import lpsize as LPS
from shardis.types import set as S
from shardis.types import stream as ST
from shardis.types import zset as Z
from shardis.util import lzf
from shardis.util.crc64 import crc64
from shardis.util.numbers import parse_int

RDB_VERSION = 10            # what we write (Redis 7.0)
MAX_READ_VERSION = 11       # Redis 7.2

# value types
T_STRING, T_LIST, T_SET, T_ZSET, T_HASH, T_ZSET_2 = 0, 1, 2, 3, 4, 5
T_MODULE, T_MODULE_2 = 6, 7
T_HASH_ZIPMAP, T_LIST_ZIPLIST, T_SET_INTSET, T_ZSET_ZIPLIST, T_HASH_ZIPLIST = 9, 10, 11, 12, 13
T_LIST_QUICKLIST, T_STREAM_LISTPACKS, T_HASH_LISTPACK, T_ZSET_LISTPACK = 14, 15, 16, 17
T_LIST_QUICKLIST_2, T_STREAM_LISTPACKS_2, T_SET_LISTPACK, T_STREAM_LISTPACKS_3 = 18, 19, 20, 21

# opcodes
OP_FUNCTION2 = RDB_OPCODE_FUNCTION2
OP_FUNCTION_PRE_GA = RDB_OPCODE_FUNCTION_PRE_GA
OP_MODULE_AUX, OP_IDLE, OP_FREQ, OP_AUX = 247, 248, 249, 250
OP_RESIZEDB, OP_EXPIRETIME_MS, OP_EXPIRETIME, OP_SELECTDB, OP_EOF = 251, 252, 253, 254, 255

QL_PLAIN, QL_PACKED = 1, 2
_U64 = (1 << 64) - 1
_DBL = struct.Struct("<d")
_LITTLE = sys.byteorder == "little"

Record = namedtuple("Record", "dbid key value deadline_ms lru_idle lfu_freq")


class RDBError(ValueError):
    """A malformed, truncated or unsupported RDB file or payload."""

    def __init__(self, msg, offset):
        super().__init__("%s (at byte offset %d)" % (msg, offset))
        self.reason = msg
        self.offset = offset


class PayloadFooterError(RDBError):
    """A DUMP payload whose footer is wrong (too short, newer RDB version,
    checksum mismatch): RESTORE's "DUMP payload version or checksum are
    wrong", where other RDBErrors are its "Bad data format"."""


# ==================================================================================
# listpack / ziplist / intset blobs
# ==================================================================================
def _lp_entries(blob, base=0):
    """The elements of a listpack as bytes (integers as their decimal text).
    Raises RDBError (``base``: the blob's offset in the file, for messages)."""
    return [x if x.__class__ is bytes else b"%d" % x for x in _lp_raw(blob, base)]


def _lp_raw(blob, base=0):
    n = len(blob)
    if n < 7 or int.from_bytes(blob[0:4], "little") != n or blob[-1] != 0xFF:
        raise RDBError("bad listpack header", base)
    out = []
    ap = out.append
    i = 6
    end = n - 1
    try:
        while i < end:
            start = i
            b = blob[i]
            if b < 0x80:
                ap(b)
                i += 1
            elif b < 0xC0:
                ln = b & 0x3F
                ap(blob[i + 1:i + 1 + ln])
                i += 1 + ln
            elif b < 0xE0:
                v = ((b & 0x1F) << 8) | blob[i + 1]
                ap(v - 8192 if v >= 4096 else v)
                i += 2
            elif b < 0xF0:
                ln = ((b & 0x0F) << 8) | blob[i + 1]
                ap(blob[i + 2:i + 2 + ln])
                i += 2 + ln
            elif b == 0xF0:
                ln = int.from_bytes(blob[i + 1:i + 5], "little")
                ap(blob[i + 5:i + 5 + ln])
                i += 5 + ln
            elif b == 0xF1:
                ap(int.from_bytes(blob[i + 1:i + 3], "little", signed=True))
                i += 3
            elif b == 0xF2:
                ap(int.from_bytes(blob[i + 1:i + 4], "little", signed=True))
                i += 4
            elif b == 0xF3:
                ap(int.from_bytes(blob[i + 1:i + 5], "little", signed=True))
                i += 5
            elif b == 0xF4:
                ap(int.from_bytes(blob[i + 1:i + 9], "little", signed=True))
                i += 9
            else:
                raise RDBError("bad listpack entry encoding", base + i)
            ln = i - start
            i += 1 if ln < 128 else 2 if ln < 16383 else 3 if ln < 2097151 else 4 if ln < 268435455 else 5
    except IndexError:
        raise RDBError("truncated listpack entry", base + i) from None
    if i != end:
        raise RDBError("listpack entries overrun its end", base + i)
    cnt = blob[4] | blob[5] << 8
    if cnt != 65535 and cnt != len(out):
        raise RDBError("listpack count mismatch", base)
    return out


_BL1 = [bytes((i,)) for i in range(128)]


def _zl_entries(blob, base=0):
    """The elements of a ziplist (pre-7 encodings) as bytes."""
    n = len(blob)
    if n < 11 or int.from_bytes(blob[0:4], "little") != n or blob[-1] != 0xFF:
        raise RDBError("bad ziplist header", base)
    out = []
    i = 10
    try:
        while blob[i] != 0xFF:
            i += 1 if blob[i] < 254 else 5
            b = blob[i]
            top = b >> 6
            if top == 0:
                out.append(blob[i + 1:i + 1 + (b & 0x3F)])
                i += 1 + (b & 0x3F)
            elif top == 1:
                ln = ((b & 0x3F) << 8) | blob[i + 1]
                out.append(blob[i + 2:i + 2 + ln])
                i += 2 + ln
            elif top == 2:
                ln = int.from_bytes(blob[i + 1:i + 5], "big")
                out.append(blob[i + 5:i + 5 + ln])
                i += 5 + ln
            elif b == 0xC0:
                out.append(b"%d" % int.from_bytes(blob[i + 1:i + 3], "little", signed=True))
                i += 3
            elif b == 0xD0:
                out.append(b"%d" % int.from_bytes(blob[i + 1:i + 5], "little", signed=True))
                i += 5
            elif b == 0xE0:
                out.append(b"%d" % int.from_bytes(blob[i + 1:i + 9], "little", signed=True))
                i += 9
            elif b == 0xF0:
                out.append(b"%d" % int.from_bytes(blob[i + 1:i + 4], "little", signed=True))
                i += 4
            elif b == 0xFE:
                out.append(b"%d" % int.from_bytes(blob[i + 1:i + 2], "little", signed=True))
                i += 2
            elif 0xF1 <= b <= 0xFD:
                out.append(b"%d" % ((b & 0x0F) - 1))
                i += 1
            else:
                raise RDBError("bad ziplist entry encoding", base + i)
    except IndexError:
        raise RDBError("truncated ziplist", base + i) from None
    if i != n - 1:
        raise RDBError("ziplist overruns its end", base + i)
    return out


_IS_CODE = {2: "h", 4: "i", 8: "q"}


def _intset_ints(blob, base=0):
    if len(blob) < 8:
        raise RDBError("bad intset header", base)
    width = int.from_bytes(blob[0:4], "little")
    count = int.from_bytes(blob[4:8], "little")
    code = _IS_CODE.get(width)
    if code is None or len(blob) != 8 + width * count:
        raise RDBError("bad intset header", base)
    body = blob[8:]
    if _LITTLE:
        vals = memoryview(body).cast(code).tolist()
    else:
        vals = list(struct.unpack("<%d%s" % (count, code), body))
    for a, b in zip(vals, vals[1:]):
        if a >= b:
            raise RDBError("intset not sorted or has duplicates", base)
    return code, body, vals


def _intset_blob(v):
    width = v.SIZE
    body = bytes(v)
    if not _LITTLE:
        vals = memoryview(body).cast(v.CODE).tolist()
        body = struct.pack("<%d%s" % (len(vals), v.CODE), *vals)
    return width.to_bytes(4, "little") + (len(body) // width).to_bytes(4, "little") + body


# ==================================================================================
# reading
# ==================================================================================
class _In:
    """A cursor over the bytes of a file or payload; every read checks bounds."""
    __slots__ = ("d", "p", "n", "version")

    def __init__(self, data, pos=0, end=None):
        self.d = data
        self.p = pos
        self.n = len(data) if end is None else end
        self.version = RDB_VERSION

    def fail(self, msg, at=None):
        raise RDBError(msg, self.p if at is None else at)

    def take(self, k):
        p = self.p
        if p + k > self.n:
            self.fail("unexpected end of data (%d more bytes needed)" % (p + k - self.n))
        self.p = p + k
        return self.d[p:p + k]

    def byte(self):
        p = self.p
        if p >= self.n:
            self.fail("unexpected end of data")
        self.p = p + 1
        return self.d[p]

    def length_or_enc(self):
        b = self.byte()
        t = b >> 6
        if t == 0:
            return b & 0x3F, False
        if t == 1:
            return ((b & 0x3F) << 8) | self.byte(), False
        if t == 3:
            return b & 0x3F, True
        if b == 0x80:
            return int.from_bytes(self.take(4), "big"), False
        if b == 0x81:
            return int.from_bytes(self.take(8), "big"), False
        self.fail("bad length byte 0x%02x" % b, self.p - 1)

    def length(self):
        at = self.p
        n, enc = self.length_or_enc()
        if enc:
            self.fail("encoded string where a length was expected", at)
        return n

    def string(self):
        at = self.p
        n, enc = self.length_or_enc()
        if not enc:
            return self.take(n)
        if n == 0:
            return b"%d" % int.from_bytes(self.take(1), "little", signed=True)
        if n == 1:
            return b"%d" % int.from_bytes(self.take(2), "little", signed=True)
        if n == 2:
            return b"%d" % int.from_bytes(self.take(4), "little", signed=True)
        if n == 3:
            clen = self.length()
            ulen = self.length()
            c = self.take(clen)
            out = lzf.decompress(c, ulen)
            if out is None or len(out) != ulen:
                self.fail("corrupt LZF string", at)
            return out
        self.fail("unknown string encoding %d" % n, at)

    def u64_le(self):
        return int.from_bytes(self.take(8), "little")

    def double_bin(self):
        return _DBL.unpack(self.take(8))[0]

    def double_text(self):
        n = self.byte()
        if n == 253:
            return float("nan")
        if n == 254:
            return float("inf")
        if n == 255:
            return float("-inf")
        t = self.take(n)
        try:
            return float(t)
        except ValueError:
            self.fail("bad score text")


def _ints_text(vals):
    return [b"%d" % v for v in vals]


def _set_from_members(members, r, at):
    if len(set(members)) != len(members):
        r.fail("duplicate set members", at)
    n = len(members)
    if n > S.MAX_INTSET and n > S.MAX_LP_ENTRIES:
        return S.SetHT(members)
    return S.build(members)


def _hash_from_pairs(pairs, r, at):
    d = {}
    for f, v in pairs:
        d[f] = v
    if len(d) != len(pairs):
        r.fail("duplicate hash fields", at)
    return H.from_dict(d) if d else None


def _zset_from_pairs(pairs, r, at, listpack_form):
    d = {}
    for m, s in pairs:
        if s != s:
            r.fail("NaN score in a sorted set", at)
        d[m] = s
    if len(d) != len(pairs):
        r.fail("duplicate sorted set members", at)
    if not d:
        return None
    seq = sorted((s, m) for m, s in d.items())
    if listpack_form:
        # a listpack zset stays one unless it has too many members
        return Z.from_seq_listpack_or_skip(seq, force_skip=len(seq) > Z.MAX_ENTRIES)
    return Z.from_seq_listpack_or_skip(seq)


def _pairs(flat, r, at):
    if len(flat) & 1:
        r.fail("odd number of listpack elements in a map", at)
    return list(zip(flat[0::2], flat[1::2]))


def read_value(r, t):
    """One value of type ``t`` at the cursor."""
    at = r.p
    if t == T_STRING:
        return r.string()
    if t == T_LIST:
        n = r.length()
        items = [r.string() for _ in range(n)]
        return L.from_items(items) if items else None
    if t == T_SET:
        n = r.length()
        return _set_from_members([r.string() for _ in range(n)], r, at) if n else None
    if t == T_ZSET or t == T_ZSET_2:
        n = r.length()
        pairs = []
        for _ in range(n):
            m = r.string()
            pairs.append((m, r.double_bin() if t == T_ZSET_2 else r.double_text()))
        return _zset_from_pairs(pairs, r, at, False)
    if t == T_HASH:
        n = r.length()
        pairs = []
        for _ in range(n):
            f = r.string()
            pairs.append((f, r.string()))
        return _hash_from_pairs(pairs, r, at)
    if t == T_SET_INTSET:
        blob = r.string()
        code, body, vals = _intset_ints(blob, at)
        if not vals:
            return None
        if len(vals) > S.MAX_INTSET:
            return S.SetHT(_ints_text(vals))
        if not _LITTLE:
            body = struct.pack("=%d%s" % (len(vals), code), *vals)
        return S._INTSET_CLASSES[code](body)
    if t == T_SET_LISTPACK:
        members = _lp_entries(r.string(), at)
        if not members:
            return None
        if len(set(members)) != len(members):
            r.fail("duplicate set members", at)
        if len(members) > S.MAX_LP_ENTRIES:
            return S.SetHT(members)
        return S.SetLP(LPK.seq_pack(members))
    if t == T_HASH_LISTPACK or t == T_HASH_ZIPLIST:
        blob = r.string()
        flat = _lp_entries(blob, at) if t == T_HASH_LISTPACK else _zl_entries(blob, at)
        v = _hash_from_pairs(_pairs(flat, r, at), r, at)
        return v
    if t == T_ZSET_LISTPACK or t == T_ZSET_ZIPLIST:
        blob = r.string()
        flat = _lp_entries(blob, at) if t == T_ZSET_LISTPACK else _zl_entries(blob, at)
        pairs = []
        for m, s in _pairs(flat, r, at):
            try:
                pairs.append((m, float(s)))
            except ValueError:
                r.fail("bad score in a listpack sorted set", at)
        return _zset_from_pairs(pairs, r, at, True)
    if t == T_LIST_QUICKLIST_2 or t == T_LIST_QUICKLIST:
        nodes = r.length()
        items = []
        for _ in range(nodes):
            kind = QL_PACKED
            if t == T_LIST_QUICKLIST_2:
                kind = r.length()
                if kind not in (QL_PLAIN, QL_PACKED):
                    r.fail("bad quicklist container %d" % kind)
            nat = r.p
            blob = r.string()
            if kind == QL_PLAIN:
                items.append(blob)
            elif t == T_LIST_QUICKLIST_2:
                items.extend(_lp_entries(blob, nat))
            else:
                items.extend(_zl_entries(blob, nat))
        return L.from_items(items) if items else None
    if t == T_LIST_ZIPLIST:
        items = _zl_entries(r.string(), at)
        return L.from_items(items) if items else None
    if t in (T_STREAM_LISTPACKS, T_STREAM_LISTPACKS_2, T_STREAM_LISTPACKS_3):
        return _read_stream(r, t)
    if t in (T_MODULE, T_MODULE_2):
        r.fail("module value types are not supported", at - 1)
    if t == T_HASH_ZIPMAP:
        r.fail("zipmap hashes (RDB before version 4) are not supported", at - 1)
    r.fail("unknown value type %d" % t, at - 1)


def _read_stream(r, t):
    s = ST.Stream()
    nnodes = r.length()
    nodes = []
    for _ in range(nnodes):
        kat = r.p
        key = r.string()
        if len(key) != 16:
            r.fail("stream node key is not 16 bytes", kat)
        master = int.from_bytes(key, "big")
        lat = r.p
        blob = r.string()
        e = _lp_raw(blob, lat)
        if not e:
            r.fail("empty stream listpack", lat)
        try:
            live, ndel, nmf = e[0], e[1], e[2]
            mfields = tuple(x if x.__class__ is bytes else b"%d" % x for x in e[3:3 + nmf])
            if e[3 + nmf] != 0:
                r.fail("bad stream master entry", lat)
            i = 4 + nmf
            ids = []
            items = []
            mms, mseq = master >> 64, master & _U64
            while i < len(e):
                flags = e[i]
                sid = ((mms + e[i + 1]) << 64) | ((mseq + e[i + 2]) & _U64)
                i += 3
                if flags & 2:
                    vals = e[i:i + nmf]
                    i += nmf
                    fv = [None] * (2 * nmf)
                    fv[0::2] = mfields
                    fv[1::2] = [x if x.__class__ is bytes else b"%d" % x for x in vals]
                else:
                    nf = e[i]
                    fv = [x if x.__class__ is bytes else b"%d" % x for x in e[i + 1:i + 1 + 2 * nf]]
                    i += 1 + 2 * nf
                i += 1                      # lp-count
                if i > len(e):
                    r.fail("truncated stream entry", lat)
                ids.append(sid)
                items.append(None if flags & 1 else tuple(fv))
        except (IndexError, TypeError):
            r.fail("malformed stream listpack", lat)
        if sum(1 for x in items if x is not None) != live or len(items) - live != ndel:
            r.fail("stream listpack counts do not match its entries", lat)
        if live == 0:
            r.fail("empty stream node", lat)
        node = ST.Node(master, mfields)
        node.ids = ids
        node.items = items
        node.live = live
        node.ndel = ndel
        node.nbytes = len(blob)
        if nodes and master <= nodes[-1].master:
            r.fail("stream nodes out of order", kat)
        nodes.append(node)
    for node in nodes[:-1]:
        node.seal()
    s.nodes = nodes
    s.keys = [n.master for n in nodes]
    s.length = r.length()
    s.last_id = (r.length() << 64) | r.length()
    if t >= T_STREAM_LISTPACKS_2:
        s.first_id = (r.length() << 64) | r.length()
        s.max_deleted = (r.length() << 64) | r.length()
        s.entries_added = r.length()
    else:
        fe = s.first_entry()
        s.first_id = fe[0] if fe else 0
        s.entries_added = s.length
    if sum(n.live for n in nodes) != s.length:
        r.fail("stream length does not match its entries")
    ngroups = r.length()
    if ngroups:
        s.groups = {}
    for _ in range(ngroups):
        gat = r.p
        name = r.string()
        last = (r.length() << 64) | r.length()
        er = ST.INVALID_READ
        if t >= T_STREAM_LISTPACKS_2:
            er = r.length()
            if er == _U64:
                er = ST.INVALID_READ
        else:
            er = s.estimate_distance(last)
        g = ST.Group(name, last, er)
        npel = r.length()
        for _ in range(npel):
            sid = int.from_bytes(r.take(16), "big")
            nk = ST.NACK(r.u64_le(), None)
            nk.delivery_count = r.length()
            g.pel.add(sid, nk)
        ncons = r.length()
        for _ in range(ncons):
            cname = r.string()
            seen = r.u64_le()
            c = ST.Consumer(cname, seen)
            c.active_time = r.u64_le() if t >= T_STREAM_LISTPACKS_3 else seen
            nc = r.length()
            for _ in range(nc):
                pat = r.p
                sid = int.from_bytes(r.take(16), "big")
                nk = g.pel.get(sid)
                if nk is None:
                    r.fail("consumer PEL entry missing from its group's PEL", pat)
                nk.consumer = c
                c.pel.add(sid, nk)
            g.consumers[cname] = c
        if name in s.groups:
            r.fail("duplicate consumer group", gat)
        s.groups[name] = g
    return s


class RdbData:
    """What a file holds: ``version``, ``aux`` (name -> value, in file
    order), ``functions`` (library codes), ``records`` (Record tuples in
    file order), ``resize`` (db id -> (keys, volatile keys) hints)."""
    __slots__ = ("version", "aux", "functions", "records", "resize", "checksum")

    def __init__(self):
        self.version = 0
        self.aux = {}
        self.functions = []
        self.records = []
        self.resize = {}
        self.checksum = 0


def _as_bytes(src):
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src)
    return src.read()


def iter_load(src, out=None):
    """Yield each key's Record while reading an RDB file (bytes or a binary
    file object read whole); aux fields, libraries and hints go into ``out``
    (an RdbData). The checksum is verified at the end: a consumer that must
    not act on a corrupt file uses ``load`` instead."""
    data = _as_bytes(src)
    if out is None:
        out = RdbData()
    r = _In(data)
    magic = r.take(9)
    if magic[:5] != b"REDIS" or not magic[5:].isdigit():
        raise RDBError("not an RDB file (bad magic)", 0)
    version = int(magic[5:])
    if version < 1 or version > MAX_READ_VERSION:
        raise RDBError("unsupported RDB version %d" % version, 5)
    out.version = r.version = version
    dbid = 0
    deadline = idle = freq = None
    n = len(data)
    new = tuple.__new__
    while True:
        at = r.p
        op = r.byte()
        if op == OP_EXPIRETIME_MS:
            deadline = int.from_bytes(r.take(8), "little", signed=True)
        elif op == OP_EXPIRETIME:
            deadline = int.from_bytes(r.take(4), "little", signed=True) * 1000
        elif op == OP_IDLE:
            idle = r.length()
        elif op == OP_FREQ:
            freq = r.byte()
        elif op == OP_SELECTDB:
            dbid = r.length()
        elif op == OP_RESIZEDB:
            out.resize[dbid] = (r.length(), r.length())
        elif op == OP_AUX:
            k = r.string()
            out.aux[k] = r.string()
        elif op == OP_FUNCTION2:
            out.functions.append(r.string())
        elif op == OP_FUNCTION_PRE_GA:
            raise RDBError("pre-release function format (opcode 246) is not supported", at)
        elif op == OP_MODULE_AUX:
            raise RDBError("module auxiliary data is not supported", at)
        elif op == OP_EOF:
            if version >= 5:
                end = r.p
                crc = int.from_bytes(r.take(8), "little")
                out.checksum = crc
                if crc and crc64(0, data[:end]) != crc:
                    raise RDBError("checksum mismatch (file %016x, computed %016x)"
                                   % (crc, crc64(0, data[:end])), end)
            return
        else:
            # a key; short raw strings (the common key and value) inline
            p = r.p
            if p < n and data[p] < 64 and p + 1 + data[p] <= n:
                e = p + 1 + data[p]
                key = data[p + 1:e]
                r.p = p = e
            else:
                key = r.string()
                p = r.p
            if op == T_STRING and p < n and data[p] < 64 and p + 1 + data[p] <= n:
                e = p + 1 + data[p]
                v = data[p + 1:e]
                r.p = e
            else:
                v = read_value(r, op)
            if v is not None:           # Redis skips empty aggregates too
                yield new(Record, (dbid, key, v, deadline, idle, freq))
            deadline = idle = freq = None


def load(src):
    """Read a whole RDB file (bytes or a binary file object): an RdbData,
    returned only if the whole file, its checksum included, is valid."""
    out = RdbData()
    out.records = list(iter_load(src, out))
    return out


def load_value(payload):
    """The value in a DUMP payload (value type, value, 2-byte RDB version,
    CRC-64 of what precedes, 0 meaning unchecked)."""
    data = _as_bytes(payload)
    if len(data) < 11:
        raise PayloadFooterError("payload too short", 0)
    end = len(data) - 10
    ver = data[end] | data[end + 1] << 8
    if ver > MAX_READ_VERSION:
        raise PayloadFooterError("payload RDB version %d is newer than %d"
                                 % (ver, MAX_READ_VERSION), end)
    crc = int.from_bytes(data[end + 2:], "little")
    if crc and crc64(0, data[:end + 2]) != crc:
        raise PayloadFooterError("payload checksum mismatch", end + 2)
    r = _In(data, 0, end)
    r.version = ver
    t = r.byte()
    v = read_value(r, t)
    if r.p != end:
        raise RDBError("trailing bytes after the value", r.p)
    if v is None:
        raise RDBError("empty value", 0)
    return v


# ==================================================================================
# writing
# ==================================================================================
def _len(n):
    if n < 64:
        return _BL1[n]
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def _str(s, compress):
    """An RDB string as Redis writes it: an integer form for a canonical
    decimal of 1-11 bytes within int32, LZF for one over 20 bytes when that
    saves at least 4 bytes and compression is on, else raw."""
    n = len(s)
    if n <= 11 and n and s[0] < 58:
        v = parse_int(s)
        if v is not None:
            if -128 <= v <= 127:
                return b"\xc0" + v.to_bytes(1, "little", signed=True)
            if -32768 <= v <= 32767:
                return b"\xc1" + v.to_bytes(2, "little", signed=True)
            if -2147483648 <= v <= 2147483647:
                return b"\xc2" + v.to_bytes(4, "little", signed=True)
    if compress and n > 20:
        c = lzf.compress(s)
        if c is not None:
            return b"\xc3" + _len(len(c)) + _len(n) + c
    if n < 64:
        return _BL1[n] + s
    return _len(n) + s


def score_text(s):
    """A score as Redis 7.0 writes it into a listpack (d2string)."""
    if s != s:
        return b"nan"
    if s == float("inf"):
        return b"inf"
    if s == float("-inf"):
        return b"-inf"
    if s == 0:
        return b"-0" if str(s)[0] == "-" else b"0"
    if -4503599627370495 < s < 4503599627370496 and s == int(s):
        return b"%d" % int(s)
    return b"%.17g" % s


def _quicklist_nodes(items):
    """Elements grouped into nodes the way successive tail pushes fill a
    quicklist: [(container, list of elements)]."""
    nodes = []
    cur = None
    sz = 0
    esize = L.esize
    for x in items:
        n = len(x)
        if L.is_large(n):
            if cur is not None:
                nodes.append((QL_PACKED, cur))
                cur = None
            nodes.append((QL_PLAIN, [x]))
            continue
        if cur is not None and not L.grow_exceeds(sz + n + 8, len(cur) + 1):
            cur.append(x)
            sz += esize(x)
        else:
            if cur is not None:
                nodes.append((QL_PACKED, cur))
            cur = [x]
            sz = 7 + esize(x)
    if cur is not None:
        nodes.append((QL_PACKED, cur))
    return nodes


def _stream_body(s, c, active_times=False):
    out = []
    ap = out.append
    packed = []
    for node in s.nodes:
        live = [(i, it) for i, it in zip(node.ids, node.items) if it is not None]
        if not live:
            continue
        mf = tuple(node.mfields)
        nmf = len(mf)
        m = node.master
        mms, mseq = m >> 64, m & _U64
        el = [len(live), 0, nmf]
        el.extend(mf)
        el.append(0)
        for sid, it in live:
            nf = len(it) >> 1
            same = nf == nmf and tuple(it[0::2]) == mf
            el.append(2 if same else 0)
            el.append((sid >> 64) - mms)
            el.append((sid & _U64) - mseq)
            if same:
                el.extend(it[1::2])
                el.append(nf + 3)
            else:
                el.append(nf)
                el.extend(it)
                el.append(2 * nf + 4)
        packed.append((m, LPS.pack(el)))
    ap(_len(len(packed)))
    for m, lp in packed:
        ap(_str(m.to_bytes(16, "big"), c))
        ap(_str(lp, c))
    ap(_len(s.length))
    ap(_len(s.last_id >> 64) + _len(s.last_id & _U64))
    ap(_len(s.first_id >> 64) + _len(s.first_id & _U64))
    ap(_len(s.max_deleted >> 64) + _len(s.max_deleted & _U64))
    ap(_len(s.entries_added))
    groups = s.groups or {}
    ap(_len(len(groups)))
    for name in sorted(groups):
        g = groups[name]
        ap(_str(name, c))
        ap(_len(g.last_id >> 64) + _len(g.last_id & _U64))
        er = g.entries_read
        ap(_len(_U64 if er == ST.INVALID_READ or er < 0 else er))
        ap(_len(len(g.pel)))
        for sid in g.pel.order:
            nk = g.pel.d[sid]
            ap(sid.to_bytes(16, "big") + (nk.delivery_time & _U64).to_bytes(8, "little")
               + _len(nk.delivery_count))
        ap(_len(len(g.consumers)))
        for cname in sorted(g.consumers):
            cs = g.consumers[cname]
            ap(_str(cname, c))
            ap((cs.seen_time & _U64).to_bytes(8, "little"))
            if active_times:
                ap((cs.active_time & _U64).to_bytes(8, "little"))
            ap(_len(len(cs.pel)))
            for sid in cs.pel.order:
                ap(sid.to_bytes(16, "big"))
    return b"".join(out)


def encode_value(v, compress=True, version=RDB_VERSION):
    """(type byte, payload) of one value in a form Redis 7.0 reads (version
    10), or with 7.2's listpack sets and consumer active times (11)."""
    cls = v.__class__
    c = compress
    if cls is bytes or cls is bytearray:
        return T_STRING, _str(bytes(v), c)
    if cls is L.ListPack or cls is L.QuickList:
        nodes = _quicklist_nodes(v.items())
        parts = [_len(len(nodes))]
        for kind, els in nodes:
            parts.append(_BL1[kind])
            parts.append(_str(els[0] if kind == QL_PLAIN else LPS.pack(els), c))
        return T_LIST_QUICKLIST_2, b"".join(parts)
    if cls in S.INTSET_CLASSES:
        return T_SET_INTSET, _str(_intset_blob(v), c)
    if cls is S.SetLP and version >= 11:
        return T_SET_LISTPACK, _str(LPS.pack(v.members()), c)
    if cls is S.SetLP or isinstance(v, S.SetHT):
        ms = v.members()
        return T_SET, _len(len(ms)) + b"".join([_str(m, c) for m in ms])
    if cls is H.HashLP:
        return T_HASH_LISTPACK, _str(LPS.pack(v.flat()), c)
    if isinstance(v, H.HashHT):
        parts = [_len(len(v))]
        for f, x in v.items():
            parts.append(_str(f, c))
            parts.append(_str(x, c))
        return T_HASH, b"".join(parts)
    if cls is Z.ZPack:
        el = []
        for s, m in v.seq():
            el.append(m)
            el.append(score_text(s))
        return T_ZSET_LISTPACK, _str(LPS.pack(el), c)
    if cls is Z.ZSkip:
        parts = [_len(v.card())]
        for s, m in reversed(list(v.seq())):
            parts.append(_str(m, c))
            parts.append(_DBL.pack(s))
        return T_ZSET_2, b"".join(parts)
    if cls is ST.Stream:
        if version >= 11:
            return T_STREAM_LISTPACKS_3, _stream_body(v, c, True)
        return T_STREAM_LISTPACKS_2, _stream_body(v, c)
    raise TypeError("no RDB encoding for %r" % (cls,))


def dump_value(v, compress=True, version=RDB_VERSION):
    """A DUMP payload of ``v``: type, value, RDB version (10), CRC-64."""
    t, body = encode_value(v, compress, version)
    b = _BL1[t] + body + version.to_bytes(2, "little")
    return b + crc64(0, b).to_bytes(8, "little")


def default_aux(redis_ver=b"7.0.15", used_mem=0, aof_base=False, ctime=None):
    """The aux fields redis-server writes at the head of a file."""
    return {
        b"redis-ver": redis_ver,
        b"redis-bits": b"64",
        b"ctime": b"%d" % (int(time.time()) if ctime is None else ctime),
        b"used-mem": b"%d" % used_mem,
        b"aof-base": b"1" if aof_base else b"0",
    }


class Writer:
    """Writes an RDB file to ``f`` (a binary file object) or into memory
    (``getvalue()``), keeping the running CRC-64:
    ``aux(...)``, ``function(code)``, ``select_db(id, keys, volatile)``,
    ``key(...)`` per key, then ``finish()``."""

    def __init__(self, f=None, compress=True, checksum=True, flush_bytes=1 << 20,
                 version=RDB_VERSION):
        if version not in (10, 11):
            raise ValueError("RDB version 10 or 11 only")
        self.version = version
        self.f = f
        self.compress = compress
        self.checksum = checksum
        self.crc = 0
        self.buf = []
        self.buffered = 0
        self.flush_bytes = flush_bytes
        self.chunks = [] if f is None else None
        self._put(b"REDIS%04d" % version)

    def _put(self, b):
        self.buf.append(b)
        self.buffered += len(b)
        if self.buffered >= self.flush_bytes:
            self._flush()

    def _flush(self):
        if not self.buf:
            return
        chunk = b"".join(self.buf)
        self.buf = []
        self.buffered = 0
        if self.checksum:
            self.crc = crc64(self.crc, chunk)
        if self.f is None:
            self.chunks.append(chunk)
        else:
            self.f.write(chunk)

    def aux(self, fields):
        c = self.compress
        for k, v in fields.items():
            self._put(b"\xfa" + _str(k, c) + _str(v, c))

    def function(self, code):
        self._put(bytes((OP_FUNCTION2,)) + _str(code, self.compress))

    def select_db(self, dbid, keys, volatile):
        self._put(b"\xfe" + _len(dbid) + b"\xfb" + _len(keys) + _len(volatile))

    def key(self, key, value, deadline_ms=None, lru_idle=None, lfu_freq=None):
        pre = b""
        if deadline_ms is not None:
            pre = b"\xfc" + (deadline_ms & _U64).to_bytes(8, "little")
        if lru_idle is not None:
            pre += b"\xf8" + _len(lru_idle)
        if lfu_freq is not None:
            pre += b"\xf9" + bytes((lfu_freq,))
        t, body = encode_value(value, self.compress, self.version)
        self._put(pre + _BL1[t] + _str(key, self.compress) + body)

    def finish(self):
        self._put(b"\xff")
        self._flush()
        tail = self.crc.to_bytes(8, "little") if self.checksum else b"\0" * 8
        if self.f is None:
            self.chunks.append(tail)
        else:
            self.f.write(tail)

    def getvalue(self):
        return b"".join(self.chunks)


def dump(databases, aux=None, functions=(), compress=True, checksum=True, f=None,
         version=RDB_VERSION):
    """Write a whole RDB file. ``databases`` yields (db id, records) where
    records is a sequence of (key, value, deadline_ms or None[, lru_idle,
    lfu_freq]); empty databases are skipped. ``aux`` defaults to
    ``default_aux()``; ``functions`` are library codes. Returns the bytes
    (or None when written to ``f``)."""
    w = Writer(f, compress, checksum, version=version)
    w.aux(default_aux() if aux is None else aux)
    for code in functions:
        w.function(code)
    for dbid, recs in databases:
        if not hasattr(recs, "__len__"):
            recs = list(recs)
        if not recs:
            continue
        vol = 0
        for rec in recs:
            if rec[2] is not None:
                vol += 1
        w.select_db(dbid, len(recs), vol)
        key = w.key
        for rec in recs:
            key(*rec)
    w.finish()
    return w.getvalue() if f is None else None
