"""INFO: one builder per section, field names as Redis 7.2 prints them.

Each builder takes the server and returns the section's lines (``name:value``,
str). ``generate(server, names)`` resolves the section arguments the way
Redis 7 does (several sections, ``all``, ``default``, ``everything``) and
joins the text.

Memory figures are honest process figures, not Redis's allocator counters:

* ``used_memory_rss`` is the resident set size from ``/proc/self/statm``.
* ``used_memory`` is an estimate: the *private* resident memory of the
  process (statm resident minus shared pages), i.e. the anonymous heap the
  interpreter and the dataset occupy, without the shared libraries and the
  interpreter's mapped code. Where ``/proc`` is missing it falls back to
  ``resource.getrusage`` maxrss. ``used_memory_startup`` is that figure when
  the server finished starting, and ``used_memory_dataset`` is the difference.
"""
import os
import platform
from math import isqrt
import resource
import sys
import time

from shardis import REDIS_VERSION

try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (ValueError, OSError, AttributeError):
    _PAGE = 4096

# Section order of a full INFO; DEFAULT is what a bare INFO prints.
ALL_ORDER = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
             "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace")
DEFAULT = {"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
           "modules", "errorstats", "cluster", "keyspace"}
TITLES = {"server": "Server", "clients": "Clients", "memory": "Memory",
          "persistence": "Persistence", "stats": "Stats", "replication": "Replication",
          "cpu": "CPU", "modules": "Modules", "commandstats": "Commandstats",
          "errorstats": "Errorstats", "latencystats": "Latencystats", "cluster": "Cluster",
          "keyspace": "Keyspace"}


# -- memory figures ----------------------------------------------------------------
def _statm():
    try:
        with open("/proc/self/statm") as f:
            parts = f.read().split()
        return int(parts[1]) * _PAGE, int(parts[2]) * _PAGE
    except (OSError, IndexError, ValueError):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return rss, 0


def rss_bytes():
    return _statm()[0]


def used_memory(server=None):
    """The used_memory estimate (see the module docstring): private resident bytes."""
    rss, shared = _statm()
    used = rss - shared
    if server is not None:
        st = _mem_state(server)
        if used > st["peak"]:
            st["peak"] = used
    return used


def _mem_state(server):
    st = server.mem_state
    if st is None:
        u = _statm()
        st = server.mem_state = {"startup": u[0] - u[1], "peak": u[0] - u[1]}
    return st


