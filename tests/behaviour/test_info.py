"""INFO: sections, field names and reply shapes compared with redis-server.

Values differ between two servers; names, section order and the wire shape
(bulk string in RESP2, verbatim ``txt`` in RESP3) must not. Fields Redis 7.2
added over the 7.0 oracle are listed in ADDED_72 and checked on shardis only.
"""
import re

import pytest

from tests.resp_client import RawClient
from tests.servers import ServerProc

ADDED_72 = {
    "server": {"listener0", "listener1"},
    "clients": {"pubsub_clients", "watching_clients", "total_watched_keys",
                "total_blocking_keys", "total_blocking_keys_on_nokey"},
    "stats": {"client_query_buffer_limit_disconnections",
              "client_output_buffer_limit_disconnections", "eventloop_cycles",
              "eventloop_duration_sum", "eventloop_duration_cmd_sum",
              "instantaneous_eventloop_cycles_per_sec", "instantaneous_eventloop_duration_usec",
              "acl_access_denied_auth", "acl_access_denied_cmd", "acl_access_denied_key",
              "acl_access_denied_channel"},
}


def parse_info(text):
    if isinstance(text, bytes):
        text = text.decode()
    sections = {}
    order = []
    cur = None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            cur = line[2:].lower()
            order.append(cur)
            sections[cur] = {}
        elif line:
            k, _, v = line.partition(":")
            sections[cur][k] = v
    return order, sections


def _info(client, *sections):
    raw, v = client.call("INFO", *sections)
    return raw, v


def test_section_order_and_names(diff2):
    diff2("SET", "k", "v")
    diff2("EXPIRE", "k", "100")
    for args in [(), ("all",), ("everything",), ("default",), ("server", "CPU", "keyspace"),
                 ("commandstats",), ("errorstats",), ("modules",), ("cluster",)]:
        _, ro = _info(diff2.r, *args)
        _, so = _info(diff2.s, *args)
        rorder, rsec = parse_info(ro)
        sorder, ssec = parse_info(so)
        assert sorder == rorder, args
        for name in rorder:
            if name in ("commandstats", "errorstats", "latencystats", "keyspace"):
                continue
            rk = set(rsec[name])
            sk = set(ssec[name])
            assert rk <= sk, (name, rk - sk)
            assert sk - rk <= ADDED_72.get(name, set()), (name, sk - rk)


def test_unknown_section_is_empty(diff):
    diff("INFO", "nosuchsection")
    diff("INFO", "nosuchsection", "other")


def test_reply_shape(diff):
    for args in [(), ("cluster",), ("modules",), ("keyspace",)]:
        rr, _ = diff.r.call("INFO", *args)
        sr, _ = diff.s.call("INFO", *args)
        if args == ("cluster",) or args == ("keyspace",) or args == ("modules",):
            assert rr == sr
        else:
            assert rr[:1] == sr[:1]
        if diff.protocol == 3:
            assert sr.startswith(b"=") and sr.split(b"\r\n", 1)[1].startswith(b"txt:")


def test_server_fields(ours):
    from shardis import REDIS_VERSION
    _, text = ours.call("INFO", "server")
    _, sec = parse_info(text)
    s = sec["server"]
    assert s["redis_version"] == REDIS_VERSION and s["redis_version"].startswith("7.2.")
    assert s["redis_mode"] == "standalone"
    assert s["arch_bits"] in ("32", "64")
    assert int(s["process_id"]) > 0
    assert re.fullmatch(r"[0-9a-f]{40}", s["run_id"])
    assert int(s["tcp_port"]) > 0
    assert int(s["uptime_in_seconds"]) >= 0
    assert s["hz"] == s["configured_hz"] == "10"


def test_keyspace_and_stats(diff2):
    diff2("MSET", "a", "1", "b", "2", "c", "3")
    diff2("EXPIRE", "a", "1000")
    diff2("SELECT", "3")
    diff2("SET", "x", "y")
    diff2("SELECT", "0")
    _, r = _info(diff2.r, "keyspace")
    _, s = _info(diff2.s, "keyspace")
    rl = [l.split(",avg_ttl")[0] for l in r.decode().split("\r\n")]
    sl = [l.split(",avg_ttl")[0] for l in s.decode().split("\r\n")]
    assert rl == sl


def test_memory_fields(ours):
    _, text = ours.call("INFO", "memory")
    _, sec = parse_info(text)
    m = sec["memory"]
    assert int(m["used_memory"]) > 0
    assert int(m["used_memory_rss"]) >= int(m["used_memory"])
    assert m["maxmemory_policy"] == "noeviction"
    assert m["used_memory_human"][-1] in "BKMG"
    float(m["mem_fragmentation_ratio"])
    assert m["lazyfree_pending_objects"] == "0"


