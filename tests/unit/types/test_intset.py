"""Intsets: width upgrades, sorted packing, bisect lookups."""
import random

from hypothesis import given, settings, strategies as st

from shardis.types import intset as IS
from shardis.types.set import SetInt16, SetInt32, SetInt64, build


INT64 = st.integers(-2 ** 63, 2 ** 63 - 1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-40000, 40000) | INT64, max_size=40))
def test_insert_remove_match_sorted_set(values):
    s = SetInt16(b"")
    ref = set()
    for v in values:
        s, _ = s.add(b"%d" % v)
        ref.add(v)
        assert s.members() == [b"%d" % x for x in sorted(ref)]
    widths = {SetInt16: 2, SetInt32: 4, SetInt64: 8}
    if ref:
        need = max(IS._SIZE[IS.width_code(min(ref))], IS._SIZE[IS.width_code(max(ref))])
        assert widths[s.__class__] == need
    for v in list(ref):
        assert s.ismember(b"%d" % v)
        s, ok = s.remove(b"%d" % v)
        assert ok
        ref.discard(v)
    assert s.size() == 0


def test_width_never_shrinks_and_exact_bytes():
    s = build([b"1", b"2", b"100000"])
    assert s.__class__ is SetInt32 and len(s) == 12
    s, _ = s.remove(b"100000")
    assert s.__class__ is SetInt32
    s, _ = s.add(b"-9223372036854775808")
    assert s.__class__ is SetInt64 and s.members()[0] == b"-9223372036854775808"


def test_non_canonical_is_not_member():
    s = build([b"7", b"-1"])
    for probe in (b"07", b"+7", b"-0", b"7 ", b"", b"x", b"99999999999999999999"):
        assert not s.ismember(probe)
    assert s.ismember(b"-1")


def test_pop_and_random_cover_members():
    s = build([b"%d" % i for i in range(50)])
    assert all(s.ismember(s.random()) for _ in range(20))
    seen = set()
    random.seed(3)
    while s.size():
        s, m = s.pop_one()
        seen.add(m)
    assert seen == {b"%d" % i for i in range(50)}
