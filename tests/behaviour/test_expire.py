"""EXPIRE family, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, expired-key events,
active expiry, and a state machine over keys with (long) expiries."""
import time

import pytest
from hypothesis import settings, strategies as st, HealthCheck
from hypothesis.stateful import RuleBasedStateMachine, rule, initialize

from tests.resp_client import RawClient, RespError


def test_expire_basic(diff):
    diff("SET", "k", "v")
    diff("EXPIRE", "k", "100")
    diff("TTL", "k")
    diff("PERSIST", "k")
    diff("PERSIST", "k")
    diff("TTL", "k")
    diff("TTL", "nokey")
    diff("PTTL", "nokey")
    diff("EXPIRETIME", "nokey")
    diff("PEXPIRETIME", "k")
    diff("EXPIRE", "nokey", "10")
    diff("PERSIST", "nokey")


def test_expire_options(diff):
    diff("SET", "k", "v")
    diff("EXPIRE", "k", "100", "XX")
    diff("EXPIRE", "k", "100", "GT")
    diff("EXPIRE", "k", "100", "LT")
    diff("TTL", "k")
    diff("EXPIRE", "k", "200", "NX")
    diff("EXPIRE", "k", "200", "GT")
    diff("TTL", "k")
    diff("EXPIRE", "k", "150", "GT")
    diff("EXPIRE", "k", "300", "LT")
    diff("EXPIRE", "k", "50", "lt")
    diff("TTL", "k")
    diff("EXPIRE", "k", "60", "xx")
    diff("TTL", "k")
    diff("PEXPIRE", "k", "70000", "XX", "GT")
    diff("TTL", "k")


def test_expire_option_errors(diff):
    diff("SET", "k", "v")
    diff.error("EXPIRE", "k", "10", "NX", "XX")
    diff.error("EXPIRE", "k", "10", "NX", "GT")
    diff.error("EXPIRE", "k", "10", "LT", "NX")
    diff.error("EXPIRE", "k", "10", "GT", "LT")
    diff.error("EXPIRE", "k", "10", "FOO")
    diff.error("EXPIRE", "k", "10", "NX", "FOO")
    diff.error("EXPIRE", "k", "ten")
    diff.error("EXPIRE", "k", "ten", "FOO")
    diff.error("EXPIRE", "k", "ten", "NX", "XX")
    diff.error("PEXPIREAT", "k", "1.5")
    diff.error("EXPIRE", "k")
    diff.error("TTL")


def test_invalid_expire_time(diff):
    diff("SET", "k", "v")
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT"):
        diff.error(cmd, "k", "9223372036854775807")
    diff.error("EXPIRE", "k", "9223372036854776")
    diff.error("EXPIRE", "k", "-9223372036854776")
    diff.error("EXPIREAT", "k", "-9223372036854776")
    diff.error("PEXPIRE", "k", "9223372036854775000")
    diff("PEXPIREAT", "k", "9223372036854775807")
    diff("PEXPIRETIME", "k")
    diff("EXPIRETIME", "k")
    diff("EXPIREAT", "k", "9223372036854775")
    diff("PEXPIRETIME", "k")
    diff("EXPIRE", "k", "-9223372036854775")
    diff("EXISTS", "k")


def test_past_expire_deletes(diff):
    diff("SET", "a", "1")
    diff("EXPIRE", "a", "-1")
    diff("EXISTS", "a")
    diff("SET", "a", "1")
    diff("PEXPIRE", "a", "0")
    diff("EXISTS", "a")
    diff("SET", "a", "1")
    diff("EXPIREAT", "a", "1")
    diff("EXISTS", "a")
    diff("SET", "a", "1", "EX", "100")
    diff("EXPIRE", "a", "-5", "LT")
    diff("EXISTS", "a")
    diff("SET", "a", "1", "EX", "100")
    diff("EXPIRE", "a", "-5", "GT")
    diff("TTL", "a")


def test_expiretime_values(diff):
    diff("SET", "a", "1")
    diff("PEXPIREAT", "a", "33177117420000")
    diff("EXPIRETIME", "a")
    diff("PEXPIRETIME", "a")
    diff("EXPIREAT", "a", "33177117421")
    diff("PEXPIRETIME", "a")
    diff("PEXPIREAT", "a", "33177117421999")
    diff("EXPIRETIME", "a")


