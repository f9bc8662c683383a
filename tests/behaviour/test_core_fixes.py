"""Behaviour found wrong by trying shardis as a new user would, each checked
against redis-server: NaN scores, refused commands in transactions, WATCH
across SWAPDB and SMOVE, SCAN TYPE and expiry, ZSCAN's guarantee on a
skiplist, blocked clients and expiry, the slow log of blocked commands."""
import time

import pytest

from tests.resp_client import RawClient, RespError


def _pair(redis_proc, shardis_proc):
    return RawClient(redis_proc.port), RawClient(shardis_proc.port)


def _same(clients, *cmds):
    """Run the command lines on both servers; the raw replies must match."""
    r, s = clients
    for cmd in cmds:
        args = cmd.split() if isinstance(cmd, str) else cmd
        a = r.call(*args)[0]
        b = s.call(*args)[0]
        assert b == a, (args, a, b)


@pytest.fixture
def both(redis_proc, shardis_proc):
    clients = _pair(redis_proc, shardis_proc)
    _same(clients, "FLUSHALL", "DEBUG SET-ACTIVE-EXPIRE 1")
    yield clients
    _same(clients, "DEBUG SET-ACTIVE-EXPIRE 1")
    for c in clients:
        c.close()


def test_nan_score_is_an_error_not_an_internal_one(both):
    _same(both, "ZADD z +inf a", "ZINCRBY z -inf a", "ZADD z INCR -inf a", "ZSCORE z a")
    big = ["ZADD", "big"] + [x for i in range(200) for x in (str(i), f"m{i}")]
    _same(both, big, "ZADD big +inf x", "ZINCRBY big -inf x", "ZADD big INCR -inf x",
          "ZSCORE big x", "OBJECT ENCODING big")


def test_refused_commands_abort_the_transaction(both):
    _same(both,
          "MULTI", "SET a", "EXEC",                        # arity
          "MULTI", "NOSUCH x", "EXEC",                     # unknown command
          "MULTI", "CONFIG NOSUCH", "EXEC",                # unknown subcommand
          "MULTI", "CONFIG GET", "EXEC",                   # subcommand arity
          "MULTI", "WATCH x", "EXEC",                      # not allowed inside MULTI
          "MULTI", "SET a 1", "EXEC extra", "EXEC",        # a refused EXEC aborts at once
          "EXEC extra", "EXEC",
          "MULTI", "SET a 1", "SUBSCRIBE ch", "EXEC",      # now in a RESP2 pub/sub context
          "MULTI", "EXEC", "UNSUBSCRIBE", "GET a")


def test_swapdb_and_watch(both):
    _same(both, "DEBUG SET-ACTIVE-EXPIRE 0",
          # a missing key replaced by a logically expired one: no change
          "SELECT 1", "SET x v PX 1", "DEBUG SLEEP 0.01", "SELECT 0",
          "WATCH x", "SWAPDB 0 1", "MULTI", "PING", "EXEC",
          # a missing key replaced by a live one: a change
          "FLUSHALL", "SELECT 1", "SET y v", "SELECT 0",
          "WATCH y", "SWAPDB 0 1", "MULTI", "PING", "EXEC",
          # an expired key replaced by nothing: no change
          "FLUSHALL", "SET z v PX 1", "DEBUG SLEEP 0.01",
          "WATCH z", "SWAPDB 0 1", "MULTI", "PING", "EXEC",
          # a live key swapped away: a change
          "FLUSHALL", "SET w v", "WATCH w", "SWAPDB 0 1", "MULTI", "PING", "EXEC")


def test_smove_touches_the_destination_only_when_it_adds(both):
    _same(both, "SADD s a b", "SADD d a",
          "WATCH d", "SMOVE s d a", "MULTI", "PING", "EXEC",      # already there
          "WATCH d", "SMOVE s d b", "MULTI", "PING", "EXEC")      # added


def test_scan_with_type_expires_the_keys_it_visits(both):
    _same(both, "DEBUG SET-ACTIVE-EXPIRE 0", "SET s v PX 1", "HSET h f v", "PEXPIRE h 1",
          "SET keep v", "DEBUG SLEEP 0.01", "DBSIZE")
    r, s = both
    for c in both:
        cursor = b"0"
        for _ in range(100):
            cursor, _keys = c("SCAN", cursor, "TYPE", "list", "COUNT", "100")
            if cursor == b"0":
                break
    _same(both, "DBSIZE")


