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


def test_key_table_embeds_blobs_up_to_255_bytes():
    import random
    from shardis.native import EXPIRED, KeyTable
    t = KeyTable()
    rng = random.Random(11)
    model = {}
    for i in range(20_000):
        k = b"k%d" % rng.randrange(500)
        r = rng.random()
        if r < 0.4:
            v = UBlob(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))))
            t[k] = v
            model[k] = [v, None]
        elif r < 0.55 and k in model:
            dl = rng.randrange(1, 10**13)
            assert t.set_expire(k, dl)
            model[k][1] = dl
        elif r < 0.65 and k in model:
            assert t.persist(k) is (model[k][1] is not None)
            model[k][1] = None
        elif r < 0.75:
            assert t.pop(k, None) == (model.pop(k)[0] if k in model else None)
        elif r < 0.85 and k in model:
            assert t.set_plain(k, b"s") is False          # an aggregate: left alone
            assert t.incr_int(k, 1) is None
        else:
            got = t.lookup(k, 0)
            if k in model:
                v = model[k][0]
                assert got == v and type(got) is UBlob and got.n == len(v)
                assert (got is v) is (len(v) > 255)       # embedded ones are copies
                assert t.get_expire(k) == model[k][1]
            else:
                assert got is None and got is not EXPIRED
    assert sorted(t.keys()) == sorted(model)
    assert all(type(v) is UBlob for v in t.values())
    before = sys.getrefcount(UBlob)
    vals = t.values()
    made = sum(1 for v in vals if len(v) <= 255)    # new instances; longer ones are the stored objects
    assert sys.getrefcount(UBlob) == before + made
    del vals
    assert sys.getrefcount(UBlob) == before
    small = UBlob(b"x" * 40)
    t[b"small"] = small
    assert t.entry_bytes(b"small") <= 4 + 2 + 40 + 5 + 15     # one block: header, lengths, blob, key
