"""Geo commands compared with redis-server (exact reply bytes), plus the
sorted set holding the points."""
from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)
from hypothesis import given, settings, strategies as st, HealthCheck

PLACES = [
    ("13.361389", "38.115556", "Palermo"),
    ("15.087269", "37.502669", "Catania"),
    ("12.758489", "38.788135", "edge1"),
    ("12.496366", "41.902782", "Rome"),
    ("2.352222", "48.856613", "Paris"),
    ("-0.127758", "51.507351", "London"),
    ("-74.005941", "40.712784", "NewYork"),
    ("139.691706", "35.689487", "Tokyo"),
    ("-179.9", "-85.05", "corner"),
    ("180", "85.05112878", "max"),
    ("0", "0", "zero"),
]


def _load(diff, key="g"):
    args = []
    for lon, lat, m in PLACES:
        args += [lon, lat, m]
    diff("GEOADD", key, *args)


def test_geoadd(diff):
    diff("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
    diff("ZRANGE", "g", "0", "-1", "WITHSCORES")
    diff("GEOADD", "g", "13.361389", "38.115556", "Palermo")
    diff("GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo", "1", "1", "Catania")
    diff("GEOADD", "g", "NX", "CH", "2", "2", "Palermo", "3", "3", "new")
    diff("GEOADD", "g", "XX", "CH", "4", "4", "Palermo", "5", "5", "other")
    diff("GEOADD", "g", "XX", "4", "4", "Palermo")
    diff("ZRANGE", "g", "0", "-1", "WITHSCORES")
    diff("GEOADD", "none", "XX", "1", "1", "a")
    diff("EXISTS", "none")
    diff.error("GEOADD", "g", "NX", "XX", "1", "1", "a")
    diff.error("GEOADD", "g", "1", "1")
    diff.error("GEOADD", "g", "CH", "1", "1")
    diff.error("GEOADD", "g", "NX", "CH", "CH")
    diff.error("GEOADD", "g", "181", "1", "a")
    diff.error("GEOADD", "g", "1", "86", "a")
    diff.error("GEOADD", "g", "-180.5", "-85.06", "a")
    diff.error("GEOADD", "g", "x", "1", "a")
    diff.error("GEOADD", "g", "1", "nan", "a")
    diff.error("GEOADD", "g", "1", "1", "a", "1", "200", "b")
    diff("EXISTS", "g2")
    diff("SET", "str", "v")
    diff.error("GEOADD", "str", "1", "1", "a")
    diff.error("GEOADD", "str", "1", "100", "a")
    _load(diff, "big")
    diff("ZRANGE", "big", "0", "-1", "WITHSCORES")
    diff("OBJECT", "ENCODING", "big")


def test_geoadd_encoding(diff):
    args = []
    for i in range(130):
        args += [str(-170 + i * 2.5), str(-80 + i * 1.2), "m%d" % i]
    diff("GEOADD", "g", *args[:300])
    diff("OBJECT", "ENCODING", "g")
    diff("GEOADD", "g", *args[300:])
    diff("OBJECT", "ENCODING", "g")
    diff("ZRANGE", "g", "0", "-1", "WITHSCORES")
    diff("GEOADD", "h", "1", "1", "x" * 65)
    diff("OBJECT", "ENCODING", "h")


def test_geopos_geohash_geodist(diff):
    _load(diff)
    names = [p[2] for p in PLACES] + ["missing"]
    diff("GEOPOS", "g", *names)
    diff("GEOHASH", "g", *names)
    diff("GEOPOS", "nokey", "a", "b")
    diff("GEOHASH", "nokey", "a")
    diff("GEOPOS", "g")
    diff("GEOHASH", "g")
    for a in names:
        for b in ("Palermo", "Tokyo", "corner", "max", "missing"):
            diff("GEODIST", "g", a, b)
    for u in ("m", "km", "ft", "mi", "KM", "Mi"):
        diff("GEODIST", "g", "Palermo", "Catania", u)
        diff("GEODIST", "g", "Paris", "NewYork", u)
    diff.error("GEODIST", "g", "Palermo", "Catania", "yd")
    diff.error("GEODIST", "g", "Palermo", "Catania", "km", "x")
    diff("GEODIST", "nokey", "a", "b")
    diff("GEODIST", "g", "missing", "Palermo")
    diff("SET", "str", "v")
    diff.error("GEOPOS", "str", "a")
    diff.error("GEOHASH", "str", "a")
    diff.error("GEODIST", "str", "a", "b")
    diff.error("GEODIST", "str", "a", "b", "yd")


def test_georadius(diff):
    _load(diff)
    for args in (("15", "37", "200", "km"),
                 ("15", "37", "200", "km", "WITHDIST"),
                 ("15", "37", "200", "km", "WITHCOORD", "WITHDIST", "WITHHASH"),
                 ("15", "37", "200", "km", "ASC"),
                 ("15", "37", "200", "km", "DESC", "WITHDIST"),
                 ("15", "37", "2000", "km", "COUNT", "2"),
                 ("15", "37", "2000", "km", "COUNT", "2", "DESC"),
                 ("15", "37", "2000", "km", "COUNT", "1", "ANY"),
                 ("15", "37", "20000", "km", "WITHDIST"),
                 ("0", "0", "1", "m", "WITHCOORD"),
                 ("0", "0", "0", "m", "WITHCOORD"),
                 ("-179", "-84", "300", "mi", "WITHDIST"),
                 ("179", "84", "5000", "ft"),
                 ("15", "37", "5000", "km", "WITHHASH", "COUNT", "3")):
        diff("GEORADIUS", "g", *args)
        diff("GEORADIUS_RO", "g", *args)
    diff("GEORADIUSBYMEMBER", "g", "Palermo", "300", "km", "WITHDIST", "ASC")
    diff("GEORADIUSBYMEMBER_RO", "g", "Rome", "3000", "km", "WITHCOORD", "COUNT", "3")
    diff.error("GEORADIUSBYMEMBER", "g", "missing", "300", "km")
    diff("GEORADIUSBYMEMBER", "nokey", "missing", "300", "km")
    diff("GEORADIUS", "nokey", "1", "1", "300", "km")
    diff.error("GEORADIUS", "g", "15", "37", "-1", "km")
    diff.error("GEORADIUS", "g", "15", "37", "x", "km")
    diff.error("GEORADIUS", "g", "15", "37", "1", "yd")
    diff.error("GEORADIUS", "g", "200", "37", "1", "km")
    diff.error("GEORADIUS", "g", "15", "37", "1", "km", "COUNT", "0")
    diff.error("GEORADIUS", "g", "15", "37", "1", "km", "COUNT", "x")
    diff.error("GEORADIUS", "g", "15", "37", "1", "km", "ANY")
    diff.error("GEORADIUS", "g", "15", "37", "1", "km", "FOO")
    diff.error("GEORADIUS", "g", "15", "37", "1", "km", "STORE", "d", "WITHDIST")
    diff.error("GEORADIUS_RO", "g", "15", "37", "1", "km", "STORE", "d")
    diff.error("GEORADIUS", "g", "15", "37", "1", "km", "FROMMEMBER", "Rome")


def test_georadius_store(diff):
    _load(diff)
    diff("GEORADIUS", "g", "15", "37", "2000", "km", "STORE", "d1")
    diff("ZRANGE", "d1", "0", "-1", "WITHSCORES")
    diff("GEORADIUS", "g", "15", "37", "2000", "km", "STOREDIST", "d2", "COUNT", "3")
    diff("ZRANGE", "d2", "0", "-1", "WITHSCORES")
    diff("OBJECT", "ENCODING", "d2")
    diff("GEORADIUSBYMEMBER", "g", "Paris", "500", "km", "STORE", "d3")
    diff("ZRANGE", "d3", "0", "-1", "WITHSCORES")
    diff("GEORADIUS", "g", "100", "10", "1", "km", "STORE", "d1")
    diff("EXISTS", "d1")
    diff("GEORADIUS", "nokey", "100", "10", "1", "km", "STORE", "d2")
    diff("EXISTS", "d2")


def test_geosearch(diff):
    _load(diff)
    for args in (("FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
                 ("FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHDIST"),
                 ("FROMMEMBER", "Rome", "BYBOX", "3000", "1000", "km", "WITHCOORD"),
                 ("FROMMEMBER", "Rome", "BYBOX", "3000", "1000", "km", "DESC", "COUNT", "2"),
                 ("FROMMEMBER", "Paris", "BYRADIUS", "1000", "mi", "WITHHASH", "WITHDIST"),
                 ("FROMLONLAT", "0", "0", "BYBOX", "40000", "40000", "km", "COUNT", "3",
                  "ANY"),
                 ("BYRADIUS", "20000", "km", "FROMLONLAT", "179", "-80", "WITHDIST"),
                 ("FROMLONLAT", "-179.9", "-85", "BYBOX", "100", "100", "km", "WITHCOORD"),
                 ("FROMLONLAT", "0", "0", "BYBOX", "0", "0", "m")):
        diff("GEOSEARCH", "g", *args)
    diff("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")
    diff("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km")
    diff.error("GEOSEARCH", "g", "FROMMEMBER", "missing", "BYRADIUS", "1", "km")
    diff.error("GEOSEARCH", "g", "BYRADIUS", "1", "km")
    diff.error("geosearch", "g", "FROMLONLAT", "0", "0")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "FROMMEMBER", "Rome", "BYRADIUS", "1",
               "km")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "BYBOX", "1",
               "1", "km")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "-1", "1", "km")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "km")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "km")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "yd")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "STORE", "x")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "STOREDIST")
    diff.error("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "ANY")
    diff("SET", "str", "v")
    diff.error("GEOSEARCH", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")


def test_geosearchstore(diff):
    _load(diff)
    diff("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "2000", "km")
    diff("ZRANGE", "d", "0", "-1", "WITHSCORES")
    diff("GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Paris", "BYBOX", "2000", "2000", "km",
         "STOREDIST", "COUNT", "2")
    diff("ZRANGE", "d", "0", "-1", "WITHSCORES")
    diff("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "100", "10", "BYRADIUS", "1", "km")
    diff("EXISTS", "d")
    diff("SET", "d", "v")
    diff("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "100", "10", "BYRADIUS", "1", "km")
    diff("EXISTS", "d")
    diff.error("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km",
               "WITHDIST")
    diff.error("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km",
               "STORE", "x")


_coord = st.tuples(st.floats(-180, 180, allow_nan=False),
                   st.floats(-85.05112878, 85.05112878, allow_nan=False))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(points=st.lists(_coord, min_size=1, max_size=40), center=_coord,
       radius=st.floats(0, 3000, allow_nan=False), box=st.tuples(
           st.floats(0, 5000, allow_nan=False), st.floats(0, 5000, allow_nan=False)),
       unit=st.sampled_from(["m", "km", "mi", "ft"]), count=st.integers(0, 5))
def test_hypothesis_geo(diff2, points, center, radius, box, unit, count):
    diff = diff2
    diff("DEL", "g")
    args = []
    for i, (x, y) in enumerate(points):
        args += [repr(x), repr(y), "p%d" % i]
    diff("GEOADD", "g", *args)
    diff("ZRANGE", "g", "0", "-1", "WITHSCORES")
    diff("GEOPOS", "g", "p0", "p%d" % (len(points) - 1))
    diff("GEOHASH", "g", "p0")
    diff("GEODIST", "g", "p0", "p%d" % (len(points) - 1), unit)
    k = 1000 if unit in ("m", "ft") else 1
    cnt = ["COUNT", str(count)] if count else []
    diff("GEOSEARCH", "g", "FROMLONLAT", repr(center[0]), repr(center[1]), "BYRADIUS",
         repr(radius * k), unit, "WITHDIST", "WITHCOORD", "WITHHASH", *cnt)
    diff("GEOSEARCH", "g", "FROMLONLAT", repr(center[0]), repr(center[1]), "BYBOX",
         repr(box[0] * k), repr(box[1] * k), unit, "WITHDIST", *cnt)
    diff("GEOSEARCH", "g", "FROMMEMBER", "p0", "BYRADIUS", repr(radius * k), unit, "DESC")
    diff("GEORADIUS", "g", repr(center[0]), repr(center[1]), repr(radius * k), unit,
         "WITHDIST", *cnt)


def test_geo_events(diff, conns):
    assert_events(diff, conns, "KEA", [
        ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
         "Catania"),
        ("GEOADD", "g", "13.361389", "38.115556", "Palermo"),
        ("GEOADD", "g", "XX", "1", "1", "new"),
        ("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1"),
        ("GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
        ("GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "100", "10", "BYRADIUS", "1", "km"),
        ("GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "d1"),
    ])


def test_sort_ties(diff):
    # Equal distances: full sorts are stable (libc qsort), COUNT below the
    # result size goes through Redis's partial quicksort; both orders must match.
    args = []
    for i in range(30):
        args += ["10.5", "20.25", "m%02d" % (29 - i)]
    for i in range(20):
        args += ["10.6", "20.3", "n%02d" % i]
    for i in range(70):
        args += [("10.7", "10.4", "10.45", "10.55")[i % 4], "20.1", "p%02d" % i]
    diff("GEOADD", "g", *args)
    for order in ("ASC", "DESC"):
        diff("GEOSEARCH", "g", "FROMLONLAT", "10", "20", "BYRADIUS", "500", "km", order)
        for n in (1, 3, 6, 7, 8, 25, 41, 45, 90, 119, 120, 200):
            diff("GEOSEARCH", "g", "FROMLONLAT", "10", "20", "BYRADIUS", "500", "km",
                 "COUNT", str(n), order)
            diff("GEORADIUS", "g", "10.5", "20.2", "500", "km", "COUNT", str(n), order,
                 "WITHDIST")
