"""Scripting and functions: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *,
FCALL, FCALL_RO, FUNCTION *.

The work is the scripting room's (``shardis.scripting.engine``); this module
parses arguments, answers Redis's error texts and builds the replies.
``server.scripting`` is the engine (installed by server.wiring).

Propagation: EVAL and FCALL are never propagated themselves (their calls
are, as the unit of the EVAL, ``Command.no_propagate``); FUNCTION LOAD,
DELETE, FLUSH and RESTORE change the dataset's function libraries, so they
add to ``dirty`` and are propagated as sent, as Redis does.
"""
from shardis.commands import command
from shardis.commands.errors import NOT_INT
from shardis.commands.util import help_reply
from shardis.protocol.resp import OK, bulk, error, integer, CZERO, CONE
from shardis.scripting.engine import ScriptError, sha1hex, _NoStats
from shardis.scripting.library import PayloadError, dump_payload, parse_payload
from shardis.util.glob import compile_glob

_NOSCRIPT = error("NOSCRIPT No matching script. Please use EVAL.")
_NUMKEYS_NEG = error("ERR Number of keys can't be negative")
_NUMKEYS_BIG = error("ERR Number of keys can't be greater than number of args")
_FN_NUMKEYS = error("ERR Bad number of keys provided")
_FN_NOT_FOUND = error("ERR Function not found")
_FLUSH_OPT = error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
_FN_FLUSH_OPT = error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
_LIB_NOT_FOUND = error("ERR Library not found")
_BAD_PAYLOAD = error("ERR DUMP payload version or checksum are wrong")


def _numkeys(argv, fn=False):
    """(nkeys) or an encoded error: argv[2] against the arguments after it."""
    a = argv[2]
    if a.isdigit() and len(a) < 18:         # the common case, without int()'s leniency
        n = int(a)
        if n > len(argv) - 3:
            return _NUMKEYS_BIG
        return n
    try:
        n = int(a)
    except ValueError:
        n = None
    if n is None or not -(1 << 63) <= n < (1 << 63) or argv[2].strip() != argv[2] \
            or argv[2][:1] == b"+":
        return _FN_NUMKEYS if fn else NOT_INT
    if n > len(argv) - 3:
        return _NUMKEYS_BIG
    if n < 0:
        return _NUMKEYS_NEG
    return n


def _finish(c, reply):
    """A script's error raised by a command inside was counted there: take
    one count back, since Dispatcher.call counts the EVAL's error reply too
    (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE)."""
    if reply.__class__ is _NoStats:
        reply = bytes(reply)
        srv = c.server
        name = reply[1:reply.find(b"\r")].split(b" ", 1)[0][:40].decode("utf-8", "replace")
        if srv.errorstats.get(name):
            srv.errorstats[name] -= 1
            srv.stat_total_error_replies -= 1
    return reply


def _eval_generic(c, argv, by_sha, ro):
    a = argv[2]
    if a.isdigit() and len(a) < 18 and int(a) <= len(argv) - 3:     # the common case
        n = int(a)
    else:
        n = _numkeys(argv)
        if n.__class__ is bytes:
            return n
    eng = c.server.scripting
    if by_sha:
        script = eng.scripts.get(argv[1])
        if script is None:
            sha = argv[1].lower()
            script = eng.scripts.get(sha) if len(sha) == 40 else None
            if script is None:
                return _NOSCRIPT
    else:
        try:
            script = eng.script_for(argv[1])
        except ScriptError as e:
            return error(e.args[0])
    reply = eng._run(c, eng.eval_state, script.func, script.sha, True, script.flags, ro, n,
                     argv[3:], argv)
    return reply if reply.__class__ is bytes else _finish(c, reply)


@command("eval")
def cmd_eval(c, argv):
    return _eval_generic(c, argv, False, False)


@command("evalsha")
def cmd_evalsha(c, argv):
    return _eval_generic(c, argv, True, False)


@command("eval_ro")
def cmd_eval_ro(c, argv):
    return _eval_generic(c, argv, False, True)


@command("evalsha_ro")
def cmd_evalsha_ro(c, argv):
    return _eval_generic(c, argv, True, True)


def _fcall_generic(c, argv, ro):
    eng = c.server.scripting
    fn = eng.store.functions.get(argv[1])
    if fn is None:
        return _FN_NOT_FOUND
    n = _numkeys(argv, True)
    if n.__class__ is bytes:
        return n
    return _finish(c, eng.run_function(c, fn, n, argv[3:], ro, argv))


@command("fcall")
def cmd_fcall(c, argv):
    return _fcall_generic(c, argv, False)


@command("fcall_ro")
def cmd_fcall_ro(c, argv):
    return _fcall_generic(c, argv, True)


# -- SCRIPT ---------------------------------------------------------------------------------------
@command("script|load")
def cmd_script_load(c, argv):
    eng = c.server.scripting
    sha = sha1hex(argv[2])
    if sha not in eng.scripts:
        try:
            eng.compile_eval(argv[2], sha)
        except ScriptError as e:
            return error(e.args[0])
    return bulk(sha)


@command("script|exists")
def cmd_script_exists(c, argv):
    scripts = c.server.scripting.scripts
    return b"*%d\r\n" % (len(argv) - 2) + b"".join(
        CONE if a.lower() in scripts else CZERO for a in argv[2:])


