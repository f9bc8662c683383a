"""CLIENT NO-TOUCH (Redis 7.2): a client's commands leave access times alone,
except TOUCH, also inside MULTI/EXEC (in-process: 7.0.15 has no NO-TOUCH)."""
import hiredis

from shardis.server.server import Server
from tests.unit.inprocess import client, enc


def _call(c, *args):
    c.transport.out.clear()
    c.data_received(enc(*args))
    r = hiredis.Reader()
    r.feed(b"".join(c.transport.out))
    return r.gets()


def test_no_touch_client_and_touch_inside_exec():
    srv = Server()
    a, b = client(srv), client(srv)
    assert _call(a, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == b"OK"
    _call(a, "SET", "k", "v")
    assert _call(a, "OBJECT", "FREQ", "k") == 5          # LFU_INIT_VAL, untouched
    assert _call(b, "CLIENT", "NO-TOUCH", "on") == b"OK"
    for _ in range(5):
        _call(b, "GET", "k")
    assert _call(a, "OBJECT", "FREQ", "k") == 5          # NO-TOUCH reads do not count
    _call(b, "MULTI")
    _call(b, "TOUCH", "k")                               # the first counts for sure (p = 1)
    _call(b, "GET", "k")
    assert _call(b, "EXEC") == [1, b"v"]
    assert _call(a, "OBJECT", "FREQ", "k") == 6
    assert _call(b, "CLIENT", "NO-TOUCH", "off") == b"OK"
