"""DEBUG, RESET, TIME, LASTSAVE, ROLE, SHUTDOWN compared with redis-server."""
import time

import pytest

from tests.resp_client import RawClient, RespError
from tests.servers import ServerProc


def _debug_object_fields(line):
    return [kv.split(":", 1)[0] for kv in line.decode().split(" ")]


def test_debug_object(diff):
    diff("MSET", "s", "hello", "n", "12345", "big", "x" * 100)
    for key in ("s", "n", "big"):
        r = diff.r("DEBUG", "OBJECT", key)
        s = diff.s("DEBUG", "OBJECT", key)
        assert _debug_object_fields(s) == _debug_object_fields(r)
        rf = dict(kv.split(":", 1) for kv in r.decode().split(" ")[2:])
        sf = dict(kv.split(":", 1) for kv in s.decode().split(" ")[2:])
        for f in ("refcount", "encoding", "lru_seconds_idle"):
            assert sf[f] == rf[f], (key, f)
        if key != "big":          # Redis LZF-compresses long strings: not reproduced
            assert sf["serializedlength"] == rf["serializedlength"], key
    diff.error("DEBUG", "OBJECT", "nokey")
    diff.error("DEBUG", "OBJECT")


def test_debug_misc(diff):
    diff("DEBUG", "SLEEP", "0")
    diff("DEBUG", "SLEEP", "junk")
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "junk")
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    diff("DEBUG", "LOG", "hello from the tests")
    diff.error("DEBUG", "BOGUS")
    diff.error("DEBUG", "ERROR", "MYERR custom text")
    diff.error("DEBUG")


@pytest.mark.parametrize("t", ["string", "integer", "double", "bignum", "null", "array", "set",
                               "map", "attrib", "push", "verbatim", "true", "false", "bogus"])
def test_debug_protocol(diff, t):
    diff("DEBUG", "PROTOCOL", t)
    if diff.protocol == 3 and t == "push":
        diff.r.read()
        diff.s.read()


def test_debug_sleep_blocks(ours):
    t0 = time.monotonic()
    assert ours("DEBUG", "SLEEP", "0.2") == b"OK"
    assert time.monotonic() - t0 >= 0.19


def test_debug_disabled():
    try:
        r = ServerProc("redis", args=["--enable-debug-command", "no"])
    except FileNotFoundError:
        pytest.skip("redis-server not installed")
    s = ServerProc("shardis", args=["--enable-debug-command", "no"])
    try:
        rc, sc = RawClient(r.port), RawClient(s.port)
        for args in (("DEBUG", "SLEEP", "0"), ("DEBUG", "HELP")):
            assert sc.call(*args)[0] == rc.call(*args)[0]
        rc.close()
        sc.close()
    finally:
        r.stop()
        s.stop()


@pytest.mark.redis72
def test_debug_help_lists_what_exists(ours, oracle):
    o = oracle("DEBUG", "HELP")
    s = ours("DEBUG", "HELP")
    assert s[0] == o[0] and s[-1] == b"    Print this help."
    for line in s[1:-2]:
        assert line in o        # every line we print is Redis's


def test_time(diff):
    r = diff.r("TIME")
    s = diff.s("TIME")
    assert len(s) == 2 and all(isinstance(x, bytes) for x in s)
    assert abs(int(s[0]) - int(r[0])) <= 2
    assert 0 <= int(s[1]) < 1000000
    diff.error("TIME", "x")


def test_lastsave(diff):
    diff.same_type("LASTSAVE")
    assert abs(diff.s("LASTSAVE") - time.time()) < 3600 * 24
    diff.error("LASTSAVE", "x")


def test_role(diff):
    diff("ROLE")
    diff.error("ROLE", "x")


def _state(c):
    line = c("CLIENT", "INFO")
    line = (line[4:] if line.startswith(b"txt:") else line).decode().strip()
    f = dict(kv.split("=", 1) for kv in line.split(" "))
    return {k: f[k] for k in ("name", "db", "sub", "psub", "multi", "flags", "resp")}


def test_reset(redis_proc, shardis_proc):
    outs = []
    for port in (redis_proc.port, shardis_proc.port):
        c = RawClient(port)
        c("HELLO", "3")
        c("CLIENT", "SETNAME", "before-reset")
        c("SELECT", "5")
        c("CLIENT", "NO-EVICT", "on")
        c("MULTI")
        c("PING")
        raw, _ = c.call("RESET")
        outs.append(raw)
        outs.append(_state(c))
        c("SUBSCRIBE", "chan")
        raw, _ = c.call("RESET")
        outs.append(raw)
        outs.append(_state(c))
        outs.append(c.call("PING")[0])
        c.close()
    half = len(outs) // 2
    assert outs[:half] == outs[half:]
    assert outs[0] == b"+RESET\r\n"


