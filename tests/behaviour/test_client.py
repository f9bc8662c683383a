"""CLIENT subcommands compared with redis-server."""
import socket
import threading
import time

import pytest

from tests.resp_client import RawClient, RespError

FIELDS_70 = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
             "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl",
             "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"]
FIELDS_72 = FIELDS_70 + ["lib-name", "lib-ver"]


def _text(v):
    """A bulk or RESP3 verbatim reply's text (without the 'txt:' format)."""
    return (v[4:] if v.startswith(b"txt:") else v).decode()


def _fields(line):
    return dict(kv.split("=", 1) for kv in line.split(" "))


def test_id_and_names(diff):
    diff.same_type("CLIENT", "ID")
    diff("CLIENT", "GETNAME")
    diff("CLIENT", "SETNAME", "conn-1")
    diff("CLIENT", "GETNAME")
    diff.error("CLIENT", "SETNAME", "bad name")
    diff.error("CLIENT", "SETNAME", "bad\nname")
    diff.error("CLIENT", "SETNAME", "caf\xe9")
    diff.error("CLIENT", "SETNAME")
    diff("CLIENT", "SETNAME", "")
    diff("CLIENT", "GETNAME")
    diff.error("CLIENT", "GETNAME", "extra")
    diff.error("CLIENT", "ID", "extra")
    diff.error("CLIENT", "NOSUCH")
    diff.error("CLIENT")


def test_info_line_fields(diff):
    diff("CLIENT", "SETNAME", "me")
    for client in (diff.r, diff.s):
        client("SELECT", "2")
    r = _text(diff.r("CLIENT", "INFO"))
    s = _text(diff.s("CLIENT", "INFO"))
    assert r.endswith("\n") and s.endswith("\n")
    rf, sf = _fields(r.strip()), _fields(s.strip())
    assert list(rf) == FIELDS_70
    assert list(sf) == FIELDS_72
    for k in ("name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user", "redir",
              "resp", "events", "age", "idle"):
        assert sf[k] == rf[k], k
    assert sf["id"] == str(diff.s("CLIENT", "ID"))
    laddr = sf["laddr"]
    assert laddr.endswith(":%d" % diff.s.sock.getpeername()[1])
    assert sf["addr"].split(":")[-1] == str(diff.s.sock.getsockname()[1])


def test_info_is_verbatim_in_resp3(diff):
    for c in (diff.r, diff.s):
        raw, _ = c.call("CLIENT", "INFO")
        if diff.protocol == 3:
            assert raw.startswith(b"=") and b"\r\ntxt:id=" in raw
        else:
            assert raw.startswith(b"$")


def test_list_filters(diff):
    diff.error("CLIENT", "LIST", "TYPE", "bogus")
    diff.error("CLIENT", "LIST", "ID", "x")
    diff.error("CLIENT", "LIST", "bogus")
    diff.error("CLIENT", "LIST", "ID")
    diff("CLIENT", "LIST", "ID", "0")
    diff("CLIENT", "LIST", "TYPE", "master")
    diff("CLIENT", "LIST", "TYPE", "replica")
    diff("CLIENT", "LIST", "TYPE", "slave")
    for c in (diff.r, diff.s):
        mine = c("CLIENT", "ID")
        lines = _text(c("CLIENT", "LIST", "ID", str(mine), "999999")).splitlines()
        assert len(lines) == 1 and _fields(lines[0])["id"] == str(mine)
        assert _fields(lines[0])["cmd"] == "client|list"
        normal = _text(c("CLIENT", "LIST", "TYPE", "normal"))
        assert "id=%d " % mine in normal
        assert "id=%d " % mine not in _text(c("CLIENT", "LIST", "TYPE", "pubsub"))


def test_list_shows_other_client_state(redis_proc, shardis_proc):
    for port in (redis_proc.port, shardis_proc.port):
        a = RawClient(port)
        b = RawClient(port)
        b("SUBSCRIBE", "ch1")
        a("CLIENT", "SETNAME", "watcher")
        lines = a("CLIENT", "LIST", "TYPE", "pubsub").decode().splitlines()
        assert len(lines) == 1
        f = _fields(lines[0])
        assert f["flags"] == "P" and f["sub"] == "1" and f["cmd"] == "subscribe"
        a("MULTI")
        a("PING")
        a.close()
        b.close()


def test_multi_field(diff):
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    for c in (diff.r, diff.s):
        c("MULTI")
        c("PING")
        c("PING")
        c("EXEC")
    r = _fields(_text(diff.r("CLIENT", "INFO")).strip())
    s = _fields(_text(diff.s("CLIENT", "INFO")).strip())
    assert r["multi"] == s["multi"] == "-1"


