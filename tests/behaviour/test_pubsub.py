"""Pub/Sub compared with redis-server: subscription replies, message delivery,
the RESP2 pub/sub context, RESP3 pushes, PUBSUB introspection, glob patterns."""
import time

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.resp_client import RawClient


class Both:
    """One extra connection to each server; every exchange must be byte-equal."""

    def __init__(self, rport, sport, protocol):
        self.r = RawClient(rport)
        self.s = RawClient(sport)
        self.protocol = protocol
        if protocol == 3:
            self.r.call("HELLO", "3")
            self.s.call("HELLO", "3")

    def __call__(self, *args):
        rr, _ = self.r.call(*args)
        sr, sv = self.s.call(*args)
        assert sr == rr, f"{args!r}:\n redis:   {rr!r}\n shardis: {sr!r}"
        return sv

    def send(self, *args):
        self.r.send(*args)
        self.s.send(*args)

    def send_raw(self, data):
        self.r.send_raw(data)
        self.s.send_raw(data)

    def read(self):
        rr, _ = self.r.read()
        sr, sv = self.s.read()
        assert sr == rr, f"redis:   {rr!r}\n shardis: {sr!r}"
        return sv

    def read_unordered(self, n):
        """n replies from each, compared as multisets of raw bytes."""
        rr = sorted(self.r.read()[0] for _ in range(n))
        sr = sorted(self.s.read()[0] for _ in range(n))
        assert sr == rr, f"redis:   {rr!r}\n shardis: {sr!r}"

    def close(self):
        self.r.close()
        self.s.close()


@pytest.fixture
def conns(diff, redis_proc, shardis_proc):
    """Factory of extra connections with the protocol of this run of ``diff``."""
    made = []

    def make(protocol=None):
        b = Both(redis_proc.port, shardis_proc.port, diff.protocol if protocol is None else protocol)
        made.append(b)
        return b
    yield make
    for b in made:
        b.close()


def _settle(diff, *args, want, tries=200):
    """Poll a command on both servers until shardis's reply is ``want``
    (asynchronous cleanup after a disconnect), then compare."""
    for _ in range(tries):
        if diff.s(*args) == want and diff.r(*args) == want:
            break
        time.sleep(0.01)
    return diff(*args)


def test_subscribe_replies(diff, conns):
    a = conns()
    a.send("SUBSCRIBE", "c1", "c2", "c1")
    for _ in range(3):
        a.read()
    a.send("PSUBSCRIBE", "p*", "q?")
    a.read()
    a.read()
    a.send("SSUBSCRIBE", "s1")
    a.read()
    a.send("UNSUBSCRIBE", "c1", "nosuch")
    a.read()
    a.read()
    a.send("PUNSUBSCRIBE", "q?")
    a.read()
    a.send("SUNSUBSCRIBE", "s1", "s1")
    a.read()
    a.read()
    # without arguments: everything left, one reply each
    a.send("UNSUBSCRIBE")
    a.read()
    a.send("PUNSUBSCRIBE")
    a.read()
    # nothing left: one reply with a nil name
    a.send("UNSUBSCRIBE")
    a.read()
    a.send("PUNSUBSCRIBE")
    a.read()
    a.send("SUNSUBSCRIBE")
    a.read()
    a("PING")


def test_unsubscribe_all_many(diff, conns):
    a = conns()
    a.send("SUBSCRIBE", "x", "y", "z")
    for _ in range(3):
        a.read()
    a.send("PSUBSCRIBE", "a*", "b*")
    a.read()
    a.read()
    # Redis walks a hash table here: compare as sets (counts differ by order)
    a.send("UNSUBSCRIBE")
    r = sorted(a.r.read()[1][1] for _ in range(3))
    s = sorted(a.s.read()[1][1] for _ in range(3))
    assert r == s == [b"x", b"y", b"z"]
    a.send("PUNSUBSCRIBE")
    r = sorted(a.r.read()[1][1] for _ in range(2))
    s = sorted(a.s.read()[1][1] for _ in range(2))
    assert r == s == [b"a*", b"b*"]
    diff("PUBSUB", "NUMPAT")
    diff("PUBSUB", "CHANNELS")


def test_unsubscribe_without_subscribing(diff):
    diff("UNSUBSCRIBE")
    diff("PUNSUBSCRIBE")
    diff("SUNSUBSCRIBE")
    diff("UNSUBSCRIBE", "a", "b")
    diff.r.read()
    diff.s.read()
    diff("PUNSUBSCRIBE", "x*")
    diff("GET", "k")