def test_reset_deauthenticates(redis_proc):
    outs = []
    for kind in ("redis", "shardis"):
        p = ServerProc(kind)
        try:
            c = RawClient(p.port)
            outs.append(c.call("CONFIG", "SET", "requirepass", "pw")[0])
            outs.append(c.call("PING")[0])             # still authenticated
            outs.append(c.call("RESET")[0])
            outs.append(c.call("GET", "k")[0])          # no longer
            outs.append(c.call("AUTH", "pw")[0])
            outs.append(c.call("GET", "k")[0])
            c.close()
        finally:
            p.stop()
    assert outs[:6] == outs[6:]


def test_shutdown_errors(diff):
    diff.error("SHUTDOWN", "ABORT")
    diff.error("SHUTDOWN", "BOGUS")
    diff.error("SHUTDOWN", "SAVE", "NOSAVE")
    diff.error("SHUTDOWN", "NOW", "ABORT")


def test_shutdown_nosave():
    p = ServerProc("shardis")
    try:
        c = RawClient(p.port)
        c.send("SHUTDOWN", "NOSAVE")
        with pytest.raises((ConnectionError, OSError)):
            c.read()
        p.proc.wait(10)
        assert p.proc.returncode == 0
    finally:
        p.stop()


@pytest.mark.redis72
def test_debug_object_aggregates(ours):
    ours("RPUSH", "small", "a", "b")
    line = ours("DEBUG", "OBJECT", "small").decode()
    assert " encoding:listpack " in line            # 7.2: small lists are listpacks
    ours("RPUSH", "big", *[str(i) * 20 for i in range(2000)])
    line = ours("DEBUG", "OBJECT", "big").decode()
    f = dict(kv.split(":", 1) for kv in line.split(" ")[2:])
    assert f["encoding"] == "quicklist"
    assert list(f) == ["refcount", "encoding", "serializedlength", "lru", "lru_seconds_idle",
                       "ql_nodes", "ql_avg_node", "ql_listpack_max", "ql_compressed",
                       "ql_uncompressed_size"]
    assert int(f["ql_nodes"]) > 1 and f["ql_listpack_max"] == "-2"
    ours("HSET", "h", "f", "v")
    assert " encoding:listpack " in ours("DEBUG", "OBJECT", "h").decode()


# -- DEBUG DIGEST / DIGEST-VALUE ------------------------------------------------------
ZERO_DIGEST = b"0" * 40


def _pipeline(c, cmds, chunk=500):
    """Send ``cmds`` in pipelined chunks; return the parsed replies."""
    out = []
    for i in range(0, len(cmds), chunk):
        part = cmds[i:i + chunk]
        c.send_raw(b"".join(c.encode(a) for a in part))
        for _ in part:
            out.append(c.read()[1])
    return out


_SCORES = ["0", "1", "-1", "0.5", "-2.25", "0.1", "3.3333333333333335", "1e20", "-1e-5",
           "inf", "-inf", "123456789", "1.5e300", "-0.75"]


