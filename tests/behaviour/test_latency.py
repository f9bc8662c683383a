"""LATENCY compared with redis-server."""
import pytest

from tests.resp_client import RawClient, RespError


def test_idle(diff):
    diff("LATENCY", "RESET")
    diff("LATENCY", "LATEST")
    diff("LATENCY", "HISTORY", "command")
    diff("LATENCY", "RESET", "command", "nosuch")
    diff.error("LATENCY", "GRAPH", "command")
    diff.error("LATENCY", "BOGUS")
    diff.error("LATENCY", "HISTORY")
    diff.error("LATENCY")


@pytest.fixture
def monitored(redis_proc, shardis_proc):
    clients = [RawClient(redis_proc.port), RawClient(shardis_proc.port)]
    for c in clients:
        c("CONFIG", "SET", "latency-monitor-threshold", "20")
        c("LATENCY", "RESET")
    try:
        yield clients
    finally:
        for c in clients:
            c("CONFIG", "SET", "latency-monitor-threshold", "0")
            c("LATENCY", "RESET")
            c.close()


def test_events_recorded(monitored):
    for c in monitored:
        assert c("DEBUG", "SLEEP", "0.05") == b"OK"
        assert c("PING") == b"PONG"                       # fast: under the threshold
    r, s = monitored
    rl, sl = r("LATENCY", "LATEST"), s("LATENCY", "LATEST")
    assert [e[0] for e in sl] == [e[0] for e in rl] == [b"command"]
    name, ts, latest, mx = sl[0]
    assert isinstance(ts, int) and 50 <= latest == mx < 1000
    rh, sh = r("LATENCY", "HISTORY", "command"), s("LATENCY", "HISTORY", "command")
    assert len(rh) == len(sh) == 1 and len(sh[0]) == 2 and sh[0][1] == latest
    graph = s("LATENCY", "GRAPH", "command")
    assert graph.startswith(b"txt:command") or graph.startswith(b"command")
    doctor = s("LATENCY", "DOCTOR")
    assert b"command" in doctor
    assert r("LATENCY", "RESET", "command") == s("LATENCY", "RESET", "command") == 1
    assert r("LATENCY", "LATEST") == s("LATENCY", "LATEST") == []


def _as_dict(v):
    return v if isinstance(v, dict) else dict(zip(v[::2], v[1::2]))


def test_histogram_shape(diff):
    for c in (diff.r, diff.s):
        c("CONFIG", "RESETSTAT")
        for _ in range(5):
            c("MSET", "a", "1")
        c("ECHO", "x")
    diff("LATENCY", "HISTOGRAM", "nosuch")
    r = _as_dict(diff.r("LATENCY", "HISTOGRAM", "mset", "echo", "nosuch", "MSET"))
    s = _as_dict(diff.s("LATENCY", "HISTOGRAM", "mset", "echo", "nosuch", "MSET"))
    assert set(r) == set(s) == {b"mset", b"echo"}
    labels = {1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816}
    for k in r:
        rv, sv = _as_dict(r[k]), _as_dict(s[k])
        assert list(sv) == list(rv) == [b"calls", b"histogram_usec"]
        assert sv[b"calls"] == rv[b"calls"]
        hist = _as_dict(sv[b"histogram_usec"])
        counts = list(hist.values())
        assert counts == sorted(counts) and counts[-1] == sv[b"calls"]
        assert set(hist) <= labels
    all_ = _as_dict(diff.s("LATENCY", "HISTOGRAM"))
    assert b"mset" in all_ and b"echo" in all_
    assert b"get" not in all_                       # never called since RESETSTAT


def test_histogram_subcommand_names(diff):
    diff("CONFIG", "RESETSTAT")
    diff("CONFIG", "GET", "hz")
    r = _as_dict(diff.r("LATENCY", "HISTOGRAM", "config|get"))
    s = _as_dict(diff.s("LATENCY", "HISTOGRAM", "config|get"))
    assert list(r) == list(s) == [b"config|get"]


@pytest.mark.redis72
def test_help(ours, oracle):
    o = oracle("LATENCY", "HELP")
    s = ours("LATENCY", "HELP")
    assert s[:-1] == o[:-1] and s[-1] == b"    Print this help."
