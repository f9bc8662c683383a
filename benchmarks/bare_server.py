"""A feature-less RESP server: uvloop + hiredis, a dict, SET/GET/INCR/MSET.

The reference floor for shardis's hot path: what the event loop, the parser
and a dict cost in CPython with nothing else. Run it under
``../shared/bench/compare-throughput --target-cmd '.venv/bin/python
benchmarks/bare_server.py {port}' --tests set,get,incr,mset``, or import it
(``BareProtocol``) for in-process comparisons (benchmarks/random_keys.py).
No error handling: it serves redis-benchmark, nothing else.
"""
import asyncio
import sys

import hiredis

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
data = {}


def h_set(a):
    data[a[1]] = a[2]
    return OK


def h_get(a):
    v = data.get(a[1])
    if v is None:
        return NIL
    return b"$%d\r\n%s\r\n" % (len(v), v)


def h_incr(a):
    v = int(data.get(a[1], b"0")) + 1
    data[a[1]] = b"%d" % v
    return b":%d\r\n" % v


def h_mset(a):
    for i in range(1, len(a), 2):
        data[a[i]] = a[i + 1]
    return OK


def h_ping(a):
    return b"+PONG\r\n"


def h_config(a):
    return b"*0\r\n"


def h_flushall(a):
    data.clear()
    return OK


TABLE = {}
for _name, _fn in (("set", h_set), ("get", h_get), ("incr", h_incr), ("mset", h_mset),
                   ("ping", h_ping), ("config", h_config), ("flushall", h_flushall)):
    TABLE[_name.encode()] = TABLE[_name.upper().encode()] = _fn


class BareProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.reader = hiredis.Reader()

    def data_received(self, chunk):
        r = self.reader
        r.feed(chunk)
        out = []
        while True:
            cmd = r.gets()
            if cmd is False:
                break
            h = TABLE.get(cmd[0])
            out.append(h(cmd) if h else b"-ERR unknown command\r\n")
        if out:
            self.transport.write(b"".join(out))


async def _main(port):
    srv = await asyncio.get_running_loop().create_server(BareProtocol, "127.0.0.1", port)
    await srv.serve_forever()


if __name__ == "__main__":
    import uvloop
    uvloop.run(_main(int(sys.argv[1])))
