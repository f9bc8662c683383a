"""shardis.util.glob, the one glob matcher (KEYS, SCAN MATCH, PSUBSCRIBE,
CONFIG GET...): Redis 7.2's stringmatchlen semantics. Pinned corner cases, a
cross-check against a plain reference matcher written from the semantics,
random patterns against redis-server's KEYS (and, for the case-folding form,
COMMAND LIST FILTERBY PATTERN), the nesting limit and a time bound on
backtracking-prone patterns."""
import functools
import random
import time

import pytest
from hypothesis import given, settings, strategies as st

from tests.resp_client import RawClient

from shardis.util.glob import match, compile_glob

CASES = [
    (b"*", b"", False),          # an empty subject only matches an empty pattern
    (b"", b"", True),
    (b"", b"a", False),
    (b"a*", b"a", True),
    (b"**", b"x", True),
    (b"h?llo", b"hello", True),
    (b"h?llo", b"hllo", False),
    (b"h[ae]llo", b"hallo", True),
    (b"h[^e]llo", b"hello", False),
    (b"h[b-a]llo", b"hbllo", True),  # reversed range
    (b"[]", b"a", False),
    (b"[^]", b"a", True),
    (b"a[bc", b"ac", True),          # unterminated class: the rest are members
    (b"[a-]", b"]", True),           # a-] is a range
    (b"a\\*b", b"a*b", True),
    (b"a\\*b", b"axb", False),
    (b"a\\", b"a\\", True),          # trailing backslash is literal
    (b"[\\]]", b"]", True),
    (b"h[\xe0-\xf0]llo", b"h\xe9llo", True),
    (b"[a-\xff]", b"b", False),      # bounds compare as signed char: \xff is -1
]


@pytest.mark.parametrize("pat,subject,want", CASES)
def test_cases(pat, subject, want):
    assert match(pat, subject) is want


def test_nocase():
    assert match(b"H[A-C]LLO", b"hbllo", nocase=True)
    assert not match(b"H[A-C]LLO", b"hbllo")
    assert compile_glob(b"x*") is compile_glob(b"x*")     # cached




def test_scan_reexports_the_same_matcher():
    from shardis.keyspace import scan
    assert scan.compile_glob is compile_glob
    assert scan.compile_glob(b"k[0-9]*")(b"k1x") and not scan.compile_glob(b"k[0-9]*")(b"kx")


# -- a reference matcher, written from the semantics (memoised recursion over
#    pattern and subject positions; slow, for short strings only) -------------

def _sc(b):
    return b - 256 if b > 127 else b


def _low(v):
    return v + 32 if 65 <= v <= 90 else v


def _ref_class(p, i, c, nocase):
    """(does subject byte c match the class whose body starts at i, index after it)."""
    n = len(p)
    neg = i < n and p[i] == 94
    if neg:
        i += 1
    hit = False
    while True:
        if i < n and p[i] == 92 and i + 1 < n:
            hit = hit or p[i + 1] == c
            i += 2
        elif i < n and p[i] == 93:
            i += 1
            break
        elif i >= n:
            break
        elif i + 2 < n and p[i + 1] == 45:
            lo, hi = sorted((_sc(p[i]), _sc(p[i + 2])))
            cc = _sc(c)
            if nocase:
                lo, hi, cc = _low(lo), _low(hi), _low(cc)
            hit = hit or lo <= cc <= hi
            i += 3
        else:
            hit = hit or (_low(p[i]) == _low(c) if nocase else p[i] == c)
            i += 1
    return hit != neg, i


def ref_match(p, s, nocase=False):
    if not s:
        return not p
    if sum(1 for _ in _star_groups(p)) > 1000:
        return False        # (these tests never reach the exact-1001 case here)

    @functools.lru_cache(maxsize=None)
    def m(i, j):
        if i == len(p):
            return j == len(s)
        ch = p[i]
        if ch == 42:
            while i < len(p) and p[i] == 42:
                i += 1
            return any(m(i, k) for k in range(j, len(s) + 1))
        if j == len(s):
            return False
        if ch == 63:
            return m(i + 1, j + 1)
        if ch == 91:
            ok, nxt = _ref_class(p, i + 1, s[j], nocase)
            return ok and m(nxt, j + 1)
        if ch == 92 and i + 1 < len(p):
            i += 1
            ch = p[i]
        same = _low(ch) == _low(s[j]) if nocase else ch == s[j]
        return same and m(i + 1, j + 1)
    return m(0, 0)


