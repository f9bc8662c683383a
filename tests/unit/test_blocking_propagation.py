"""Served blocked clients hand the rewritten command to server.propagate_hook
(in-process: a Server and Clients with fake transports, no event loop)."""
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
    srv.propagate_on = True
    srv.propagate_hook = lambda c, argv, cmd: seen.append((c.id, [bytes(a) for a in argv],
                                                          cmd.fullname if cmd else None))
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
    return [(who == a.id, argv, name) for who, argv, name in seen]


def test_blpop_is_propagated_as_pop():
    got = _served(("BLPOP", "x", "q", "0"), ("RPUSH", "q", "v1", "v2"))
    assert (True, [b"LPOP", b"q"], "lpop") in got
    assert (False, [b"RPUSH", b"q", b"v1", b"v2"], "rpush") in got


def test_brpop_blmove_blmpop():
    assert (True, [b"RPOP", b"q"], "rpop") in _served(("BRPOP", "q", "0"), ("LPUSH", "q", "v"))
    assert (True, [b"LMOVE", b"q", b"d", b"RIGHT", b"LEFT"], "lmove") in _served(
        ("BLMOVE", "q", "d", "RIGHT", "LEFT", "0"), ("LPUSH", "q", "v"))
    assert (True, [b"LPOP", b"q", b"2"], "lpop") in _served(
        ("BLMPOP", "0", "1", "q", "LEFT", "COUNT", "5"), ("LPUSH", "q", "v", "w"))


def test_bzpop_and_bzmpop():
    assert (True, [b"ZPOPMIN", b"z"], "zpopmin") in _served(
        ("BZPOPMIN", "z", "0"), ("ZADD", "z", "1", "a"))
    assert (True, [b"ZPOPMAX", b"z", b"1"], "zpopmax") in _served(
        ("BZMPOP", "0", "1", "z", "MAX", "COUNT", "3"), ("ZADD", "z", "1", "a"))