def test_kill_errors(diff):
    diff.error("CLIENT", "KILL", "1.2.3.4:5")
    diff.error("CLIENT", "KILL", "ID", "x")
    diff.error("CLIENT", "KILL", "ID", "0")
    diff.error("CLIENT", "KILL", "TYPE", "foo")
    diff.error("CLIENT", "KILL", "USER", "nosuchuser")
    diff.error("CLIENT", "KILL", "SKIPME", "maybe")
    diff.error("CLIENT", "KILL", "BOGUS", "x")
    diff.error("CLIENT", "KILL", "ID", "1", "TYPE")
    diff("CLIENT", "KILL", "ADDR", "1.2.3.4:5")
    diff("CLIENT", "KILL", "LADDR", "1.2.3.4:5")
    diff("CLIENT", "KILL", "ID", "999999999")
    diff("CLIENT", "KILL", "TYPE", "master")
    diff("CLIENT", "KILL", "USER", "default", "ADDR", "1.2.3.4:5")
    diff.error("CLIENT", "KILL")


def _closed(c):
    try:
        c.sock.settimeout(5)
        return c.sock.recv(10) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("how", ["id", "addr", "old", "laddr-skipme"])
def test_kill_other(redis_proc, shardis_proc, how):
    replies = []
    for port in (redis_proc.port, shardis_proc.port):
        a = RawClient(port)
        b = RawClient(port)
        info = _fields(b("CLIENT", "INFO").decode().strip())
        if how == "id":
            raw, _ = a.call("CLIENT", "KILL", "ID", info["id"])
        elif how == "addr":
            raw, _ = a.call("CLIENT", "KILL", "ADDR", info["addr"], "SKIPME", "yes")
        elif how == "old":
            raw, _ = a.call("CLIENT", "KILL", info["addr"])
        else:
            # every client connected to this listener except the caller; b among them
            raw, _ = a.call("CLIENT", "KILL", "ID", info["id"], "LADDR", info["laddr"])
        replies.append(raw)
        assert _closed(b)
        assert a("PING") == b"PONG"
        a.close()
    assert replies[0] == replies[1]


def test_kill_self(redis_proc, shardis_proc):
    replies = []
    for port in (redis_proc.port, shardis_proc.port):
        a = RawClient(port)
        me = a("CLIENT", "ID")
        raw, _ = a.call("CLIENT", "KILL", "ID", str(me))          # skipme yes: nothing
        replies.append(raw)
        raw, _ = a.call("CLIENT", "KILL", "ID", str(me), "SKIPME", "no")
        replies.append(raw)
        assert _closed(a)
    assert replies[0] == replies[2] and replies[1] == replies[3]


def test_no_evict(diff):
    diff("CLIENT", "NO-EVICT", "on")
    assert "e" in _fields(_text(diff.s("CLIENT", "INFO")).strip())["flags"]
    diff("CLIENT", "NO-EVICT", "OFF")
    diff.error("CLIENT", "NO-EVICT", "maybe")
    diff.error("CLIENT", "NO-EVICT")


@pytest.mark.redis72
def test_no_touch_and_setinfo(ours):
    assert ours("CLIENT", "NO-TOUCH", "on") == b"OK"
    assert "T" in _fields(ours("CLIENT", "INFO").decode().strip())["flags"]
    assert ours("CLIENT", "NO-TOUCH", "off") == b"OK"
    assert isinstance(ours("CLIENT", "NO-TOUCH", "x"), RespError)
    assert ours("CLIENT", "SETINFO", "lib-name", "redis-py") == b"OK"
    assert ours("CLIENT", "SETINFO", "LIB-VER", "5.0.1") == b"OK"
    f = _fields(ours("CLIENT", "INFO").decode().strip())
    assert f["lib-name"] == "redis-py" and f["lib-ver"] == "5.0.1"
    assert str(ours("CLIENT", "SETINFO", "lib-nom", "x")) == "ERR Unrecognized option 'lib-nom'"
    assert str(ours("CLIENT", "SETINFO", "lib-name", "a b")) == \
        "ERR lib-name cannot contain spaces, newlines or special characters."
    assert str(ours("CLIENT", "SETINFO", "lib-name")) == \
        "ERR wrong number of arguments for 'client|setinfo' command"


def _stream(port, payload, wait=0.3):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(payload)
    time.sleep(wait)
    s.settimeout(0.5)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    return data


