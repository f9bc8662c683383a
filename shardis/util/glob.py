"""Redis's glob matching (stringmatchlen in util.c, Redis 7.2), the one
matcher of shardis: KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH, PSUBSCRIBE, PUBSUB
CHANNELS, CONFIG GET, COMMAND LIST FILTERBY PATTERN.

Semantics, byte for byte:
- ``*`` any run of bytes, ``?`` exactly one byte;
- ``[abc]``, ``[a-z]`` (reversed ranges are swapped), ``[^...]`` negation,
  ``\\x`` inside a class is a literal ``x``; an unterminated class takes the
  rest of the pattern as its members; ``[]`` never matches, ``[^]`` matches
  any byte;
- ``\\x`` outside a class is a literal ``x``; a trailing ``\\`` is literal;
- range bounds compare as C ``char`` (signed), as Redis does on x86;
- an empty subject matches only the empty pattern (even ``*`` does not
  match it, as in Redis; callers special-case "all" themselves, like KEYS);
- ``nocase`` folds ASCII letters, as tolower() in the C locale (range bounds
  are folded after the swap, as Redis does);
- the nesting limit: Redis's matcher recurses once per ``*`` group and gives
  up (no match) past 1000 levels. A path to a match has to cross every star
  group, and the 1001st one is crossed at level 1001 unless it ends the
  pattern (a trailing star matches without recursing). So a pattern with
  more than 1000 star groups never matches, except one with exactly 1001
  whose last one ends it.

How it is matched. Redis's backtracking stays polynomial thanks to its
"skip longer matches" cut: once the rest of a pattern after some star failed
at every position, no earlier star can help. The same result comes from
matching the star-separated segments (each a run of one-byte tokens) left
to right, each at its leftmost place: the first segment is anchored at the
start, the last at the end, and a segment in between placed further right
can only leave less room to the ones after it. That is one regular
expression: ``seg0 (?>.*?seg1) ... (?>.*?segN-1) .* segN`` where the atomic
groups forbid the engine to come back and try a middle segment further
right. Each segment is searched once, so a match costs at most about
len(subject) * len(pattern) steps in C, whatever the number of stars
(``a*a*a*a*a*a*a*a*b`` against 100 kB of ``a``: 0.4 ms, compile included;
500 ``*?`` groups against 20 kB: 7 ms). A pattern with more than 256
one-byte tokens is compiled when a subject long enough to match it first
comes (compiling costs about 6 us a token).

``match(pattern, subject)`` is the entry point; ``compile_glob(pattern)``
returns the cached matcher (a function subject -> bool).
"""
import re

# Redis's recursion limit: a star group crossed at a deeper level fails.
MAX_NESTING = 1000

_CACHE = {}
_CACHE_NOCASE = {}
_CACHE_MAX = 4096
_CACHE_PATTERN_MAX = 4096      # longer patterns are compiled each time, not kept

STAR = None    # the star token; any other token is a 256-bit mask of the byte values it accepts

_ALL = (1 << 256) - 1
_UPPER = ((1 << 26) - 1) << 65             # A-Z


def _signed(b):
    return b - 256 if b >= 128 else b


def _lower(v):
    """tolower() in the C locale, on a byte or a signed char value."""
    return v + 32 if 65 <= v <= 90 else v


def _span(lo, hi):
    """Mask of the byte values lo..hi (0 <= lo, hi <= 255); empty if lo > hi."""
    return ((1 << (hi + 1)) - (1 << lo)) if lo <= hi else 0


def _signed_range(lo, hi):
    """Mask of the byte values whose signed char value is in [lo, hi]."""
    m = _span(max(lo, 0), hi) if hi >= 0 else 0
    if lo < 0:
        m |= _span(lo + 256, min(hi, -1) + 256)
    return m


def _fold(c):
    """Mask of the byte values equal to ``c`` under tolower()."""
    if 65 <= c <= 90 or 97 <= c <= 122:
        return (1 << (c | 32)) | (1 << (c & ~32))
    return 1 << c


def _class(pattern, i, n, nocase):
    """Parse the bracket expression whose body starts at ``i`` (just after
    ``[``). Returns (mask of the byte values it accepts, index of its last
    byte). Follows Redis's walk: ``\\`` escapes when a byte follows, ``]``
    closes, ``x-y`` is a range when two more bytes follow ``x`` (so ``[a-]``
    is the range a..]), and the end of the pattern closes an unterminated
    class."""
    negate = i < n and pattern[i] == 94          # ^
    if negate:
        i += 1
    m = 0
    while True:
        if i < n and pattern[i] == 92 and n - i >= 2:      # \x
            i += 1
            m |= 1 << pattern[i]     # compared as is, even with nocase (as Redis)
        elif i < n and pattern[i] == 93:                     # ]
            break
        elif i >= n:
            i = n - 1              # the class ran to the end of the pattern
            break
        elif n - i >= 3 and pattern[i + 1] == 45:            # x-y
            lo, hi = _signed(pattern[i]), _signed(pattern[i + 2])
            if lo > hi:
                lo, hi = hi, lo
            if nocase:
                # Redis folds the bounds (after the swap) and the subject byte:
                # a non-letter is in if it is in range, A-Z if its lower case is
                r = _signed_range(_lower(lo), _lower(hi))
                m |= (r & ~_UPPER) | ((r >> 32) & _UPPER)
            else:
                m |= _signed_range(lo, hi)
            i += 2
        else:
            m |= _fold(pattern[i]) if nocase else 1 << pattern[i]
        i += 1
    return (m ^ _ALL if negate else m), i