def _random_dataset(rnd, nkeys):
    """Commands building a dataset of every type, over 4 databases, with
    TTLs on about one key in five (all far in the future)."""
    cmds = []
    for db in range(4):
        cmds.append(("SELECT", str(db)))
        for i in range(nkeys // 4):
            k = "k:%d:%d" % (db, i)
            kind = rnd.randrange(12)
            small = rnd.random() < 0.6
            n = rnd.randrange(1, 8) if small else rnd.randrange(130, 400)
            def elem(j):
                r = rnd.random()
                if r < 0.3:
                    return str(rnd.randrange(-10 ** 6, 10 ** 12))     # integer-looking
                if r < 0.9:
                    return "e%d-%d" % (j, rnd.randrange(1000))
                return "x" * rnd.randrange(60, 200)                   # long element
            if kind == 0:
                cmds.append(("SET", k, str(rnd.randrange(-10 ** 15, 10 ** 15))))   # int
            elif kind == 1:
                cmds.append(("SET", k, "v" * rnd.randrange(0, 100)))                # embstr/raw
            elif kind == 2:
                cmds.append(("SET", k, "abc"))
                cmds.append(("APPEND", k, "def" * rnd.randrange(1, 30)))
                cmds.append(("SETRANGE", k, str(rnd.randrange(0, 50)), "\x00\xff"))
                cmds.append(("INCRBYFLOAT", k + ":f", "1.5"))
            elif kind == 3:
                cmds.append(("PFADD", k, *["m%d" % rnd.randrange(10 ** 6) for _ in range(n)]))
            elif kind == 4:
                cmds.append(("RPUSH", k, *[elem(j) for j in range(n)]))
                cmds.append(("LPUSH", k, elem(99)))
            elif kind == 5:
                cmds.append(("SADD", k, *[str(rnd.randrange(10 ** 6)) for _ in range(n)]))  # intset
            elif kind == 6:
                cmds.append(("SADD", k, *[elem(j) for j in range(n)]))
            elif kind == 7:
                args = []
                for j in range(n):
                    args += ["f%d" % j, elem(j)]
                cmds.append(("HSET", k, *args))
            elif kind == 8:
                args = []
                for j in range(n):
                    args += [rnd.choice(_SCORES), elem(j)]
                cmds.append(("ZADD", k, *args))
                cmds.append(("ZINCRBY", k, "0.25", "extra"))
            elif kind == 9:
                ms = rnd.randrange(1, 10 ** 6)
                for j in range(min(n, 40)):
                    fields = []
                    for f in range(rnd.randrange(1, 4)):
                        fields += ["f%d" % f, elem(f)]
                    cmds.append(("XADD", k, "%d-%d" % (ms + j // 3, j % 3), *fields))
                if rnd.random() < 0.5:
                    cmds.append(("XDEL", k, "%d-0" % ms))
                    cmds.append(("XGROUP", "CREATE", k, "g", "0"))
            elif kind == 10:
                cmds.append(("SETBIT", k, str(rnd.randrange(0, 2000)), "1"))
            else:
                cmds.append(("SET", k, "\x00bin\r\n" + "z" * rnd.randrange(0, 10)))
            if rnd.random() < 0.2:
                cmds.append(("EXPIRE", k, str(rnd.randrange(1000, 100000))))
    cmds.append(("SELECT", "0"))
    return cmds


def test_digest_empty_dataset(diff):
    assert diff("DEBUG", "DIGEST") == ZERO_DIGEST
    assert diff("DEBUG", "DIGEST-VALUE", "nokey", "other") == [ZERO_DIGEST, ZERO_DIGEST]
    diff("DEBUG", "DIGEST-VALUE")
    diff.error("DEBUG", "DIGEST", "extra")


def test_digest_small_values(diff):
    diff("SET", "s", "hello")
    diff("SET", "i", "12345")
    diff("RPUSH", "l", "a", "b", "1")
    diff("SADD", "is", "1", "2", "3")
    diff("SADD", "ls", "a", "b")
    diff("HSET", "h", "f", "v", "n", "1")
    diff("ZADD", "z", "0.1", "a", "1", "b", "inf", "c", "-2.5", "7")
    diff("XADD", "x", "5-1", "f", "v", "g", "w")
    diff("XADD", "x", "6-0", "f", "v2")
    diff("PFADD", "hll", "a", "b", "c")
    for k in ("s", "i", "l", "is", "ls", "h", "z", "x", "hll", "nokey"):
        diff("DEBUG", "DIGEST-VALUE", k)
    d1 = diff("DEBUG", "DIGEST")
    diff("EXPIRE", "s", "1000")
    diff("DEBUG", "DIGEST-VALUE", "s")
    d2 = diff("DEBUG", "DIGEST")
    assert d2 != d1 != ZERO_DIGEST             # a TTL changes the digest
    diff("PERSIST", "s")
    assert diff("DEBUG", "DIGEST") == d1
    diff("MOVE", "s", "3")                     # the db id is part of it
    assert diff("DEBUG", "DIGEST") not in (d1, d2)
    diff("LPUSH", "l", "b")                    # order matters for lists
    diff("RPOP", "l")
    diff("DEBUG", "DIGEST-VALUE", "l")


def test_digest_random_dataset(redis_proc, shardis_proc):
    import random
    rnd = random.Random(20261207)
    cmds = _random_dataset(rnd, 3000)
    digests = []
    values = []
    for port in (redis_proc.port, shardis_proc.port):
        c = RawClient(port)
        c("FLUSHALL")
        replies = _pipeline(c, cmds)
        errors = [(a, r) for a, r in zip(cmds, replies) if isinstance(r, RespError)]
        assert not errors, errors[:3]
        digests.append(c("DEBUG", "DIGEST"))
        per_key = {}
        for db in range(4):
            c("SELECT", str(db))
            keys = sorted(c("KEYS", "*"))
            got = _pipeline(c, [("DEBUG", "DIGEST-VALUE", k) for k in keys])
            assert all(len(v) == 1 and len(v[0]) == 40 for v in got)
            per_key.update({(db, k): v[0] for k, v in zip(keys, got)})
        values.append(per_key)
        c("FLUSHALL")
        c.close()
    assert len(values[0]) > 2500
    wrong = [(k, values[0][k], values[1].get(k)) for k in values[0] if values[0][k] != values[1].get(k)]
    assert not wrong, wrong[:5]
    assert digests[0] == digests[1] != ZERO_DIGEST


# -- DEBUG QUICKLIST-PACKED-THRESHOLD / OBJECT ql_* / LISTPACK / STRINGMATCH ------------
def _ql_fields(line):
    f = dict(kv.split(":", 1) for kv in line.decode().split(" ")[2:])
    return {k: v for k, v in f.items() if k.startswith("ql_")}


def test_quicklist_packed_threshold_errors(diff):
    for arg in ("abc", "5gb", "-1", "1.5", "4096mb", "4294967296", "1 k", "+5", "0x10"):
        diff.error("DEBUG", "QUICKLIST-PACKED-THRESHOLD", arg)
    for arg in ("1k", "0", "100", "1gb", "4095mb", "", "k", "1KB", "10b", "0"):
        diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", arg)
    diff.error("DEBUG", "QUICKLIST-PACKED-THRESHOLD")


def test_quicklist_plain_nodes(diff2):
    diff = diff2
    try:
        diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
        # > 8 kB at once: a quicklist in 7.0 and 7.2 alike; 150-byte
        # elements are plain nodes, 10-byte ones share packed nodes
        elems = []
        for i in range(200):
            elems.append("p%03d" % i + "y" * 146 if i % 3 == 0 else "s%09d" % i)
        diff("RPUSH", "l", *elems)
        diff("OBJECT", "ENCODING", "l")
        r = _ql_fields(diff.r("DEBUG", "OBJECT", "l"))
        s = _ql_fields(diff.s("DEBUG", "OBJECT", "l"))
        assert s == r and int(s["ql_nodes"]) >= 67
        diff("LRANGE", "l", "0", "-1")
        diff("DEBUG", "DIGEST-VALUE", "l")
    finally:
        diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


@pytest.mark.redis72
def test_quicklist_with_plain_node_stays_quicklist(ours):
    try:
        ours("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
        ours("RPUSH", "l", *["z" * 50 for _ in range(200)], "y" * 300)
        assert ours("OBJECT", "ENCODING", "l") == b"quicklist"
        ours("LTRIM", "l", "-1", "-1")          # one 300-byte element: a plain node
        assert ours("OBJECT", "ENCODING", "l") == b"quicklist"
        assert _ql_fields(ours("DEBUG", "OBJECT", "l"))["ql_nodes"] == "1"
        ours("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
        ours("RPUSH", "m", *["z" * 50 for _ in range(200)])
        ours("LTRIM", "m", "0", "1")            # small again and no plain node
        assert ours("OBJECT", "ENCODING", "m") == b"listpack"
    finally:
        ours("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def test_debug_listpack_errors(diff):
    diff("SET", "s", "v")
    diff.error("DEBUG", "LISTPACK", "s")
    diff.error("DEBUG", "LISTPACK", "nokey")
    diff("HSET", "h", "f", "v")
    diff("DEBUG", "LISTPACK", "h")
    diff("ZADD", "z", "1", "m")
    diff("DEBUG", "LISTPACK", "z")
    diff("SADD", "is", "1")
    diff.error("DEBUG", "LISTPACK", "is")       # an intset
    diff("XADD", "x", "1-1", "f", "v")
    diff.error("DEBUG", "LISTPACK", "x")
    diff.error("DEBUG", "LISTPACK")


@pytest.mark.redis72
def test_debug_listpack_72_encodings(ours):
    ours("RPUSH", "l", "a", "b")                 # 7.2: small lists are listpacks
    assert ours("DEBUG", "LISTPACK", "l") == b"Listpack structure printed on stdout"
    ours("SADD", "ls", "a", "b")
    assert ours("DEBUG", "LISTPACK", "ls") == b"Listpack structure printed on stdout"
    assert str(ours("DEBUG", "QUICKLIST", "l")) == "ERR Not a quicklist encoded object."
    ours("RPUSH", "big", *["x" * 100 for _ in range(200)])
    assert ours("DEBUG", "QUICKLIST", "big", "1") == b"Quicklist structure printed on stdout"


def test_debug_stringmatch(diff):
    diff("DEBUG", "STRINGMATCH-TEST")
    diff.error("DEBUG", "STRINGMATCH-LEN")      # not a Redis subcommand
    diff.error("DEBUG", "STRINGMATCH-TEST", "x")


def test_debug_set_active_expire(diff2):
    diff = diff2
    try:
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        for i in range(20):
            diff("SET", "k%d" % i, "v", "PX", "30")
        time.sleep(0.4)                 # several active-expiry cycles would have run
        assert diff("DBSIZE") == 20     # nobody touched them: still stored
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (diff.r("DBSIZE"), diff.s("DBSIZE")) != (0, 0):
            time.sleep(0.05)
        assert diff("DBSIZE") == 0
    finally:
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")
