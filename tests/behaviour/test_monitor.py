"""MONITOR compared with redis-server: the line format and what is shown."""
import re
import time

import pytest

from tests.resp_client import RawClient

LINE = re.compile(rb'^\+(\d+\.\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


def _lines(mon, n, timeout=5):
    out = []
    deadline = time.time() + timeout
    while len(out) < n:
        assert time.time() < deadline, out
        raw, v = mon.read()
        out.append(raw.rstrip(b"\r\n"))
    return out


def _session(port):
    mon = RawClient(port)
    assert mon("MONITOR") == b"OK"
    c = RawClient(port)
    c("SELECT", "2")
    c("MSET", "k", 'va"l\n\x01ue')
    c("CONFIG", "GET", "maxmemory")          # admin: not shown
    c("GET", "k")
    c("DEBUG", "SLEEP", "0")                 # admin: not shown
    c("ECHO", "done")
    lines = _lines(mon, 4)
    mon.close()
    c.close()
    return lines


def test_monitor_lines(redis_proc, shardis_proc):
    r = _session(redis_proc.port)
    s = _session(shardis_proc.port)
    rp = [LINE.match(l) for l in r]
    sp = [LINE.match(l) for l in s]
    assert all(sp), s
    assert [(m.group(2), m.group(4)) for m in sp] == [(m.group(2), m.group(4)) for m in rp]
    for m in sp:
        assert m.group(3).startswith(b"127.0.0.1:")
        assert abs(float(m.group(1)) - time.time()) < 60


def test_monitor_reply(diff):
    diff("MONITOR")          # a second MONITOR gets no reply at all (Redis ignores it)


def test_monitor_stops_on_reset_and_close(shardis_proc):
    mon = RawClient(shardis_proc.port)
    mon("MONITOR")
    c = RawClient(shardis_proc.port)
    c("ECHO", "one")
    assert _lines(mon, 1)[0].endswith(b'"ECHO" "one"')
    assert mon("RESET") == b"RESET"
    c("ECHO", "two")
    assert mon("PING") == b"PONG"           # no monitor line came before the reply
    mon.close()
    c("ECHO", "three")                      # the server drops closed monitors
    assert c("PING") == b"PONG"
    c.close()