def tokens(pattern, nocase=False):
    """The pattern as a list of tokens: STAR (None) for a group of ``*``,
    else the mask of the byte values that one subject byte may be."""
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == 42:                                   # *
            while i + 1 < n and pattern[i + 1] == 42:
                i += 1
            out.append(STAR)
        elif ch == 63:                                 # ?
            out.append(_ALL)
        elif ch == 91:                                 # [
            m, i = _class(pattern, i + 1, n, nocase)
            out.append(m)
        else:
            if ch == 92 and i + 1 < n:                 # \x: x is literal
                i += 1
                ch = pattern[i]
            out.append(_fold(ch) if nocase else 1 << ch)
        i += 1
    return out


_ATOMS = {}


def _atom(m):
    """Regular expression (bytes) for one subject byte in the mask ``m``."""
    a = _ATOMS.get(m)
    if a is not None:
        return a
    if m == _ALL:
        a = b"."
    elif not m:
        a = b"(?!)"
    elif m & (m - 1) == 0:
        a = b"\\x%02x" % (m.bit_length() - 1)
    else:
        parts = []
        rest = m
        while rest:
            start = (rest & -rest).bit_length() - 1
            x = rest >> start
            run = (x ^ (x + 1)).bit_length() - 1        # trailing ones
            end = start + run - 1
            parts.append(b"\\x%02x" % start if run == 1 else b"\\x%02x-\\x%02x" % (start, end))
            rest &= ~(((1 << run) - 1) << start)
        a = b"[" + b"".join(parts) + b"]"
    if len(_ATOMS) < 4096:
        _ATOMS[m] = a
    return a


def _plan(pattern, nocase):
    """(regular expression source or None, minimum subject length): see
    ``translate``."""
    toks = tokens(pattern, nocase)
    segments = [[]]
    for t in toks:
        if t is STAR:
            segments.append([])
        else:
            segments[-1].append(t)
    stars = len(segments) - 1
    if stars > MAX_NESTING and not (stars == MAX_NESTING + 1 and toks[-1] is STAR):
        return None, 0
    minlen = len(toks) - stars
    if stars == 0:
        return b"".join(map(_atom, segments[0])), minlen
    out = [b"".join(map(_atom, segments[0]))]
    for seg in segments[1:-1]:
        out.append(b"(?>.*?" + b"".join(map(_atom, seg)) + b")")
    out.append(b".*" + b"".join(map(_atom, segments[-1])))
    return b"".join(out), minlen


def translate(pattern, nocase=False):
    """Regular expression source (bytes) that ``fullmatch``es exactly the
    non-empty subjects the glob ``pattern`` matches, or None when the
    pattern can never match (Redis's nesting limit, see the module doc)."""
    return _plan(pattern, nocase)[0]


def _never(s):
    return False


def _nonempty(s):
    return len(s) > 0


def _empty(s):
    return len(s) == 0


def _matcher(src, minlen):
    if minlen <= 256:
        m = re.compile(src, re.DOTALL).fullmatch

        def fn(s):
            return bool(s) and m(s) is not None
        return fn
    # A long pattern is compiled when a subject long enough to match it
    # first comes (most never do: KEYS with a 100 kB pattern over short keys).
    box = []

    def fn(s):
        if len(s) < minlen:
            return False
        if not box:
            box.append(re.compile(src, re.DOTALL).fullmatch)
        return box[0](s) is not None
    return fn


def compile_glob(pattern, nocase=False):
    """Matcher function for ``pattern`` (bytes): subject -> bool. Cached."""
    cache = _CACHE_NOCASE if nocase else _CACHE
    fn = cache.get(pattern)
    if fn is not None:
        return fn
    pattern = bytes(pattern)
    if pattern == b"*":
        fn = _nonempty
    elif not pattern:
        fn = _empty
    else:
        src, minlen = _plan(pattern, nocase)
        fn = _never if src is None else _matcher(src, minlen)
    if len(pattern) <= _CACHE_PATTERN_MAX:
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[pattern] = fn
    return fn


def match(pattern, subject, nocase=False):
    """True if ``subject`` matches the glob ``pattern`` as Redis's
    stringmatchlen would say."""
    return compile_glob(pattern, nocase)(subject)
