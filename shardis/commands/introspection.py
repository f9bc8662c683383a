"""COMMAND and its subcommands: the command table as Redis 7.2 describes it.

Every command in table.json is described (implemented or not), except the
sentinel-only ones. Replies are encoded once per protocol version and cached;
COMMAND GETKEYS uses ``keyspecs.get_keys``.
"""

from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands import errors as E
from shardis.commands.keyspecs import get_keys
from shardis.protocol.resp import bulk, error, integer
from shardis.util.glob import compile_glob

# Flag names in the order Redis prints them.
CMD_FLAGS = [("WRITE", "write"), ("READONLY", "readonly"), ("DENYOOM", "denyoom"),
             ("MODULE", "module"), ("ADMIN", "admin"), ("PUBSUB", "pubsub"),
             ("NOSCRIPT", "noscript"), ("BLOCKING", "blocking"), ("LOADING", "loading"),
             ("STALE", "stale"), ("SKIP_MONITOR", "skip_monitor"),
             ("SKIP_SLOWLOG", "skip_slowlog"), ("ASKING", "asking"), ("FAST", "fast"),
             ("NO_AUTH", "no_auth"), ("MAY_REPLICATE", "may_replicate"),
             ("NO_MANDATORY_KEYS", "no_mandatory_keys"),
             ("NO_ASYNC_LOADING", "no_async_loading"), ("NO_MULTI", "no_multi"),
             ("MOVABLE_KEYS", "movablekeys"), ("ALLOW_BUSY", "allow_busy")]
ACL_ORDER = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
             "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
             "blocking", "dangerous", "connection", "transaction", "scripting"]
KEY_FLAGS = [("RO", "RO"), ("RW", "RW"), ("OW", "OW"), ("RM", "RM"), ("ACCESS", "access"),
             ("UPDATE", "update"), ("INSERT", "insert"), ("DELETE", "delete"),
             ("NOT_KEY", "not_key"), ("INCOMPLETE", "incomplete"),
             ("VARIABLE_FLAGS", "variable_flags")]
DOC_FLAGS = [("DEPRECATED", "deprecated"), ("SYSCMD", "syscmd")]
GROUPS = {"sorted_set": "sorted-set"}

# Native commands with a getkeys procedure: Redis marks them movablekeys.
GETKEYS_PROC = {"zunionstore", "zinterstore", "zdiffstore", "zunion", "zinter", "zdiff",
                "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "sort",
                "sort_ro", "migrate", "georadius", "georadiusbymember", "xread", "xreadgroup",
                "lmpop", "blmpop", "zmpop", "bzmpop", "sintercard", "zintercard"}


def visible(cmd):
    return "ONLY_SENTINEL" not in cmd.flags


def top_commands(srv):
    return [c for c in srv.all_commands.values() if visible(c)]


def _subs(cmd):
    if not cmd.subcommands:
        return []
    return [s for s in cmd.subcommands.values() if visible(s)]


def _status_set(r, names):
    return r.set_header(len(names)) + b"".join(b"+%s\r\n" % n.encode() for n in names)


def _bulk_set(r, names):
    return r.set_header(len(names)) + b"".join(bulk(n.encode()) for n in names)


# -- legacy (first, last, step) and movablekeys, as Redis derives them ----------------------
def legacy_range(cmd):
    """(first, last, step, movable) from the key specs."""
    specs = cmd.key_specs
    movable = False
    if not specs:
        return 0, 0, 0, cmd.fullname in GETKEYS_PROC
    for ks in specs:
        if "index" not in ks["begin_search"] or "range" not in ks["find_keys"]:
            movable = True
    if len(specs) == 1 and not movable:
        ks = specs[0]
        pos = ks["begin_search"]["index"]["pos"]
        r = ks["find_keys"]["range"]
        last = r["lastkey"]
        if "INCOMPLETE" in ks.get("flags", ()):
            movable = True
        return pos, (last + pos if last >= 0 else last), r["step"], \
            movable or cmd.fullname in GETKEYS_PROC
    first = None
    lastkey = 0
    prev_last = 0
    for ks in specs:
        bs, fk = ks["begin_search"], ks["find_keys"]
        if "index" not in bs or "range" not in fk:
            movable = True
            continue
        pos = bs["index"]["pos"]
        r = fk["range"]
        if r["step"] != 1 or (prev_last and prev_last != pos - 1):
            movable = True
            continue
        if "INCOMPLETE" in ks.get("flags", ()):
            movable = True
        first = pos if first is None else min(first, pos)
        abs_last = r["lastkey"] + pos if r["lastkey"] >= 0 else r["lastkey"]
        # unsigned comparison, as Redis does: a negative (open) end wins
        if (abs_last & 0xFFFFFFFF) > (lastkey & 0xFFFFFFFF):
            lastkey = abs_last
        prev_last = lastkey
    if first is None:
        return 0, 0, 0, True
    return first, lastkey, 1, movable or cmd.fullname in GETKEYS_PROC


