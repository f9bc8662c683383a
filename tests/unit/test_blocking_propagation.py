"""Blocking commands reach the propagation stream as their non-blocking form,
served later or at once (in-process: a Server and Clients with fake
transports, no event loop)."""
from shardis.server.server import Server
from shardis.server.client import Client


class _T:
    def __init__(self):
        self.out = []

    def write(self, data):
        self.out.append(data)

    def get_write_buffer_size(self):
        return 0

    def get_extra_info(self, name):
        return None

    def close(self):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


def _enc(*args):
    args = [a if isinstance(a, bytes) else a.encode() for a in args]
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def _setup():
    srv = Server()
    seen = []
    srv.propagation.subscribe(lambda unit: seen.extend(
        [bytes(a) for a in argv] for _, argv in unit))
    clients = []
    for _ in range(2):
        c = Client(srv)
        c.connection_made(_T())
        clients.append(c)
    return srv, clients, seen


def _served(block_cmd, push_cmd):
    srv, (a, b), seen = _setup()
    a.data_received(_enc(*block_cmd))
    assert a.transport.out == []                       # blocked
    b.data_received(_enc(*push_cmd))
    assert a.transport.out, "not served"
    return seen


def test_blpop_is_propagated_as_pop():
    got = _served(("BLPOP", "x", "q", "0"), ("RPUSH", "q", "v1", "v2"))
    assert [b"LPOP", b"q"] in got
    assert [b"RPUSH", b"q", b"v1", b"v2"] in got


def test_brpop_blmove_blmpop():
    assert [b"RPOP", b"q"] in _served(("BRPOP", "q", "0"), ("LPUSH", "q", "v"))
    assert [b"LMOVE", b"q", b"d", b"RIGHT", b"LEFT"] in _served(
        ("BLMOVE", "q", "d", "RIGHT", "LEFT", "0"), ("LPUSH", "q", "v"))
    assert [b"LPOP", b"q", b"2"] in _served(
        ("BLMPOP", "0", "1", "q", "LEFT", "COUNT", "5"), ("LPUSH", "q", "v", "w"))


def test_bzpop_and_bzmpop():
    assert [b"ZPOPMIN", b"z"] in _served(
        ("BZPOPMIN", "z", "0"), ("ZADD", "z", "1", "a"))
    assert [b"ZPOPMAX", b"z", b"1"] in _served(
        ("BZMPOP", "0", "1", "z", "MAX", "COUNT", "3"), ("ZADD", "z", "1", "a"))


def test_served_at_once_is_propagated_as_pop_too():
    srv, (a, b), seen = _setup()
    b.data_received(_enc("RPUSH", "q", "v1", "v2"))
    a.data_received(_enc("BLPOP", "q", "0"))
    a.data_received(_enc("BZPOPMIN", "nothing", "z", "0.01"))   # blocks: nothing propagated
    assert seen == [[b"RPUSH", b"q", b"v1", b"v2"], [b"LPOP", b"q"]]


def test_blocked_call_counted_once_when_served():
    srv, (a, b), seen = _setup()
    a.data_received(_enc("BLPOP", "q", "0"))
    assert srv.commands["blpop"].calls == 0
    b.data_received(_enc("RPUSH", "q", "v"))
    assert srv.commands["blpop"].calls == 1
