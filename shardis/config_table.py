"""The directive table: every redis.conf directive Redis 7 knows.

Types, defaults and bounds are Redis 7.2's. Directives whose feature lands in
a later part of shardis are stored and reported, and take effect when their
feature reads them.
"""
from shardis.config import Directive as D, ConfigError, parse_memory

INT_MAX = 2 ** 31 - 1
LONG_MAX = 2 ** 63 - 1


# -- special directives ----------------------------------------------------
def _parse_save(text, current=None, startup=False):
    """``save 3600 1 300 100`` -> ((3600, 1), (300, 100)); ``save ""`` -> ()."""
    words = text.split()
    if not words or text.strip() in ('""', "''"):
        return ()
    if len(words) % 2:
        raise ConfigError("Invalid save parameters")
    pairs = []
    for i in range(0, len(words), 2):
        try:
            secs, changes = int(words[i]), int(words[i + 1])
        except ValueError:
            raise ConfigError("Invalid save parameters") from None
        if secs < 1 or changes < 0:
            raise ConfigError("Invalid save parameters")
        pairs.append((secs, changes))
    if startup and current is not None and _SAVE_STATE.get("seen"):
        return tuple(current) + tuple(pairs)
    _SAVE_STATE["seen"] = True
    return tuple(pairs)


_SAVE_STATE = {}


def _format_save(v, lines=False):
    if lines:
        return [f"{a} {b}" for a, b in v] or ['""']
    return " ".join(f"{a} {b}" for a, b in v)


COB_CLASSES = ("normal", "replica", "pubsub")


def _parse_cob(text, current=None, startup=False):
    """client-output-buffer-limit <class> <hard> <soft> <soft-seconds> [...]"""
    words = text.split()
    if not words or len(words) % 4:
        raise ConfigError("Wrong number of arguments in buffer limit configuration.")
    limits = dict(current) if current else dict(_COB_DEFAULT)
    for i in range(0, len(words), 4):
        cls = words[i].lower()
        if cls == "slave":
            cls = "replica"
        if cls not in COB_CLASSES:
            raise ConfigError("Invalid client class specified in buffer limit configuration.")
        try:
            hard = parse_memory(words[i + 1])
            soft = parse_memory(words[i + 2])
            secs = int(words[i + 3])
            if hard < 0 or soft < 0 or secs < 0:
                raise ValueError
        except ValueError:
            raise ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.") from None
        limits[cls] = (hard, soft, secs)
    return tuple(sorted(limits.items(), key=lambda kv: COB_CLASSES.index(kv[0])))


_COB_DEFAULT = {"normal": (0, 0, 0), "replica": (256 * 1024 * 1024, 64 * 1024 * 1024, 60),
                "pubsub": (32 * 1024 * 1024, 8 * 1024 * 1024, 60)}


def _format_cob(v, lines=False):
    parts = [f"{cls} {h} {s} {sec}" for cls, (h, s, sec) in v]
    return parts if lines else " ".join(parts)


NOTIFY_CHARS = "KEg$lshzxetmdn"


def _parse_notify(text):
    flags = 0
    for ch in text:
        if ch == "A":
            continue
        if ch not in NOTIFY_CHARS:
            raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    # Kept as the canonical text; keyspace/notify.py derives the bit set.
    return normalise_notify(text)


def normalise_notify(text):
    """Canonical form as Redis prints it in CONFIG GET."""
    s = set(text)
    if "A" in s:
        s |= set("g$lshzxetd")
    out = ""
    if set("g$lshzxetd") <= s:
        out += "A"
        s -= set("g$lshzxetd")
    for ch in "g$lshzxetdmn":
        if ch in s:
            out += ch
    if "K" in s:
        out = out + "K"
    if "E" in s:
        out = out + "E"
    return out


def _ident(v, lines=False):
    return v


def _parse_bind(text):
    return tuple(text.split())


def _format_bind(v, lines=False):
    return " ".join(v)


