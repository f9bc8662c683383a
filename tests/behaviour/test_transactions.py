"""MULTI / EXEC / DISCARD / WATCH / UNWATCH compared with redis-server."""
import time

import pytest

from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)


def test_multi_exec(diff):
    diff("MULTI")
    diff("SET", "k", "v")
    diff("INCR", "n")
    diff("GET", "k")
    diff("INCR", "k")                 # runtime error: inside the array
    diff("PING")
    diff("EXEC")
    diff("GET", "k")
    diff("MULTI")
    diff("EXEC")                      # empty transaction
    diff.error("EXEC")
    diff.error("DISCARD")


def test_nested_and_discard(diff):
    diff("MULTI")
    diff.error("MULTI")               # nested: an error, the transaction goes on
    diff("SET", "k", "1")
    diff("DISCARD")
    diff("GET", "k")
    diff.error("DISCARD")
    diff("MULTI")
    diff("SET", "k", "2")
    diff.error("MULTI")
    diff("EXEC")
    diff("GET", "k")


def test_execabort(diff):
    diff("SET", "k", "old")
    diff("MULTI")
    diff("SET", "k", "new")
    diff.error("NOSUCHCMD", "x")      # queue-time errors doom the transaction
    diff("SET", "k", "newer")
    diff.error("EXEC")
    diff("GET", "k")
    diff("MULTI")
    diff.error("GET")                 # arity error
    diff.error("EXEC")
    diff("MULTI")
    diff.error("WATCH", "k")          # not a queue error
    diff("SET", "k", "w")
    diff("EXEC")
    diff("GET", "k")
    diff("MULTI")
    diff.error("CONFIG", "GET")       # subcommand arity error
    diff.error("EXEC")
    diff("MULTI")
    diff.error("CONFIG", "NOSUCHSUB")  # unknown subcommand: refused at queue time
    diff("SET", "k", "x")
    diff.error("EXEC")
    diff("MULTI")
    diff.error("CONFIG")              # container arity
    diff.error("EXEC")
    diff("GET", "k")


def test_watch_touched_by_other_client(diff, conns):
    other = conns()
    diff("SET", "k", "1")
    diff("WATCH", "k")
    other("SET", "k", "2")
    diff("MULTI")
    diff("SET", "k", "3")
    diff("EXEC")                      # nil: k changed
    diff("GET", "k")
    # the watch is gone after EXEC
    diff("MULTI")
    diff("SET", "k", "4")
    diff("EXEC")
    diff("GET", "k")


def test_watch_untouched_and_unwatch(diff, conns):
    other = conns()
    diff("SET", "k", "1")
    diff("WATCH", "k", "k", "missing")
    other("GET", "k")                 # reads do not touch
    other("SET", "unrelated", "x")
    diff("MULTI")
    diff("INCR", "k")
    diff("EXEC")
    diff("WATCH", "k")
    other("SET", "k", "9")
    diff("UNWATCH")
    diff("MULTI")
    diff("INCR", "k")
    diff("EXEC")
    diff("WATCH", "k")
    other("DEL", "k")
    diff("MULTI")
    diff("PING")
    diff("DISCARD")                   # DISCARD also forgets the watches
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_missing_key_created(diff, conns):
    other = conns()
    diff("WATCH", "new")
    other("SET", "new", "x")
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_own_write_before_multi(diff):
    diff("WATCH", "k")
    diff("SET", "k", "mine")          # even the watcher's own write touches
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_other_db(diff, conns):
    other = conns()
    diff("WATCH", "k")
    other("SELECT", "1")
    other("SET", "k", "x")            # same name, other db: no touch
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    diff("SELECT", "1")
    diff("WATCH", "k")
    other("SET", "k", "y")
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    diff("SELECT", "0")


