"""The hot loop (Client.process_input) and what it may skip.

The loop reads the gates once per read and accounts time per run of one
FAST command; these tests hold it to that contract: no handler it runs may
change a gate or close the connection, and the statistics it keeps per run
add up exactly.
"""
import ast
import os

import shardis.commands as commands_pkg
from shardis.server.server import Server, SLOW_PATH_ONLY
from shardis.server.client import RUN_MIN_THRESHOLD_NS
from tests.unit.inprocess import enc as _enc, client as _client

# What only the slow path handles after a call.
_GATE_MARKERS = ("update_gate", "F_CLOSE_AFTER_REPLY", "pause_blocked", "current_sub")


def _command_names(fn):
    names = []
    for d in fn.decorator_list:
        if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "command" and d.args:
            arg = d.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.append(arg.value)
    return names


def _gate_changers(tree):
    """Functions of a module that change a gate, directly or through another
    function of the same module."""
    funcs = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    direct = set()
    calls = {}
    for name, fn in funcs.items():
        src_names = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                src_names.add(node.id)
            elif isinstance(node, ast.Attribute):
                src_names.add(node.attr)
        if any(m in src_names for m in _GATE_MARKERS) or "gated" in src_names:
            direct.add(name)
        calls[name] = src_names & set(funcs)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in direct and callees & direct:
                direct.add(name)
                changed = True
    return funcs, direct


def test_no_gate_changing_handler_is_on_the_fast_path():
    srv = Server()
    fast_names = {cmd.fullname for cmd in srv.fast_commands.values()}
    pkg = os.path.dirname(commands_pkg.__file__)
    found = set()
    for fname in sorted(os.listdir(pkg)):
        if not fname.endswith(".py"):
            continue
        with open(os.path.join(pkg, fname)) as f:
            tree = ast.parse(f.read())
        funcs, changers = _gate_changers(tree)
        for name in changers:
            for cmd_name in _command_names(funcs[name]):
                found.add(cmd_name)
                assert cmd_name not in fast_names, (
                    f"{cmd_name} ({fname}:{name}) changes a gate or closes the connection: "
                    "add it to server.SLOW_PATH_ONLY")
    # the scan does see them (a scan that finds nothing proves nothing)
    assert {"multi", "subscribe", "auth", "quit"} <= found | {n.split("|")[0] for n in found}
    assert SLOW_PATH_ONLY.isdisjoint(fast_names)
    assert all(cmd.subcommands is None for cmd in srv.fast_commands.values())


def test_run_accounting_counts_every_call():
    srv = Server()
    c = _client(srv)
    batch = b"".join([_enc("GET", "a")] * 5 + [_enc("INCR", "n")] * 3 + [_enc("GET", "b")] * 2
                     + [_enc("SET", "k", "v")] * 4 + [_enc("GET", "a")])
    c.data_received(batch)
    c.data_received(_enc("INCR", "n"))
    assert b"".join(c.transport.out) == (b"$-1\r\n" * 5 + b":1\r\n:2\r\n:3\r\n" + b"$-1\r\n" * 2
                                         + b"+OK\r\n" * 4 + b"$-1\r\n:4\r\n")
    get, incr, set_ = (srv.commands[n] for n in (b"get", b"incr", b"set"))
    assert (get.calls, incr.calls, set_.calls) == (8, 4, 4)
    assert sum(get.hist) == 8 and get.usec > 0
    assert srv.stat_numcommands == 16
    assert c.last_cmd == "incr"