def test_reply_modes(redis_proc, shardis_proc):
    cmds = [("PING", "a"), ("CLIENT", "REPLY", "OFF"), ("PING", "b"), ("GET", "x"),
            ("CLIENT", "REPLY", "ON"), ("PING", "c"), ("CLIENT", "REPLY", "SKIP"),
            ("PING", "d"), ("PING", "e"), ("CLIENT", "REPLY", "bogus"), ("PING", "f")]
    payload = b"".join(RawClient.encode(c) for c in cmds)
    r = _stream(redis_proc.port, payload)
    s = _stream(shardis_proc.port, payload)
    assert s == r
    assert r.startswith(b"$1\r\na\r\n+OK\r\n$1\r\nc\r\n$1\r\ne\r\n")


def test_tracking_idle_values(diff):
    diff("CLIENT", "TRACKINGINFO")
    diff("CLIENT", "GETREDIR")
    diff.error("CLIENT", "CACHING", "yes")
    diff("CLIENT", "TRACKING", "off")


def test_unblock(redis_proc, shardis_proc):
    out = []
    for port in (redis_proc.port, shardis_proc.port):
        a = RawClient(port)
        b = RawClient(port)
        bid = b("CLIENT", "ID")
        out.append(a.call("CLIENT", "UNBLOCK", str(bid))[0])        # not blocked: 0
        b.send("BLPOP", "nokey-unblock", "0")
        deadline = time.time() + 5
        while "flags=b" not in a("CLIENT", "LIST", "ID", str(bid)).decode():
            assert time.time() < deadline
            time.sleep(0.01)
        out.append(a.call("CLIENT", "UNBLOCK", str(bid))[0])
        out.append(b.read()[0])
        b.send("BLPOP", "nokey-unblock", "0")
        while "flags=b" not in a("CLIENT", "LIST", "ID", str(bid)).decode():
            assert time.time() < deadline
            time.sleep(0.01)
        out.append(a.call("CLIENT", "UNBLOCK", str(bid), "ERROR")[0])
        out.append(b.read()[0])
        out.append(a.call("CLIENT", "UNBLOCK", "x")[0])
        out.append(a.call("CLIENT", "UNBLOCK", str(bid), "bogus")[0])
        out.append(a.call("CLIENT", "UNBLOCK", "999999")[0])
        a.close()
        b.close()
    half = len(out) // 2
    assert out[:half] == out[half:]


def _timed(client, *args):
    t0 = time.monotonic()
    v = client(*args)
    return v, time.monotonic() - t0


