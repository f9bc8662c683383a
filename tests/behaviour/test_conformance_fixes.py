"""Conformance fixes found by using shardis as a new user would, each checked
against redis-server (7.0.15; where 7.2 differs the 7.2 behaviour is asserted
on shardis alone and the difference is cited)."""
import socket
import time

import pytest

from tests.resp_client import RawClient, RespError


# -- glob patterns: one matcher, Redis's nesting limit, no internal error -------------

def test_keys_with_nested_stars(diff):
    diff("SET", "a" * 1500, "1")
    diff("MSET", "ab", "1", "abc", "2", "b", "3")
    for pat in [b"*a" * 1000 + b"*", b"*a" * 1001 + b"*", b"*a" * 1001, b"*a" * 5000,
                b"a*" * 20 + b"b", b"*" * 3000 + b"b", b"[" * 2000, b"\\" * 3001]:
        diff.unordered("KEYS", pat)
        r = diff.r("SCAN", "0", "MATCH", pat, "COUNT", "1000")
        s = diff.s("SCAN", "0", "MATCH", pat, "COUNT", "1000")
        assert (s[0], sorted(s[1])) == (r[0], sorted(r[1])), pat[:30]


def test_config_get_and_psubscribe_with_nested_stars(diff):
    pat = b"*m" * 2000
    diff("CONFIG", "GET", pat)
    diff("CONFIG", "GET", "MAXMEMORY-P[^x]*")      # case folded, ^ negates (not fnmatch's !)
    diff("CONFIG", "GET", "maxmemory-p[!o]*")      # ! is a plain member in Redis's glob
    diff("PSUBSCRIBE", pat)
    diff("PUNSUBSCRIBE")


def test_star_heavy_pattern_does_not_stall(ours):
    ours("SET", "a" * 200000, "1")
    t = time.monotonic()
    assert ours("KEYS", "a*" * 10 + "b") == []
    assert ours("KEYS", "*a" * 30 + "*b") == []
    assert time.monotonic() - t < 2.0


# -- protocol desync: Redis's error, then the connection is closed ---------------------

def _exchange(port, payload, chunk=None):
    from tests.behaviour.test_protocol import exchange, _split
    if chunk:
        return exchange(port, chunks=_split(payload, [chunk]), pause=0.002)
    return exchange(port, payload)


PING = b"*1\r\n$4\r\nPING\r\n"
EXPECTED_BULK = b"-ERR Protocol error: expected '$', got '%s'\r\n"
# (request, exact reply bytes, connection closed), as redis-server answers
DESYNC = [
    # a multibulk count larger than the elements sent: the next command is not a bulk
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + PING * 2, EXPECTED_BULK % b"*", True),
    (PING + b"*12\r\n$4\r\nECHO\r\n$2\r\nab\r\n" + PING * 3, b"+PONG\r\n" + EXPECTED_BULK % b"*", True),
    # ... whose swallowed commands end like the command before it
    (PING + b"*7\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" + PING * 2,
     b"+PONG\r\n" + EXPECTED_BULK % b"*", True),
    (PING + b"*3\r\n$4\r\nECHO\r\n$1\r\nx\r\n:1\r\n" + PING, b"+PONG\r\n" + EXPECTED_BULK % b":", True),
    # bad lengths
    (b"*x2\r\n$4\r\nECHO\r\n", b"-ERR Protocol error: invalid multibulk length\r\n", True),
    (b"*2\r\n$4\r\nECHO\r\n$3x\r\nabc\r\n", b"-ERR Protocol error: invalid bulk length\r\n", True),
    (b"*2\r\n$4\r\nECHO\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n", True),
    # bulk bytes that do not match the announced length: Redis takes the
    # announced bytes, skips two (the CRLF it expects, unchecked) and goes on
    (b"*2\r\n$4\r\nECHO\r\n$3\r\nabcXY" + PING, b"$3\r\nabc\r\n+PONG\r\n", False),
    (b"*2\r\n$4\r\nECHO\r\n$5\r\nabc\r\n" + PING,
     b"$5\r\nabc\r\n\r\n-ERR unknown command '$4', with args beginning with: \r\n+PONG\r\n", False),
]


@pytest.mark.parametrize("chunk", [None, 1, 5])
def test_protocol_desync_answers_and_closes(redis_proc, shardis_proc, chunk):
    for payload, want, closed in DESYNC:
        got_r = _exchange(redis_proc.port, payload, chunk)
        got_s = _exchange(shardis_proc.port, payload, chunk)
        assert got_r == (want, closed), (payload, got_r)     # the oracle agrees with the table
        assert got_s == got_r, (payload, got_s)
    assert shardis_proc.alive()