def test_slowlog_at_zero_logs_each_call_with_its_own_arguments():
    srv = Server()
    c = _client(srv)
    c.data_received(_enc("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "1000"))
    assert c.transport.out == [b"+OK\r\n"]
    assert srv.slow_ns < RUN_MIN_THRESHOLD_NS
    srv.slowlog.reset()
    c.data_received(b"".join(_enc("GET", "key%d" % i) for i in range(6)))
    logged = [e[3] for e in reversed(srv.slowlog.entries)]
    assert logged == [[b"GET", b"key%d" % i] for i in range(6)]


def test_errors_in_a_run_are_counted():
    srv = Server()
    c = _client(srv)
    c.data_received(_enc("SET", "s", "notanumber"))
    c.data_received(b"".join([_enc("INCR", "s")] * 3 + [_enc("INCR", "n")]))
    incr = srv.commands[b"incr"]
    assert incr.calls == 4 and incr.failed_calls == 3


def _silent_returns(funcs, fn, seen=None):
    """Return statements of ``fn`` that give None or BLOCKED, following
    ``return helper(...)`` into functions of the same module."""
    seen = set() if seen is None else seen
    if fn.name in seen:
        return []
    seen.add(fn.name)
    bad = []
    for node in ast.walk(fn):
        if not isinstance(node, ast.Return):
            continue
        v = node.value
        if v is None or (isinstance(v, ast.Constant) and v.value is None) or (
                isinstance(v, ast.Name) and v.id == "BLOCKED"):
            bad.append(f"{fn.name}:{node.lineno}")
        elif isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in funcs:
            bad += _silent_returns(funcs, funcs[v.func.id], seen)
    return bad


def test_commands_timed_in_runs_always_reply():
    """The hot loop appends a run command's reply without testing for None
    (no reply) or BLOCKED: such handlers must not give either."""
    srv = Server()
    in_runs = {cmd.fullname for cmd in srv.fast_commands.values() if cmd.in_runs}
    assert {"get", "incr", "lpush", "zadd", "hset"} <= in_runs
    assert "bzpopmin" not in in_runs and "blpop" not in in_runs
    pkg = os.path.dirname(commands_pkg.__file__)
    checked = 0
    for fname in sorted(os.listdir(pkg)):
        if not fname.endswith(".py"):
            continue
        with open(os.path.join(pkg, fname)) as f:
            tree = ast.parse(f.read())
        funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        for fn in funcs.values():
            for name in _command_names(fn):
                if name in in_runs:
                    checked += 1
                    assert not _silent_returns(funcs, fn), (name, _silent_returns(funcs, fn))
    assert checked > 50


def test_a_run_command_without_a_reply_costs_an_error_not_the_connection():
    srv = Server()
    c = _client(srv)
    get = srv.commands[b"get"]
    real, real_batch = get.handler, get.batch
    get.handler = lambda c, argv: None
    get.batch = None            # the one-by-one path
    try:
        c.data_received(_enc("GET", "a") + _enc("PING"))
    finally:
        get.handler, get.batch = real, real_batch
    out = b"".join(c.transport.out)
    assert out.startswith(b"-ERR internal error while running 'GET'") and out.endswith(b"+PONG\r\n")


def test_a_batch_handler_that_raises_costs_one_reply():
    """A bug in a batch handler: the commands it finished keep their replies,
    the one it failed on gets an internal error, the rest run one by one."""
    srv = Server()
    c = _client(srv)
    get = srv.commands[b"get"]
    real_batch = get.batch

    def broken(c, run, out):
        out.append(b"$-1\r\n")        # the first GET answered, then a crash
        raise RuntimeError("boom")
    get.batch = broken
    try:
        c.data_received(_enc("SET", "k", "v") + _enc("GET", "a") + _enc("GET", "b") + _enc("GET", "k"))
    finally:
        get.batch = real_batch
    out = b"".join(c.transport.out)
    assert out.startswith(b"+OK\r\n$-1\r\n-ERR internal error while running 'GET'")
    assert out.endswith(b"\r\n$1\r\nv\r\n")
    assert get.calls == 3


def test_a_lone_command_reply_comes_before_what_serving_blocked_clients_pushes():
    """One command in a read (the pipeline-1 path): a client blocked on the
    key it pushed to is served after its reply is queued, so a keyspace
    event that serving sends to this client follows the reply, as in Redis."""
    srv = Server()
    blocked, c = _client(srv), _client(srv)
    c.data_received(_enc("HELLO", "3") + _enc("CONFIG", "SET", "notify-keyspace-events", "El"))
    c.data_received(_enc("SUBSCRIBE", "__keyevent@0__:lpop"))
    blocked.data_received(_enc("BLPOP", "q", "0"))
    c.transport.out.clear()
    c.data_received(_enc("LPUSH", "q", "x"))
    out = b"".join(c.transport.out)
    assert out == b":1\r\n>3\r\n$7\r\nmessage\r\n$19\r\n__keyevent@0__:lpop\r\n$1\r\nq\r\n"
    assert b"".join(blocked.transport.out) == b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n"