def total_system_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def bytes_to_human(n):
    """Redis's bytesToHuman: 1.09M, 200B, 23.54G."""
    n = float(n)
    for unit, size in (("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20),
                       ("K", 1 << 10)):
        if n >= size:
            return "%.2f%s" % (n / size, unit)
    return "%dB" % int(n)


# -- latency histograms ------------------------------------------------------------
# The hot path records each call's duration ``dt`` (ns) with one statement:
#     cmd.hist[(dt * dt).bit_length()] += 1
# Bucket k holds the durations whose square has k bits: log-spaced buckets,
# two per power of two (each sqrt(2) wide). Measured with callgrind over 200k
# calls (CPython 3.11): plain dt.bit_length() buckets cost ~520 instructions
# a call, this ~680, four buckets per octave from dt**4 ~950-1250, and
# shift-and-mask sub-buckets ~1300; a pipelined SET costs tens of thousands.
HIST_SIZE = 264          # covers any duration below 2**132 ns


def bucket_bounds(idx):
    """Inclusive (low, high) in ns of histogram bucket ``idx``."""
    if idx <= 0:
        return 0, 0
    high = isqrt((1 << idx) - 1)
    low = isqrt((1 << (idx - 1)) - 1) + 1 if idx > 1 else 1
    return low, high


def hist_total(h):
    return sum(h) if h else 0


def hist_percentile(h, p, total=None):
    """Upper bound (ns) of the bucket holding percentile ``p`` (0..100)."""
    if total is None:
        total = sum(h)
    if not total:
        return 0
    want = max(1, -(-total * p // 100)) if isinstance(p, int) else max(1, int(total * p / 100.0 + 0.999999))
    acc = 0
    for i, n in enumerate(h):
        if n:
            acc += n
            if acc >= want:
                return bucket_bounds(i)[1]
    return bucket_bounds(len(h) - 1)[1]


def hist_cdf_usec(h):
    """LATENCY HISTOGRAM buckets: [(usec, cumulative count)] at 1, 2, 4... usec
    (log2 steps from 1024 ns, labelled as Redis's 2-significant-digit
    histogram labels them), only where the cumulative count grows."""
    out = []
    total = sum(h)
    if not total:
        return out
    prev = 0
    acc = 0
    i = 0
    k = 0
    n = len(h)
    while prev < total:
        limit = 1 << (10 + k)            # buckets entirely below this bound
        while i < n and bucket_bounds(i)[1] < limit:
            acc += h[i]
            i += 1
        if acc > prev:
            label = (limit + (1 << (3 + k)) - 1) // 1000
            out.append((label, acc))
            prev = acc
        k += 1
        if k > 60:
            break
    return out


def _fmt_pct(p):
    s = ("%f" % p).rstrip("0").rstrip(".")
    return s


def percentiles_config(server):
    v = server.config["latency-tracking-info-percentiles"]
    if isinstance(v, (str, bytes)):
        v = v.split()
    out = []
    for w in v:
        try:
            out.append(float(w))
        except ValueError:
            pass
    return out


# -- helpers -----------------------------------------------------------------------
def _f2(x):
    return "%.2f" % x


def _iter_commands(server):
    """Every Command with statistics, in a stable order, subcommands after
    their container."""
    for cmd in server.all_commands.values():
        yield cmd
        if cmd.subcommands:
            for sub in cmd.subcommands.values():
                yield sub


def _listener_lines(server):
    cfg = server.config
    out = []
    port = getattr(server, "port", cfg["port"])
    if port:
        binds = ",".join("bind=" + b for b in (list(cfg["bind"]) or ["*"]))
        out.append(f"listener0:name=tcp,{binds},port={port}")
    if cfg["unixsocket"]:
        out.append(f"listener{len(out)}:name=unix,bind={cfg['unixsocket']}")
    return out


# -- sections ----------------------------------------------------------------------
def sec_server(server):
    cfg = server.config
    now = time.time()
    uptime = int(now - server.start_time)
    u = platform.uname()
    exe = server.executable
    conf = getattr(cfg, "config_file", None) or ""
    lines = [
        f"redis_version:{REDIS_VERSION}",
        "redis_git_sha1:00000000",
        "redis_git_dirty:0",
        "redis_build_id:" + server.run_id[:16],
        "redis_mode:" + ("cluster" if cfg["cluster-enabled"] else "standalone"),
        f"os:{u.system} {u.release} {u.machine}",
        f"arch_bits:{64 if sys.maxsize > 2 ** 32 else 32}",
        "monotonic_clock:POSIX clock_gettime",
        "multiplexing_api:" + _mux_api(),
        "atomicvar_api:c11-builtin",
        "gcc_version:0.0.0",
        f"process_id:{server.pid}",
        f"process_supervised:{cfg['supervised'] if cfg['supervised'] != 'auto' else 'no'}",
        f"run_id:{server.run_id}",
        f"tcp_port:{getattr(server, 'port', cfg['port'])}",
        f"server_time_usec:{int(now * 1000000)}",
        f"uptime_in_seconds:{uptime}",
        f"uptime_in_days:{uptime // 86400}",
        f"hz:{server.hz}",
        f"configured_hz:{cfg['hz']}",
        f"lru_clock:{int(now) & ((1 << 24) - 1)}",
        f"executable:{exe}",
        f"config_file:{conf}",
        "io_threads_active:0",
    ]
    lines.extend(_listener_lines(server))
    return lines


def _mux_api():
    try:
        import uvloop  # noqa: F401
        return "uvloop"
    except ImportError:
        return "epoll" if sys.platform.startswith("linux") else "kqueue"


def sec_clients(server):
    from shardis.runtime.clientflags import F_BLOCKED, F_TRACKING
    clients = list(server.clients.values())
    blocked = tracking = pubsub = watching = 0
    max_in = max_out = 0
    for c in clients:
        if c.flags & F_BLOCKED or c.pause_blocked:     # Redis counts clients a pause holds
            blocked += 1
        if c.flags & F_TRACKING:
            tracking += 1
        if c.channels_count():
            pubsub += 1
        if c.watched_keys:
            watching += 1
        try:
            q = c.reader.pending_bytes
        except Exception:
            q = 0
        max_in = max(max_in, q)
        if c.transport is not None:
            try:
                max_out = max(max_out, c.transport.get_write_buffer_size())
            except Exception:
                pass
    watched_keys = sum(1 for db in server.dbs for k in db.watched
                       if isinstance(k, (bytes, bytearray)))
    blocking_keys = sum(len(db.blocking_keys) for db in server.dbs)
    in_timeout = sum(1 for c in clients if c.flags & F_BLOCKED and c.block_deadline)
    return [
        f"connected_clients:{len(clients)}",
        "cluster_connections:0",
        f"maxclients:{server.maxclients}",
        f"client_recent_max_input_buffer:{max_in}",
        f"client_recent_max_output_buffer:{max_out}",
        f"blocked_clients:{blocked}",
        f"tracking_clients:{tracking}",
        f"pubsub_clients:{pubsub}",
        f"watching_clients:{watching}",
        f"clients_in_timeout_table:{in_timeout}",
        f"total_watched_keys:{watched_keys}",
        f"total_blocking_keys:{blocking_keys}",
        "total_blocking_keys_on_nokey:0",
    ]


def _scripting_memory(server):
    """(Lua VM bytes of EVAL, of functions, script bodies, library codes,
    cached scripts, functions, libraries) from the scripting engine."""
    eng = server.scripting
    if eng is None:
        return 0, 0, 0, 0, 0, 0, 0
    vm_eval, vm_fn = eng.memory()
    store = eng.store
    return (vm_eval, vm_fn, sum(len(s.body) for s in eng.scripts.values()),
            sum(len(lib.code) for lib in store.libraries.values()), len(eng.scripts),
            len(store.functions), len(store.libraries))


def sec_memory(server):
    cfg = server.config
    st = _mem_state(server)
    rss, shared = _statm()
    used = max(rss - shared, 1)
    if used > st["peak"]:
        st["peak"] = used
    peak = st["peak"]
    startup = min(st["startup"], used)
    dataset = used - startup
    sysmem = total_system_memory()
    maxmem = cfg["maxmemory"]
    pending = freed = 0             # no lazy free yet (the memory issue)
    frag = rss / used if used else 0
    vm_eval, vm_fn, scripts_eval, fn_code, n_scripts, n_functions, n_libraries = \
        _scripting_memory(server)
    return [
        f"used_memory:{used}",
        f"used_memory_human:{bytes_to_human(used)}",
        f"used_memory_rss:{rss}",
        f"used_memory_rss_human:{bytes_to_human(rss)}",
        f"used_memory_peak:{peak}",
        f"used_memory_peak_human:{bytes_to_human(peak)}",
        f"used_memory_peak_perc:{_f2(used * 100.0 / peak if peak else 0)}%",
        f"used_memory_overhead:{startup}",
        f"used_memory_startup:{startup}",
        f"used_memory_dataset:{dataset}",
        f"used_memory_dataset_perc:{_f2(dataset * 100.0 / used if used else 0)}%",
        f"allocator_allocated:{used}",
        f"allocator_active:{used}",
        f"allocator_resident:{rss}",
        f"total_system_memory:{sysmem}",
        f"total_system_memory_human:{bytes_to_human(sysmem)}",
        f"used_memory_lua:{vm_eval}",
        f"used_memory_vm_eval:{vm_eval}",
        f"used_memory_lua_human:{bytes_to_human(vm_eval)}",
        f"used_memory_scripts_eval:{scripts_eval}",
        f"number_of_cached_scripts:{n_scripts}",
        f"number_of_functions:{n_functions}",
        f"number_of_libraries:{n_libraries}",
        f"used_memory_vm_functions:{vm_fn}",
        f"used_memory_vm_total:{vm_eval + vm_fn}",
        f"used_memory_vm_total_human:{bytes_to_human(vm_eval + vm_fn)}",
        f"used_memory_functions:{fn_code}",
        f"used_memory_scripts:{scripts_eval + fn_code}",
        f"used_memory_scripts_human:{bytes_to_human(scripts_eval + fn_code)}",
        f"maxmemory:{maxmem}",
        f"maxmemory_human:{bytes_to_human(maxmem)}",
        f"maxmemory_policy:{cfg['maxmemory-policy']}",
        "allocator_frag_ratio:1.00",
        "allocator_frag_bytes:0",
        f"allocator_rss_ratio:{_f2(frag)}",
        f"allocator_rss_bytes:{rss - used}",
        "rss_overhead_ratio:1.00",
        "rss_overhead_bytes:0",
        f"mem_fragmentation_ratio:{_f2(frag)}",
        f"mem_fragmentation_bytes:{rss - used}",
        "mem_not_counted_for_evict:0",
        "mem_replication_backlog:0",
        "mem_total_replication_buffers:0",
        "mem_clients_slaves:0",
        "mem_clients_normal:0",
        "mem_cluster_links:0",
        "mem_aof_buffer:0",
        "mem_allocator:libc",
        "active_defrag_running:0",
        f"lazyfree_pending_objects:{pending}",
        f"lazyfreed_objects:{freed}",
    ]


def sec_persistence(server):
    return [
        "loading:0",
        "async_loading:0",
        "current_cow_peak:0",
        "current_cow_size:0",
        "current_cow_size_age:0",
        "current_fork_perc:0.00",
        "current_save_keys_processed:0",
        "current_save_keys_total:0",
        f"rdb_changes_since_last_save:{server.dirty}",
        "rdb_bgsave_in_progress:0",
        f"rdb_last_save_time:{server.lastsave}",
        "rdb_last_bgsave_status:ok",
        "rdb_last_bgsave_time_sec:-1",
        "rdb_current_bgsave_time_sec:-1",
        "rdb_saves:0",
        "rdb_last_cow_size:0",
        "rdb_last_load_keys_expired:0",
        "rdb_last_load_keys_loaded:0",
        f"aof_enabled:{1 if server.config['appendonly'] else 0}",
        "aof_rewrite_in_progress:0",
        "aof_rewrite_scheduled:0",
        "aof_last_rewrite_time_sec:-1",
        "aof_current_rewrite_time_sec:-1",
        "aof_last_bgrewrite_status:ok",
        "aof_rewrites:0",
        "aof_rewrites_consecutive_failures:0",
        "aof_last_write_status:ok",
        "aof_last_cow_size:0",
        "module_fork_in_progress:0",
        "module_fork_last_cow_size:0",
    ]


def _inst(server, i):
    s = server.ops_samples
    if not s:
        return 0.0
    return sum(x[i] for x in s) / len(s)


def sec_stats(server):
    s = server
    ps = s.pubsub
    chans, pats, shard = len(ps.channels), len(ps.patterns), len(ps.shard)
    tk, ti, tp = s.tracking.counts() if s.tracking is not None else (0, 0, 0)
    a_auth = a_cmd = a_key = a_chan = 0     # no ACL yet (issue 17)
    return [
        f"total_connections_received:{s.stat_numconnections}",
        f"total_commands_processed:{s.stat_numcommands}",
        f"instantaneous_ops_per_sec:{int(_inst(s, 0))}",
        f"total_net_input_bytes:{s.stat_net_input_bytes}",
        f"total_net_output_bytes:{s.stat_net_output_bytes}",
        "total_net_repl_input_bytes:0",
        "total_net_repl_output_bytes:0",
        f"instantaneous_input_kbps:{_f2(_inst(s, 1) / 1024)}",
        f"instantaneous_output_kbps:{_f2(_inst(s, 2) / 1024)}",
        "instantaneous_input_repl_kbps:0.00",
        "instantaneous_output_repl_kbps:0.00",
        f"rejected_connections:{s.stat_rejected_conn}",
        "sync_full:0",
        "sync_partial_ok:0",
        "sync_partial_err:0",
        f"expired_keys:{s.stat_expiredkeys}",
        f"expired_stale_perc:{_f2(s.stat_expired_stale_perc * 100)}",
        f"expired_time_cap_reached_count:{s.stat_expired_time_cap_reached_count}",
        f"expire_cycle_cpu_milliseconds:{s.stat_expire_cycle_time_used // 1000}",
        f"evicted_keys:{s.stat_evictedkeys}",
        f"evicted_clients:{getattr(s, 'stat_evictedclients', 0)}",
        "total_eviction_exceeded_time:0",
        "current_eviction_exceeded_time:0",
        f"keyspace_hits:{s.stat_keyspace_hits}",
        f"keyspace_misses:{s.stat_keyspace_misses}",
        f"pubsub_channels:{chans}",
        f"pubsub_patterns:{pats}",
        f"pubsubshard_channels:{shard}",
        "latest_fork_usec:0",
        "total_forks:0",
        "migrate_cached_sockets:0",
        "slave_expires_tracked_keys:0",
        "active_defrag_hits:0",
        "active_defrag_misses:0",
        "active_defrag_key_hits:0",
        "active_defrag_key_misses:0",
        f"total_active_defrag_time:{s.stat_total_active_defrag_time}",
        "current_active_defrag_time:0",
        f"tracking_total_keys:{tk}",
        f"tracking_total_items:{ti}",
        f"tracking_total_prefixes:{tp}",
        f"unexpected_error_replies:{s.stat_unexpected_error_replies}",
        f"total_error_replies:{s.stat_total_error_replies}",
        f"dump_payload_sanitizations:{s.stat_dump_payload_sanitizations}",
        f"total_reads_processed:{s.stat_total_reads_processed}",
        f"total_writes_processed:{s.stat_total_writes_processed}",
        "io_threaded_reads_processed:0",
        "io_threaded_writes_processed:0",
        f"client_query_buffer_limit_disconnections:{s.stat_client_qbuf_limit_disconnections}",
        f"client_output_buffer_limit_disconnections:{s.stat_client_outbuf_limit_disconnections}",
        "reply_buffer_shrinks:0",
        "reply_buffer_expands:0",
        f"eventloop_cycles:{getattr(s, 'cronloops', 0)}",
        "eventloop_duration_sum:0",
        "eventloop_duration_cmd_sum:0",
        "instantaneous_eventloop_cycles_per_sec:0",
        "instantaneous_eventloop_duration_usec:0",
        f"acl_access_denied_auth:{a_auth}",
        f"acl_access_denied_cmd:{a_cmd}",
        f"acl_access_denied_key:{a_key}",
        f"acl_access_denied_channel:{a_chan}",
    ]


def sec_replication(server):
    replid = server.replid
    return [
        "role:master",
        "connected_slaves:0",
        "master_failover_state:no-failover",
        f"master_replid:{replid}",
        "master_replid2:0000000000000000000000000000000000000000",
        "master_repl_offset:0",
        "second_repl_offset:-1",
        "repl_backlog_active:0",
        f"repl_backlog_size:{server.config['repl-backlog-size']}",
        "repl_backlog_first_byte_offset:0",
        "repl_backlog_histlen:0",
    ]


def sec_cpu(server):
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        th = resource.getrusage(resource.RUSAGE_THREAD)
    except (AttributeError, ValueError):
        th = me
    return [
        "used_cpu_sys:%.6f" % me.ru_stime,
        "used_cpu_user:%.6f" % me.ru_utime,
        "used_cpu_sys_children:%.6f" % ch.ru_stime,
        "used_cpu_user_children:%.6f" % ch.ru_utime,
        "used_cpu_sys_main_thread:%.6f" % th.ru_stime,
        "used_cpu_user_main_thread:%.6f" % th.ru_utime,
    ]


def sec_modules(server):
    return []


def sec_commandstats(server):
    out = []
    for cmd in _iter_commands(server):
        if not (cmd.calls or cmd.failed_calls or cmd.rejected_calls):
            continue
        usec = cmd.usec // 1000
        per = (cmd.usec / 1000.0) / cmd.calls if cmd.calls else 0.0
        out.append(f"cmdstat_{cmd.fullname}:calls={cmd.calls},usec={usec},"
                   f"usec_per_call={per:.2f},rejected_calls={cmd.rejected_calls},"
                   f"failed_calls={cmd.failed_calls}")
    return out


def sec_errorstats(server):
    # Redis keeps them in a radix tree: byte order
    return [f"errorstat_{name}:count={n}"
            for name, n in sorted(server.errorstats.items(), key=lambda x: x[0].encode())]


def sec_latencystats(server):
    if not server.config["latency-tracking"]:
        return []
    pcts = percentiles_config(server)
    out = []
    for cmd in _iter_commands(server):
        h = cmd.hist
        total = sum(h)
        if not total:
            continue
        vals = ",".join(f"p{_fmt_pct(p)}={hist_percentile(h, p, total) / 1000.0:.3f}" for p in pcts)
        out.append(f"latency_percentiles_usec_{cmd.fullname}:{vals}")
    return out


def sec_cluster(server):
    return [f"cluster_enabled:{1 if server.config['cluster-enabled'] else 0}"]


def sec_keyspace(server):
    out = []
    for db in server.dbs:
        n = len(db.data)
        if n:
            out.append(f"db{db.id}:keys={n},expires={db.volatile_count()},avg_ttl={int(db.avg_ttl)}")
    return out


BUILDERS = {
    "server": sec_server, "clients": sec_clients, "memory": sec_memory,
    "persistence": sec_persistence, "stats": sec_stats, "replication": sec_replication,
    "cpu": sec_cpu, "modules": sec_modules, "commandstats": sec_commandstats,
    "errorstats": sec_errorstats, "latencystats": sec_latencystats, "cluster": sec_cluster,
    "keyspace": sec_keyspace,
}


def select_sections(args):
    """Section names (lower case) an INFO argument list asks for, as a set."""
    if not args:
        return set(DEFAULT)
    out = set()
    for a in args:
        a = a.lower()
        if a == "default":
            out |= DEFAULT
        elif a in ("all", "everything"):
            out |= set(ALL_ORDER)   # no module-generated sections exist
        else:
            out.add(a)
    return out


def generate(server, args=()):
    """The INFO text for the given section arguments (list of str)."""
    wanted = select_sections(args)
    parts = []
    for name in ALL_ORDER:
        if name not in wanted:
            continue
        lines = BUILDERS[name](server)
        body = "".join(line + "\r\n" for line in lines)
        parts.append(f"# {TITLES[name]}\r\n{body}")
    return "\r\n".join(parts)
