"""Redis's glob matching (util.c stringmatchlen), compiled to regular
expressions and cached.

Semantics, byte for byte:
- ``*`` any run of bytes (possibly empty), ``?`` exactly one byte;
- ``[abc]``, ``[a-z]`` (reversed ranges are swapped), ``[^...]`` negation,
  ``\\x`` inside a class is a literal ``x``; an unterminated class takes the
  rest of the pattern as its members; ``[]`` never matches, ``[^]`` matches
  any byte;
- ``\\x`` outside a class is a literal ``x``; a trailing ``\\`` is literal;
- range bounds compare as C ``char`` (signed), as Redis does on x86;
- an empty subject matches only the empty pattern (even ``*`` does not
  match it, as in Redis; callers special-case "all" themselves, like KEYS).
- ``nocase`` folds ASCII letters, as tolower() in the C locale.

``match(pattern, subject)`` is the entry point; ``compile_glob(pattern)``
returns the cached matcher (a function subject -> bool).
"""
import re

_CACHE = {}
_CACHE_NOCASE = {}
_CACHE_MAX = 4096


def _signed(b):
    return b - 256 if b >= 128 else b


def _class_bytes(items, negate, nocase):
    """The set of byte values a bracket expression accepts."""
    out = []
    for c in range(256):
        sc = _signed(c)
        hit = False
        for it in items:
            if it.__class__ is int:
                if nocase:
                    if _lower(it) == _lower(c):
                        hit = True
                        break
                elif it == c:
                    hit = True
                    break
            else:
                lo, hi = it
                if nocase:
                    # Redis lowers the bounds and the subject byte (after the swap)
                    if _lower_signed(lo) <= _lower_signed(sc) <= _lower_signed(hi):
                        hit = True
                        break
                elif lo <= sc <= hi:
                    hit = True
                    break
        if hit != negate:
            out.append(c)
    return out


def _lower(b):
    return b + 32 if 65 <= b <= 90 else b


def _lower_signed(v):
    return v + 32 if 65 <= v <= 90 else v


def _regex_class(byte_values):
    if not byte_values:
        return b"(?!)"
    if len(byte_values) == 256:
        return b"."
    return b"[" + b"".join(b"\\x%02x" % v for v in byte_values) + b"]"


def translate(pattern, nocase=False):
    """Regular expression source (bytes) equivalent to the glob ``pattern``."""
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == 42:        # *
            while i + 1 < n and pattern[i + 1] == 42:
                i += 1
            out.append(b".*")
        elif ch == 63:      # ?
            out.append(b".")
        elif ch == 91:      # [
            i += 1
            negate = i < n and pattern[i] == 94
            if negate:
                i += 1
            items = []
            while True:
                if i < n and pattern[i] == 92 and n - i >= 2:
                    i += 1
                    items.append(pattern[i])
                elif i < n and pattern[i] == 93:
                    break
                elif i >= n:
                    break
                elif n - i >= 3 and pattern[i + 1] == 45:
                    lo, hi = _signed(pattern[i]), _signed(pattern[i + 2])
                    if lo > hi:
                        lo, hi = hi, lo
                    items.append((lo, hi))
                    i += 2
                else:
                    items.append(pattern[i])
                i += 1
            out.append(_regex_class(_class_bytes(items, negate, nocase)))
        else:
            if ch == 92 and i + 1 < n:   # backslash escapes the next byte
                i += 1
                ch = pattern[i]
            if nocase and (65 <= ch <= 90 or 97 <= ch <= 122):
                lo = ch | 32
                out.append(b"[%c%c]" % (lo, lo - 32))
            else:
                out.append(b"\\x%02x" % ch)
        i += 1
    return b"".join(out)


def compile_glob(pattern, nocase=False):
    """Matcher function for ``pattern`` (bytes): subject -> bool. Cached."""
    cache = _CACHE_NOCASE if nocase else _CACHE
    fn = cache.get(pattern)
    if fn is not None:
        return fn
    pattern = bytes(pattern)
    if pattern == b"*":
        def fn(s):
            return len(s) > 0
    elif not pattern:
        def fn(s):
            return len(s) == 0
    else:
        rx = re.compile(translate(pattern, nocase), re.DOTALL)
        m = rx.fullmatch

        def fn(s):
            return bool(s) and m(s) is not None
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[pattern] = fn
    return fn


def match(pattern, subject, nocase=False):
    """True if ``subject`` matches the glob ``pattern`` as Redis's
    stringmatchlen would say."""
    return compile_glob(pattern, nocase)(subject)