@pytest.mark.parametrize("flush", [("FLUSHDB",), ("FLUSHALL",)])
def test_watch_flush(diff, conns, flush):
    other = conns()
    diff("SET", "k", "1")
    diff("WATCH", "k")
    other(*flush)
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    # flushing a db without the watched key does not touch
    diff("WATCH", "absent")
    other(*flush)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_swapdb(diff, conns):
    other = conns()
    other("SELECT", "1")
    other("SET", "k", "in-db1")
    diff("WATCH", "k")                # k missing in db0, present in db1
    other("SWAPDB", "0", "1")
    diff("MULTI")
    diff("GET", "k")
    diff("EXEC")
    diff("WATCH", "nowhere")
    other("SWAPDB", "0", "1")
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    other("FLUSHALL")


def test_watch_expiry(diff):
    # a watched key that expires before EXEC makes EXEC fail ...
    diff("SET", "k", "v", "PX", "60")
    diff("WATCH", "k")
    time.sleep(0.15)
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    # ... but a key already expired when WATCHed is no change
    diff("SET", "e", "v", "PX", "10")
    time.sleep(0.08)
    diff("WATCH", "e")
    diff("MULTI")
    diff("GET", "e")
    diff("EXEC")
    # an already-expired watched key written afterwards is a change
    diff("SET", "f", "v", "PX", "10")
    time.sleep(0.08)
    diff("WATCH", "f")
    diff("GET", "f")
    diff("SET", "f", "again")
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_inside_multi_and_dirty(diff, conns):
    other = conns()
    diff("MULTI")
    diff.error("WATCH", "x")
    diff("DISCARD")
    diff("WATCH", "a")
    other("SET", "a", "1")
    diff("WATCH", "b")                # already dirty: accepted, still dirty
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    diff.error("WATCH")


def test_queued_replies_protocols(diff):
    diff("MULTI")
    diff("GET", "missing")
    diff("CONFIG", "GET", "maxmemory-policy")
    diff("LRANGE", "nolist", "0", "-1")
    diff("EXEC")


def test_blocking_command_inside_multi(diff):
    diff("MULTI")
    diff("BLPOP", "nolist", "0")      # does not block inside a transaction
    diff("RPUSH", "l", "x")
    diff("BLPOP", "l", "0")
    diff("EXEC")


def test_disconnect_forgets_watch(diff, redis_proc, shardis_proc, conns):
    w = conns()
    w("SET", "k", "1")
    w("WATCH", "k")
    w("MULTI")
    w("SET", "k", "2")
    w.close()
    diff("SET", "k", "3")
    diff("GET", "k")


def test_reset_leaves_multi(diff):
    diff("WATCH", "k")
    diff("MULTI")
    diff("SET", "k", "1")
    diff("RESET")
    diff.error("EXEC")
    diff("GET", "k")


def test_exec_publish_to_self_resp3(diff, conns):
    a = conns(3)
    a.send("SUBSCRIBE", "ch")
    a.read()
    a("MULTI")
    a("PUBLISH", "ch", "x")
    a("EXEC")                         # the message is inside EXEC's array
    a.read()


def test_unwatch_queued_and_errors_inside(diff):
    diff("SET", "s", "x")
    diff("MULTI")
    diff("UNWATCH")                   # queued, like any command
    diff("INCR", "s")                 # fails at run time
    diff("SET", "t", "1")
    diff("EXEC")
    diff("GET", "t")
    diff.error("MULTI", "extra")      # arity: not a transaction start
    diff.error("EXEC")


@pytest.mark.redis72
def test_watch_counts_in_info(ours, shardis_proc):
    from tests.resp_client import RawClient

    def fields():
        text = ours("INFO", "clients").decode()
        kv = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        return kv["watching_clients"], kv["total_watched_keys"]
    other = RawClient(shardis_proc.port)
    for _ in range(200):              # connections of earlier tests close asynchronously
        if fields() == ("0", "0"):
            break
        time.sleep(0.01)
    try:
        ours("WATCH", "a", "b", "a")
        assert fields() == ("1", "2")
        other("SET", "a", "1")        # 7.2: a touched client stops watching at once
        assert fields() == ("0", "0")
        ours("MULTI")
        ours("PING")
        assert ours("EXEC") is None
        ours("WATCH", "c")
        ours("MULTI")
        ours("EXEC")
        assert fields() == ("0", "0")
    finally:
        other.close()
