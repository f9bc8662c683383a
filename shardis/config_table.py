"""The directive table: every redis.conf directive Redis 7 knows.

Types, defaults, bounds, mutability and aliases are Redis 7.2's (the
directives 7.2 added over 7.0 carry the ``v72`` flag so tests comparing with
a 7.0 server can leave them out). Directives whose feature lands in a later
part of shardis are stored and reported, and take effect when their feature
reads them.
"""
import os

from shardis.config import Directive as D, ConfigError, memtoull, string2ll, sds_repr, \
    format_memory_rewrite

INT_MIN = -2 ** 31
INT_MAX = 2 ** 31 - 1
UINT_MAX = 2 ** 32 - 1
LONG_MAX = 2 ** 63 - 1
LLONG_MAX = LONG_MAX
ULLONG_MAX = 2 ** 64 - 1


# -- save ----------------------------------------------------------------------
def _parse_save(args, current=None, startup=False):
    """``save 3600 1 300 100`` -> ((3600, 1), (300, 100)); ``save ""`` -> ().
    From a file, lines accumulate (``current`` holds what earlier lines set)."""
    if isinstance(args, str):
        args = args.split(" ") if args else []
    if len(args) == 1 and args[0] == "":
        return ()
    if len(args) % 2:
        raise ConfigError("Invalid save parameters")
    pairs = []
    for i in range(0, len(args), 2):
        secs, changes = string2ll(args[i]), string2ll(args[i + 1])
        if secs is None or changes is None or secs < 1 or changes < 0:
            raise ConfigError("Invalid save parameters")
        pairs.append((secs, changes))
    if startup and current:         # later lines of a file add to the first
        return tuple(current) + tuple(pairs)
    return tuple(pairs)


def _format_save(v):
    return " ".join(f"{a} {b}" for a, b in v)


def _rewrite_save(v):
    return [f"{a} {b}" for a, b in v] or ['""']


# -- client-output-buffer-limit -------------------------------------------------
COB_CLASSES = ("normal", "replica", "pubsub")
_COB_DEFAULT = (("normal", (0, 0, 0)), ("replica", (256 * 1024 * 1024, 64 * 1024 * 1024, 60)),
                ("pubsub", (32 * 1024 * 1024, 8 * 1024 * 1024, 60)))


def _parse_cob(args, current=None, startup=False):
    """<class> <hard> <soft> <soft-seconds> [<class> ...]"""
    if isinstance(args, str):
        args = args.split(" ") if args else []
    if len(args) % 4:
        raise ConfigError("Wrong number of arguments in buffer limit configuration.")
    limits = dict(current) if current else dict(_COB_DEFAULT)
    for i in range(0, len(args), 4):
        cls = args[i].lower()
        if cls == "slave":
            cls = "replica"
        if cls not in COB_CLASSES:
            raise ConfigError("Invalid client class specified in buffer limit configuration.")
        try:
            hard = memtoull(args[i + 1])
            soft = memtoull(args[i + 2])
            secs = string2ll(args[i + 3])
            if secs is None or secs < 0:
                raise ValueError
        except ValueError:
            raise ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.") from None
        limits[cls] = (hard, soft, secs)
    return tuple((c, limits[c]) for c in COB_CLASSES)


def _format_cob(v):
    return " ".join(f"{'slave' if c == 'replica' else c} {h} {s} {t}" for c, (h, s, t) in v)


def _rewrite_cob(v):
    default = dict(_COB_DEFAULT)
    out = []
    for c, lim in v:
        if lim != default[c]:
            h, s, t = lim
            out.append(f"{'slave' if c == 'replica' else c} {format_memory_rewrite(h)} "
                       f"{format_memory_rewrite(s)} {t}")
    return out


# -- notify-keyspace-events -------------------------------------------------------
_NOTIFY_ALL = "g$lshzxetd"


def _parse_notify(text):
    s = set()
    for ch in text:
        if ch == "A":
            s |= set(_NOTIFY_ALL)
        elif ch in "g$lshzxetdKEmn":
            s.add(ch)
        else:
            raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    return normalise_notify(s)