def test_bulk_payload_that_looks_like_commands_is_data(diff2):
    v = (PING + b":1\r\n$-1\r\n") * 3
    assert diff2("ECHO", v) == v
    big = b"\n*" * 40000
    assert diff2("SET", "k", big) == b"OK"
    assert diff2("STRLEN", "k") == len(big)


def test_random_corruptions_of_a_pipeline_like_redis(redis_proc, shardis_proc):
    """A pipeline with one byte changed, dropped or added (lengths, CRLFs),
    sent whole or in small pieces: the same replies and the same close."""
    import random
    import re
    from concurrent.futures import ThreadPoolExecutor
    from tests.behaviour.test_protocol import exchange, _split
    rnd = random.Random(20261207)
    cases = []
    for _ in range(120):
        cmds = [RawClient.encode(rnd.choice([("PING",), ("ECHO", "x" * rnd.randint(0, 12)),
                                             ("ECHO", PING + b":1\r\n"), ("SET", "k", "v" * 3)]))
                for _ in range(rnd.randint(1, 4))]
        p = bytearray(b"".join(cmds))
        at = rnd.choice([m.start() + 1 for m in re.finditer(rb"[*$]", bytes(p))])
        how = rnd.randrange(4)
        if how == 0:
            p[at] = ord(rnd.choice("0123456789-x"))
        elif how == 1:
            p[at:at] = b"1"
        elif how == 2:
            del p[rnd.randrange(len(p))]
        else:
            i = rnd.choice([m.start() for m in re.finditer(rb"\r\n", bytes(p))])
            del p[i:i + 2]
        cases.append((bytes(p) + PING, rnd.choice([None, 1, 3, 7])))

    def run(case):
        payload, chunk = case
        kw = dict(chunks=_split(payload, [chunk]), pause=0.001) if chunk else dict(payload=payload)
        return case, exchange(redis_proc.port, wait=0.3, **kw), exchange(shardis_proc.port, wait=0.3, **kw)

    with ThreadPoolExecutor(8) as ex:
        bad = [(c, r, s) for c, r, s in ex.map(run, cases) if r != s]
    assert bad == []
    assert shardis_proc.alive()


# -- XSETID ------------------------------------------------------------------------------

