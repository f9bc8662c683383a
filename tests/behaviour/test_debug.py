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