def normalise_notify(text):
    """The canonical text Redis prints in CONFIG GET (A, K, E, then m, n)."""
    s = set(text)
    if "A" in s:
        s |= set(_NOTIFY_ALL)
    if set(_NOTIFY_ALL) <= s:
        out = "A"
    else:
        out = "".join(ch for ch in _NOTIFY_ALL if ch in s)
    for ch in "KEmn":
        if ch in s:
            out += ch
    return out


def _format_notify(v):
    """Redis leaves 'n' (new-key events) out of the text it reports; the
    stored value keeps it."""
    return v.replace("n", "")


def _rewrite_notify(v):
    return [sds_repr(_format_notify(v))]


def _ident(v):
    return v


def _rewrite_quoted(v):
    return [sds_repr(v)]


# -- bind --------------------------------------------------------------------------
def _parse_bind(text):
    words = [w for w in text.split(" ") if w] if isinstance(text, str) else list(text)
    if len(words) > 16:
        raise ConfigError("Too many bind addresses specified.")
    if len(words) == 1 and words[0] == "":
        words = []
    return tuple(words)


def _format_bind(v):
    return " ".join(v)


def _rewrite_words(v):
    return [" ".join(v)] if v else ['""']


# -- oom-score-adj-values --------------------------------------------------------------
def _parse_oom_values(text):
    words = [w for w in text.split(" ") if w]
    if len(words) != 3:
        raise ConfigError("wrong number of arguments")
    vals = []
    for w in words:
        v = string2ll(w)
        if v is None or v < -2000 or v > 2000:
            raise ConfigError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
        vals.append(v)
    return tuple(vals)


def _format_ints(v):
    return " ".join(str(x) for x in v)


# -- latency-tracking-info-percentiles ---------------------------------------------------
def _parse_percentiles(text):
    words = [w for w in text.split(" ") if w]
    vals = []
    for w in words:
        try:
            f = float(w)
        except ValueError:
            raise ConfigError("Invalid latency-tracking-info-percentiles parameters") from None
        if f != f or w.lower().lstrip("+-") in ("inf", "infinity", "nan"):
            raise ConfigError("Invalid latency-tracking-info-percentiles parameters")
        if f < 0.0 or f > 100.0:
            raise ConfigError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
        vals.append(f)
    return tuple(vals)


def _fmt_double(f):
    s = "%f" % f
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _format_percentiles(v):
    return " ".join(_fmt_double(x) for x in v)


def _rewrite_percentiles(v):
    return [_format_percentiles(v)] if v else ['""']


# -- replicaof ------------------------------------------------------------------------------
def _parse_replicaof(text):
    words = [w for w in text.split(" ") if w]
    if not words or (len(words) == 2 and words[0].lower() == "no" and words[1].lower() == "one"):
        return ""
    if len(words) != 2:
        raise ConfigError("wrong number of arguments")
    port = string2ll(words[1])
    if port is None or port < 0 or port > 65535:
        raise ConfigError("Invalid master port")
    return f"{words[0]} {port}"


# -- dir ------------------------------------------------------------------------------------
def _parse_dir(text):
    return text


def _format_dir(v):
    try:
        return os.getcwd()
    except OSError:
        return v


def _rewrite_dir(v):
    return [sds_repr(_format_dir(v))]


# -- string validators ------------------------------------------------------------------------
_TITLE_VARS = {"title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket",
               "config-file"}


def _valid_proc_title(text):
    i = 0
    n = len(text)
    ok = True
    while i < n:
        c = text[i]
        if c == "{":
            j = text.find("}", i + 1)
            if j < 0 or text[i + 1:j] not in _TITLE_VARS:
                ok = False
                break
            i = j + 1
            continue
        if c == "}":
            ok = False
            break
        i += 1
    if ok and "{title}" not in text:
        ok = False
    return None if ok else "template format is invalid or contains unknown variables"


def _valid_hostname(text):
    for ch in text:
        if not (ch.isascii() and (ch.isalnum() or ch in "-.")):
            return "Hostnames may only contain alphanumeric characters, hyphens or dots"
    return None


