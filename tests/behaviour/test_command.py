"""COMMAND, COMMAND COUNT/LIST/INFO/DOCS/GETKEYS/GETKEYSANDFLAGS vs redis-server.

The table describes Redis 7.2; the oracle is 7.0.15. COMMAND INFO must match
the oracle exactly for every command both know, except for the metadata 7.2
changed on purpose: command tips, the ``noscript`` flag blocking commands
lost, ``may_replicate`` on PUBLISH-like commands, ``loading`` on a few
cluster subcommands, and COMMAND GETKEYS's arity. COMMAND DOCS is compared
on its structure (7.2 rewrote summaries and renamed arguments).
"""
import pytest

from tests.resp_client import RespError

NEW_IN_72 = {b"client|no-touch", b"client|setinfo", b"cluster|myshardid", b"waitaof"}
# (field index in the 10-element entry) -> what 7.2 may change
TIPS, FLAGS, ARITY = 7, 2, 1
FLAGS_72 = {b"noscript", b"may_replicate", b"loading"}
ARITY_72 = {b"command|getkeys", b"command|getkeysandflags", b"zrank", b"zrevrank"}


def _norm_info(e):
    """Sort subcommands (Redis prints them in hash order)."""
    if e is None:
        return e
    e = list(e)
    e[9] = sorted((_norm_info(s) for s in e[9]), key=lambda x: x[0])
    return e


def _check_entry(ro, so):
    assert so[0] == ro[0]
    name = ro[0]
    for i in range(10):
        if i == 9:
            rs = {s[0]: s for s in ro[9]}
            ss = {s[0]: s for s in so[9]}
            assert set(rs) <= set(ss) and set(ss) - set(rs) <= NEW_IN_72, name
            for k in rs:
                _check_entry(rs[k], ss[k])
            continue
        if ro[i] == so[i]:
            continue
        if i == TIPS:
            continue
        if i == FLAGS and set(ro[i]) ^ set(so[i]) <= FLAGS_72:
            continue
        if i == ARITY and name in ARITY_72:
            continue
        raise AssertionError(f"{name!r} field {i}: redis {ro[i]!r} shardis {so[i]!r}")


def test_count_and_list(diff):
    r = diff.r("COMMAND", "LIST")
    s = diff.s("COMMAND", "LIST")
    assert set(s) - set(r) == NEW_IN_72
    assert set(r) <= set(s)
    assert diff.s("COMMAND", "COUNT") == diff.r("COMMAND", "COUNT") + 1   # WAITAOF


def test_info_every_command(diff):
    names = diff.r("COMMAND", "LIST")
    for n in names:
        _, ro = diff.r.call("COMMAND", "INFO", n)
        _, so = diff.s.call("COMMAND", "INFO", n)
        _check_entry(_norm_info(ro[0]), _norm_info(so[0]))


def test_info_exact_bytes_for_stable_commands(diff):
    # commands whose metadata did not change between 7.0 and 7.2: exact bytes
    for n in ["get", "set", "mget", "zadd", "xadd", "hset", "lpush", "rename", "del",
              "getex", "geoadd", "ping", "select", "pfadd"]:
        diff("COMMAND", "INFO", n)


def test_info_many_and_unknown(diff):
    diff("COMMAND", "INFO", "get", "nosuchcmd", "GET", "object|encoding")
    diff("COMMAND", "INFO", "nosuch|thing", "config|nosuch")


def test_full_command_reply(diff):
    r = diff.r("COMMAND")
    s = diff.s("COMMAND")
    assert len(s) == len(r) + 1
    rs = {e[0]: e for e in r}
    ss = {e[0]: e for e in s}
    assert set(ss) - set(rs) == {b"waitaof"}
    for k in rs:
        _check_entry(_norm_info(rs[k]), _norm_info(ss[k]))


def _doc_shape(v):
    """Keys of the docs map and the argument tree's (type, token) pairs."""
    if isinstance(v, list):   # RESP2 flat map
        v = dict(zip(v[::2], v[1::2]))
    keys = set(v) - {b"summary", b"history"}

    def walk(args):
        out = []
        for a in args:
            a = dict(zip(a[::2], a[1::2])) if isinstance(a, list) else a
            tok = a.get(b"token")
            out.append((a[b"type"], tok.upper() if tok else None,
                        tuple(sorted(a.get(b"flags", ()))), walk(a.get(b"arguments", []))))
        return tuple(out)
    return keys, v[b"group"], v.get(b"doc_flags"), v.get(b"deprecated_since"), \
        walk(v.get(b"arguments", []))