def test_xsetid_entriesadded_and_maxdeletedid_rules(diff):
    for cmd in [("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "2-1", "f", "v"),
                ("XADD", "s", "3-1", "f", "v"), ("XDEL", "s", "2-1")]:
        diff(*cmd)
    diff.error("XSETID", "s", "2-5")                 # below the top item (3-1), above 2-1
    diff("XSETID", "s", "3-2")
    diff.error("XSETID", "s", "4-0", "MAXDELETEDID", "5-0")            # id below the given one
    diff("XSETID", "s", "5-0", "MAXDELETEDID", "4-0")
    diff.error("XSETID", "s", "5-0", "ENTRIESADDED", "1")               # below the length
    diff.error("XSETID", "s", "5-0", "ENTRIESADDED", "-1")
    diff.error("XSETID", "s", "5-0", "ENTRIESADDED", "x")
    diff("XSETID", "s", "6-0", "ENTRIESADDED", "10", "MAXDELETEDID", "0-0")   # 0-0 leaves it
    diff("XINFO", "STREAM", "s")
    for bad in ("-", "+", "7-*", "x"):
        diff.error("XSETID", "s", bad)
    diff.error("XSETID", "s", "8-0", "MAXDELETEDID")
    diff.error("XSETID", "s", "8-0", "FOO", "1")
    diff.error("XSETID", "nokey", "1-1")
    diff.error("XSETID", "nokey", "1-1", "MAXDELETEDID", "2-0")       # options before the key
    diff("SET", "str", "x")
    diff.error("XSETID", "str", "1-1")


@pytest.mark.redis72
def test_xsetid_below_max_deleted_entry_id_fails(ours):
    """Redis 7.2 refuses a last id below the stream's max-deleted-entry-id
    (t_stream.c xsetidCommand); 7.0.15 accepted it."""
    ours("XADD", "e", "5-0", "f", "v")
    ours("XDEL", "e", "5-0")
    for sid in ("4-0", "0-0", "4-99"):
        r = ours("XSETID", "e", sid)
        assert isinstance(r, RespError)
        assert str(r) == "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
    assert ours("XSETID", "e", "5-0") == b"OK"                      # equal is allowed
    ours("XADD", "s", "1-0", "f", "v")
    ours("XADD", "s", "9-0", "f", "v")
    ours("XDEL", "s", "9-0")
    r = ours("XSETID", "s", "8-0")          # above the top item (1-0), below max deleted (9-0)
    assert str(r) == "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
    assert ours("XSETID", "s", "10-0", "MAXDELETEDID", "2-0") == b"OK"     # may lower it
    info = ours("XINFO", "STREAM", "s")
    info = dict(zip(info[::2], info[1::2])) if isinstance(info, list) else info
    assert info[b"max-deleted-entry-id"] == b"2-0" and info[b"last-generated-id"] == b"10-0"


# -- COMMAND DOCS arguments (what redis-cli 7.2 builds its hints from) ------------------

def _as_map(v):
    return v if isinstance(v, dict) else dict(zip(v[::2], v[1::2]))


def _docs(client, name):
    r = client("COMMAND", "DOCS", name)
    return _as_map(_as_map(r)[name.encode()])


def _hint(args):
    """The syntax line redis-cli renders from an argument tree."""
    parts = []
    for a in map(_as_map, args):
        t = a[b"type"]
        if t == b"oneof":
            s = b"|".join(_hint([x]) for x in a[b"arguments"])
        elif t == b"block":
            s = _hint(a[b"arguments"])
        elif t == b"pure-token":
            s = a[b"token"]
        else:
            s = a.get(b"display_text", a[b"name"])
        tok = a.get(b"token") if t != b"pure-token" else None
        one = tok + b" " + s if tok else s
        flags = a.get(b"flags", [])
        if b"multiple_token" in flags:
            one = one + b" [" + one + b" ...]"
        elif b"multiple" in flags:
            one = (tok + b" " if tok else b"") + s + b" [" + s + b" ...]"
        parts.append(b"[" + one + b"]" if b"optional" in flags else one)
    return b" ".join(parts)


def _strip_display(args):
    out = []
    for a in map(_as_map, args):
        a = {k: v for k, v in a.items() if k != b"display_text"}
        if b"arguments" in a:
            a[b"arguments"] = _strip_display(a[b"arguments"])
        out.append(a)
    return out


# argument trees 7.0 and 7.2 agree on
SAME_ARGS = ["get", "set", "lpos", "xtrim", "zunionstore", "restore", "lmpop",
             "client|pause", "object|encoding", "blmove", "zinterstore", "xautoclaim", "hrandfield"]


def test_docs_arguments_as_redis(diff):
    for name in SAME_ARGS:
        r = _docs(diff.r, name)
        s = _docs(diff.s, name)
        assert _strip_display(s.get(b"arguments", [])) == _strip_display(r.get(b"arguments", [])), name
        assert _hint(s.get(b"arguments", [])) == _hint(r.get(b"arguments", [])), name


@pytest.mark.redis72
def test_docs_display_text_72(ours):
    """Redis 7.2 gives display_text, right after type, for every argument that is
    not a oneof or block: the metadata's display string, else the name."""
    raw = ours.call("COMMAND", "DOCS", "get")[0]
    assert (b"$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n"
            b"$14\r\nkey_spec_index\r\n:0\r\n") in raw

    def walk(args):
        for a in map(_as_map, args):
            if a[b"type"] in (b"oneof", b"block"):
                assert b"display_text" not in a
                walk(a[b"arguments"])
            else:
                assert a[b"display_text"], a
    checked = 0
    for name in ours("COMMAND", "LIST"):
        d = _docs(ours, name.decode())
        for doc in [d] + [_as_map(x) for x in _as_map(d.get(b"subcommands", {})).values()]:
            walk(doc.get(b"arguments", []))
            checked += 1
    assert checked > 350
    assert _hint(_docs(ours, "set")[b"arguments"]) == (
        b"key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
        b"PXAT unix-time-milliseconds|KEEPTTL]")
    assert _hint(_docs(ours, "client|kill")[b"arguments"]).startswith(b"ip:port|[ID client-id]")
    assert _hint(_docs(ours, "command|getkeys")[b"arguments"]) == b"command [arg [arg ...]]"
    assert _hint(_docs(ours, "cluster|setslot")[b"arguments"]) == (
        b"slot IMPORTING node-id|MIGRATING node-id|NODE node-id|STABLE")


# -- LATENCY HISTOGRAM with several names -------------------------------------------------

def _hist_entries(raw_reply):
    """[(name, calls)] in reply order (RESP2 or RESP3); the buckets depend on timing,
    only their shape is checked."""
    v = raw_reply
    pairs = list(v.items()) if isinstance(v, dict) else list(zip(v[::2], v[1::2]))
    out = []
    for name, body in pairs:
        body = _as_map(body)
        buckets = _as_map(body[b"histogram_usec"])
        assert list(buckets.values()) == sorted(buckets.values())      # cumulative
        assert max(buckets.values()) == body[b"calls"]
        out.append((name, body[b"calls"]))
    return out


def test_latency_histogram_several_names(diff):
    for c in (diff.r, diff.s):
        c("CONFIG", "RESETSTAT")
        c("SET", "k", "v")
        c("GET", "k")
        c("GET", "k")
        c("CONFIG", "GET", "port")
        c("CLIENT", "ID")
    cases = [("set",), ("set", "get"), ("get", "set", "get"), ("nosuch",), ("nosuch", "get"),
             ("config|get",), ("CONFIG|GET", "client|id", "SET"), ("config|nosuch",),
             ("lpush",), ("get|x",), ("client",), ("GET", "get")]
    for names in cases:
        if diff.protocol == 3 and len(set(n.lower() for n in names)) != len(names):
            continue    # a RESP3 map with a repeated key: both send it, the client keeps one
        r = _hist_entries(diff.r("LATENCY", "HISTOGRAM", *names))
        s = _hist_entries(diff.s("LATENCY", "HISTOGRAM", *names))
        assert s == r, names
    # a container gives its subcommands that have calls (Redis's dict order: compare as sets)
    r = _hist_entries(diff.r("LATENCY", "HISTOGRAM", "config"))
    s = _hist_entries(diff.s("LATENCY", "HISTOGRAM", "config"))
    assert sorted(s) == sorted(r) and {n for n, _ in r} >= {b"config|get", b"config|resetstat"}


# -- CLIENT LIST / CLIENT INFO: the query buffer ------------------------------------------

def _client_fields(line):
    return [tuple(kv.split("=", 1)) for kv in line.decode().strip().split(" ")]


QB = ("qbuf", "qbuf-free", "argv-mem")


def _qb(fields):
    d = dict(fields)
    return tuple(d[k] for k in QB)


def test_client_list_query_buffer(redis_proc, shardis_proc):
    got = {}
    for kind, proc in (("redis", redis_proc), ("shardis", shardis_proc)):
        a = RawClient(proc.port)
        b = RawClient(proc.port)
        try:
            me = _client_fields(a("CLIENT", "INFO"))
            bid = b("CLIENT", "ID")
            idle = _client_fields(a("CLIENT", "LIST", "ID", str(bid)))
            b.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")       # a command half sent
            time.sleep(0.3)
            partial = _client_fields(a("CLIENT", "LIST", "ID", str(bid)))
            b.send_raw(b"defghij\r\n")
            assert b.read()[1] == b"OK"
            got[kind] = (me, idle, partial)
        finally:
            a.close()
            b.close()
    r, s = got["redis"], got["shardis"]
    for rf, sf in zip(r, s):
        assert _qb(sf) == _qb(rf)
        # the same fields in the same order (7.2 adds lib-name and lib-ver at the end)
        assert [k for k, _ in sf] == [k for k, _ in rf] + ["lib-name", "lib-ver"]
    assert _qb(r[0]) == ("26", "20448", "10")          # CLIENT INFO itself is in the buffer
    assert _qb(r[2]) == ("3", "20471", "4")            # SET and k taken, "abc" pending


@pytest.mark.slow
def test_client_list_query_buffer_after_idle(redis_proc, shardis_proc):
    """Redis's client cron gives the buffer's free space back after 2 s idle."""
    clients = [(RawClient(p.port), RawClient(p.port)) for p in (redis_proc, shardis_proc)]
    try:
        ids = [b("CLIENT", "ID") for _, b in clients]
        time.sleep(3.5)
        out = [_qb(_client_fields(a("CLIENT", "LIST", "ID", str(i)))) for (a, _), i in zip(clients, ids)]
        assert out[0] == out[1] == ("0", "0", "0")
    finally:
        for a, b in clients:
            a.close()
            b.close()


# -- CLIENT NO-TOUCH (Redis 7.2) -----------------------------------------------------------

def _flags(c):
    return dict(_client_fields(c("CLIENT", "INFO")))["flags"]


@pytest.mark.redis72
def test_client_no_touch(ours):
    assert _flags(ours) == "N"
    assert ours("CLIENT", "NO-TOUCH", "ON") == b"OK"
    assert _flags(ours) == "T"
    assert ours("CLIENT", "NO-TOUCH", "on") == b"OK"
    r = ours("CLIENT", "NO-TOUCH", "maybe")
    assert isinstance(r, RespError) and str(r) == "ERR syntax error"
    assert _flags(ours) == "T"                    # unchanged by the refused call
    assert ours("CLIENT", "NO-TOUCH", "OFF") == b"OK"
    assert _flags(ours) == "N"
    r = ours("CLIENT", "NO-TOUCH")
    assert isinstance(r, RespError) and "wrong number of arguments" in str(r)


@pytest.mark.redis72
def test_client_no_touch_leaves_access_time(ours, shardis_proc):
    other = RawClient(shardis_proc.port)
    try:
        ours("SET", "k", "v")
        ours("OBJECT", "IDLETIME", "k")           # access times are kept from here on
        time.sleep(2.1)
        assert ours("CLIENT", "NO-TOUCH", "ON") == b"OK"
        assert ours("GET", "k") == b"v"
        assert ours("OBJECT", "IDLETIME", "k") >= 2     # the read did not touch it
        assert ours("TOUCH", "k") == 1
        assert ours("OBJECT", "IDLETIME", "k") == 0     # TOUCH still does
        time.sleep(1.1)
        assert other("GET", "k") == b"v"               # another client's read does
        assert ours("OBJECT", "IDLETIME", "k") == 0
    finally:
        other.close()


# -- CLIENT PAUSE: held clients are blocked clients ------------------------------------------

def _info_clients(c):
    text = c("INFO", "clients").decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def test_client_pause_write_counts_held_clients_as_blocked(redis_proc, shardis_proc):
    """(A PAUSE ALL would hold the INFO call too.)"""
    mode = "WRITE"
    seen = {}
    for kind, proc in (("redis", redis_proc), ("shardis", shardis_proc)):
        admin, writer, reader = (RawClient(proc.port) for _ in range(3))
        try:
            admin("FLUSHALL")
            wid, rid = writer("CLIENT", "ID"), reader("CLIENT", "ID")
            assert admin("CLIENT", "PAUSE", "20000", mode) == b"OK"
            writer.send("SET", "k", "v")
            reader.send("GET", "k")
            assert reader.read()[1] is None          # reads go on during a WRITE pause
            reader.send("BLPOP", "nolist", "0")      # a write command: held too
            time.sleep(0.3)
            info = _info_clients(admin)
            lines = {}
            for i in (wid, rid):
                f = dict(_client_fields(admin("CLIENT", "LIST", "ID", str(i))))
                lines[i == wid] = (f["flags"], f["cmd"], f["argv-mem"])
            assert admin("CLIENT", "UNPAUSE") == b"OK"
            assert writer.read()[1] == b"OK"
            time.sleep(0.1)
            after = _info_clients(admin)["blocked_clients"]
            seen[kind] = (info["blocked_clients"], info["clients_in_timeout_table"], lines, after)
        finally:
            for x in (admin, writer, reader):
                x.close()
    assert seen["shardis"] == seen["redis"]
    assert seen["redis"][0] == "2"


# -- CONFIG SET port ---------------------------------------------------------------------------

def _connects(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            s.settimeout(2)
            return s.recv(64) == b"+PONG\r\n"
    except OSError:
        return False


def _wait_for(pred, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def test_config_set_port(redis_proc):
    from tests.servers import ServerProc, free_port
    seen = {}
    for kind in ("redis", "shardis"):
        proc = ServerProc(kind)
        blocker = socket.socket()
        try:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen(1)
            busy = blocker.getsockname()[1]
            old = proc.port
            c = RawClient(old)
            err = c("CONFIG", "SET", "port", str(busy))               # in use: refused, rolled back
            assert c("CONFIG", "GET", "port") == [b"port", str(old).encode()]
            assert _connects(old)
            new = free_port()
            assert c("CONFIG", "SET", "port", str(new)) == b"OK"      # free: moves there
            assert _wait_for(lambda: _connects(new))
            assert _wait_for(lambda: not _connects(old))
            assert c("PING") == b"PONG"                              # connected clients stay
            assert c("CONFIG", "GET", "port") == [b"port", str(new).encode()]
            info = c("INFO", "server").decode()
            assert f"tcp_port:{new}\r\n" in info
            bad = [str(c("CONFIG", "SET", "port", v)) for v in ("abc", "70000", "-1")]
            seen[kind] = (str(err), bad)
            c.close()
        finally:
            blocker.close()
            proc.stop()
    assert seen["shardis"] == seen["redis"]
    assert seen["redis"][0] == ("ERR CONFIG SET failed (possibly related to argument 'port') - "
                                "Unable to listen on this port. Check server logs.")