def acl_categories(cmd):
    cats = {c.lower() for c in cmd.spec.get("acl_categories", ())}
    f = cmd.flags
    if "WRITE" in f:
        cats.add("write")
    if "READONLY" in f and "scripting" not in cats:
        cats.add("read")
    if "ADMIN" in f:
        cats.add("admin")
        cats.add("dangerous")
    if "PUBSUB" in f:
        cats.add("pubsub")
    if "FAST" in f:
        cats.add("fast")
    if "BLOCKING" in f:
        cats.add("blocking")
    if "fast" not in cats:
        cats.add("slow")
    return [c for c in ACL_ORDER if c in cats]


# -- COMMAND INFO entries ----------------------------------------------------------------
def _key_spec(r, ks):
    n = 4 if ks.get("notes") else 3
    out = [r.map_header(n)]
    if ks.get("notes"):
        out.append(bulk(b"notes") + bulk(ks["notes"].encode()))
    fl = set(ks.get("flags", ()))
    out.append(bulk(b"flags") + _status_set(r, [name for f, name in KEY_FLAGS if f in fl]))
    bs = ks["begin_search"]
    out.append(bulk(b"begin_search") + r.map_header(2) + bulk(b"type"))
    if "index" in bs:
        out.append(bulk(b"index") + bulk(b"spec") + r.map_header(1) + bulk(b"index")
                   + integer(bs["index"]["pos"]))
    elif "keyword" in bs:
        k = bs["keyword"]
        out.append(bulk(b"keyword") + bulk(b"spec") + r.map_header(2) + bulk(b"keyword")
                   + bulk(k["keyword"].encode()) + bulk(b"startfrom") + integer(k["startfrom"]))
    else:
        out.append(bulk(b"unknown") + bulk(b"spec") + r.map_header(0))
    fk = ks["find_keys"]
    out.append(bulk(b"find_keys") + r.map_header(2) + bulk(b"type"))
    if "range" in fk:
        g = fk["range"]
        out.append(bulk(b"range") + bulk(b"spec") + r.map_header(3) + bulk(b"lastkey")
                   + integer(g["lastkey"]) + bulk(b"keystep") + integer(g["step"])
                   + bulk(b"limit") + integer(g.get("limit", 0)))
    elif "keynum" in fk:
        g = fk["keynum"]
        out.append(bulk(b"keynum") + bulk(b"spec") + r.map_header(3) + bulk(b"keynumidx")
                   + integer(g["keynumidx"]) + bulk(b"firstkey") + integer(g["firstkey"])
                   + bulk(b"keystep") + integer(g["step"]))
    else:
        out.append(bulk(b"unknown") + bulk(b"spec") + r.map_header(0))
    return b"".join(out)


def command_info(r, cmd):
    first, last, step, movable = legacy_range(cmd)
    flags = set(cmd.flags)
    if movable:
        flags.add("MOVABLE_KEYS")
    tips = [t.lower() for t in cmd.spec.get("command_tips", ())]
    specs = cmd.key_specs
    subs = _subs(cmd)
    out = [b"*10\r\n", bulk(cmd.fullname.encode()), integer(cmd.arity),
           _status_set(r, [name for f, name in CMD_FLAGS if f in flags]),
           integer(first), integer(last), integer(step),
           _status_set(r, ["@" + c for c in acl_categories(cmd)]),
           _bulk_set(r, tips),
           r.set_header(len(specs)) + b"".join(_key_spec(r, ks) for ks in specs)]
    if subs:
        out.append(b"*%d\r\n" % len(subs) + b"".join(command_info(r, s) for s in subs))
    else:
        out.append(r.set_header(0))
    return b"".join(out)