@pytest.mark.parametrize("kind", ["redis", "shardis"])
def test_pause_write(redis_proc, shardis_proc, kind):
    port = redis_proc.port if kind == "redis" else shardis_proc.port
    a = RawClient(port)
    b = RawClient(port)
    try:
        assert a("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
        v, dt = _timed(b, "GET", "k")
        assert v is None and dt < 1
        b.send("SET", "paused-key", "v")
        time.sleep(0.3)
        b.sock.settimeout(0.1)
        with pytest.raises(socket.timeout):
            b.sock.recv(10)
        b.sock.settimeout(10)
        assert a("CLIENT", "UNPAUSE") == b"OK"
        assert b.read()[1] == b"OK"
        assert b("GET", "paused-key") == b"v"
    finally:
        a("CLIENT", "UNPAUSE")
        a.close()
        b.close()


@pytest.mark.parametrize("kind", ["redis", "shardis"])
def test_pause_all_times_out(redis_proc, shardis_proc, kind):
    port = redis_proc.port if kind == "redis" else shardis_proc.port
    a = RawClient(port)
    b = RawClient(port)
    try:
        assert a("CLIENT", "PAUSE", "300") == b"OK"
        v, dt = _timed(b, "PING")
        assert v == b"PONG" and 0.15 < dt < 3
        # several pipelined commands held and answered in order
        b.send_raw(RawClient.encode(("CLIENT", "PAUSE", "200")) + RawClient.encode(("PING", "x"))
                   + RawClient.encode(("ECHO", "y")))
        assert b.read()[1] == b"OK"
        t0 = time.monotonic()
        assert b.read()[1] == b"x"
        assert b.read()[1] == b"y"
        assert time.monotonic() - t0 > 0.1
    finally:
        a.close()
        b.close()


def test_pause_errors(diff):
    diff.error("CLIENT", "PAUSE", "x")
    diff.error("CLIENT", "PAUSE", "-1")
    diff.error("CLIENT", "PAUSE", "10", "bogus")
    diff.error("CLIENT", "PAUSE")
    diff("CLIENT", "UNPAUSE")


@pytest.mark.redis72
def test_help(ours, oracle):
    o = oracle("CLIENT", "HELP")
    s = ours("CLIENT", "HELP")
    new = {b"SETINFO <option> <value>", b"    Set client meta attr. Options are:",
           b"    * LIB-NAME: the client lib name.", b"    * LIB-VER: the client lib version.",
           b"NO-TOUCH (ON|OFF)", b"    Will not touch LRU/LFU stats when this mode is on."}
    assert [x for x in s[:-1] if x not in new] == o[:-1]
    assert s[-1] == b"    Print this help."


# -- client-side caching ------------------------------------------------------------
def _call_collect(c, *args):
    """Send a command; return (push messages received before the reply, reply bytes)."""
    from tests.resp_client import Push
    c.send(*args)
    pushes = []
    while True:
        raw, v = c.read()
        if isinstance(v, Push):
            pushes.append(raw)
            continue
        return pushes, raw


def _tracking_session(port):
    out = []
    a = RawClient(port)
    b = RawClient(port)
    a("HELLO", "3")
    call = lambda *args: out.append(_call_collect(a, *args))   # noqa: E731
    for args in [("CLIENT", "TRACKING", "on", "PREFIX", "x"),
                 ("CLIENT", "TRACKING", "on", "BCAST", "OPTIN"),
                 ("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
                 ("CLIENT", "TRACKING", "on", "REDIRECT", "999999"),
                 ("CLIENT", "TRACKING", "on", "REDIRECT", "x"),
                 ("CLIENT", "TRACKING", "maybe"),
                 ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
                 ("CLIENT", "CACHING", "yes")]:
        call(*args)
    # default mode: keys read are invalidated once
    call("CLIENT", "TRACKING", "on")
    call("CLIENT", "TRACKINGINFO")
    call("CLIENT", "GETREDIR")
    call("CLIENT", "CACHING", "yes")
    call("CLIENT", "TRACKING", "on", "BCAST")
    call("MSET", "k", "1", "j", "2")
    call("GET", "k")
    call("MGET", "j", "k")
    b("SET", "k", "2")
    call("PING")
    b("SET", "k", "3")
    call("PING")
    call("SET", "j", "mine")                 # own write: invalidated too (no NOLOOP)
    call("GET", "j")
    b("FLUSHALL")
    call("PING")
    call("CLIENT", "TRACKING", "off")
    call("CLIENT", "TRACKINGINFO")
    # OPTIN with NOLOOP
    call("CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP")
    call("GET", "k")
    call("CLIENT", "CACHING", "yes")
    call("CLIENT", "TRACKINGINFO")
    call("GET", "j")
    b("SET", "k", "x")
    b("SET", "j", "y")
    call("PING")
    call("CLIENT", "CACHING", "yes")
    call("GET", "j")
    call("SET", "j", "self")
    call("PING")
    call("CLIENT", "TRACKING", "off")
    # BCAST with prefixes: batched per prefix, after the writer's reply
    call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:")
    call("CLIENT", "TRACKINGINFO")
    b("SET", "user:1", "a")
    b("SET", "other", "b")
    b("MSET", "obj:2", "a", "obj:1", "b")
    call("PING")
    call("SET", "user:2", "x")
    call("CLIENT", "TRACKING", "off")
    # OPTOUT, CACHING no, MULTI
    call("CLIENT", "TRACKING", "on", "OPTOUT")
    call("CLIENT", "CACHING", "no")
    call("GET", "q1")
    call("GET", "q2")
    call("MULTI")
    call("GET", "q3")
    call("EXEC")
    b("MSET", "q1", "1", "q2", "2", "q3", "3")
    call("PING")
    call("RESET")
    call("CLIENT", "TRACKINGINFO")
    a.close()
    b.close()
    return out


def test_tracking(redis_proc, shardis_proc):
    r = _tracking_session(redis_proc.port)
    s = _tracking_session(shardis_proc.port)
    for i, (x, y) in enumerate(zip(r, s)):
        assert x == y, (i, x, y)


def test_tracking_redirect_resp2(redis_proc, shardis_proc):
    outs = []
    for port in (redis_proc.port, shardis_proc.port):
        sub = RawClient(port)
        sid = sub("CLIENT", "ID")
        sub("SUBSCRIBE", "__redis__:invalidate")
        reader = RawClient(port)
        writer = RawClient(port)
        outs.append(reader.call("CLIENT", "TRACKING", "on", "REDIRECT", str(sid))[0])
        outs.append(reader("CLIENT", "GETREDIR") == sid)
        info = reader("CLIENT", "TRACKINGINFO")
        outs.append(info[:3] + info[4:])
        reader("GET", "rk")
        writer("SET", "rk", "1")
        outs.append(sub.read()[0])
        writer("FLUSHDB")
        outs.append(sub.read()[0])
        for c in (sub, reader, writer):
            c.close()
    half = len(outs) // 2
    assert outs[:half] == outs[half:]