@pytest.mark.parametrize("sub_proto", [2, 3])
def test_publish_delivery(diff, conns, sub_proto):
    a = conns(sub_proto)
    b = conns(sub_proto)
    a.send("SUBSCRIBE", "news")
    a.read()
    a.send("PSUBSCRIBE", "n*")
    a.read()
    b.send("PSUBSCRIBE", "n?ws", "*")
    b.read()
    b.read()
    diff("PUBLISH", "news", "hello")          # a: 2, b: 2
    a.read()                                  # message comes before pmessage
    a.read()
    b.read_unordered(2)
    diff("PUBLISH", "other", "x")             # b via '*'
    b.read()
    diff("PUBLISH", "nobody-listens-here", "")
    b.read()
    diff("PUBLISH", "", "empty channel")      # '*' does not match ''
    diff("PUBLISH", "news", b"bin\x00\r\n\xff")
    a.read()
    a.read()
    b.read_unordered(2)
    diff("PUBSUB", "NUMSUB", "news", "other", "news")
    diff("PUBSUB", "NUMPAT")


def test_resp2_context(diff, conns):
    a = conns(2)
    a.send("SUBSCRIBE", "ch")
    a.read()
    a("GET", "k")
    a("SET", "k", "v")
    a("PING")
    a("PING", "hello")
    a("PUBLISH", "ch", "x")
    a("MULTI")
    a("CONFIG", "GET", "maxclients")
    a("CONFIG", "HELP")
    a("CONFIG", "NOSUCHSUB")          # unknown subcommand: reported first
    a("CONFIG", "GET")                # subcommand arity: reported first
    a("CONFIG")
    a("NOSUCHCOMMAND")
    a("GET")
    a.send("PSUBSCRIBE", "x*")
    a.read()
    a.send("UNSUBSCRIBE")
    a.read()
    a("GET", "k")                 # still in context: a pattern is left
    a.send("PUNSUBSCRIBE")
    a.read()
    a("GET", "k")                 # out of the context
    a("PING")
    a.send("SSUBSCRIBE", "sh")
    a.read()
    a("ECHO", "x")                # shard subscriptions count too
    a.send("SUNSUBSCRIBE")
    a.read()
    a("ECHO", "x")


def test_resp3_commands_while_subscribed(diff, conns):
    a = conns(3)
    a.send("SUBSCRIBE", "ch")
    a.read()
    a("SET", "k", "v")
    a("GET", "k")
    a("PING")
    # a message to itself is pushed before the PUBLISH reply
    a.send("PUBLISH", "ch", "self")
    a.read()
    a.read()
    # pipelined: subscribe, publish, get in one write
    a.send_raw(RawClient.encode(["SUBSCRIBE", "p2"]) + RawClient.encode(["PUBLISH", "p2", "m"])
               + RawClient.encode(["GET", "k"]))
    for _ in range(4):
        a.read()


def test_shard_channels(diff, conns):
    a = conns()
    b = conns()
    a.send("SSUBSCRIBE", "s1", "s2")
    a.read()
    a.read()
    b.send("SUBSCRIBE", "s1")
    b.read()
    b.send("PSUBSCRIBE", "s*")
    b.read()
    diff("SPUBLISH", "s1", "hi")      # shard subscribers only, no patterns
    a.read()
    diff("PUBLISH", "s1", "plain")    # channel subscribers only
    b.read()
    b.read()
    diff("SPUBLISH", "nobody", "x")
    diff.unordered("PUBSUB", "SHARDCHANNELS")
    diff("PUBSUB", "SHARDCHANNELS", "*2")
    diff("PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3")
    diff("PUBSUB", "SHARDNUMSUB")
    diff("PUBSUB", "NUMSUB", "s1")
    a.send("SUNSUBSCRIBE", "s1")
    a.read()
    diff("PUBSUB", "SHARDNUMSUB", "s1", "s2")


def test_pubsub_introspection(diff, conns):
    diff("PUBSUB", "CHANNELS")
    diff("PUBSUB", "NUMSUB")
    diff("PUBSUB", "NUMPAT")
    a = conns()
    a.send("SUBSCRIBE", "news.1", "news.2", "sport")
    for _ in range(3):
        a.read()
    a.send("PSUBSCRIBE", "news.*", "news.*", "x")
    for _ in range(3):
        a.read()
    diff.unordered("PUBSUB", "CHANNELS")
    diff.unordered("PUBSUB", "CHANNELS", "news.*")
    diff("PUBSUB", "CHANNELS", "sp?rt")
    diff("PUBSUB", "CHANNELS", "nomatch*")
    diff("PUBSUB", "NUMSUB", "news.1", "sport", "none")
    diff("PUBSUB", "NUMPAT")
    diff("PUBSUB", "HELP")
    diff("pubsub", "help")
    diff.error("PUBSUB", "CHANNELS", "a", "b")
    diff.error("PUBSUB", "shardchannels", "a", "b")
    diff.error("PUBSUB", "NUMPAT", "x")
    diff.error("PUBSUB", "HELP", "x")
    diff.error("PUBSUB", "nosuch")
    diff.error("PUBSUB")
    diff.error("PUBLISH", "a")
    diff.error("SPUBLISH", "a", "b", "c")
    diff.error("SUBSCRIBE")
    diff.error("PSUBSCRIBE")
    diff.error("SSUBSCRIBE")