def _valid_nodename(text):
    for ch in text:
        if not (ch.isascii() and (ch.isalnum() or ch in "-._")):
            return "Human Nodenames may only contain alphanumeric characters, hyphens, dots or underscores"
    return None


def _valid_filename(what):
    def check(text):
        if "/" in text:
            return f"{what} can't be a path, just a filename"
        return None
    return check


def _valid_shutdown_flags(words):
    if "save" in words and "nosave" in words:
        return "shutdown options SAVE and NOSAVE can't be used simultaneously"
    return None


def _clamp_hz(v):
    return 1 if v < 1 else 500 if v > 500 else v


PROTECTED_ACTION = ("no", "yes", "local")
SHUTDOWN_FLAGS = ("default", "save", "nosave", "now", "force")


def directives():
    """Build the list of Directive objects (a fresh list per server)."""
    b, i, m, e, s, sp = "bool", "int", "memory", "enum", "string", "special"
    IMM = {"mutable": False}
    U = ("unsigned",)
    return [
        # -- bools
        D("rdbchecksum", b, "yes", **IMM),
        D("daemonize", b, "no", **IMM),
        D("io-threads-do-reads", b, "no", **IMM),
        D("always-show-logo", b, "no", **IMM),
        D("protected-mode", b, "yes"),
        D("rdbcompression", b, "yes"),
        D("rdb-del-sync-files", b, "no"),
        D("activerehashing", b, "yes"),
        D("stop-writes-on-bgsave-error", b, "yes"),
        D("set-proc-title", b, "yes", **IMM),
        D("dynamic-hz", b, "yes"),
        D("lazyfree-lazy-eviction", b, "no"),
        D("lazyfree-lazy-expire", b, "no"),
        D("lazyfree-lazy-server-del", b, "no"),
        D("lazyfree-lazy-user-del", b, "no"),
        D("lazyfree-lazy-user-flush", b, "no"),
        D("repl-disable-tcp-nodelay", b, "no"),
        D("repl-diskless-sync", b, "yes"),
        D("aof-rewrite-incremental-fsync", b, "yes"),
        D("no-appendfsync-on-rewrite", b, "no"),
        D("cluster-require-full-coverage", b, "yes"),
        D("rdb-save-incremental-fsync", b, "yes"),
        D("aof-load-truncated", b, "yes"),
        D("aof-use-rdb-preamble", b, "yes"),
        D("aof-timestamp-enabled", b, "no"),
        D("cluster-replica-no-failover", b, "no", aliases=("cluster-slave-no-failover",)),
        D("replica-lazy-flush", b, "no", aliases=("slave-lazy-flush",)),
        D("replica-serve-stale-data", b, "yes", aliases=("slave-serve-stale-data",)),
        D("replica-read-only", b, "yes", aliases=("slave-read-only",)),
        D("replica-ignore-maxmemory", b, "yes", aliases=("slave-ignore-maxmemory",)),
        D("jemalloc-bg-thread", b, "yes"),
        D("activedefrag", b, "no"),
        D("syslog-enabled", b, "no", **IMM),
        D("cluster-enabled", b, "no", **IMM),
        D("appendonly", b, "no"),
        D("cluster-allow-reads-when-down", b, "no"),
        D("cluster-allow-pubsubshard-when-down", b, "yes"),
        D("crash-log-enabled", b, "yes"),
        D("crash-memcheck-enabled", b, "yes"),
        D("use-exit-on-panic", b, "no", flags=("hidden",)),
        D("disable-thp", b, "yes", **IMM),
        D("cluster-allow-replica-migration", b, "yes"),
        D("replica-announced", b, "yes"),
        D("latency-tracking", b, "yes"),
        D("aof-disable-auto-gc", b, "no"),
        D("replica-ignore-disk-write-errors", b, "no"),
        # -- strings
        D("aclfile", s, "", **IMM),
        D("unixsocket", s, "", **IMM),
        D("pidfile", s, "", **IMM),
        D("replica-announce-ip", s, "", aliases=("slave-announce-ip",)),
        D("masteruser", s, "", sensitive=True),
        D("cluster-announce-ip", s, ""),
        D("cluster-config-file", s, "nodes.conf", **IMM),
        D("cluster-announce-hostname", s, "", validate=_valid_hostname),
        D("cluster-announce-human-nodename", s, "", validate=_valid_nodename, flags=("v72",)),
        D("syslog-ident", s, "redis", **IMM),
        D("dbfilename", s, "dump.rdb", flags=("protected",), validate=_valid_filename("dbfilename")),
        D("appendfilename", s, "appendonly.aof", **IMM),
        D("appenddirname", s, "appendonlydir", **IMM),
        D("server_cpulist", s, "", **IMM),
        D("bio_cpulist", s, "", **IMM),
        D("aof_rewrite_cpulist", s, "", **IMM),
        D("bgsave_cpulist", s, "", **IMM),
        D("ignore-warnings", s, ""),
        D("proc-title-template", s, "{title} {listen-addr} {server-mode}", validate=_valid_proc_title),
        D("bind-source-addr", s, ""),
        D("logfile", s, "", **IMM),
        D("locale-collate", s, "", flags=("v72",)),
        D("masterauth", s, "", sensitive=True),
        D("requirepass", s, "", sensitive=True),
        # -- enums
        D("supervised", e, "no", choices=("upstart", "systemd", "auto", "no"), **IMM),
        D("syslog-facility", e, "local0", choices=("user", "local0", "local1", "local2", "local3",
                                                  "local4", "local5", "local6", "local7"), **IMM),
        D("repl-diskless-load", e, "disabled", choices=("disabled", "on-empty-db", "swapdb")),
        D("loglevel", e, "notice", choices=("debug", "verbose", "notice", "warning", "nothing")),
        D("maxmemory-policy", e, "noeviction", choices=(
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
            "allkeys-lfu", "allkeys-random", "noeviction")),
        D("appendfsync", e, "everysec", choices=("everysec", "always", "no")),
        D("oom-score-adj", e, "no", choices=("no", "yes", "relative", "absolute")),
        D("acl-pubsub-default", e, "resetchannels", choices=("allchannels", "resetchannels")),
        D("sanitize-dump-payload", e, "no", choices=("no", "yes", "clients")),
        D("enable-protected-configs", e, "no", choices=PROTECTED_ACTION, **IMM),
        D("enable-debug-command", e, "no", choices=PROTECTED_ACTION, **IMM),
        D("enable-module-command", e, "no", choices=PROTECTED_ACTION, **IMM),
        D("cluster-preferred-endpoint-type", e, "ip", choices=("ip", "hostname", "unknown-endpoint")),
        D("propagation-error-behavior", e, "ignore", choices=("ignore", "panic", "panic-on-replicas")),
        D("shutdown-on-sigint", e, "default", multi=True, choices=SHUTDOWN_FLAGS,
          validate=_valid_shutdown_flags),
        D("shutdown-on-sigterm", e, "default", multi=True, choices=SHUTDOWN_FLAGS,
          validate=_valid_shutdown_flags),
        # -- ints
        D("databases", i, "16", lo=1, hi=INT_MAX, **IMM),
        D("port", i, "6379", lo=0, hi=65535),
        D("io-threads", i, "1", lo=1, hi=128, **IMM),
        D("auto-aof-rewrite-percentage", i, "100", lo=0, hi=INT_MAX),
        D("cluster-replica-validity-factor", i, "10", lo=0, hi=INT_MAX,
          aliases=("cluster-slave-validity-factor",)),
        D("list-max-listpack-size", i, "-2", lo=INT_MIN, hi=INT_MAX, aliases=("list-max-ziplist-size",)),
        D("tcp-keepalive", i, "300", lo=0, hi=INT_MAX),
        D("cluster-migration-barrier", i, "1", lo=0, hi=INT_MAX),
        D("active-defrag-cycle-min", i, "1", lo=1, hi=99),
        D("active-defrag-cycle-max", i, "25", lo=1, hi=99),
        D("active-defrag-threshold-lower", i, "10", lo=0, hi=1000),
        D("active-defrag-threshold-upper", i, "100", lo=0, hi=1000),
        D("lfu-log-factor", i, "10", lo=0, hi=INT_MAX),
        D("lfu-decay-time", i, "1", lo=0, hi=INT_MAX),
        D("replica-priority", i, "100", lo=0, hi=INT_MAX, aliases=("slave-priority",)),
        D("repl-diskless-sync-delay", i, "5", lo=0, hi=INT_MAX),
        D("maxmemory-samples", i, "5", lo=1, hi=INT_MAX),
        D("maxmemory-eviction-tenacity", i, "10", lo=0, hi=100),
        D("timeout", i, "0", lo=0, hi=INT_MAX),
        D("replica-announce-port", i, "0", lo=0, hi=65535, aliases=("slave-announce-port",)),
        D("tcp-backlog", i, "511", lo=0, hi=INT_MAX, **IMM),
        D("cluster-port", i, "0", lo=0, hi=65535, **IMM),
        D("cluster-announce-bus-port", i, "0", lo=0, hi=65535),
        D("cluster-announce-port", i, "0", lo=0, hi=65535),
        D("cluster-announce-tls-port", i, "0", lo=0, hi=65535),
        D("repl-timeout", i, "60", lo=1, hi=INT_MAX),
        D("repl-ping-replica-period", i, "10", lo=1, hi=INT_MAX, aliases=("repl-ping-slave-period",)),
        D("list-compress-depth", i, "0", lo=0, hi=INT_MAX),
        D("rdb-key-save-delay", i, "0", lo=INT_MIN, hi=INT_MAX, flags=("hidden",)),
        D("key-load-delay", i, "0", lo=INT_MIN, hi=INT_MAX, flags=("hidden",)),
        D("active-expire-effort", i, "1", lo=1, hi=10),
        D("hz", i, "10", lo=0, hi=INT_MAX, post=_clamp_hz),
        D("min-replicas-to-write", i, "0", lo=0, hi=INT_MAX, aliases=("min-slaves-to-write",)),
        D("min-replicas-max-lag", i, "10", lo=0, hi=INT_MAX, aliases=("min-slaves-max-lag",)),
        D("watchdog-period", i, "0", lo=0, hi=INT_MAX, flags=("hidden",)),
        D("shutdown-timeout", i, "10", lo=0, hi=INT_MAX),
        D("repl-diskless-sync-max-replicas", i, "0", lo=0, hi=INT_MAX),
        D("maxclients", i, "10000", lo=1, hi=UINT_MAX, flags=U),
        D("unixsocketperm", i, "0", lo=0, hi=0o777, flags=("unsigned", "octal"), **IMM),
        D("socket-mark-id", i, "0", lo=0, hi=UINT_MAX, flags=U, **IMM),
        D("active-defrag-max-scan-fields", i, "1000", lo=1, hi=LONG_MAX),
        D("slowlog-max-len", i, "128", lo=0, hi=LONG_MAX),
        D("acllog-max-len", i, "128", lo=0, hi=LONG_MAX),
        D("busy-reply-threshold", i, "5000", lo=0, hi=LONG_MAX, aliases=("lua-time-limit",)),
        D("cluster-node-timeout", i, "15000", lo=0, hi=LLONG_MAX),
        D("slowlog-log-slower-than", i, "10000", lo=-1, hi=LLONG_MAX),
        D("latency-monitor-threshold", i, "0", lo=0, hi=LLONG_MAX),
        D("proto-max-bulk-len", m, "512mb", lo=1024 * 1024, hi=LONG_MAX),
        D("stream-node-max-entries", i, "100", lo=0, hi=LLONG_MAX),
        D("repl-backlog-size", m, "1mb", lo=1, hi=LLONG_MAX, post=lambda v: max(v, 16384)),
        D("maxmemory", m, "0", lo=0, hi=ULLONG_MAX, flags=U),
        D("cluster-link-sendbuf-limit", m, "0", lo=0, hi=ULLONG_MAX, flags=U),
        D("hash-max-listpack-entries", i, "512", lo=0, hi=LONG_MAX, flags=U,
          aliases=("hash-max-ziplist-entries",)),
        D("set-max-intset-entries", i, "512", lo=0, hi=LONG_MAX, flags=U),
        D("set-max-listpack-entries", i, "128", lo=0, hi=LONG_MAX, flags=("unsigned", "v72")),
        D("set-max-listpack-value", m, "64", lo=0, hi=LONG_MAX, flags=("unsigned", "v72")),
        D("zset-max-listpack-entries", i, "128", lo=0, hi=LONG_MAX, flags=U,
          aliases=("zset-max-ziplist-entries",)),
        D("active-defrag-ignore-bytes", m, "100mb", lo=1, hi=LLONG_MAX, flags=U),
        D("hash-max-listpack-value", m, "64", lo=0, hi=LONG_MAX, flags=U,
          aliases=("hash-max-ziplist-value",)),
        D("stream-node-max-bytes", m, "4096", lo=0, hi=LONG_MAX, flags=U),
        D("zset-max-listpack-value", m, "64", lo=0, hi=LONG_MAX, flags=U,
          aliases=("zset-max-ziplist-value",)),
        D("hll-sparse-max-bytes", m, "3000", lo=0, hi=LONG_MAX, flags=U),
        D("tracking-table-max-keys", i, "1000000", lo=0, hi=LONG_MAX, flags=U),
        D("client-query-buffer-limit", m, "1gb", lo=1024 * 1024, hi=LONG_MAX, flags=U),
        D("maxmemory-clients", m, "0", lo=-100, hi=LONG_MAX, flags=("percent",)),
        D("repl-backlog-ttl", i, "3600", lo=0, hi=LONG_MAX),
        D("auto-aof-rewrite-min-size", m, "64mb", lo=0, hi=LLONG_MAX),
        D("loading-process-events-interval-bytes", i, "2097152", lo=1024, hi=INT_MAX,
          flags=("hidden",)),
        # -- TLS (stored; shardis speaks plain TCP)
        D("tls-port", i, "0", lo=0, hi=65535),
        D("tls-session-cache-size", i, "20480", lo=0, hi=INT_MAX),
        D("tls-session-cache-timeout", i, "300", lo=0, hi=INT_MAX),
        D("tls-cluster", b, "no"),
        D("tls-replication", b, "no"),
        D("tls-auth-clients", e, "yes", choices=("no", "yes", "optional")),
        D("tls-prefer-server-ciphers", b, "no"),
        D("tls-session-caching", b, "yes"),
        D("tls-cert-file", s, ""),
        D("tls-key-file", s, ""),
        D("tls-key-file-pass", s, ""),
        D("tls-client-cert-file", s, ""),
        D("tls-client-key-file", s, ""),
        D("tls-client-key-file-pass", s, ""),
        D("tls-dh-params-file", s, ""),
        D("tls-ca-cert-file", s, ""),
        D("tls-ca-cert-dir", s, ""),
        D("tls-protocols", s, ""),
        D("tls-ciphers", s, ""),
        D("tls-ciphersuites", s, ""),
        # -- special
        D("dir", sp, ".", parse=_parse_dir, fmt=_format_dir, rewrite=_rewrite_dir,
          flags=("protected", "forcewrite", "single")),
        D("save", sp, "3600 1 300 100 60 10000", parse=_parse_save, fmt=_format_save,
          rewrite=_rewrite_save, flags=("append",)),
        D("client-output-buffer-limit", sp, "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60",
          parse=_parse_cob, fmt=_format_cob, rewrite=_rewrite_cob, flags=("append",)),
        D("oom-score-adj-values", sp, "0 200 800", parse=_parse_oom_values, fmt=_format_ints),
        D("notify-keyspace-events", sp, "", parse=_parse_notify, fmt=_format_notify,
          rewrite=_rewrite_notify, flags=("single",)),
        D("bind", sp, "* -::*", parse=_parse_bind, fmt=_format_bind, rewrite=_rewrite_words),
        D("replicaof", sp, "", parse=_parse_replicaof, fmt=_ident, aliases=("slaveof",),
          rewrite=lambda v: [v], **IMM),
        D("latency-tracking-info-percentiles", sp, "50 99 99.9", parse=_parse_percentiles,
          fmt=_format_percentiles, rewrite=_rewrite_percentiles, flags=("forcewrite",)),
    ]