def test_ttl_rounding(diff):
    diff("SET", "a", "1", "PX", "100400")
    diff("TTL", "a")
    diff("SET", "a", "1", "PX", "100700")
    diff("TTL", "a")


def _events(port, pattern, action):
    """Subscribe to keyevents, run ``action`` on another connection, return events."""
    sub = RawClient(port)
    cfg = RawClient(port)
    old = cfg("CONFIG", "GET", "notify-keyspace-events")[1]
    try:
        cfg("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", pattern)
        action(cfg)
        cfg("PING")
        sub.sock.settimeout(0.5)
        got = []
        try:
            while True:
                got.append(sub.read()[1])
        except (OSError, TimeoutError):
            pass
        return [(m[2], m[3]) for m in got if isinstance(m, list) and m and m[0] == b"pmessage"]
    finally:
        cfg("CONFIG", "SET", "notify-keyspace-events", old)
        sub.close()
        cfg.close()


def _script(c):
    c("SET", "a", "1")
    c("EXPIRE", "a", "100")
    c("PERSIST", "a")
    c("EXPIRE", "a", "-1")
    c("SET", "b", "1")
    c("RENAME", "b", "c")
    c("COPY", "c", "d")
    c("MOVE", "d", "1")
    c("SET", "e", "1", "PX", "1")
    time.sleep(0.01)
    c("GET", "e")
    c("DEL", "c", "zz")
    c("RPUSH", "l", "2", "1")
    c("SORT", "l", "STORE", "sorted")
    c("SORT", "nolist", "STORE", "sorted")
    c("SET", "p", "1", "EX", "100")
    c("PEXPIREAT", "p", "1")
    c("UNLINK", "l")
    c("RENAMENX", "sorted", "s2")


def test_keyspace_events(redis_proc, shardis_proc):
    for p in (redis_proc.port, shardis_proc.port):
        RawClient(p)("FLUSHALL")
    r = _events(redis_proc.port, "__keyevent@*", _script)
    s = _events(shardis_proc.port, "__keyevent@*", _script)
    assert s == r
    assert (b"__keyevent@0__:del", b"a") in s
    assert (b"__keyevent@0__:expired", b"e") in s


def _stat(client, name):
    info = client("INFO", "stats")
    for line in info.decode().split("\r\n"):
        if line.startswith(name + ":"):
            v = line.split(":", 1)[1]
            return int(v) if v.isdigit() else v
    raise KeyError(name)


def test_active_expiry_reclaims_untouched_keys(diff):
    before = _stat(diff.s, "expired_keys")
    for i in range(300):
        diff("SET", "k%d" % i, "v", "PX", "20")
    diff("SET", "keep", "v", "EX", "100")
    deadline = time.time() + 5
    while time.time() < deadline:
        if diff.s("DBSIZE") == 1 and diff.r("DBSIZE") == 1:
            break
        time.sleep(0.05)
    diff("DBSIZE")
    # nobody touched them: active expiry reclaimed them and counted them
    assert _stat(diff.s, "expired_keys") - before == 300
    assert float(_stat(diff.s, "expired_stale_perc")) > 0


