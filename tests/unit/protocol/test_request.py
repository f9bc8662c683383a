"""protocol/request.py: the hiredis fast path and the pure parser give the
same commands and Redis's errors whether the input arrives whole, byte by
byte, in odd pieces or followed by trailing bytes."""
from hypothesis import given, settings, strategies as st

from shardis.protocol.request import (RequestReader, PyRequestParser, ProtocolErr, split_args,
                                      string2ll)


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def drain(r):
    out = []
    while True:
        c = r.gets()
        if c is False:
            return out
        out.append(c)
        if c.__class__ is ProtocolErr:
            return out


def parse(data, pieces=None, max_bulk=512 * 1024 * 1024):
    """Feed ``data`` in pieces of the given sizes (whole when None)."""
    r = RequestReader(max_bulk)
    out = []
    if pieces is None:
        r.feed(data)
        return drain(r)
    i = k = 0
    while i < len(data):
        n = pieces[k % len(pieces)]
        r.feed(data[i:i + n])
        i += n
        k += 1
        out += drain(r)
        if out and out[-1].__class__ is ProtocolErr:
            break
    return out


def norm(cmds):
    return [c.message if c.__class__ is ProtocolErr else c for c in cmds]


SPLITS = [None, [1], [2], [3], [5, 1, 7], [64]]


def parse_reads(data, pieces=None):
    """The same through ``feed_read`` (the client's per-read call), after a
    first read that leaves the reader at a command boundary (where its short
    paths apply)."""
    r = RequestReader()
    assert r.feed_read(b"*1\r\n$4\r\nPING\r\n") == [[b"PING"]]
    assert r.feed_read(b"*1\r\n$4\r\nPING\r\n") == [[b"PING"]]
    out = []
    pieces = pieces or [len(data)]
    i = k = 0
    while i < len(data):
        n = pieces[k % len(pieces)]
        out += r.feed_read(data[i:i + n])
        i += n
        k += 1
        if out and out[-1].__class__ is ProtocolErr:
            break
    return out


def check(data, expected):
    for sp in SPLITS:
        assert norm(parse(data, sp)) == expected, sp
        assert norm(parse_reads(data, sp)) == expected, sp


def test_simple_commands():
    check(enc(b"SET", b"k", b"v") + enc(b"GET", b"k"), [[b"SET", b"k", b"v"], [b"GET", b"k"]])


def test_binary_and_empty_args():
    v = bytes(range(256)) * 3 + b"\r\n*1\r\n$4\r\n"
    check(enc(b"SET", b"", v), [[b"SET", b"", v]])


def test_empty_multibulks_are_skipped():
    check(b"*0\r\n" + enc(b"PING") + b"*-1\r\n" + enc(b"PING"), [[b"PING"], [b"PING"]])


def test_inline():
    check(b"PING\r\nECHO \"a b\" 'c d'\nSET k \"\\x41\\n\"\r\n",
          [[b"PING"], [b"ECHO", b"a b", b"c d"], [b"SET", b"k", b"A\n"]])
    check(b"\r\n   \r\nPING\r\n", [[b"PING"]])


def test_mixed_inline_and_multibulk():
    check(enc(b"A") + b"B x\r\n" + enc(b"C") + b"D\r\n", [[b"A"], [b"B", b"x"], [b"C"], [b"D"]])


def test_errors():
    check(b"*abc\r\n", ["Protocol error: invalid multibulk length"])
    check(enc(b"PING") + b"*1\r\n$x\r\n", [[b"PING"], "Protocol error: invalid bulk length"])
    check(b"*1\r\nfoo\r\n", ["Protocol error: expected '$', got 'f'"])
    check(b"*2\r\n$4\r\nECHO\r\n:1\r\n", ["Protocol error: expected '$', got ':'"])
    check(b"*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n", ["Protocol error: expected '$', got '*'"])
    # simple strings and verbatim strings are not bulk strings either
    check(b"*2\r\n$4\r\nECHO\r\n+ab\r\n", ["Protocol error: expected '$', got '+'"])
    check(b"*2\r\n$4\r\nECHO\r\n=7\r\ntxt:abc\r\n", ["Protocol error: expected '$', got '='"])
    check(enc(b"PING") + b"*2\r\n$4\r\nECHO\r\n+ab\r\n" + enc(b"PING"),
          [[b"PING"], "Protocol error: expected '$', got '+'"])
    # payload bytes that look like one are still data
    check(enc(b"SET", b"k+", b"v=1") + enc(b"PING"), [[b"SET", b"k+", b"v=1"], [b"PING"]])
    check(enc(b"ECHO", b"a\r\n+b") + enc(b"SET", b"k", b"\r\n=") + enc(b"PING"),
          [[b"ECHO", b"a\r\n+b"], [b"SET", b"k", b"\r\n="], [b"PING"]])
    # after complete commands in the same read, and followed by more
    ok = enc(b"PING") + enc(b"GET", b"k")
    check(ok + b"*2\r\n$4\r\nECHO\r\n:1\r\n" + enc(b"PING"),
          [[b"PING"], [b"GET", b"k"], "Protocol error: expected '$', got ':'"])
    check(ok + ok + b"*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n",
          [[b"PING"], [b"GET", b"k"]] * 2 + ["Protocol error: expected '$', got '*'"])
    check(b'ECHO "a\r\n', ["Protocol error: unbalanced quotes in request"])
    check(b"*1\r\n$-1\r\n", ["Protocol error: invalid bulk length"])
    check(b"*01\r\n", ["Protocol error: invalid multibulk length"])
    check(b"*2147483648\r\n", ["Protocol error: invalid multibulk length"])


