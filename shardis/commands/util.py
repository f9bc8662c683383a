"""Argument parsing helpers shared by the command families.

A helper that can fail returns the parsed value or an encoded error reply
(``bytes`` starting with ``-``); the caller tests ``x.__class__ is bytes`` and
returns it at once. Error texts are Redis's (see errors.py).
"""
import os

from shardis.commands import errors as E
from shardis.util.numbers import LLONG_MIN, LLONG_MAX, parse_int, parse_float  # noqa: F401


def either(word, when_false, when_true):
    """An argument that must be one of two words (BEFORE|AFTER, MIN|MAX,
    no|yes), already case-folded: False, True, or None for anything else."""
    if word == when_true:
        return True
    if word == when_false:
        return False
    return None


def rank_range(start, end, n):
    """Redis's rule for an index pair over ``n`` elements (LRANGE, LTRIM,
    ZRANGE by rank...): negatives count from the end, the result is clamped,
    inclusive, as (start, end), or None when it selects nothing."""
    if start < 0:
        start += n
    if end < 0:
        end += n          # still negative: nothing (unlike clamp_range)
    if start < 0:
        start = 0
    if start > end or start >= n:
        return None
    return start, min(end, n - 1)


def clamp_range(start, end, n):
    """GETRANGE's, BITCOUNT's and BITPOS's rule for an offset pair over ``n``
    bytes or bits: negatives count from the end, both clamped to
    0..n-1 (end may then be below start: an empty range)."""
    if start < 0:
        start = max(start + n, 0)
    if end < 0:
        end = max(end + n, 0)
    return start, min(end, n - 1)


def parse_mpop(argv, first, when_false, when_true):
    """LMPOP/BLMPOP/ZMPOP/BZMPOP: ``numkeys key... (A|B) [COUNT n]`` from
    ``argv[first]``: (keys, side, count) with side True for ``when_true``,
    or an error reply."""
    nk = parse_int(argv[first])
    if nk is None or nk <= 0:
        return E.NUMKEYS
    if first + 1 + nk > len(argv) - 1:
        return E.SYNTAX
    keys = argv[first + 1:first + 1 + nk]
    i = first + 1 + nk
    side = either(argv[i].upper(), when_false, when_true)
    if side is None:
        return E.SYNTAX
    count = None            # options are checked in order, as Redis does
    n = len(argv)
    i += 1
    while i < n:
        if count is not None or argv[i].upper() != b"COUNT" or i + 1 == n:
            return E.SYNTAX
        count = parse_int(argv[i + 1])
        if count is None or count <= 0:
            return E.COUNT_POS
        i += 2
    return keys, side, count or 1


def int_or_error(b, err=None):
    """Parsed integer or the 'not an integer or out of range' error reply."""
    v = parse_int(b)
    if v is None:
        return err or E.NOT_INT
    return v


def float_or_error(b, err=None):
    v = parse_float(b)
    if v is None:
        return err or E.NOT_FLOAT
    return v


# -- SCAN / HSCAN / SSCAN / ZSCAN ---------------------------------------------------------
def parse_scan(argv, allow_type=False):
    """``cursor [MATCH p] [COUNT n] [TYPE t]`` from argv[2:] (SCAN's cursor is
    argv[1]: pass ``argv[1:]`` shifted by the caller). Returns (cursor, match
    predicate or None, count, type or None) or an encoded error, with Redis's
    texts (strtoul rules for the cursor)."""
    from shardis.keyspace.scan import parse_cursor, compile_glob
    cursor = parse_cursor(argv[0])
    if cursor is None:
        return E.INVALID_CURSOR
    count = 10
    match = typ = None
    n = len(argv)
    i = 1
    while i < n:
        opt = argv[i].lower()
        if i + 1 >= n:
            return E.SYNTAX
        if opt == b"count":
            v = parse_int(argv[i + 1])
            if v is None:
                return E.NOT_INT
            if v < 1:
                return E.SYNTAX
            count = v
        elif opt == b"match":
            p = argv[i + 1]
            match = None if p == b"*" else compile_glob(p)
        elif allow_type and opt == b"type":
            typ = argv[i + 1].lower()
        else:
            return E.SYNTAX
        i += 2
    return cursor, match, count, typ


def scan_table(owner, table, cursor, count, match):
    """One ZSCAN page over a skiplist zset, whose members are the keys of the
    dict ``table``: (next cursor, members). ``owner._idx`` holds the
    container's ``HashIndex`` (made by the first scan; the type discards
    members it removes), so every member present for the whole iteration is
    returned, as SCAN guarantees. (Hashes and sets have no such index: their
    compiled tables scan by their own cursor.)"""
    from shardis.keyspace.scan import HashIndex
    idx = owner._idx
    if idx is None:
        idx = owner._idx = HashIndex(table)
    else:
        idx.sync(table)
    keys = []
    nxt = idx.scan(cursor, count, keys)
    if match is not None:
        keys = [k for k in keys if match(k)]
    return nxt, keys


def scan_reply(cursor, items):
    """``[cursor, [items...]]``: cursor as a bulk string, items bulk strings."""
    cur = b"%d" % cursor
    out = [b"*2\r\n$%d\r\n%s\r\n*%d\r\n" % (len(cur), cur, len(items))]
    for x in items:
        out.append(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(out)


# -- HELP ----------------------------------------------------------------------------------
_HELP_PATH = os.path.join(os.path.dirname(__file__), "help.txt")
_HELP = {}


def help_reply(name):
    """The HELP reply of container command ``name`` (CLIENT, CONFIG, ...):
    Redis 7.2's lines, kept as data in help.txt, each a status reply."""
    if not _HELP:
        cur = None
        with open(_HELP_PATH, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("#") and cur is None:
                    continue
                if line.startswith("== "):
                    cur = _HELP[line[3:]] = []
                else:
                    cur.append(b"+%s\r\n" % line.encode())
        for k, lines in _HELP.items():
            _HELP[k] = b"*%d\r\n" % len(lines) + b"".join(lines)
    return _HELP[name]