def test_debug_set_active_expire(ours):
    try:
        ours("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    except Exception:
        pytest.skip("DEBUG SET-ACTIVE-EXPIRE not available")
    r = ours.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")[1]
    if isinstance(r, RespError):
        pytest.skip("DEBUG SET-ACTIVE-EXPIRE not available")
    try:
        ours("SET", "x", "1", "PX", "10")
        time.sleep(0.4)
        assert ours("DBSIZE") == 1          # still there: nobody reclaimed it
        assert ours("EXISTS", "x") == 0     # but logically gone
    finally:
        ours("DEBUG", "SET-ACTIVE-EXPIRE", "1")


KEYS = ["a", "b", "c"]


class ExpiryMachine(RuleBasedStateMachine):
    """The same random command sequence on both servers; TTLs are long so
    timing cannot flake; TTL replies are compared within a tolerance."""

    def __init__(self):
        super().__init__()

    @initialize()
    def setup_clients(self):
        from tests.conftest import Diff
        self.d = Diff(ExpiryMachine.ports[0], ExpiryMachine.ports[1])
        self.d("FLUSHALL")

    def teardown(self):
        self.d.close()

    @rule(k=st.sampled_from(KEYS), v=st.sampled_from(["1", "x", "hello"]),
          ex=st.sampled_from([None, "EX", "PX", "KEEPTTL"]))
    def set(self, k, v, ex):
        if ex == "EX":
            self.d("SET", k, v, "EX", "1000")
        elif ex == "PX":
            self.d("SET", k, v, "PX", "2000000")
        elif ex == "KEEPTTL":
            self.d("SET", k, v, "KEEPTTL")
        else:
            self.d("SET", k, v)

    @rule(k=st.sampled_from(KEYS), cmd=st.sampled_from(["EXPIRE", "PEXPIRE"]),
          t=st.sampled_from([100, 500, 3000, -1]),
          opt=st.sampled_from([None, "NX", "XX", "GT", "LT"]))
    def expire(self, k, cmd, t, opt):
        if cmd == "PEXPIRE" and t > 0:
            t *= 1000
        args = [cmd, k, str(t)] + ([opt] if opt else [])
        self.d(*args)

    @rule(k=st.sampled_from(KEYS), when=st.sampled_from([1, 4102444800, 4102444900]),
          opt=st.sampled_from([None, "NX", "XX", "GT", "LT"]))
    def expireat(self, k, when, opt):
        self.d(*(["EXPIREAT", k, str(when)] + ([opt] if opt else [])))

    @rule(k=st.sampled_from(KEYS))
    def persist(self, k):
        self.d("PERSIST", k)

    @rule(k=st.sampled_from(KEYS))
    def delete(self, k):
        self.d("DEL", k)

    @rule(a=st.sampled_from(KEYS), b=st.sampled_from(KEYS), nx=st.booleans())
    def rename(self, a, b, nx):
        cmd = "RENAMENX" if nx else "RENAME"
        rr, _ = self.d.r.call(cmd, a, b)
        sr, _ = self.d.s.call(cmd, a, b)
        assert rr == sr

    @rule(a=st.sampled_from(KEYS), b=st.sampled_from(KEYS), rep=st.booleans())
    def copy(self, a, b, rep):
        rr, _ = self.d.r.call(*(["COPY", a, b] + (["REPLACE"] if rep else [])))
        sr, _ = self.d.s.call(*(["COPY", a, b] + (["REPLACE"] if rep else [])))
        assert rr == sr

    @rule(k=st.sampled_from(KEYS))
    def check(self, k):
        self.d("EXISTS", k)
        self.d("TYPE", k)
        self.d("GET", k)
        rt = self.d.r("PTTL", k)
        stt = self.d.s("PTTL", k)
        if rt < 0 or stt < 0:
            assert rt == stt
        else:
            assert abs(rt - stt) < 1500, (rt, stt)
        ra = self.d.r("EXPIRETIME", k)
        sa = self.d.s("EXPIRETIME", k)
        assert (ra < 0 and ra == sa) or abs(ra - sa) <= 2

    @rule(k=st.sampled_from(KEYS), db=st.sampled_from(["0", "1"]))
    def move(self, k, db):
        self.d("MOVE", k, db) if db != "0" else self.d.error("MOVE", k, db)

    @rule()
    def swapdb(self):
        self.d("SWAPDB", "0", "1")

    @rule()
    def keyspace(self):
        self.d.unordered("KEYS", "*")
        self.d("DBSIZE")
        for cl in (self.d.r, self.d.s):
            cur, seen = b"0", []
            while True:
                cur, keys = cl("SCAN", cur, "COUNT", "2")
                seen.extend(keys)
                if cur == b"0":
                    break
            cl.seen = sorted(set(seen))
        assert self.d.r.seen == self.d.s.seen


def test_expiry_state_machine(redis_proc, shardis_proc):
    from hypothesis.stateful import run_state_machine_as_test
    ExpiryMachine.ports = (redis_proc.port, shardis_proc.port)
    run_state_machine_as_test(
        ExpiryMachine,
        settings=settings(max_examples=50, deadline=None, stateful_step_count=30,
                          suppress_health_check=list(HealthCheck)))