# Arguments 7.2 restructured (a plain string became a oneof of tokens...).
ARGS_72 = {b"bitop", b"hello", b"flushall", b"flushdb", b"script|flush", b"function|flush",
           b"shutdown", b"xadd", b"xgroup|create", b"xgroup|setid", b"zadd", b"geoadd",
           b"geosearch", b"geosearchstore", b"georadius", b"georadius_ro",
           b"georadiusbymember", b"georadiusbymember_ro", b"client|kill", b"client|tracking",
           b"config|get", b"config|set", b"migrate", b"sort", b"sort_ro", b"zrange",
           b"zrangestore", b"xclaim", b"xsetid", b"lcs", b"module|loadex", b"cluster|setslot",
           b"cluster|reset", b"hmset", b"hset", b"mset", b"msetnx", b"xread", b"xreadgroup",
           b"zrangebylex", b"zrangebyscore", b"zrevrangebylex", b"zrevrangebyscore",
           b"zrandmember", b"xinfo|stream", b"quit", b"bitcount", b"bitpos", b"bitfield",
           b"bitfield_ro", b"acl|log", b"latency|histogram", b"zrank", b"zrevrank",
           b"pfmerge", b"psetex", b"setex", b"setnx", b"hscan", b"sscan", b"zscan",
           b"client|list", b"geopos", b"geohash", b"psubscribe", b"command|getkeys",
           b"command|getkeysandflags"}


# Commands 7.2 deprecated (doc_flags) or documented further (arguments added).
DOCS_72 = {b"psetex", b"setex", b"setnx", b"quit",           # deprecated in 7.2
           b"xread",                                           # complexity dropped in 7.2
           b"command|getkeys", b"command|getkeysandflags"}    # arguments added in 7.2


def test_docs_structure_every_command(diff2):
    names = diff2.r("COMMAND", "LIST")
    mismatched = []
    for n in names:
        r = diff2.r("COMMAND", "DOCS", n)
        s = diff2.s("COMMAND", "DOCS", n)
        assert s[0] == r[0] == n
        rk, rg, rf, rd, ra = _doc_shape(r[1])
        sk, sg, sf, sd, sa = _doc_shape(s[1])
        if (rk, rf, rd) != (sk, sf, sd) and n not in DOCS_72:
            mismatched.append((n, "keys/flags"))
        assert rg == sg, n
        if ra != sa and n not in ARGS_72:
            mismatched.append((n, "arguments"))
    assert not mismatched, sorted(mismatched)


def test_docs_exact_bytes_stable(diff):
    # same text in 7.0 and 7.2 except the summaries: compare with summary removed
    for n in ["get", "incr", "lpush", "ttl"]:
        r = diff.r("COMMAND", "DOCS", n)
        s = diff.s("COMMAND", "DOCS", n)
        if isinstance(r, dict):
            rv, sv = dict(r[n.encode()]), dict(s[n.encode()])
        else:
            rv = dict(zip(r[1][::2], r[1][1::2]))
            sv = dict(zip(s[1][::2], s[1][1::2]))
        rv.pop(b"summary")
        sv.pop(b"summary")
        assert rv == sv | {b"arguments": _no_display_text(sv[b"arguments"])}


def _no_display_text(args):
    """The argument list without the display_text field 7.2 added to every
    displayable argument (tests/behaviour/test_conformance_fixes.py checks it)."""
    out = []
    for a in args:
        if isinstance(a, dict):
            a = {k: v for k, v in a.items() if k != b"display_text"}
        else:
            i = a.index(b"display_text") if b"display_text" in a[::2] else -1
            a = a[:i] + a[i + 2:] if i >= 0 else a
        out.append(a)
    return out


def test_docs_unknown_and_many(diff):
    diff("COMMAND", "DOCS", "nosuchcommand")
    r = diff.r("COMMAND", "DOCS", "get", "nosuch", "ping")
    s = diff.s("COMMAND", "DOCS", "get", "nosuch", "ping")
    assert len(r) == len(s)


def test_docs_all(diff2):
    r = diff2.r("COMMAND", "DOCS")
    s = diff2.s("COMMAND", "DOCS")
    assert set(s[::2]) - set(r[::2]) == {b"waitaof"}


def test_list_filters(diff):
    diff.unordered("COMMAND", "LIST", "FILTERBY", "PATTERN", "xa*")
    diff.unordered("COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*")
    diff.unordered("COMMAND", "LIST", "FILTERBY", "ACLCAT", "hyperloglog")
    diff.unordered("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat")
    diff.unordered("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuchmodule")
    diff.error("COMMAND", "LIST", "FILTERBY", "BOGUS", "x")
    diff.error("COMMAND", "LIST", "FILTERBY", "PATTERN")
    diff.error("COMMAND", "LIST", "EXTRA")


