"""native.blob_type: bytes subclasses whose instances the cyclic GC does not track."""
import gc
import sys

from shardis.native import blob_type
from shardis.types import untracked
from shardis.types import set as S


class _Base(bytes):
    __slots__ = ()
    KIND = b"base"

    def twice(self):
        return bytes(self) * 2


class Blob(_Base):
    __slots__ = ()
    KIND = b"blob"

    @classmethod
    def make(cls, n):
        return cls(b"x" * n)

    @property
    def n(self):
        return len(self)


UBlob = untracked(Blob)


def test_same_behaviour_no_gc_header():
    b = UBlob.make(40)
    assert type(b) is UBlob and UBlob.__name__ == "Blob" and UBlob.__module__ == __name__
    assert b == b"x" * 40 and hash(b) == hash(b"x" * 40) and isinstance(b, bytes)
    assert b.n == 40 and b.twice() == b"x" * 80 and b.KIND == b"blob"   # the leaf's attribute wins
    assert not gc.is_tracked(b)
    assert sys.getsizeof(b) == sys.getsizeof(b"x" * 40)          # Blob(...) costs 16 more
    assert sys.getsizeof(Blob.make(40)) == sys.getsizeof(b"x" * 40) + 16


def test_type_references_balance():
    before = sys.getrefcount(UBlob)
    objs = [UBlob(b"%d" % i) for i in range(100_000)]
    assert sys.getrefcount(UBlob) == before + 100_000
    del objs
    assert sys.getrefcount(UBlob) == before


def test_encodings_are_untracked():
    s, _ = S.add_many(S.create(b"1", 10), [b"%d" % (2_000_000 + i) for i in range(10)])
    assert s.__class__ is S.SetInt32 and not gc.is_tracked(s) and sys.getsizeof(s) == 33 + 40


def test_bad_arguments():
    import pytest
    with pytest.raises(TypeError):
        blob_type("x.Y", [])
    with pytest.raises(TypeError):
        blob_type(1, {})
