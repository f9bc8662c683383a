"""The request protocol on the wire, compared with redis-server over raw
sockets: malformed input gets Redis's exact error text and the connection
is closed (or kept) as Redis does; inline commands, pipelining, split
input and big arguments."""
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.resp_client import RawClient


def exchange(port, payload=b"", wait=0.5, chunks=None, pause=0.0):
    """Send, then read until the server closes or stays quiet for ``wait``.
    Returns (bytes received, closed)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for c in (chunks if chunks is not None else [payload]):
            try:
                s.sendall(c)
            except OSError:
                break
            if pause:
                time.sleep(pause)
        data = b""
        closed = False
        s.settimeout(wait)
        while True:
            try:
                d = s.recv(1 << 16)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not d:
                closed = True
                break
            data += d
        return data, closed
    finally:
        s.close()


MALFORMED = [
    b"*abc\r\n",
    b"*3\r\n$abc\r\n",
    b"*1\r\nfoo\r\n",
    b'SET "a b\r\n',
    b"a" * 70000,
    b"*" + b"1" * 70000,
    b"*1\r\n$" + b"1" * 70000,
    b"*1\r\n$600000000\r\n",
    b"*-1\r\n*1\r\n$4\r\nPING\r\n",
    b"*0\r\n*1\r\n$4\r\nPING\r\n",
    b"*1\r\n$-1\r\n",
    b"*2147483648\r\n",
    b"*2147483647\r\n",
    b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
    b"*1\r\n*1\r\n$4\r\nPING\r\n",
    b"*1\r\n:1\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$-5\r\n",
    b"*1\r\n$+4\r\nPING\r\n",
    b"*01\r\n$4\r\nPING\r\n",
    b"* 1\r\n",
    b"*1\n$4\nPING\n",
    b"*1\r\n$4\r\nPING\r\nPING\r\n*x\r\n",
    b"*1\r\n$4\r\nPING",
    b"*3\r\n$4\r\nECHO\r\n$1\r\nk\r\n$1\r\nvvvvv\r\n",
    b"*-5\r\nPING\r\n",
    b"*1\r\n$0\r\n\r\n",
    b"$4\r\nPING\r\n",
    b"+PING\r\n",
    b"*1\r\n$4\r\nPING\r\n" * 3 + b"*1\r\n$x\r\n",
    b"*2\r\n$4\r\nECHO\r\n$536870912\r\n",
    b"*2\r\n$4\r\nECHO\r\n$536870913\r\n",
    b"*1\r\n$9223372036854775808\r\n",
    b"*1\r\n$1\r\n",
    b"*1\r",
    b"*1\r\n$1\r\n*\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\n",
    b"*1\r\n$4\r\nQUIT\r\nPING\r\n",
    b"*1\x00\r\n$4\r\nPING\r\n",
    b"%1\r\n",
    b"_\r\n",
    b",1.5\r\n",
    b"#t\r\n",
    b">2\r\n$4\r\nECHO\r\n$1\r\na\r\n",
    b"*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n",
    b"*2\r\n$4\r\nECHO\r\n%1\r\n",
    b"*12345678\r\n$4\r\nPING\r\n",
    b"*1\r\n*99999999\r\n",
    b"*2\r\n$4\r\nECHO\r\n+ab\r\n",
    b"*2\r\n$4\r\nECHO\r\n=7\r\ntxt:abc\r\n",
    b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n+ab\r\n*1\r\n$4\r\nPING\r\n",
    b"*2\r\n$4\r\nECHO\r\n$5\r\na\r\n+b\r\n",
]

INLINE = [
    b"PING\r\n",
    b"PING\n",
    b'ECHO "a\\x41\\n"\r\n',
    b"ECHO 'it\\'s'\r\n",
    b"\r\n\r\nPING\r\n",
    b"   \r\nPING\n",
    b'ECHO "a"b\r\n',
    b"ECHO 'a'b\r\n",
    b'ECHO "\\z"\r\n',
    b'ECHO "\\x4"\r\n',
    b'ECHO "\\xzz"\r\n',
    b'ECHO "abc\r\n',
    b"ECHO 'abc\r\n",
    b"\x00\x01\r\n",
    b"\n",
    b"ECHO a\n\nECHO b\r\n",
    b"ECHO " + b"x" * 70000 + b"\r\n",
    b"ECHO " + b"x" * 60000 + b"\r\n",
    b'ECHO "tab\\there" \'sq "x"\'\r\n',
    b"ECHO\ta\r\n",
    b'ECHO ""\r\n',
    b"echo   spaced    \r\n",
    b"PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n",
    b"NOSUCH a b\r\n",
    b"ECHO a b\r\n",
]


def _compare(redis_port, shardis_port, cases):
    def run(case):
        with ThreadPoolExecutor(2) as ex:
            fr = ex.submit(exchange, redis_port, case)
            fs = ex.submit(exchange, shardis_port, case)
            return case, fr.result(), fs.result()
    bad = []
    with ThreadPoolExecutor(12) as ex:
        for case, r, s in ex.map(run, cases):
            if r != s:
                bad.append((case[:80], r, s))
    return bad


def test_malformed_requests_like_redis(redis_proc, shardis_proc):
    assert _compare(redis_proc.port, shardis_proc.port, MALFORMED) == []
    assert shardis_proc.alive()


def test_inline_commands_like_redis(redis_proc, shardis_proc):
    assert _compare(redis_proc.port, shardis_proc.port, INLINE) == []
    assert shardis_proc.alive()


def test_protocol_error_is_counted(ours):
    before = ours.call("INFO", "stats")[1]
    if not isinstance(before, bytes) or b"total_error_replies" not in before:
        pytest.skip("INFO stats not available")
    data, closed = exchange(ours.sock.getpeername()[1], b"*1\r\n$x\r\n")
    assert closed and data == b"-ERR Protocol error: invalid bulk length\r\n"


def _split(payload, sizes):
    out, i, k = [], 0, 0
    while i < len(payload):
        n = sizes[k % len(sizes)]
        out.append(payload[i:i + n])
        i += n
        k += 1
    return out


@pytest.mark.parametrize("payload", [
    RawClient.encode(("ECHO", "hello world")) + RawClient.encode(("PING",)),
    b"ECHO inline\r\nPING\r\n",
    RawClient.encode(("ECHO", "x" * 100)) * 3 + b"*1\r\n$x\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*0\r\n*-1\r\nPING\r\n",
])
def test_byte_by_byte_like_redis(redis_proc, shardis_proc, payload):
    chunks = _split(payload, [1])
    with ThreadPoolExecutor(2) as ex:
        fr = ex.submit(exchange, redis_proc.port, chunks=chunks, pause=0.0005)
        fs = ex.submit(exchange, shardis_proc.port, chunks=chunks, pause=0.0005)
        assert fs.result() == fr.result()


def test_odd_splits_of_a_pipeline(redis_proc, shardis_proc):
    payload = b"".join(RawClient.encode(("ECHO", "v%d" % i * (i % 7))) for i in range(200))
    payload += b"ECHO tail\r\n"
    for sizes in ([3], [7, 1, 13], [64], [1000, 1]):
        chunks = _split(payload, sizes)
        with ThreadPoolExecutor(2) as ex:
            fr = ex.submit(exchange, redis_proc.port, chunks=chunks, pause=0.0002)
            fs = ex.submit(exchange, shardis_proc.port, chunks=chunks, pause=0.0002)
            assert fs.result() == fr.result(), sizes


def test_pipeline_of_10k_commands(diff2):
    payload = b"".join(RawClient.encode(("ECHO", "value-%d" % i)) for i in range(10000))
    expected = b"".join(b"$%d\r\nvalue-%d\r\n" % (len(b"value-%d" % i), i) for i in range(10000))
    for c in (diff2.r, diff2.s):
        c.send_raw(payload)
        got = b""
        while len(got) < len(expected):
            d = c.sock.recv(1 << 20)
            assert d
            got += d
        assert got == expected


def test_inline_pipeline_of_10k_commands(redis_proc, shardis_proc):
    payload = b"".join(b"ECHO v%d\r\n" % i for i in range(10000))
    for port in (redis_proc.port, shardis_proc.port):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(payload)
        expected = b"".join(b"$%d\r\nv%d\r\n" % (len(b"v%d" % i), i) for i in range(10000))
        got = b""
        s.settimeout(10)
        while len(got) < len(expected):
            d = s.recv(1 << 20)
            assert d
            got += d
        s.close()
        assert got == expected


def test_big_argument_100mb(shardis_proc, redis_proc):
    """A 100 MB bulk argument is received intact (ECHO returns it)."""
    value = b"abcdefghij" * (10 * 1024 * 1024)
    cmd = b"*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n" % (len(value), value)
    head = b"$%d\r\n" % len(value)
    for port in (shardis_proc.port,):
        s = socket.create_connection(("127.0.0.1", port))
        s.settimeout(60)
        s.sendall(cmd)
        need = len(head) + len(value) + 2
        buf = bytearray()
        while len(buf) < need:
            d = s.recv(1 << 22)
            assert d, "connection closed"
            buf += d
        s.close()
        assert bytes(buf[:len(head)]) == head
        assert bytes(buf[len(head):len(head) + 20]) == value[:20]
        assert bytes(buf[-12:]) == value[-10:] + b"\r\n"
    assert shardis_proc.alive()


def test_connection_survives_after_pure_parser(ours):
    """After input that needed the pure parser, the fast path resumes."""
    ours.send_raw(b"*-1\r\n")
    assert ours.call("PING")[1] == b"PONG"
    ours.send_raw(b"ECHO a\r\n")
    ours.send_raw(RawClient.encode(("ECHO", "b")))
    assert ours.read()[1] == b"a"
    assert ours.read()[1] == b"b"
