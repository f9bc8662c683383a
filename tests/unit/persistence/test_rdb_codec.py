"""The RDB codec in-process: listpack, string and length forms at their
boundaries, value round trips for every shardis encoding, the streaming
writer, version-11 types, DUMP payload checks and malformed input."""
import io
import random

import pytest

from shardis.persistence import rdb
from shardis.types import digest
from shardis.types import hash as H
from shardis.types import list as L
from shardis.types import lpsize as LPS
from shardis.types import set as S
from shardis.types import stream as ST
from shardis.types import zset as Z
from shardis.util.crc64 import crc64

INT_EDGES = [0, 1, 127, 128, -1, -4096, 4095, 4096, -4097, 32767, -32768, 32768,
             8388607, -8388608, 8388608, 2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 63 - 1, -2 ** 63]


def test_listpack_roundtrip_edges():
    items = [b"%d" % v for v in INT_EDGES]
    items += [b"", b"x", b"-0", b"007", b"+1", b"a" * 63, b"b" * 64, b"c" * 4095, b"d" * 4096,
              b"e" * 20000, b"9223372036854775808"]
    blob = LPS.pack(items)
    assert int.from_bytes(blob[:4], "little") == len(blob)
    assert rdb._lp_entries(blob) == items
    # listpack sizes agree with what types/lpsize computes for Redis
    from shardis.types.lpsize import entry_size
    assert len(blob) == 7 + sum(entry_size(x) for x in items)


def test_listpack_over_65535_entries_has_unknown_count():
    items = [b"%d" % (i % 100) for i in range(70000)]
    blob = LPS.pack(items)
    assert blob[4:6] == b"\xff\xff"
    assert rdb._lp_entries(blob) == items


@pytest.mark.parametrize("s,first", [(b"0", 0xC0), (b"-128", 0xC0), (b"128", 0xC1),
                                     (b"-32769", 0xC2), (b"2147483647", 0xC2)])
def test_int_strings(s, first):
    enc = rdb._str(s, True)
    assert enc[0] == first
    assert rdb._In(enc).string() == s


def test_strings_not_int_encoded_and_lzf():
    for s in (b"2147483648", b"012", b"-0", b"12345678901"):
        enc = rdb._str(s, True)
        assert enc[0] == len(s) and rdb._In(enc).string() == s
    s = b"abcd" * 100
    enc = rdb._str(s, True)
    assert enc[0] == 0xC3 and len(enc) < 50
    assert rdb._In(enc).string() == s
    assert rdb._str(s, False) == b"\x41\x90" + s
    rnd = random.Random(1)
    incompressible = bytes(rnd.randrange(256) for _ in range(100))
    assert rdb._str(incompressible, True)[:2] == b"\x40\x64"


def _values():
    rnd = random.Random(5)
    st = ST.Stream()
    for i in range(300):
        fv = (b"a", b"%d" % i, b"b", b"x" * (i % 5)) if i % 9 else (b"other", b"-12")
        st.append(((1000 + i) << 64) | i, fv, 4096, 100)
    st.delete((1005 << 64) | 5)
    g = ST.Group(b"g", (1010 << 64) | 10, 11)
    c = ST.Consumer(b"cons", 1700000000000)
    c.active_time = 1700000000500
    g.consumers[b"cons"] = c
    for i in (1001, 1003):
        n = ST.NACK(1700000000123, c)
        n.delivery_count = 3
        sid = (i << 64) | (i - 1000)
        g.pel.add(sid, n)
        c.pel.add(sid, n)
    st.groups = {b"g": g, b"empty": ST.Group(b"empty", 0, ST.INVALID_READ)}
    st.max_deleted = (1005 << 64) | 5
    return {
        "str": b"plain", "int": b"-42", "bin": bytes(range(256)),
        "lp": L.from_items([b"a", b"1", b"-70000"]),
        "ql": L.from_items([b"%08d" % i for i in range(5000)] + [b"y" * 9000]),
        "i16": S.build([b"1", b"-2"]), "i32": S.build([b"70000"]), "i64": S.build([b"%d" % 2 ** 40]),
        "setlp": S.build([b"a", b"b"]), "setht": S.SetHT([b"m%d" % i for i in range(300)]),
        "hlp": H.from_pairs([(b"f", b"v"), (b"n", b"12")]),
        "hht": H.from_pairs([(b"f%d" % i, b"%d" % rnd.randrange(10 ** 9)) for i in range(600)]),
        "zlp": Z.from_pairs([(b"a", 1.0), (b"b", 0.5), (b"c", float("inf")), (b"d", -1e-300)]),
        "zskip": Z.from_pairs([(b"m%d" % i, rnd.random() * 100) for i in range(400)]),
        "stream": st,
    }


def _same(a, b):
    assert a.__class__ is b.__class__
    assert digest.value_digest(a, False) == digest.value_digest(b, False)