def _star_groups(p):
    i, n = 0, len(p)
    while i < n:
        if p[i] == 92:
            i += 2
            continue
        if p[i] == 91:      # skip a class roughly (only used for huge star counts)
            i += 1
            continue
        if p[i] == 42:
            yield i
            while i < n and p[i] == 42:
                i += 1
            continue
        i += 1


_PAT = st.lists(st.sampled_from([b"a", b"b", b"*", b"?", b"[", b"]", b"^", b"-", b"\\", b"\xe9",
                                 b"A", b"Z", b"\x80"]), max_size=9).map(b"".join)
_SUBJ = st.lists(st.sampled_from([b"a", b"b", b"]", b"-", b"^", b"\\", b"\xe9", b"*", b"A", b"z",
                                  b"\x80"]), max_size=7).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(pat=_PAT, subjects=st.lists(_SUBJ, min_size=1, max_size=10), nocase=st.booleans())
def test_agrees_with_reference(pat, subjects, nocase):
    f = compile_glob(pat, nocase)
    for s in subjects:
        assert f(s) == ref_match(pat, s, nocase), (pat, s, nocase)


# -- the nesting limit and the cost of star-heavy patterns ------------------------

def test_nesting_limit():
    s = b"a" * 3000
    assert match(b"*a" * 1000 + b"*", s)          # 1001 star groups, the last one ends it
    assert not match(b"*a" * 1001 + b"*", s)      # 1002
    assert not match(b"*a" * 1001, s)             # 1001, the last one does not end it
    assert match(b"*a" * 1000, s)                 # 1000
    assert not match(b"a*" * 1200 + b"b", b"a" * 1200 + b"b")


def test_no_exponential_backtracking():
    cases = [(b"a*" * 8 + b"b", b"a" * 100000),
             (b"*a*a*a*a*a*a*a*a*a*a*b", b"a" * 100000),
             (b"*" + b"[ab]*" * 30 + b"c", b"ab" * 50000),
             (b"*?" * 500 + b"x*", b"y" * 20000),
             (b"[a-z]" * 100000, b"a" * 1000)]
    for pat, subj in cases:
        t = time.perf_counter()
        assert not match(pat, subj)
        assert time.perf_counter() - t < 1.0, pat[:40]


# -- against redis-server ----------------------------------------------------------

_ALPHA = b"ab*?[]^-\\\xe9A"


def _random_pattern(rnd):
    return bytes(rnd.choice(_ALPHA) for _ in range(rnd.randint(1, 9)))


def test_random_patterns_against_redis_keys(redis_proc):
    rnd = random.Random(7)
    keys = {bytes(rnd.choice(b"ab]-^\\\xe9*A") for _ in range(rnd.randint(1, 6)))
            for _ in range(150)}
    c = RawClient(redis_proc.port)
    try:
        c.call("FLUSHALL")
        c.call("MSET", *[x for k in keys for x in (k, b"1")])
        pats = {_random_pattern(rnd) for _ in range(400)}
        pats |= {b"*a" * 1000 + b"*", b"*a" * 1001 + b"*", b"*a" * 1001, b"*a" * 1000,
                 b"*" * 2000 + b"a", b"[", b"[^", b"\\", b"a\\", b"[]a]", b"[a-]"}
        c.call("SET", b"a" * 1500, b"1")
        keys.add(b"a" * 1500)
        for pat in sorted(pats):
            if pat == b"*":
                continue         # KEYS * is special-cased by the command, not the matcher
            got = {k for k in keys if match(pat, k)}
            want = set(c("KEYS", pat))
            assert got == want, (pat[:60], sorted(got ^ want)[:5])
    finally:
        c.call("FLUSHALL")
        c.close()


def test_random_nocase_patterns_against_redis_command_list(redis_proc):
    """COMMAND LIST FILTERBY PATTERN folds case (stringmatchlen with nocase)."""
    rnd = random.Random(11)
    c = RawClient(redis_proc.port)
    try:
        names = c("COMMAND", "LIST")
        alpha = b"sSeEtT*?[]^-\\xX"
        pats = {bytes(rnd.choice(alpha) for _ in range(rnd.randint(1, 6))) for _ in range(300)}
        for pat in sorted(pats):
            got = {n for n in names if match(pat, n, nocase=True)}
            want = set(c("COMMAND", "LIST", "FILTERBY", "PATTERN", pat))
            assert got == want, (pat, sorted(got ^ want)[:5])
    finally:
        c.close()