def _info_fields(raw, names):
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {n: fields.get(n) for n in names}


def test_info_counts(diff, conns):
    a = conns()
    b = conns()
    a.send("SUBSCRIBE", "c1", "c2")
    a.read()
    a.read()
    a.send("PSUBSCRIBE", "p*", "q*")
    a.read()
    a.read()
    b.send("PSUBSCRIBE", "p*")
    b.read()
    b.send("SSUBSCRIBE", "s")
    b.read()
    names = ["pubsub_channels", "pubsub_patterns", "pubsubshard_channels"]
    r = _info_fields(diff.r("INFO", "stats"), names)
    s = _info_fields(diff.s("INFO", "stats"), names)
    assert s == r and r["pubsub_patterns"] == "2", (r, s)


def test_disconnect_cleans_up(diff, conns):
    a = conns()
    a.send("SUBSCRIBE", "gone")
    a.read()
    a.send("PSUBSCRIBE", "gone*")
    a.read()
    a.send("SSUBSCRIBE", "gone")
    a.read()
    diff("PUBSUB", "NUMSUB", "gone")
    a.close()
    _settle(diff, "PUBSUB", "NUMPAT", want=0)
    diff("PUBSUB", "NUMSUB", "gone")
    diff("PUBSUB", "SHARDNUMSUB", "gone")
    diff("PUBLISH", "gone", "x")


def test_many_subscribers(diff, conns):
    subs = [conns(2 + i % 2) for i in range(12)]
    for i, c in enumerate(subs):
        c.send("SUBSCRIBE", "fan")
        c.read()
        if i % 3 == 0:
            c.send("PSUBSCRIBE", "f*")
            c.read()
    diff("PUBLISH", "fan", "out")
    for i, c in enumerate(subs):
        c.read()
        if i % 3 == 0:
            c.read()


# -- glob patterns --------------------------------------------------------------------
GLOB_CHANNELS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h", "", "a*b", "a?b", "a[b",
                 "a\\b", "abc", "ABC", "a-z", "]", "^", "x]y", "-", "h\xe9llo", "\\"]

GLOB_PATTERNS = ["h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "*", "?",
                 "", "a\\*b", "a\\?b", "a[\\[]b", "a\\\\b", "[", "[]", "[^]", "[]]", "[^]]",
                 "a[b", "a[bc", "[a-]", "[-a]", "[!a]", "[\\]]", "x[]]y", "*llo", "h**o",
                 "*\\", "\\", "[^a-z]*", "[A-Z]*", "a*", "*b*", "???", "?*?", "[a-c][a-c]*",
                 "[z-a]bc", "[^-]", "[\\^]", "h[\xe0-\xf0]llo"]


@pytest.fixture
def glob_channels(diff, conns):
    a = conns(3)
    a.send("SUBSCRIBE", *GLOB_CHANNELS)
    for _ in GLOB_CHANNELS:
        a.read()
    return a


def test_glob_matches_redis(diff, glob_channels):
    for pat in GLOB_PATTERNS:
        diff.unordered("PUBSUB", "CHANNELS", pat)


def test_glob_psubscribe_delivery(diff, conns):
    a = conns()
    for pat in GLOB_PATTERNS:
        a.send("PSUBSCRIBE", pat)
        a.read()
    for ch in GLOB_CHANNELS:
        n = diff("PUBLISH", ch, "m")
        a.read_unordered(n)


_glob_alphabet = st.sampled_from(["a", "b", "*", "?", "[", "]", "^", "-", "\\", "c"])


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(pat=st.lists(_glob_alphabet, max_size=7).map("".join))
def test_glob_random(diff, glob_channels, pat):
    diff.unordered("PUBSUB", "CHANNELS", pat)


def test_reset_drops_subscriptions(diff, conns):
    a = conns()
    a.send("SUBSCRIBE", "r1")
    a.read()
    a.send("PSUBSCRIBE", "r*")
    a.read()
    a("RESET")
    a("GET", "k")                     # out of the pub/sub context
    diff("PUBSUB", "NUMSUB", "r1")
    diff("PUBSUB", "NUMPAT")
    diff("PUBLISH", "r1", "x")
    a("PING")


def test_hello_switch_while_subscribed(diff, conns):
    a = conns(3)
    a.send("SUBSCRIBE", "h")
    a.read()
    a("GET", "k")                     # RESP3: allowed
    a.r.call("HELLO", "2")
    a.s.call("HELLO", "2")
    a("GET", "k")                     # RESP2: the pub/sub context applies
    diff("PUBLISH", "h", "m")
    a.read()                          # now a RESP2 message