# -- COMMAND DOCS ------------------------------------------------------------------------
def _args(r, args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        fields = [(b"name", bulk(a["name"].encode())), (b"type", bulk(a["type"].encode()))]
        if a["type"] not in ("oneof", "block"):
            # Redis 7.2: every argument that is shown in the syntax has one
            # (the name unless the metadata gives another); redis-cli's hints
            # are built from it
            fields.append((b"display_text", bulk((a.get("display") or a["name"]).encode())))
        if "key_spec_index" in a:
            fields.append((b"key_spec_index", integer(a["key_spec_index"])))
        if a.get("token"):
            fields.append((b"token", bulk(a["token"].encode())))
        if a.get("summary"):
            fields.append((b"summary", bulk(a["summary"].encode())))
        if a.get("since"):
            fields.append((b"since", bulk(a["since"].encode())))
        if a.get("deprecated_since"):
            fields.append((b"deprecated_since", bulk(a["deprecated_since"].encode())))
        fl = [n for n in ("optional", "multiple", "multiple_token") if a.get(n)]
        if fl:
            fields.append((b"flags", _status_set(r, fl)))
        if a["type"] in ("oneof", "block"):
            fields.append((b"arguments", _args(r, a.get("arguments", []))))
        out.append(r.map_header(len(fields)))
        for k, v in fields:
            out.append(bulk(k) + v)
    return b"".join(out)


def command_docs(r, cmd):
    s = cmd.spec
    fields = []
    if s.get("summary"):
        fields.append((b"summary", bulk(s["summary"].encode())))
    if s.get("since"):
        fields.append((b"since", bulk(s["since"].encode())))
    g = s.get("group", "generic")
    fields.append((b"group", bulk(GROUPS.get(g, g).encode())))
    if s.get("complexity"):
        fields.append((b"complexity", bulk(s["complexity"].encode())))
    df = set(s.get("doc_flags", ()))
    if df:
        fields.append((b"doc_flags", _status_set(r, [n for f, n in DOC_FLAGS if f in df])))
    if s.get("deprecated_since"):
        fields.append((b"deprecated_since", bulk(s["deprecated_since"].encode())))
    if s.get("replaced_by"):
        fields.append((b"replaced_by", bulk(s["replaced_by"].encode())))
    if s.get("history"):
        h = s["history"]
        fields.append((b"history", r.set_header(len(h)) + b"".join(
            b"*2\r\n" + bulk(v.encode()) + bulk(t.encode()) for v, t in h)))
    if s.get("arguments"):
        fields.append((b"arguments", _args(r, s["arguments"])))
    subs = _subs(cmd)
    if subs:
        fields.append((b"subcommands", r.map_header(len(subs)) + b"".join(
            bulk(x.fullname.encode()) + command_docs(r, x) for x in subs)))
    return r.map_header(len(fields)) + b"".join(bulk(k) + v for k, v in fields)


# -- caches ---------------------------------------------------------------------------
def _cache(srv, kind, r):
    key = (kind, r.version)
    d = srv.reply_cache.get(key)
    if d is None:
        d = srv.reply_cache[key] = {}
    return d


def info_of(srv, r, cmd):
    d = _cache(srv, "info", r)
    v = d.get(cmd.fullname)
    if v is None:
        v = d[cmd.fullname] = command_info(r, cmd)
    return v


def docs_of(srv, r, cmd):
    d = _cache(srv, "docs", r)
    v = d.get(cmd.fullname)
    if v is None:
        v = d[cmd.fullname] = command_docs(r, cmd)
    return v


def lookup(srv, name):
    """A visible Command by name ('get', 'config|get'), case-insensitive."""
    s = name.decode("utf-8", "replace").lower()
    parent, bar, sub = s.partition("|")
    cmd = srv.all_commands.get(parent)
    if cmd is None or not visible(cmd):
        return None
    if bar:
        if not cmd.subcommands:
            return None
        cmd = cmd.subcommands.get(sub)
        if cmd is None or not visible(cmd):
            return None
    return cmd


def lookup_argv(srv, argv):
    """The Command an argument vector runs (container + subcommand), or None."""
    cmd = srv.all_commands.get(argv[0].decode("utf-8", "replace").lower())
    if cmd is None or not visible(cmd):
        return None
    if cmd.subcommands:
        if len(argv) < 2:
            return cmd
        sub = cmd.subcommands.get(argv[1].decode("utf-8", "replace").lower())
        if sub is None or not visible(sub):
            return None
        return sub
    return cmd


# -- handlers --------------------------------------------------------------------------
@command("command|count")
def cmd_command_count(c, argv):
    return integer(len(top_commands(c.server)))


@command("command|info")
def cmd_command_info(c, argv):
    srv = c.server
    if len(argv) == 2:
        cmds = top_commands(srv)
        return b"*%d\r\n" % len(cmds) + b"".join(info_of(srv, c.r, x) for x in cmds)
    out = [b"*%d\r\n" % (len(argv) - 2)]
    for name in argv[2:]:
        cmd = lookup(srv, name)
        out.append(info_of(srv, c.r, cmd) if cmd is not None else c.r.nil)
    return b"".join(out)


@command("command|docs")
def cmd_command_docs(c, argv):
    srv = c.server
    r = c.r
    if len(argv) == 2:
        cmds = top_commands(srv)
    else:
        cmds = []
        for name in argv[2:]:
            cmd = lookup(srv, name)
            if cmd is not None:
                cmds.append(cmd)
    return r.map_header(len(cmds)) + b"".join(bulk(x.fullname.encode()) + docs_of(srv, r, x)
                                              for x in cmds)


@command("command|list")
def cmd_command_list(c, argv):
    srv = c.server
    n = len(argv)
    filt = None
    i = 2
    while i < n:
        if argv[i].lower() == b"filterby" and n - 1 - i == 2:
            kind = argv[i + 1].lower()
            if kind not in (b"module", b"aclcat", b"pattern"):
                return E.SYNTAX
            filt = (kind, argv[i + 2])
            i += 3
        else:
            return E.SYNTAX
    names = []
    for cmd in top_commands(srv):
        for x in [cmd] + _subs(cmd):
            if filt is None:
                names.append(x.fullname)
                continue
            kind, arg = filt
            if kind == b"module":
                continue
            if kind == b"aclcat":
                if arg.decode("utf-8", "replace").lower() in acl_categories(x):
                    names.append(x.fullname)
            elif _match(arg, x.fullname):
                names.append(x.fullname)
    return b"*%d\r\n" % len(names) + b"".join(bulk(nm.encode()) for nm in names)


def _match(pattern, name):
    """COMMAND LIST FILTERBY PATTERN: Redis's glob, folding case."""
    return compile_glob(pattern, nocase=True)(name.encode())


def has_keys(cmd):
    """Redis's doesCommandHaveKeys: a getkeys procedure or a real key spec."""
    if cmd.fullname in GETKEYS_PROC or cmd.fullname in ("set", "bitfield"):
        return True
    return any("NOT_KEY" not in s.get("flags", ()) for s in cmd.key_specs)


def _getkeys(c, argv, with_flags):
    srv = c.server
    args = argv[2:]
    cmd = lookup_argv(srv, args)
    if cmd is None:
        return error("ERR Invalid command specified")
    if not has_keys(cmd):
        return error("ERR The command has no key arguments")
    n = len(args)
    if (cmd.arity > 0 and cmd.arity != n) or n < -cmd.arity:
        return error("ERR Invalid number of arguments specified for command")
    keys = get_keys(cmd, args)
    if not keys:
        if "NO_MANDATORY_KEYS" in cmd.flags:
            return b"*0\r\n"
        return error("ERR Invalid arguments specified for command")
    out = [b"*%d\r\n" % len(keys)]
    r = c.r
    for i, flags in keys:
        if with_flags:
            fl = set(flags)
            out.append(b"*2\r\n" + bulk(args[i])
                       + _status_set(r, [name for f, name in KEY_FLAGS if f in fl]))
        else:
            out.append(bulk(args[i]))
    return b"".join(out)


@command("command|getkeys")
def cmd_command_getkeys(c, argv):
    return _getkeys(c, argv, False)


@command("command|getkeysandflags")
def cmd_command_getkeysandflags(c, argv):
    return _getkeys(c, argv, True)


command("command|help")(lambda c, argv: help_reply("COMMAND"))


def setup(server):
    """A bare COMMAND (no subcommand) is answered here; with a subcommand the
    registry's container dispatcher runs (so commandstats count command|info...)."""
    cmd = server.all_commands.get("command")
    if cmd is None or cmd.handler is None:
        return
    container = cmd.handler

    def handler(c, argv):
        if len(argv) == 1:
            srv = c.server
            cmds = top_commands(srv)
            return b"*%d\r\n" % len(cmds) + b"".join(info_of(srv, c.r, x) for x in cmds)
        return container(c, argv)
    cmd.handler = handler
