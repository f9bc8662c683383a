"""Key extraction from Redis 7 key specs (COMMAND GETKEYS, cluster routing).

``get_keys(cmd, argv)`` returns ``[(index, flags)]``: the positions in
``argv`` (argv[0] is the command name; for a subcommand argv[1] is the
subcommand) holding key names, with the spec's flags (a tuple of Redis flag
names such as ``("RW", "ACCESS")``). It follows Redis's order: every spec in
turn, keys in argument order within a spec.

A spec begins its search at a fixed index or after a keyword (searched from
``startfrom`` forwards, or backwards when negative), then finds keys as a
range (``lastkey`` relative to the first key, negative from the end, with a
``limit`` divisor) or through a key count argument (``keynum``).
Commands whose specs are incomplete or whose flags depend on the arguments
have a dedicated extractor, as Redis has a getkeys procedure for them.

Returns ``None`` when the arguments do not fit the specs (a key count that is
not a number, or that points past the end); callers treat that as "no keys"
or report an error.
"""
from shardis.commands.util import parse_int


def _begin(spec, argv):
    bs = spec["begin_search"]
    argc = len(argv)
    if "index" in bs:
        return bs["index"]["pos"]
    if "keyword" in bs:
        kw = bs["keyword"]["keyword"].encode().lower()
        start = bs["keyword"]["startfrom"]
        if start > 0:
            rng = range(start, argc)
        else:
            rng = range(argc + start, 0, -1)
        for i in rng:
            if i >= argc or i < 1:
                break
            if argv[i].lower() == kw:
                return i + 1
        return None
    return None


def keys_from_specs(cmd, argv, partial=False):
    """Positions found by the key specs alone. Returns the list, or None when
    a spec is invalid for these arguments (or incomplete, unless partial)."""
    out = []
    argc = len(argv)
    for spec in cmd.key_specs:
        flags = tuple(spec.get("flags", ()))
        if "index" not in spec["begin_search"] and "keyword" not in spec["begin_search"]:
            if partial:
                continue
            return None                 # an 'unknown' spec: needs the command's procedure
        first = _begin(spec, argv)
        if first is None:
            continue
        fk = spec["find_keys"]
        if "range" in fk:
            r = fk["range"]
            lastkey, limit, step = r["lastkey"], r.get("limit", 0), r["step"]
            if lastkey >= 0:
                last = first + lastkey
            elif not limit:
                last = argc + lastkey
            else:
                last = first + ((argc - first) // limit + lastkey)
        elif "keynum" in fk:
            k = fk["keynum"]
            idx = first + k["keynumidx"]
            if idx >= argc:
                if partial:
                    continue
                return None
            numkeys = parse_int(bytes(argv[idx]))
            if numkeys is None or numkeys < 0:
                if partial:
                    continue
                return None
            first += k["firstkey"]
            step = k["step"]
            last = first + numkeys * step - 1 if step > 1 else first + numkeys - 1
        else:
            if partial:
                continue
            return None
        i = first
        while i <= last:
            if i >= argc:
                # fewer arguments than the spec wants: Redis reports no keys at
                # all and lets the command itself report the error
                return []
            out.append((i, flags))
            i += step
        if "INCOMPLETE" in flags and not partial:
            return None
    return out


# -- getkeys procedures for commands whose specs are not enough ------------------------
def _sort_keys(cmd, argv):
    out = [(1, ("RO", "ACCESS"))]
    i = 2
    n = len(argv)
    skip = {b"limit": 2, b"get": 1, b"by": 1}
    store = None
    while i < n:
        a = argv[i].lower()
        if a in skip:
            i += skip[a] + 1
            continue
        if a == b"store" and i + 1 < n:
            store = i + 1
            i += 2
            continue
        i += 1
    if store is not None:
        out.append((store, ("OW", "UPDATE")))
    return out


def _migrate_keys(cmd, argv):
    n = len(argv)
    if n > 6:
        for i in range(6, n):
            if argv[i].lower() == b"keys":
                if argv[3]:
                    return []
                return [(j, ("RW", "ACCESS", "DELETE")) for j in range(i + 1, n)]
    if n >= 4:
        return [(3, ("RW", "ACCESS", "DELETE"))]
    return []


def _set_keys(cmd, argv):
    get = any(a.lower() == b"get" for a in argv[3:])
    flags = ("RW", "ACCESS", "UPDATE") if get else ("OW", "UPDATE")
    return [(1, flags)]


def _bitfield_keys(cmd, argv):
    readonly = True
    for a in argv[2:]:
        if a.lower() in (b"set", b"incrby"):
            readonly = False
            break
    return [(1, ("RO", "ACCESS") if readonly else ("RW", "UPDATE", "ACCESS"))]


def _eval_like(cmd, argv):
    if len(argv) < 3:
        return None
    try:
        n = int(argv[2])
    except ValueError:
        return None
    if n < 0 or 3 + n > len(argv):
        return None
    flags = tuple(cmd.key_specs[0].get("flags", ())) if cmd.key_specs else ("RW", "ACCESS")
    return [(i, flags) for i in range(3, 3 + n)]


PROCS = {"sort": _sort_keys, "sort_ro": _sort_keys, "migrate": _migrate_keys,
         "set": _set_keys, "bitfield": _bitfield_keys, "eval": _eval_like,
         "evalsha": _eval_like, "eval_ro": _eval_like, "evalsha_ro": _eval_like,
         "fcall": _eval_like, "fcall_ro": _eval_like}


def get_keys(cmd, argv):
    """[(index, flags)] for ``cmd`` called with ``argv``, or None when the
    arguments are invalid for the command's key specs."""
    specs = cmd.key_specs
    all_flags = set()
    for s in specs:
        all_flags.update(s.get("flags", ()))
    has_keyspec = any("NOT_KEY" not in s.get("flags", ()) for s in specs)
    if has_keyspec and "VARIABLE_FLAGS" not in all_flags:
        r = keys_from_specs(cmd, argv)
        if r is not None:
            return r
    proc = PROCS.get(cmd.fullname)
    if proc is not None:
        return proc(cmd, argv)
    if has_keyspec:
        return None
    return []


def key_names(cmd, argv):
    """Just the key names (bytes), for routing; [] when none or invalid."""
    r = get_keys(cmd, argv)
    if not r:
        return []
    return [argv[i] for i, _ in r]
