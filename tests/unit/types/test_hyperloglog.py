"""Unit tests of the HyperLogLog representation (types/hyperloglog.py)."""
import random
import struct

from shardis.types import hyperloglog as H

M = 0xc6a4a7935bd1e995
MASK = (1 << 64) - 1


def naive_murmur(data, seed):
    """A direct transcription of MurmurHash64A, byte by byte."""
    h = (seed ^ (len(data) * M)) & MASK
    n8 = len(data) - len(data) % 8
    for i in range(0, n8, 8):
        k = struct.unpack("<Q", data[i:i + 8])[0]
        k = (k * M) & MASK
        k ^= k >> 47
        k = (k * M) & MASK
        h ^= k
        h = (h * M) & MASK
    tail = data[n8:]
    if tail:
        for i in range(len(tail) - 1, -1, -1):
            h ^= tail[i] << (8 * i)
        h = (h * M) & MASK
    h ^= h >> 47
    h = (h * M) & MASK
    h ^= h >> 47
    return h


def test_murmurhash_matches_reference():
    rnd = random.Random(1)
    for n in list(range(0, 40)) + [100, 1000]:
        data = bytes(rnd.getrandbits(8) for _ in range(n))
        assert H.murmurhash64a(data) == naive_murmur(data, H.SEED)


def test_pat_len_range():
    for i in range(2000):
        idx, count = H.pat_len(b"e%d" % i)
        assert 0 <= idx < H.REGISTERS
        assert 1 <= count <= H.Q + 1


def test_new_sparse_layout():
    v = H.new_sparse()
    assert bytes(v) == b"HYLL\x01" + b"\x00" * 11 + b"\x7f\xff"
    assert H.is_valid(v)
    assert H.cache_valid(v)
    hist, ok = H.histogram(v)
    assert ok and hist[0] == H.REGISTERS
    assert H.estimate(hist) == 0


def test_dense_register_codec_roundtrip():
    rnd = random.Random(2)
    regs = bytes(rnd.randrange(64) for _ in range(H.REGISTERS))
    v = bytearray(b"HYLL" + bytes(12)) + H.pack_dense(regs)
    assert len(v) == H.DENSE_SIZE
    assert H.dense_registers(v) == regs
    for i in (0, 1, 2, 3, 4, 5000, H.REGISTERS - 1):
        assert H.dense_get(v, i) == regs[i]
        H.dense_set(v, i, 63 - regs[i])
        assert H.dense_get(v, i) == 63 - regs[i]
    # neighbours are untouched
    assert H.dense_get(v, 6) == regs[6]


def test_sparse_and_dense_agree():
    rnd = random.Random(3)
    sparse = H.new_sparse()
    dense = bytearray(b"HYLL" + bytes(12)) + bytes(H.DENSE_SIZE - H.HDR_SIZE)
    eles = [b"%d" % rnd.getrandbits(40) for _ in range(800)]
    _, sparse = H.add_many(sparse, eles, 1 << 30)
    H.add_many(dense, eles, 1 << 30)
    assert sparse[4] == H.SPARSE
    assert H.sparse_registers(sparse) == H.dense_registers(dense)
    assert H.estimate(H.histogram(sparse)[0]) == H.estimate(H.histogram(dense)[0])
    promoted = H.sparse_to_dense(sparse)
    assert promoted[4] == H.DENSE and promoted[16:] == dense[16:]


def test_opcode_path_equals_byte_path():
    """The batched opcode-list path and the byte-level sparse_set give the
    same bytes, including promotions at the size limit."""
    rnd = random.Random(4)
    for limit in (60, 300, 3000):
        a = H.new_sparse()
        b = H.new_sparse()
        for _ in range(30):
            eles = [b"%d" % rnd.getrandbits(30) for _ in range(rnd.randrange(1, 40))]
            _, a = H.add_many(a, eles, limit)
            for e in eles:
                if b[4] == H.SPARSE:
                    _, b = H.sparse_set(b, *H.pat_len(e), limit)
                else:
                    H.add_many(b, [e], limit)
            assert bytes(a[:15]) == bytes(b[:15]) and a[16:] == b[16:]


def test_sparse_set_large_count_promotes():
    v = H.new_sparse()
    r, v2 = H.sparse_set(v, 100, 40, 3000)
    assert r == 1 and v2[4] == H.DENSE
    assert H.dense_get(v2, 100) == 40


def test_sparse_corruption_detected():
    v = bytearray(b"HYLL\x01" + bytes(11) + b"\x7f\xfe")
    assert H.sparse_registers(v) is None
    assert H.histogram(v)[1] is False
    assert H.sparse_to_dense(v) is None


def test_estimator_accuracy():
    rnd = random.Random(5)
    v = bytearray(b"HYLL" + bytes(12)) + bytes(H.DENSE_SIZE - H.HDR_SIZE)
    n = 0
    for target in (1000, 10000, 50000):
        eles = [b"%d" % rnd.getrandbits(60) for _ in range(target - n)]
        n = target
        H.add_many(v, eles, 0)
        est = H.estimate(H.histogram(v)[0])
        assert abs(est - n) < n * 0.03