@pytest.fixture(scope="module")
def pair():
    """Dedicated servers: these tests reset statistics."""
    try:
        r = ServerProc("redis")
    except FileNotFoundError:
        pytest.skip("redis-server not installed")
    s = ServerProc("shardis")
    yield r, s
    r.stop()
    s.stop()


def test_commandstats_and_errorstats(pair):
    rp, sp = pair
    out = []
    for p in (rp, sp):
        c = RawClient(p.port)
        c("CONFIG", "RESETSTAT")
        c("SET", "k", "v")
        c("GET", "k")
        c("GET", "k")
        c("INCR", "k")             # WRONGTYPE-free error: not an integer
        c("GET")                   # arity error: rejected
        c("NOSUCH")
        c("CONFIG", "GET", "maxmemory")
        text = c("INFO", "commandstats").decode()
        err = c("INFO", "errorstats").decode()
        stats = c("INFO", "stats").decode()
        c.close()
        cs = {}
        for line in text.split("\r\n")[1:]:
            if line:
                name, _, rest = line.partition(":")
                d = dict(kv.split("=") for kv in rest.split(","))
                cs[name] = (d["calls"], d["rejected_calls"], d["failed_calls"])
        out.append((cs, err, parse_info(stats)[1]["stats"]))
    (rcs, rerr, rst), (scs, serr, sst) = out
    rcs.pop("cmdstat_config|resetstat", None)
    scs.pop("cmdstat_config|resetstat", None)
    assert scs == rcs
    assert serr == rerr
    for f in ("total_error_replies", "unexpected_error_replies", "keyspace_hits",
              "keyspace_misses"):
        assert sst[f] == rst[f], f


def test_latencystats(pair):
    _, sp = pair
    c = RawClient(sp.port)
    c("CONFIG", "RESETSTAT")
    for _ in range(50):
        c("SET", "k", "v")
    c("CONFIG", "GET", "hz")
    text = c("INFO", "latencystats").decode()
    c.close()
    lines = dict(l.split(":", 1) for l in text.split("\r\n")[1:] if l)
    assert "latency_percentiles_usec_set" in lines
    assert "latency_percentiles_usec_config|get" in lines
    vals = dict(kv.split("=") for kv in lines["latency_percentiles_usec_set"].split(","))
    assert list(vals) == ["p50", "p99", "p99.9"]
    p50, p99, p999 = (float(vals[k]) for k in ("p50", "p99", "p99.9"))
    assert 0 < p50 <= p99 <= p999
    assert re.fullmatch(r"\d+\.\d{3}", vals["p50"])


def test_latencystats_shape_matches_oracle(pair):
    rp, sp = pair
    names = []
    for p in (rp, sp):
        c = RawClient(p.port)
        c("CONFIG", "RESETSTAT")
        c("PING")
        c("ECHO", "x")
        text = c("INFO", "latencystats").decode()
        c.close()
        names.append(sorted(l.split(":")[0] for l in text.split("\r\n")[1:] if l))
    assert names[0] == names[1]


def test_info_rdb_changes(ours):
    _, text = ours.call("INFO", "persistence")
    _, sec = parse_info(text)
    before = int(sec["persistence"]["rdb_changes_since_last_save"])
    ours("SET", "a", "1")
    ours("SET", "b", "1")
    _, text = ours.call("INFO", "persistence")
    after = int(parse_info(text)[1]["persistence"]["rdb_changes_since_last_save"])
    assert after == before + 2
    assert parse_info(text)[1]["persistence"]["loading"] == "0"


def test_clients_section_counts(ours, shardis_proc):
    _, text = ours.call("INFO", "clients")
    n = int(parse_info(text)[1]["clients"]["connected_clients"])
    other = RawClient(shardis_proc.port)
    other("PING")
    _, text = ours.call("INFO", "clients")
    assert int(parse_info(text)[1]["clients"]["connected_clients"]) == n + 1
    other.close()


def test_stats_connections(ours, shardis_proc):
    _, text = ours.call("INFO", "stats")
    n = int(parse_info(text)[1]["stats"]["total_connections_received"])
    other = RawClient(shardis_proc.port)
    other("PING")
    other.close()
    _, text = ours.call("INFO", "stats")
    assert int(parse_info(text)[1]["stats"]["total_connections_received"]) == n + 1


def test_errorstats_order(pair):
    rp, sp = pair
    out = []
    for p in (rp, sp):
        c = RawClient(p.port)
        c("CONFIG", "RESETSTAT")
        c("MSET", "s", "x")
        c("LPUSH", "s", "x")            # WRONGTYPE
        c("NOSUCH")                     # ERR
        c("AUTH", "a", "b")             # WRONGPASS
        c("INCR", "s")                  # ERR
        out.append(c("INFO", "errorstats"))
        c.close()
    assert out[0] == out[1]
