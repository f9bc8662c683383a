"""shardis.util.glob: Redis's stringmatchlen semantics (the differential
tests in test_pubsub.py check it against redis-server through PUBSUB
CHANNELS; these pin the corner cases and cross-check the SCAN matcher)."""
import pytest
from hypothesis import given, settings, strategies as st

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


_PAT = st.lists(st.sampled_from([b"a", b"b", b"*", b"?", b"[", b"]", b"^", b"-", b"\\", b"\xe9"]),
                max_size=7).map(b"".join)
_SUBJ = st.lists(st.sampled_from([b"a", b"b", b"]", b"-", b"^", b"\\", b"\xe9", b"*"]),
                 max_size=5).map(b"".join)


@settings(max_examples=50, deadline=None)
@given(pat=_PAT, subjects=st.lists(_SUBJ, min_size=1, max_size=10))
def test_agrees_with_scan_matcher(pat, subjects):
    from shardis.keyspace.scan import compile_glob as scan_glob
    theirs = scan_glob(pat)
    mine = compile_glob(pat)
    for s in subjects:
        assert bool(mine(s)) == bool(theirs(s)), (pat, s)