@pytest.mark.parametrize("compress", [True, False])
def test_dump_value_roundtrip_every_encoding(compress):
    for name, v in _values().items():
        p = rdb.dump_value(v, compress)
        assert p[-10:-8] == b"\x0a\x00"
        assert int.from_bytes(p[-8:], "little") == crc64(0, p[:-8])
        back = rdb.load_value(p)
        if v.__class__ is S.SetLP:
            assert back.__class__ is S.SetLP       # written as a plain set, read back by 7.2's rule
        _same(v, back)
    st = rdb.load_value(rdb.dump_value(_values()["stream"]))
    g = st.groups[b"g"]
    assert g.entries_read == 11 and st.groups[b"empty"].entries_read == ST.INVALID_READ
    assert [(i >> 64, g.pel.get(i).delivery_count, g.pel.get(i).consumer.name) for i in g.pel.order] == \
        [(1001, 3, b"cons"), (1003, 3, b"cons")]
    assert g.consumers[b"cons"].seen_time == 1700000000000
    assert st.max_deleted == (1005 << 64) | 5 and st.entries_added == 300 and st.length == 299


def test_writer_to_file_equals_in_memory():
    vals = _values()
    recs = [(k.encode(), v, 1700000000000 + i if i % 2 else None) for i, (k, v) in enumerate(vals.items())]
    aux = rdb.default_aux(ctime=1700000000)
    mem = rdb.dump([(0, recs), (3, recs[:2]), (4, [])], aux=aux, functions=[b"#!lua name=l\n"])
    f = io.BytesIO()
    w = rdb.Writer(f, flush_bytes=100)
    w.aux(aux)
    w.function(b"#!lua name=l\n")
    w.select_db(0, len(recs), sum(1 for r in recs if r[2] is not None))
    for r in recs:
        w.key(*r)
    w.select_db(3, 2, 1)
    for r in recs[:2]:
        w.key(*r)
    w.finish()
    assert f.getvalue() == mem
    res = rdb.load(io.BytesIO(mem))
    assert res.functions == [b"#!lua name=l\n"]
    assert res.aux[b"ctime"] == b"1700000000" and res.aux[b"redis-bits"] == b"64"
    assert res.resize == {0: (len(recs), 7), 3: (2, 1)}
    assert [(r.dbid, r.key, r.deadline_ms) for r in res.records] == \
        [(0, k, d) for k, _, d in recs] + [(3, k, d) for k, _, d in recs[:2]]
    for r, (_, v, _) in zip(res.records, recs):
        _same(r.value, v)
    no_crc = rdb.dump([(0, recs[:1])], aux=aux, checksum=False)
    assert no_crc.endswith(b"\xff" + b"\0" * 8)
    assert rdb.load(no_crc).checksum == 0


def test_lru_lfu_and_old_expire():
    w = rdb.Writer()
    w.select_db(0, 2, 0)
    w.key(b"a", b"1", lru_idle=12345)
    w.key(b"b", b"2", lfu_freq=200)
    w.finish()
    data = w.getvalue()
    recs = rdb.load(data).records
    assert (recs[0].lru_idle, recs[0].lfu_freq, recs[1].lru_idle, recs[1].lfu_freq) == (12345, None, None, 200)
    # EXPIRETIME (seconds) of old files
    body = b"REDIS0006\xfe\x00\xfd" + (1700000000).to_bytes(4, "little") + b"\x00\x01k\x01v\xff"
    body += crc64(0, body).to_bytes(8, "little")
    assert rdb.load(body).records[0].deadline_ms == 1700000000000


def test_version_11_set_listpack_and_limits():
    members = [b"a", b"b", b"1"]
    p = bytes((rdb.T_SET_LISTPACK,)) + rdb._str(LPS.pack(members), True) + b"\x0b\x00"
    p += crc64(0, p).to_bytes(8, "little")
    v = rdb.load_value(p)
    assert v.__class__ is S.SetLP and v.members() == members
    big = [b"m%d" % i for i in range(200)]
    p = bytes((rdb.T_SET_LISTPACK,)) + rdb._str(LPS.pack(big), True) + b"\x0b\x00"
    p += b"\0" * 8                                     # checksum 0: not checked
    assert rdb.load_value(p).__class__ is S.SetHT
    p = b"\x00\x01x\x0c\x00" + b"\0" * 8
    with pytest.raises(rdb.PayloadFooterError, match="newer"):
        rdb.load_value(p)


