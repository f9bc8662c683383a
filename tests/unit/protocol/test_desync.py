"""The reader against the pure parser (Redis's request grammar) on pipelines
with one byte changed, dropped or added, whole or split: hiredis must not
swallow the commands after a multibulk that announced more elements than it
sent, and the query-buffer view CLIENT LIST shows follows Redis's."""
import random
import re

import pytest

from shardis.protocol.request import (RequestReader, PyRequestParser, ProtocolErr,
                                      query_buffer)
from tests.unit.protocol.test_request import enc, norm, parse, parse_reads

PING = enc(b"PING")


def reference(data):
    p = PyRequestParser(512 * 1024 * 1024)
    p.feed(data)
    out = []
    while True:
        c = p.gets()
        if c is False:
            return out
        out.append(c)
        if c.__class__ is ProtocolErr:
            return out


def _corrupt(rnd):
    cmds = [rnd.choice([enc(b"PING"), enc(b"ECHO", b"x" * rnd.randint(0, 12)),
                        enc(b"ECHO", PING + b":1\r\n$-1\r\n"), enc(b"SET", b"k", b"v" * 3)])
            for _ in range(rnd.randint(1, 5))]
    p = bytearray(b"".join(cmds))
    how = rnd.randrange(4)
    if how == 0:
        at = rnd.choice([m.start() + 1 for m in re.finditer(rb"[*$]", bytes(p))])
        p[at] = ord(rnd.choice("0123456789-x"))
    elif how == 1:
        at = rnd.choice([m.start() + 1 for m in re.finditer(rb"[*$]", bytes(p))])
        p[at:at] = b"1"
    elif how == 2:
        del p[rnd.randrange(len(p))]
    else:
        i = rnd.choice([m.start() for m in re.finditer(rb"\r\n", bytes(p))])
        del p[i:i + 2]
    return bytes(p) + PING * 2


def test_swallowed_commands_are_a_protocol_error():
    for data in (enc(b"SET", b"k", b"v")[:-10].replace(b"*3", b"*4") + PING * 3,
                 PING + b"*7\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" + PING * 2,
                 PING + b"*3\r\n$4\r\nECHO\r\n$1\r\nx\r\n:1\r\n" + PING):
        want = norm(reference(data))
        assert want[-1].startswith("Protocol error: expected '$'")
        for sp in (None, [1], [3], [7, 1]):
            assert norm(parse(data, sp)) == want, sp
            assert norm(parse_reads(data, sp)) == want, sp


@pytest.mark.parametrize("seed", range(4))
def test_random_corruptions_agree_with_the_grammar(seed):
    rnd = random.Random(seed)
    for _ in range(150):
        data = _corrupt(rnd)
        want = norm(reference(data))
        sp = rnd.choice([None, [1], [2], [5], [rnd.randint(1, 40)]])
        assert norm(parse(data, sp)) == want, (data, sp)
        assert norm(parse_reads(data, sp)) == want, (data, sp)


def test_payloads_that_look_like_commands_are_data():
    v = (PING + b":1\r\n$-1\r\n\n*") * 50
    data = enc(b"SET", b"k", v) + enc(b"GET", b"k") + enc(b"ECHO", b"\n*" * 40000)
    want = [[b"SET", b"k", v], [b"GET", b"k"], [b"ECHO", b"\n*" * 40000]]
    for sp in (None, [1000], [7, 3000], [65536]):
        assert norm(parse(data, sp)) == want, sp
        assert norm(parse_reads(data, sp)) == want, sp


def test_query_buffer_view():
    r = RequestReader()
    assert r.feed_read(PING) == [[b"PING"]]
    assert query_buffer(r) == (0, 0, 0)                    # at a boundary
    assert r.feed_read(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc") == []
    assert query_buffer(r) == (3, 4, 10)                   # SET and k taken, "abc" pending
    assert r.feed_read(b"defghij\r\n*2\r\n$4") == [[b"SET", b"k", b"abcdefghij"]]
    assert query_buffer(r) == (2, 0, 0)                    # a header line not complete yet
    assert r.feed_read(b"\r\nECHO\r\n$5\r\nhe") == []
    assert query_buffer(r) == (2, 4, 5)
    r2 = RequestReader()
    assert r2.feed_read(b"PIN") == []                      # inline: the whole line stays
    assert query_buffer(r2) == (3, 0, 0)
