"""Listpack entry sizes and encodings agree (types/lpsize.py): the size functions
decide encoding conversions, the encoder writes RDB files; both follow listpack.c."""
import random

from shardis.types import lpsize as L


def test_entry_size_is_the_encoded_length():
    rng = random.Random(7)
    samples = [b"", b"0", b"-0", b"007", b"127", b"128", b"-4096", b"4095", b"4096",
               b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808"]
    samples += [b"%d" % rng.randrange(-2**63, 2**63) for _ in range(2000)]
    samples += [bytes(rng.randrange(256) for _ in range(n))
                for n in (1, 20, 62, 63, 64, 65, 4093, 4094, 4095, 4096, 20000)]
    for x in samples:
        assert len(L.encode_entry(x)) == L.entry_size(x), x[:30]
    for v in range(-70000, 70000, 7):
        assert len(L.encode_int(v)) == L.int_size(v), v


def test_backlen_bytes():
    # one byte up to 127; the quirk of listpack.c: 16383 already takes three bytes
    assert L.encode_backlen(127) == b"\x7f"
    assert L.encode_backlen(128) == bytes((1, 128))
    assert L.encode_backlen(16382) == bytes((127, 254))
    assert len(L.encode_backlen(16383)) == 3
    for n in (0, 127, 128, 16382, 16383, 2097150, 2097151, 268435454, 268435455):
        assert len(L.encode_backlen(n)) == L.backlen_size(n), n


def test_pack_header_and_integers():
    blob = L.pack([b"a", b"12", 7])
    assert int.from_bytes(blob[:4], "little") == len(blob) and blob[4:6] == b"\x03\x00"
    assert blob[-1] == 0xFF and blob[6:9] == b"\x81a\x02" and blob[9:11] == b"\x0c\x01"
    assert L.pack([b"k"] * 70000)[4:6] == b"\xff\xff"      # count over 65534: unknown