def test_ziplist_forms_of_old_files():
    def zl(entries):
        body = b""
        prev = 0
        for e in entries:
            if isinstance(e, int):
                enc = b"\xfe" + e.to_bytes(1, "little", signed=True)
            else:
                enc = bytes((len(e),)) + e
            ent = bytes((prev,)) + enc
            prev = len(ent)
            body += ent
        total = 10 + len(body) + 1
        return total.to_bytes(4, "little") + (10).to_bytes(4, "little") + \
            len(entries).to_bytes(2, "little") + body + b"\xff"
    p = bytes((rdb.T_HASH_ZIPLIST,)) + rdb._str(zl([b"f", 5, b"g", b"h"]), False) + b"\x09\x00" + b"\0" * 8
    v = rdb.load_value(p)
    assert v.__class__ is H.HashLP and v.items() == [(b"f", b"5"), (b"g", b"h")]
    p = bytes((rdb.T_LIST_ZIPLIST,)) + rdb._str(zl([b"a", -3]), False) + b"\x09\x00" + b"\0" * 8
    assert rdb.load_value(p).items() == [b"a", b"-3"]


def test_malformed_payloads():
    good = rdb.dump_value(H.from_pairs([(b"f", b"v")]))
    bad = bytearray(good)
    bad[3] ^= 1
    with pytest.raises(rdb.PayloadFooterError, match="checksum"):
        rdb.load_value(bytes(bad))
    with pytest.raises(rdb.PayloadFooterError):
        rdb.load_value(good[:10])
    for cut in range(1, len(good)):
        with pytest.raises(rdb.RDBError):
            rdb.load_value(good[:cut])
    # a listpack whose count disagrees with its entries
    lp = bytearray(LPS.pack([b"a", b"b"]))
    lp[4] = 3
    p = bytes((rdb.T_HASH_LISTPACK,)) + rdb._str(bytes(lp), False) + b"\x0a\x00" + b"\0" * 8
    with pytest.raises(rdb.RDBError, match="count"):
        rdb.load_value(p)
    # duplicate hash fields
    p = bytes((rdb.T_HASH,)) + b"\x02\x01f\x01v\x01f\x01w" + b"\x0a\x00" + b"\0" * 8
    with pytest.raises(rdb.RDBError, match="duplicate") as e:
        rdb.load_value(p)
    assert not isinstance(e.value, rdb.PayloadFooterError)
    with pytest.raises(rdb.RDBError, match="module"):
        rdb.load_value(b"\x07\x00" + b"\x0a\x00" + b"\0" * 8)
    with pytest.raises(rdb.RDBError, match="magic"):
        rdb.load(b"RADIS0010\xff" + b"\0" * 8)
    with pytest.raises(rdb.RDBError, match="version"):
        rdb.load(b"REDIS0012\xff" + b"\0" * 8)


def test_truncation_anywhere_raises_with_offset():
    data = rdb.dump([(0, [(k.encode(), v, None) for k, v in _values().items()])],
                    aux=rdb.default_aux(ctime=1))
    rnd = random.Random(3)
    for cut in sorted(rnd.sample(range(len(data)), 60)) + [len(data) - 1]:
        with pytest.raises(rdb.RDBError) as e:
            rdb.load(data[:cut])
        assert 0 <= e.value.offset <= cut


def test_lzf_and_crc64_fast_paths():
    from shardis.util import lzf
    from shardis.util.crc64 import _T
    rnd = random.Random(9)
    words = [b"%x" % rnd.randrange(1 << 16) for _ in range(50)]
    cases = [b"a" * 1000, b"ab" * 700, bytes(range(256)) * 5,
             b" ".join(rnd.choice(words) for _ in range(3000))]
    for d in cases:
        c = lzf.compress(d)
        assert c is not None and lzf.decompress(c, len(d)) == d

    def slow(crc, data):
        for b in data:
            crc = _T[(crc ^ b) & 0xFF] ^ (crc >> 8)
        return crc
    for n in (0, 7, 63, 64, 65, 1001):
        d = bytes(rnd.randrange(256) for _ in range(n))
        assert crc64(0, d) == slow(0, d) and crc64(77, d) == slow(77, d)
    assert crc64(0, b"123456789") == 0xE9C6D914C4B8D9CA


def test_version_11_writer_round_trip():
    vals = _values()
    data = rdb.dump([(0, [(k.encode(), v, None) for k, v in vals.items()])],
                    aux=rdb.default_aux(ctime=1), version=11)
    assert data.startswith(b"REDIS0011")
    got = {r.key: r.value for r in rdb.load(data).records}
    for k, v in vals.items():
        _same(v, got[k.encode()])
    assert got[b"setlp"].__class__ is S.SetLP
    assert got[b"stream"].groups[b"g"].consumers[b"cons"].active_time == 1700000000500
    p = rdb.dump_value(vals["setlp"], version=11)
    assert p[0] == rdb.T_SET_LISTPACK and p[-10:-8] == b"\x0b\x00"
    # version 10 reads give a consumer its seen time as active time (7.2's estimate)
    st10 = rdb.load_value(rdb.dump_value(vals["stream"]))
    assert st10.groups[b"g"].consumers[b"cons"].active_time == 1700000000000
