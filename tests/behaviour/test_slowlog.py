"""SLOWLOG compared with redis-server (entries logged with a 0 threshold)."""
import pytest

from tests.resp_client import RawClient


@pytest.fixture
def logged(redis_proc, shardis_proc):
    """Both servers log every command; restored afterwards."""
    clients = [RawClient(redis_proc.port), RawClient(shardis_proc.port)]
    for c in clients:
        c("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c("SLOWLOG", "RESET")
    try:
        yield clients
    finally:
        for c in clients:
            c("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            c("CONFIG", "SET", "slowlog-max-len", "128")
            c("SLOWLOG", "RESET")
            c.close()


def _run_both(clients, *cmds):
    for c in clients:
        for cmd in cmds:
            c(*cmd)


def _entries(c, *count):
    return c("SLOWLOG", "GET", *count)


def test_entries(logged):
    r, s = logged
    _run_both(logged, ("CLIENT", "SETNAME", "slowpoke"), ("MSET", "a", "1", "b", "2"),
              ("GET", "a"), ("ECHO", "x" * 200), ("MGET", *["k%d" % i for i in range(40)]))
    re_, se = _entries(r, "-1"), _entries(s, "-1")
    assert len(re_) == len(se)
    for a, b in zip(re_, se):
        assert len(b) == 6
        assert isinstance(b[0], int) and isinstance(b[1], int) and isinstance(b[2], int)
        assert b[3] == a[3]                      # arguments, truncated the same way
        assert b[5] == a[5]                      # client name
        assert b[4].decode().rsplit(":", 1)[0] == "127.0.0.1"
    ids = [e[0] for e in se]
    assert ids == sorted(ids, reverse=True)
    # long arguments and argument lists are shortened as Redis does
    assert [e for e in se if e[3][0] == b"ECHO"][0][3][1].endswith(b"... (72 more bytes)")
    mget = [e for e in se if e[3][0] == b"MGET"][0][3]
    assert len(mget) == 32 and mget[-1] == b"... (10 more arguments)"


def test_len_get_count_reset(logged):
    r, s = logged
    _run_both(logged, ("PING",), ("PING",), ("PING",))
    assert r("SLOWLOG", "LEN") == s("SLOWLOG", "LEN")
    assert len(_entries(r)) == len(_entries(s))
    assert len(_entries(r, "2")) == len(_entries(s, "2")) == 2
    assert len(_entries(r, "0")) == len(_entries(s, "0")) == 0
    for c in logged:
        assert c("SLOWLOG", "RESET") == b"OK"
    assert r("SLOWLOG", "LEN") == s("SLOWLOG", "LEN")


def test_max_len(logged):
    r, s = logged
    _run_both(logged, ("CONFIG", "SET", "slowlog-max-len", "3"), *[("PING",)] * 6)
    assert len(_entries(r, "-1")) == len(_entries(s, "-1")) == 3


def test_errors(diff):
    diff.error("SLOWLOG", "GET", "-2")
    diff.error("SLOWLOG", "GET", "x")
    diff.error("SLOWLOG", "GET", "1", "2")
    diff.error("SLOWLOG", "LEN", "x")
    diff.error("SLOWLOG", "BOGUS")
    diff.error("SLOWLOG")


def test_threshold_respected(diff):
    # default threshold (10 ms): fast commands are not logged
    diff("SLOWLOG", "RESET")
    diff("PING")
    diff("SLOWLOG", "LEN")


@pytest.mark.redis72
def test_help(ours, oracle):
    o = oracle("SLOWLOG", "HELP")
    s = ours("SLOWLOG", "HELP")
    assert s[:-1] == o[:-1] and s[-1] == b"    Print this help."
