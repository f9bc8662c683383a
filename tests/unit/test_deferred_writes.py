"""Output waits for the end of the event-loop iteration (Client.defer_write,
Server.flush_writes): one write per client per iteration, in order, and
nothing lost when the connection closes."""
import asyncio

from shardis.server.server import Server
from tests.unit.inprocess import client, enc


def _run(body):
    async def main():
        srv = Server()
        srv.loop = asyncio.get_running_loop()
        await body(srv)
    asyncio.run(main())


def test_replies_of_an_iteration_go_out_once_per_client_in_order():
    async def body(srv):
        a = client(srv)
        b = client(srv)
        a.data_received(enc("SET", "k", "v"))
        b.data_received(enc("GET", "k"))
        a.data_received(enc("GET", "k") + enc("INCR", "k"))
        assert a.transport.out == [] and b.transport.out == []
        await asyncio.sleep(0)
        assert a.transport.out == [b"+OK\r\n$1\r\nv\r\n-ERR value is not an integer or out of range\r\n"]
        assert b.transport.out == [b"$1\r\nv\r\n"]
        a.data_received(enc("PING"))
        await asyncio.sleep(0)
        assert a.transport.out[1:] == [b"+PONG\r\n"]
        assert srv.stat_net_output_bytes == sum(len(x) for x in a.transport.out + b.transport.out)
    _run(body)


def test_quit_and_close_send_what_was_queued_first():
    async def body(srv):
        client(srv)         # another connection
        a = client(srv)
        a.data_received(enc("PING") + enc("QUIT"))
        assert a.transport.out == [b"+PONG\r\n+OK\r\n"] and a.transport.closed
        b = client(srv)
        b.data_received(enc("ECHO", "x"))
        b.close()
        assert b.transport.out == [b"$1\r\nx\r\n"] and b.transport.closed
        await asyncio.sleep(0)
        assert a.transport.out == [b"+PONG\r\n+OK\r\n"] and b.transport.out == [b"$1\r\nx\r\n"]
    _run(body)


def test_a_dropped_connection_sends_nothing_more():
    async def body(srv):
        a = client(srv)
        client(srv)
        a.data_received(enc("PING"))
        a.close_now()
        await asyncio.sleep(0)
        assert a.transport.aborted and a.transport.out == []
    _run(body)


def test_a_served_blocked_client_gets_its_queued_replies_first():
    async def body(srv):
        a = client(srv)
        b = client(srv)
        a.data_received(enc("PING") + enc("BLPOP", "q", "0"))
        b.data_received(enc("RPUSH", "q", "x"))
        # a's PING reply was queued before it blocked: it goes out ahead of the pop
        assert a.transport.out[0].startswith(b"+PONG\r\n")
        await asyncio.sleep(0)
        assert b"".join(a.transport.out) == b"+PONG\r\n*2\r\n$1\r\nq\r\n$1\r\nx\r\n"
        assert b.transport.out == [b":1\r\n"]
    _run(body)


def test_a_client_reading_again_after_itself_is_answered_at_once():
    """When the read before came from the same client, no other client's
    reply is waiting to share the peer's wake-up: the end-of-iteration
    callback would only add latency (a single busy connection, with or
    without idle ones beside it)."""
    async def body(srv):
        a = client(srv)
        b = client(srv)
        a.data_received(enc("PING"))
        assert a.transport.out == []
        await asyncio.sleep(0)
        assert a.transport.out == [b"+PONG\r\n"]
        a.data_received(enc("PING"))
        assert a.transport.out == [b"+PONG\r\n"] * 2
        b.data_received(enc("PING"))
        a.data_received(enc("ECHO", "z"))
        assert a.transport.out == [b"+PONG\r\n"] * 2 and b.transport.out == []
        await asyncio.sleep(0)
        assert a.transport.out[2:] == [b"$1\r\nz\r\n"] and b.transport.out == [b"+PONG\r\n"]
    _run(body)