def test_zscan_returns_every_member_present_throughout(ours):
    # a skiplist zset; between calls, members with lower scores are added, which
    # would push the others past a rank cursor
    ours("DEL", "z")
    members = [b"m%d" % i for i in range(3000)]
    for i in range(0, 3000, 500):
        ours("ZADD", "z", *[x for j in range(i, i + 500) for x in (str(j), members[j])])
    assert ours("OBJECT", "ENCODING", "z") == b"skiplist"
    seen = set()
    cursor = b"0"
    extra = 0
    for _ in range(10000):
        cursor, page = ours("ZSCAN", "z", cursor, "COUNT", "20")
        seen.update(page[::2])
        ours("ZADD", "z", str(-1 - extra), b"new%d" % extra, str(-2 - extra), b"nw%d" % extra)
        ours("ZREM", "z", b"new%d" % (extra // 2))
        extra += 1
        if cursor == b"0":
            break
    assert cursor == b"0"
    assert set(members) <= seen


def test_blocked_xreadgroup_is_told_when_active_expiry_removes_the_stream(redis_proc,
                                                                          shardis_proc):
    for port in (redis_proc.port, shardis_proc.port):
        a, b = RawClient(port, timeout=5), RawClient(port)
        b("FLUSHALL")
        b("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        b("PEXPIRE", "s", "100")
        a.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        raw, _ = a.read()
        assert raw == b"-UNBLOCKED the stream key no longer exists\r\n", port
        a.close()
        b.close()


def test_a_pop_woken_for_a_key_that_expired_meanwhile_keeps_waiting(redis_proc, shardis_proc):
    replies = []
    for port in (redis_proc.port, shardis_proc.port):
        a, b = RawClient(port, timeout=5), RawClient(port)
        b("FLUSHALL")
        b("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        a.send("BZPOPMIN", "z", "0.5")
        time.sleep(0.1)
        b("MULTI")
        b("ZADD", "z", "1", "x")
        b("PEXPIRE", "z", "1")
        b("DEBUG", "SLEEP", "0.01")
        b("EXEC")
        replies.append(a.read()[0])          # the timeout's nil, not the member
        b("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        a.close()
        b.close()
    assert replies[1] == replies[0] == b"*-1\r\n"


def test_slowlog_logs_a_blocking_command_once_when_served(redis_proc, shardis_proc):
    got = []
    for port in (redis_proc.port, shardis_proc.port):
        a, b = RawClient(port), RawClient(port)
        b("FLUSHALL")
        b("CONFIG", "SET", "slowlog-log-slower-than", "0")
        b("SLOWLOG", "RESET")
        b("CONFIG", "RESETSTAT")
        a.send("BLPOP", "q", "0")
        time.sleep(0.1)
        b("RPUSH", "q", "x")
        assert a.read()[1] == [b"q", b"x"]
        a.send("BLPOP", "q2", "0.05")            # times out: counted, not logged
        assert a.read()[1] is None
        log = [e[3] for e in b("SLOWLOG", "GET")]
        stats = [line.split(b",")[0] for line in b("INFO", "commandstats").split(b"\r\n")
                 if line.startswith(b"cmdstat_blpop")]
        got.append((log, stats))
        b("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        a.close()
        b.close()
    assert got[1] == got[0]
    assert got[0][0][:2] == [[b"BLPOP", b"q", b"0"], [b"RPUSH", b"q", b"x"]]


def test_no_key_expires_while_writes_are_paused(redis_proc, shardis_proc):
    got = []
    for port in (redis_proc.port, shardis_proc.port):
        c = RawClient(port)
        c("FLUSHALL")
        c("SET", "k", "v", "PX", "30")
        c("SET", "other", "v")
        c("CLIENT", "PAUSE", "2000", "WRITE")
        time.sleep(0.25)                        # active expiry had time to run
        row = [c("GET", "k"), c("DBSIZE")]      # gone for readers, still stored
        c("CLIENT", "UNPAUSE")
        time.sleep(0.3)
        row.append(c("DBSIZE"))
        got.append(row)
        c.close()
    assert got[1] == got[0] == [None, 2, 1]