def _flush_mode(argv, err):
    if len(argv) == 2:
        return None
    if len(argv) == 3 and argv[2].lower() in (b"sync", b"async"):
        return None
    return err


@command("script|flush")
def cmd_script_flush(c, argv):
    bad = _flush_mode(argv, _FLUSH_OPT)
    if bad is not None:
        return bad
    c.server.scripting.flush_scripts()
    return OK


@command("script|kill")
def cmd_script_kill(c, argv):
    return c.server.scripting.kill(True)


@command("script|debug")
def cmd_script_debug(c, argv):
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        return error("ERR SCRIPT DEBUG is not supported by this server")
    return error("ERR Use SCRIPT DEBUG YES/SYNC/NO")


@command("script|help")
def cmd_script_help(c, argv):
    return help_reply("SCRIPT")


# -- FUNCTION -------------------------------------------------------------------------------------
@command("function|load")
def cmd_function_load(c, argv):
    replace = False
    i = 2
    while i < len(argv) - 1:
        if argv[i].lower() == b"replace":
            replace = True
        else:
            return error("ERR Unknown option given: " + argv[i].decode("utf-8", "replace"))
        i += 1
    if i != len(argv) - 1:
        return error("ERR Function code is missing")
    try:
        name = c.server.scripting.load_library(argv[-1], replace)
    except ScriptError as e:
        return error(e.args[0])
    c.server.dirty += 1
    return bulk(name)


@command("function|delete")
def cmd_function_delete(c, argv):
    if not c.server.scripting.delete_library(argv[2]):
        return _LIB_NOT_FOUND
    c.server.dirty += 1
    return OK


@command("function|flush")
def cmd_function_flush(c, argv):
    bad = _flush_mode(argv, _FN_FLUSH_OPT)
    if bad is not None:
        return bad
    c.server.scripting.flush_functions()
    c.server.dirty += 1
    return OK


@command("function|kill")
def cmd_function_kill(c, argv):
    return c.server.scripting.kill(False)


@command("function|list")
def cmd_function_list(c, argv):
    withcode = False
    pattern = None
    i = 2
    while i < len(argv):
        a = argv[i].lower()
        if a == b"withcode" and not withcode:
            withcode = True
        elif a == b"libraryname" and pattern is None:
            if i + 1 >= len(argv):
                return error("ERR library name argument was not given")
            pattern = argv[i + 1]
            i += 1
        else:
            return error("ERR Unknown argument " + argv[i].decode("utf-8", "replace"))
        i += 1
    r = c.r
    match = compile_glob(pattern) if pattern is not None else None
    libs = []
    for lib in c.server.scripting.store.libraries.values():
        if match is not None and not match(lib.name):
            continue
        fns = []
        for f in lib.functions.values():
            flags = f.flag_names()
            fns.append(r.map([
                (bulk(b"name"), bulk(f.name)),
                (bulk(b"description"), bulk(f.description) if f.description is not None else r.nil),
                (bulk(b"flags"), r.set_header(len(flags)) + b"".join(b"+%s\r\n" % x for x in flags)),
            ]))
        pairs = [(bulk(b"library_name"), bulk(lib.name)), (bulk(b"engine"), bulk(lib.engine)),
                 (bulk(b"functions"), b"*%d\r\n" % len(fns) + b"".join(fns))]
        if withcode:
            pairs.append((bulk(b"library_code"), bulk(lib.code)))
        libs.append(r.map(pairs))
    return b"*%d\r\n" % len(libs) + b"".join(libs)


@command("function|stats")
def cmd_function_stats(c, argv):
    r = c.r
    eng = c.server.scripting
    run = eng.running()
    if run is None:
        running = r.nil
    else:
        name, rargv, ms = run
        running = r.map([
            (bulk(b"name"), bulk(name)),
            (bulk(b"command"), b"*%d\r\n" % len(rargv) + b"".join(bulk(a) for a in rargv)),
            (bulk(b"duration_ms"), integer(ms)),
        ])
    store = eng.store
    lua = r.map([(bulk(b"libraries_count"), integer(len(store.libraries))),
                 (bulk(b"functions_count"), integer(len(store.functions)))])
    return r.map([(bulk(b"running_script"), running),
                  (bulk(b"engines"), r.map([(bulk(b"LUA"), lua)]))])


@command("function|dump")
def cmd_function_dump(c, argv):
    return bulk(dump_payload(c.server.scripting.store))


@command("function|restore")
def cmd_function_restore(c, argv):
    policy = "append"
    if len(argv) > 4:
        return error("ERR wrong number of arguments for 'function|restore' command")
    if len(argv) == 4:
        p = argv[3].lower()
        if p not in (b"flush", b"append", b"replace"):
            return error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
        policy = p.decode()
    try:
        codes = parse_payload(argv[2])
    except PayloadError:
        return _BAD_PAYLOAD
    eng = c.server.scripting
    try:
        libs = [eng.compile_library(code) for code in codes]
        eng.install_libraries(libs, policy, restore=True)
    except ScriptError as e:
        return error(e.args[0])
    c.server.dirty += 1
    return OK


@command("function|help")
def cmd_function_help(c, argv):
    return help_reply("FUNCTION")
