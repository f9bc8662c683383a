"""Unit tests of the geohash encoding (values from Redis's documentation)."""
from shardis.types import geohash as G


def test_encode_known_points():
    assert G.encode(13.361389, 38.115556) == 3479099956230698
    assert G.encode(15.087269, 37.502669) == 3479447370796909


def test_decode_is_cell_centre():
    x, y = G.decode_score(3479099956230698)
    assert G.fmt_human(x) == b"13.36138933897018433"
    assert G.fmt_human(y) == b"38.11555639549629859"
    assert G.encode(x, y) == 3479099956230698


def test_out_of_range():
    assert G.encode(180.1, 0) is None
    assert G.encode(0, 85.06) is None


def test_interleave_roundtrip():
    for a, b in ((0, 0), (1, 2), (0x3FFFFFF, 0x1234567), (12345, 0x3FFFFFF)):
        assert G.deinterleave(G.interleave(a, b)) == (a, b)


def test_distance_and_units():
    d = G.distance(13.36138933897018433, 38.11555639549629859,
                   15.08726745843887329, 37.50266842333162032)
    assert G.fmt_dist(d) == b"166274.1516"
    assert G.fmt_dist(d / 1000) == b"166.2742"
    assert G.distance(10, 20, 10, 21) == G.lat_distance(20, 21)


def test_geohash_string():
    assert G.geohash_string(3479099956230698) == b"sqc8b49rny0"
    assert G.geohash_string(3479447370796909) == b"sqdtr74hyu0"


def test_neighbors_surround_cell():
    bits = G.encode(2.35, 48.85, 10)
    nb = G.neighbors(bits, 10)
    lo0, lo1, la0, la1 = G.decode_area(bits, 10)
    assert G.decode_area(nb["north"], 10)[2] == la1
    assert G.decode_area(nb["south"], 10)[3] == la0
    assert G.decode_area(nb["east"], 10)[0] == lo1
    assert G.decode_area(nb["west"], 10)[1] == lo0


def test_steps():
    assert G.estimate_steps(0, 0) == 26
    assert G.estimate_steps(200000, 0) == 6
    assert G.estimate_steps(200000, 70) == 5
    assert G.estimate_steps(200000, 85) == 4


def test_fmt_human():
    assert G.fmt_human(0.0) == b"0"
    assert G.fmt_human(-0.0) == b"0"
    assert G.fmt_human(1.5) == b"1.5"