def test_list_aclcat_sets(diff2):
    for cat in ["read", "write", "fast", "slow", "admin", "dangerous", "keyspace", "string",
                "list", "hash", "set", "sortedset", "stream", "pubsub", "geo", "bitmap",
                "blocking", "connection", "transaction", "scripting"]:
        r = set(diff2.r("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat))
        s = set(diff2.s("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat))
        assert s - NEW_IN_72 == r, (cat, r ^ s)


GETKEYS_CASES = [
    ("GET", "k"),
    ("MSET", "a", "1", "b", "2"),
    ("MGET", "a", "b", "c"),
    ("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"),
    ("ZINTERCARD", "3", "a", "b", "c", "LIMIT", "1"),
    ("EVAL", "return 1", "2", "k1", "k2", "a1"),
    ("EVAL", "return 1", "0"),
    ("SORT", "k", "BY", "w", "STORE", "dst"),
    ("SORT", "k", "LIMIT", "0", "1", "GET", "#"),
    ("MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"),
    ("MIGRATE", "h", "1", "key", "0", "5"),
    ("XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "0"),
    ("LMPOP", "2", "a", "b", "LEFT"),
    ("BLMOVE", "a", "b", "LEFT", "RIGHT", "0"),
    ("RENAME", "a", "b"),
    ("SET", "k", "v"),
    ("SET", "k", "v", "GET"),
    ("BITFIELD", "k", "GET", "u8", "0"),
    ("BITFIELD", "k", "SET", "u8", "0", "1"),
    ("MEMORY", "USAGE", "k"),
    ("OBJECT", "ENCODING", "k"),
    ("GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d"),
    ("DEL", "a", "b", "c"),
    ("BLPOP", "a", "b", "0"),
    ("SINTERSTORE", "d", "a", "b"),
    ("XGROUP", "CREATE", "s", "g", "$"),
    ("PFCOUNT", "a", "b"),
]


@pytest.mark.parametrize("args", GETKEYS_CASES, ids=lambda a: " ".join(a)[:40])
def test_getkeys(diff, args):
    diff("COMMAND", "GETKEYS", *args)
    diff("COMMAND", "GETKEYSANDFLAGS", *args)


def test_getkeys_errors(diff):
    diff.error("COMMAND", "GETKEYS", "nosuch", "a")
    diff.error("COMMAND", "GETKEYS", "GET", "a", "b")
    diff.error("COMMAND", "GETKEYS", "PING", "x")
    diff("COMMAND", "GETKEYS", "EVAL", "x", "notanumber")
    diff("COMMAND", "GETKEYS", "EVAL", "x", "5", "a")
    diff.error("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "x", "a")
    diff.error("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "5", "a")
    diff.error("COMMAND", "GETKEYS", "LMPOP", "5", "a", "LEFT")
    diff.error("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a")
    diff.error("COMMAND", "GETKEYSANDFLAGS", "LASTSAVE", "x")
    diff.error("COMMAND", "GETKEYS", "SPUBLISH", "ch", "msg")


def test_unknown_subcommand(diff):
    diff.error("COMMAND", "NOSUCH")
    diff.error("COMMAND", "COUNT", "extra")


@pytest.mark.redis72
def test_help(ours, oracle):
    o = oracle("COMMAND", "HELP")
    s = ours("COMMAND", "HELP")
    assert s[:-1] == o[:-1]
    assert s[-1] == b"    Print this help."


def test_keyspecs_unit():
    from shardis.commands.registry import build
    from shardis.commands.keyspecs import get_keys, key_names
    _, every = build()
    assert key_names(every["mset"], [b"mset", b"a", b"1", b"b", b"2"]) == [b"a", b"b"]
    assert get_keys(every["zadd"], [b"zadd", b"z", b"1", b"m"]) == [(1, ("RW", "UPDATE"))]
    lm = every["lmpop"]
    assert key_names(lm, [b"lmpop", b"2", b"x", b"y", b"LEFT"]) == [b"x", b"y"]
    assert get_keys(lm, [b"lmpop", b"nan", b"x", b"LEFT"]) is None
    xr = every["xread"]
    assert key_names(xr, [b"xread", b"STREAMS", b"a", b"b", b"0", b"0"]) == [b"a", b"b"]
    sub = every["object"].subcommands["encoding"]
    assert key_names(sub, [b"object", b"encoding", b"k"]) == [b"k"]
    # huge key counts stop at the end of argv
    # more keys announced than given: no keys at all (the command reports the error)
    assert key_names(every["zunionstore"], [b"zunionstore", b"d", b"999999999999", b"a"]) == []


@pytest.mark.redis72
@pytest.mark.parametrize("name", sorted(NEW_IN_72))
def test_commands_added_in_72(ours, name):
    """Described from the 7.2 table: arity, flags, key range as Redis derives them."""
    import json
    from shardis.commands.registry import TABLE_PATH
    with open(TABLE_PATH) as f:
        spec = json.load(f)[name.decode()]
    (entry,) = ours("COMMAND", "INFO", name)
    assert entry[0] == name and entry[1] == spec["arity"]
    flags = {f.decode() for f in entry[2]}
    expected = {f.lower() for f in spec.get("command_flags", ())} - {"sentinel", "protected"}
    assert flags == expected
    docs = ours("COMMAND", "DOCS", name)
    d = dict(zip(docs[1][::2], docs[1][1::2]))
    assert d[b"since"] == spec["since"].encode() and d[b"summary"] == spec["summary"].encode()
    assert name in ours("COMMAND", "LIST")


@pytest.mark.redis72
def test_waitaof_keys_and_getkeys_arity(ours):
    assert ours("COMMAND", "INFO", "waitaof")[0][3:6] == [0, 0, 0]
    # 7.2 lets GETKEYS take a command without arguments (arity -3)
    assert str(ours("COMMAND", "GETKEYS", "PING")) == "ERR The command has no key arguments"