def directives():
    """Build the list of Directive objects (a fresh list per server)."""
    _SAVE_STATE.clear()
    b, i, m, e, s = "bool", "int", "memory", "enum", "string"
    return [
        # network
        D("bind", "special", "* -::*", parse=_parse_bind, fmt=_format_bind),
        D("bind-source-addr", s, ""),
        D("protected-mode", b, "yes"),
        D("port", i, "6379", lo=0, hi=65535),
        D("tcp-backlog", i, "511", mutable=False, lo=0, hi=INT_MAX),
        D("unixsocket", s, "", mutable=False),
        D("unixsocketperm", i, "0", mutable=False, lo=0, hi=0o777),
        D("timeout", i, "0", lo=0, hi=INT_MAX),
        D("tcp-keepalive", i, "300", lo=0, hi=INT_MAX),
        D("socket-mark-id", i, "0", lo=0, hi=INT_MAX),
        # general
        D("daemonize", b, "no", mutable=False),
        D("supervised", e, "no", mutable=False, choices=("upstart", "systemd", "auto", "no")),
        D("pidfile", s, ""),
        D("loglevel", e, "notice", choices=("debug", "verbose", "notice", "warning", "nothing")),
        D("logfile", s, "", mutable=False),
        D("syslog-enabled", b, "no", mutable=False),
        D("syslog-ident", s, "redis", mutable=False),
        D("syslog-facility", e, "local0", mutable=False,
          choices=("user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7")),
        D("crash-log-enabled", b, "yes"),
        D("crash-memcheck-enabled", b, "yes"),
        D("databases", i, "16", mutable=False, lo=1, hi=INT_MAX),
        D("always-show-logo", b, "no", mutable=False),
        D("set-proc-title", b, "yes", mutable=False),
        D("proc-title-template", s, "{title} {listen-addr} {server-mode}"),
        D("locale-collate", s, ""),
        D("enable-protected-configs", e, "no", mutable=False, choices=("no", "yes", "local")),
        D("enable-debug-command", e, "no", mutable=False, choices=("no", "yes", "local")),
        D("enable-module-command", e, "no", mutable=False, choices=("no", "yes", "local")),
        # snapshotting
        D("save", "special", "3600 1 300 100 60 10000", parse=_parse_save, fmt=_format_save,
          flags=("append", "lines")),
        D("stop-writes-on-bgsave-error", b, "yes"),
        D("rdbcompression", b, "yes"),
        D("rdbchecksum", b, "yes"),
        D("sanitize-dump-payload", e, "no", choices=("no", "yes", "clients")),
        D("dbfilename", s, "dump.rdb"),
        D("rdb-del-sync-files", b, "no"),
        D("dir", s, "."),
        # replication
        D("replicaof", s, "", aliases=("slaveof",), flags=("norewrite",)),
        D("masterauth", s, "", sensitive=True),
        D("masteruser", s, ""),
        D("replica-serve-stale-data", b, "yes", aliases=("slave-serve-stale-data",)),
        D("replica-read-only", b, "yes", aliases=("slave-read-only",)),
        D("repl-diskless-sync", b, "yes"),
        D("repl-diskless-sync-delay", i, "5", lo=0, hi=INT_MAX),
        D("repl-diskless-sync-max-replicas", i, "0", lo=0, hi=INT_MAX),
        D("repl-diskless-load", e, "disabled", choices=("disabled", "on-empty-db", "swapdb")),
        D("repl-ping-replica-period", i, "10", lo=1, hi=INT_MAX, aliases=("repl-ping-slave-period",)),
        D("repl-timeout", i, "60", lo=1, hi=INT_MAX),
        D("repl-disable-tcp-nodelay", b, "no"),
        D("repl-backlog-size", m, "1mb", lo=1, hi=LONG_MAX),
        D("repl-backlog-ttl", i, "3600", lo=0, hi=INT_MAX),
        D("replica-priority", i, "100", lo=0, hi=INT_MAX, aliases=("slave-priority",)),
        D("propagation-error-behavior", e, "ignore", choices=("ignore", "panic", "panic-on-replicas")),
        D("replica-ignore-disk-write-errors", b, "no"),
        D("replica-announced", b, "yes"),
        D("min-replicas-to-write", i, "0", lo=0, hi=INT_MAX, aliases=("min-slaves-to-write",)),
        D("min-replicas-max-lag", i, "10", lo=0, hi=INT_MAX, aliases=("min-slaves-max-lag",)),
        D("replica-announce-ip", s, "", aliases=("slave-announce-ip",)),
        D("replica-announce-port", i, "0", lo=0, hi=65535, aliases=("slave-announce-port",)),
        D("replica-lazy-flush", b, "no", aliases=("slave-lazy-flush",)),
        D("replica-ignore-maxmemory", b, "yes", aliases=("slave-ignore-maxmemory",)),
        # keys tracking
        D("tracking-table-max-keys", i, "1000000", lo=0, hi=LONG_MAX),
        # security
        D("acllog-max-len", i, "128", lo=0, hi=LONG_MAX),
        D("aclfile", s, "", mutable=False),
        D("requirepass", s, "", sensitive=True),
        D("acl-pubsub-default", e, "resetchannels", choices=("allchannels", "resetchannels")),
        # clients
        D("maxclients", i, "10000", lo=1, hi=INT_MAX),
        # memory
        D("maxmemory", m, "0", lo=0, hi=LONG_MAX),
        D("maxmemory-policy", e, "noeviction", choices=(
            "volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random",
            "allkeys-random", "volatile-ttl", "noeviction")),
        D("maxmemory-samples", i, "5", lo=1, hi=64),
        D("maxmemory-eviction-tenacity", i, "10", lo=0, hi=100),
        D("maxmemory-clients", m, "0", lo=0, hi=LONG_MAX),
        # lazy freeing
        D("lazyfree-lazy-eviction", b, "no"),
        D("lazyfree-lazy-expire", b, "no"),
        D("lazyfree-lazy-server-del", b, "no"),
        D("lazyfree-lazy-user-del", b, "no"),
        D("lazyfree-lazy-user-flush", b, "no"),
        D("io-threads", i, "1", mutable=False, lo=1, hi=128),
        D("io-threads-do-reads", b, "no", mutable=False),
        D("oom-score-adj", e, "no", choices=("no", "yes", "relative", "absolute")),
        D("oom-score-adj-values", s, "0 200 800"),
        D("disable-thp", b, "yes", mutable=False),
        # append only
        D("appendonly", b, "no"),
        D("appendfilename", s, "appendonly.aof", mutable=False),
        D("appenddirname", s, "appendonlydir", mutable=False),
        D("appendfsync", e, "everysec", choices=("always", "everysec", "no")),
        D("no-appendfsync-on-rewrite", b, "no"),
        D("auto-aof-rewrite-percentage", i, "100", lo=0, hi=INT_MAX),
        D("auto-aof-rewrite-min-size", m, "64mb", lo=0, hi=LONG_MAX),
        D("aof-load-truncated", b, "yes"),
        D("aof-use-rdb-preamble", b, "yes"),
        D("aof-timestamp-enabled", b, "no"),
        D("aof-rewrite-incremental-fsync", b, "yes"),
        D("rdb-save-incremental-fsync", b, "yes"),
        # shutdown
        D("shutdown-timeout", i, "10", lo=0, hi=INT_MAX),
        D("shutdown-on-sigint", e, "default", multi=True, choices=("default", "save", "nosave", "now", "force")),
        D("shutdown-on-sigterm", e, "default", multi=True, choices=("default", "save", "nosave", "now", "force")),
        # scripting
        D("lua-time-limit", i, "5000", lo=0, hi=LONG_MAX, aliases=("busy-reply-threshold",)),
        # cluster
        D("cluster-enabled", b, "no", mutable=False),
        D("cluster-config-file", s, "nodes.conf", mutable=False),
        D("cluster-node-timeout", i, "15000", lo=0, hi=LONG_MAX),
        D("cluster-port", i, "0", mutable=False, lo=0, hi=65535),
        D("cluster-replica-validity-factor", i, "10", lo=0, hi=INT_MAX, aliases=("cluster-slave-validity-factor",)),
        D("cluster-migration-barrier", i, "1", lo=0, hi=INT_MAX),
        D("cluster-allow-replica-migration", b, "yes"),
        D("cluster-require-full-coverage", b, "yes"),
        D("cluster-replica-no-failover", b, "no", aliases=("cluster-slave-no-failover",)),
        D("cluster-allow-reads-when-down", b, "no"),
        D("cluster-allow-pubsubshard-when-down", b, "yes"),
        D("cluster-link-sendbuf-limit", m, "0", lo=0, hi=LONG_MAX),
        D("cluster-announce-hostname", s, ""),
        D("cluster-announce-human-nodename", s, ""),
        D("cluster-preferred-endpoint-type", e, "ip", choices=("ip", "hostname", "unknown-endpoint")),
        D("cluster-announce-ip", s, ""),
        D("cluster-announce-port", i, "0", lo=0, hi=65535),
        D("cluster-announce-tls-port", i, "0", lo=0, hi=65535),
        D("cluster-announce-bus-port", i, "0", lo=0, hi=65535),
        # slow log / latency
        D("slowlog-log-slower-than", i, "10000", lo=-1, hi=LONG_MAX),
        D("slowlog-max-len", i, "128", lo=0, hi=LONG_MAX),
        D("latency-monitor-threshold", i, "0", lo=0, hi=LONG_MAX),
        D("latency-tracking", b, "yes"),
        D("latency-tracking-info-percentiles", s, "50 99 99.9"),
        # events
        D("notify-keyspace-events", "special", "", parse=_parse_notify, fmt=_ident),
        # advanced
        D("hash-max-listpack-entries", i, "512", lo=0, hi=LONG_MAX, aliases=("hash-max-ziplist-entries",)),
        D("hash-max-listpack-value", i, "64", lo=0, hi=LONG_MAX, aliases=("hash-max-ziplist-value",)),
        D("list-max-listpack-size", i, "-2", lo=-5, hi=INT_MAX, aliases=("list-max-ziplist-size",)),
        D("list-compress-depth", i, "0", lo=0, hi=INT_MAX),
        D("set-max-intset-entries", i, "512", lo=0, hi=LONG_MAX),
        D("set-max-listpack-entries", i, "128", lo=0, hi=LONG_MAX),
        D("set-max-listpack-value", i, "64", lo=0, hi=LONG_MAX),
        D("zset-max-listpack-entries", i, "128", lo=0, hi=LONG_MAX, aliases=("zset-max-ziplist-entries",)),
        D("zset-max-listpack-value", i, "64", lo=0, hi=LONG_MAX, aliases=("zset-max-ziplist-value",)),
        D("hll-sparse-max-bytes", m, "3000", lo=0, hi=LONG_MAX),
        D("stream-node-max-bytes", m, "4096", lo=0, hi=LONG_MAX),
        D("stream-node-max-entries", i, "100", lo=0, hi=LONG_MAX),
        D("activerehashing", b, "yes"),
        D("client-output-buffer-limit", "special",
          "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60",
          parse=_parse_cob, fmt=_format_cob, flags=("append",)),
        D("client-query-buffer-limit", m, "1gb", lo=1024 * 1024, hi=LONG_MAX),
        D("proto-max-bulk-len", m, "512mb", lo=1024 * 1024, hi=LONG_MAX),
        D("hz", i, "10", lo=0, hi=INT_MAX),
        D("dynamic-hz", b, "yes"),
        D("lfu-log-factor", i, "10", lo=0, hi=INT_MAX),
        D("lfu-decay-time", i, "1", lo=0, hi=INT_MAX),
        D("activedefrag", b, "no"),
        D("active-defrag-ignore-bytes", m, "100mb", lo=1, hi=LONG_MAX),
        D("active-defrag-threshold-lower", i, "10", lo=0, hi=1000),
        D("active-defrag-threshold-upper", i, "100", lo=0, hi=1000),
        D("active-defrag-cycle-min", i, "1", lo=1, hi=99),
        D("active-defrag-cycle-max", i, "25", lo=1, hi=99),
        D("active-defrag-max-scan-fields", i, "1000", lo=1, hi=LONG_MAX),
        D("jemalloc-bg-thread", b, "yes"),
        D("server-cpulist", s, "", mutable=False),
        D("bio-cpulist", s, "", mutable=False),
        D("aof-rewrite-cpulist", s, "", mutable=False),
        D("bgsave-cpulist", s, "", mutable=False),
        D("ignore-warnings", s, ""),
        D("lazyfree-lazy-user-flush", b, "no"),
        D("tls-port", i, "0", mutable=False, lo=0, hi=65535),
        D("tls-cert-file", s, ""),
        D("tls-key-file", s, ""),
        D("tls-ca-cert-file", s, ""),
        D("tls-auth-clients", e, "yes", choices=("no", "yes", "optional")),
        D("tls-replication", b, "no"),
        D("tls-cluster", b, "no"),
    ]