def test_subscribe_inside_multi(diff2):
    diff = diff2
    diff("MULTI")
    diff("SSUBSCRIBE", "a")
    diff("SUNSUBSCRIBE")
    diff("UNSUBSCRIBE", "x")
    diff("PUNSUBSCRIBE")
    diff("EXEC")
    diff("MULTI")
    diff("SUBSCRIBE", "m")
    diff("EXEC")
    diff("GET", "k")                  # now in the pub/sub context
    diff("UNSUBSCRIBE")
    diff("GET", "k")


def test_confirmations_ignore_client_reply_off(diff, conns):
    a = conns()
    b = conns()
    a.send("CLIENT", "REPLY", "OFF")
    a.send("SUBSCRIBE", "z")
    a.read()                          # the confirmation still arrives
    a.send("PSUBSCRIBE", "zz*")
    a.read()
    b("PUBLISH", "z", "m")
    a.read()
    b("PUBLISH", "zzz", "m")
    a.read()


# -- random sequences -----------------------------------------------------------------
_CHANS = st.sampled_from(["a", "b", "ab", "ba", "", "c"])
_PATS = st.sampled_from(["*", "a*", "?", "[ab]", "b?", "*a", "\\*"])
_OPS = st.one_of(
    st.tuples(st.just("SUBSCRIBE"), st.integers(0, 1), st.lists(_CHANS, min_size=1, max_size=3)),
    st.tuples(st.just("UNSUBSCRIBE"), st.integers(0, 1), st.lists(_CHANS, max_size=2)),
    st.tuples(st.just("PSUBSCRIBE"), st.integers(0, 1), st.lists(_PATS, min_size=1, max_size=3)),
    st.tuples(st.just("PUNSUBSCRIBE"), st.integers(0, 1), st.lists(_PATS, max_size=2)),
    st.tuples(st.just("SSUBSCRIBE"), st.integers(0, 1), st.lists(_CHANS, min_size=1, max_size=2)),
    st.tuples(st.just("SUNSUBSCRIBE"), st.integers(0, 1), st.lists(_CHANS, max_size=2)),
    st.tuples(st.just("PUBLISH"), st.just(0), st.tuples(_CHANS)),
    st.tuples(st.just("SPUBLISH"), st.just(0), st.tuples(_CHANS)),
)


def _until_ping(client):
    out = []
    while True:
        raw, v = client.read()
        if raw == b"+PONG\r\n" or v == [b"pong", b""]:
            return out
        out.append((raw, v))


def _sync(who):
    """Everything each server sent this connection, up to a PING marker."""
    who.send("PING")
    return _until_ping(who.r), _until_ping(who.s)


def _compare(op, args, r, s):
    if op in ("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE") and not args and len(r) > 1:
        # Redis walks a hash table: same names and the same final count
        assert sorted(x[1][1] for x in s) == sorted(x[1][1] for x in r)
        assert s[-1][1][2] == r[-1][1][2]
    elif op in ("PUBLISH", "SPUBLISH"):
        assert sorted(x[0] for x in s) == sorted(x[0] for x in r)
    else:
        assert [x[0] for x in s] == [x[0] for x in r]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(_OPS, min_size=1, max_size=15))
def test_random_sequences(diff, redis_proc, shardis_proc, ops):
    subs = [Both(redis_proc.port, shardis_proc.port, diff.protocol),
            Both(redis_proc.port, shardis_proc.port, 5 - diff.protocol)]
    try:
        for op, who, args in ops:
            if op in ("PUBLISH", "SPUBLISH"):
                diff(op, args[0], "msg")
                for c in subs:
                    r, s = _sync(c)
                    _compare(op, args, r, s)
            else:
                c = subs[who]
                c.send(op, *args)
                r, s = _sync(c)
                _compare(op, args, r, s)
        diff("PUBSUB", "NUMPAT")
        diff("PUBSUB", "NUMSUB", "a", "b", "ab", "ba", "", "c")
        diff("PUBSUB", "SHARDNUMSUB", "a", "b", "ab", "ba", "", "c")
    finally:
        for c in subs:
            c.close()


def test_burst_keeps_order(diff, conns):
    """Many messages in one pipeline reach each subscriber in order, and a
    RESP3 subscriber's own reply comes after the messages sent before it."""
    subs = [conns(2), conns(3)]
    for c in subs:
        c.send("SUBSCRIBE", "burst")
        c.read()
    pub = conns()
    pub.send_raw(b"".join(RawClient.encode(["PUBLISH", "burst", "m%d" % i]) for i in range(300)))
    for _ in range(300):
        pub.read()
    subs[1].send("ECHO", "after")
    for c in subs:
        for _ in range(300):
            c.read()
    assert subs[1].read() == b"after"