def test_bulk_above_max_is_refused_at_the_header():
    assert norm(parse(b"*2\r\n$4\r\nECHO\r\n$2000\r\n", max_bulk=1000)) == \
        ["Protocol error: invalid bulk length"]
    assert norm(parse(b"*2\r\n$4\r\nECHO\r\n$1000\r\n", max_bulk=1000)) == []


def test_too_big_inline_and_counts():
    assert norm(parse(b"a" * 70000)) == ["Protocol error: too big inline request"]
    assert norm(parse(b"*" + b"1" * 70000)) == ["Protocol error: too big mbulk count string"]
    assert norm(parse(b"*1\r\n$" + b"1" * 70000)) == ["Protocol error: too big bulk count string"]


def test_huge_array_header_does_not_allocate():
    # hiredis would build a list of 2**31 slots; the pure parser waits instead
    r = RequestReader()
    r.feed(b"*2147483647\r\n$4\r\nPING\r\n")
    assert r.gets() is False
    r = RequestReader()
    r.feed(enc(b"PING") + b"*1234")
    r.feed(b"5678\r\n")
    assert norm(drain(r)) == [[b"PING"]]


def test_trailing_partial_bytes_are_kept():
    r = RequestReader()
    full = enc(b"SET", b"key", b"value")
    r.feed(full + full[:7])
    assert drain(r) == [[b"SET", b"key", b"value"]]
    assert r.pending_bytes > 0
    r.feed(full[7:])
    assert drain(r) == [[b"SET", b"key", b"value"]]


def test_split_inside_a_pipeline_of_identical_commands():
    # a read that ends after complete elements of a half-sent command
    cmd = enc(b"ECHO", b"")
    data = cmd * 3 + b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" + enc(b"PING")
    check(data, [[b"ECHO", b""]] * 4 + [[b"PING"]])


def test_pure_parser_directly():
    p = PyRequestParser(1 << 20)
    p.feed(enc(b"A", b"b") + b"C d\r\n*1\r\n$1\r\n")
    assert p.gets() == [b"A", b"b"]
    assert p.gets() == [b"C", b"d"]
    assert p.gets() is False
    p.feed(b"x\r\n")
    assert p.gets() == [b"x"]


def test_nul_hides_the_inline_newline():
    assert parse(b"\x00\x01\r\n") == []


def test_split_args():
    assert split_args(b'a "b c" \'d e\'') == [b"a", b"b c", b"d e"]
    assert split_args(b'"\\x41\\x4g\\n\\r\\t\\b\\a\\z"') == [b"Ax4g\n\r\t\b\az"]
    assert split_args(b"'it\\'s'") == [b"it's"]
    assert split_args(b'"a"b') is None
    assert split_args(b"'a'b") is None
    assert split_args(b'"abc') is None
    assert split_args(b"") == []
    assert split_args(b'""') == [b""]


def test_string2ll():
    assert string2ll(b"0") == 0
    assert string2ll(b"-1") == -1
    assert string2ll(b"9223372036854775807") == 2 ** 63 - 1
    assert string2ll(b"-9223372036854775808") == -2 ** 63
    for bad in (b"", b"+1", b"01", b"-0", b" 1", b"1 ", b"9223372036854775808", b"1a", b"-"):
        assert string2ll(bad) is None, bad


arg = st.binary(max_size=40)
cmds = st.lists(st.lists(arg, min_size=1, max_size=5), min_size=1, max_size=8)


@settings(max_examples=50, deadline=None)
@given(cmds, st.lists(st.integers(1, 30), min_size=1, max_size=5))
def test_any_split_gives_the_same_commands(commands, sizes):
    data = b"".join(enc(*c) for c in commands)
    assert parse(data, sizes) == commands
    assert parse(data) == commands


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(1, 30), min_size=1, max_size=4))
def test_random_bytes_whole_or_split_agree(data, sizes):
    """Garbage gives the same commands/errors whole and split (up to the
    first error), and never raises."""
    whole = norm(parse(data))
    split = norm(parse(data, sizes))
    if whole and isinstance(whole[-1], str):
        # the split run may have seen the error before the rest arrived
        assert split[:len(whole) - 1] == whole[:-1]
    else:
        assert split[:len(whole)] == whole
