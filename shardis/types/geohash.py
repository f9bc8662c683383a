"""52-bit interleaved geohash and great-circle distances, as Redis computes them.

A point is stored as a sorted-set score: latitude and longitude are scaled to
26-bit cell numbers over [-85.05112878, 85.05112878] x [-180, 180] and
interleaved (latitude bits at even positions, longitude at odd ones). Every
step below uses the same IEEE double operations in the same order as Redis's
geohash.c / geohash_helper.c, so decoded coordinates and distances agree with
redis-server to the last bit.

A hash is a pair (bits, step); step 0 marks an empty ("zeroed") neighbour.
"""
import math

STEP_MAX = 26
LAT_MIN = -85.05112878
LAT_MAX = 85.05112878
LONG_MIN = -180.0
LONG_MAX = 180.0
EARTH_RADIUS = 6372797.560856
MERCATOR_MAX = 20037726.37
D_R = math.pi / 180.0

_M64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA


def _spread(v):
    v &= 0xFFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    v = (v | (v << 1)) & 0x5555555555555555
    return v


def _squash(v):
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    v = (v | (v >> 16)) & 0x00000000FFFFFFFF
    return v


def interleave(lat_cell, long_cell):
    return _spread(lat_cell) | (_spread(long_cell) << 1)


def deinterleave(bits):
    """(lat_cell, long_cell)."""
    return _squash(bits), _squash(bits >> 1)


def encode(longitude, latitude, step=STEP_MAX, lat_min=LAT_MIN, lat_max=LAT_MAX,
           long_min=LONG_MIN, long_max=LONG_MAX):
    """Hash bits of a point, or None outside the ranges."""
    if (longitude > LONG_MAX or longitude < LONG_MIN or latitude > LAT_MAX
            or latitude < LAT_MIN):
        return None
    if latitude < lat_min or latitude > lat_max or longitude < long_min or longitude > long_max:
        return None
    lat_off = (latitude - lat_min) / (lat_max - lat_min)
    long_off = (longitude - long_min) / (long_max - long_min)
    scale = float(1 << step)
    lat_off *= scale
    long_off *= scale
    return interleave(int(lat_off), int(long_off))


def decode_area(bits, step):
    """(long_min, long_max, lat_min, lat_max) of a cell."""
    ilat, ilong = deinterleave(bits)
    div = float(1 << step)
    lat_scale = LAT_MAX - LAT_MIN
    long_scale = LONG_MAX - LONG_MIN
    la0 = LAT_MIN + (ilat * 1.0 / div) * lat_scale
    la1 = LAT_MIN + (((ilat + 1) & 0xFFFFFFFF) * 1.0 / div) * lat_scale
    lo0 = LONG_MIN + (ilong * 1.0 / div) * long_scale
    lo1 = LONG_MIN + (((ilong + 1) & 0xFFFFFFFF) * 1.0 / div) * long_scale
    return lo0, lo1, la0, la1


def decode(bits, step=STEP_MAX):
    """Centre (longitude, latitude) of a cell, clamped to the valid ranges."""
    lo0, lo1, la0, la1 = decode_area(bits, step)
    x = (lo0 + lo1) / 2
    if x > LONG_MAX:
        x = LONG_MAX
    if x < LONG_MIN:
        x = LONG_MIN
    y = (la0 + la1) / 2
    if y > LAT_MAX:
        y = LAT_MAX
    if y < LAT_MIN:
        y = LAT_MIN
    return x, y


_SQ16 = [_squash(i) for i in range(1 << 16)]     # 16 interleaved bits -> 8 even bits
_LAT_SCALE = LAT_MAX - LAT_MIN
_LONG_SCALE = LONG_MAX - LONG_MIN
_DIV26 = float(1 << STEP_MAX)


def decode_score(score):
    """Centre (longitude, latitude) of a stored point (step 26): ``decode``
    with table-driven de-interleaving, same arithmetic."""
    b = int(score)
    sq = _SQ16
    ilat = (sq[b & 0xFFFF] | sq[(b >> 16) & 0xFFFF] << 8 | sq[(b >> 32) & 0xFFFF] << 16
            | sq[(b >> 48) & 0xFFFF] << 24)
    b >>= 1
    ilong = (sq[b & 0xFFFF] | sq[(b >> 16) & 0xFFFF] << 8 | sq[(b >> 32) & 0xFFFF] << 16
             | sq[(b >> 48) & 0xFFFF] << 24)
    la0 = LAT_MIN + (ilat * 1.0 / _DIV26) * _LAT_SCALE
    la1 = LAT_MIN + ((ilat + 1) * 1.0 / _DIV26) * _LAT_SCALE
    lo0 = LONG_MIN + (ilong * 1.0 / _DIV26) * _LONG_SCALE
    lo1 = LONG_MIN + ((ilong + 1) * 1.0 / _DIV26) * _LONG_SCALE
    x = (lo0 + lo1) / 2
    if x > LONG_MAX:
        x = LONG_MAX
    elif x < LONG_MIN:
        x = LONG_MIN
    y = (la0 + la1) / 2
    if y > LAT_MAX:
        y = LAT_MAX
    elif y < LAT_MIN:
        y = LAT_MIN
    return x, y


def lat_distance(lat1, lat2):
    return EARTH_RADIUS * abs(lat2 * D_R - lat1 * D_R)


def distance(lon1, lat1, lon2, lat2):
    """Haversine distance in meters (Redis's geohashGetDistance)."""
    lon1r = lon1 * D_R
    lon2r = lon2 * D_R
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return lat_distance(lat1, lat2)
    lat1r = lat1 * D_R
    lat2r = lat2 * D_R
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS * math.asin(math.sqrt(a))


def in_rectangle(width_m, height_m, x1, y1, x2, y2):
    """Distance from the centre (x1, y1) if (x2, y2) is in the box, else None."""
    if lat_distance(y2, y1) > height_m / 2:
        return None
    if distance(x2, y2, x1, y2) > width_m / 2:
        return None
    return distance(x1, y1, x2, y2)


def estimate_steps(range_m, lat):
    if range_m == 0:
        return 26
    step = 1
    while range_m < MERCATOR_MAX:
        range_m *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    if step < 1:
        step = 1
    if step > 26:
        step = 26
    return step


def _move_x(bits, step, d):
    x = bits & _ODD
    y = bits & _EVEN
    zz = _EVEN >> (64 - step * 2)
    if d > 0:
        x = (x + (zz + 1)) & _M64
    else:
        x = x | zz
        x = (x - (zz + 1)) & _M64
    x &= (_ODD >> (64 - step * 2))
    return x | y


def _move_y(bits, step, d):
    x = bits & _ODD
    y = bits & _EVEN
    zz = _ODD >> (64 - step * 2)
    if d > 0:
        y = (y + (zz + 1)) & _M64
    else:
        y = y | zz
        y = (y - (zz + 1)) & _M64
    y &= (_EVEN >> (64 - step * 2))
    return x | y


def neighbors(bits, step):
    """Dict of the 8 neighbour cells' bits."""
    e = _move_x(bits, step, 1)
    w = _move_x(bits, step, -1)
    return {
        "east": e, "west": w,
        "south": _move_y(bits, step, -1), "north": _move_y(bits, step, 1),
        "north_west": _move_y(w, step, 1), "south_west": _move_y(w, step, -1),
        "north_east": _move_y(e, step, 1), "south_east": _move_y(e, step, -1),
    }


def bounding_box(lon, lat, circular, radius, width, height, conversion):
    if circular:
        h = conversion * radius
        w = conversion * radius
    else:
        h = conversion * (height / 2)
        w = conversion * (width / 2)
    lat_delta = (h / EARTH_RADIUS) / D_R
    top = (w / EARTH_RADIUS / math.cos((lat + lat_delta) * D_R)) / D_R
    bottom = (w / EARTH_RADIUS / math.cos((lat - lat_delta) * D_R)) / D_R
    south = lat < 0
    min_lon = lon - bottom if south else lon - top
    max_lon = lon + bottom if south else lon + top
    return min_lon, lat - lat_delta, max_lon, lat + lat_delta


_ORDER = ("north", "south", "east", "west", "north_east", "north_west", "south_east",
          "south_west")


def search_cells(lon, lat, circular, radius, width, height, conversion):
    """The 9 cells (bits, step) to scan, in Redis's order; zeroed ones are
    (0, 0)."""
    min_lon, min_lat, max_lon, max_lat = bounding_box(lon, lat, circular, radius, width,
                                                      height, conversion)
    if circular:
        rm = radius
    else:
        rm = math.sqrt((width / 2) * (width / 2) + (height / 2) * (height / 2))
    rm *= conversion
    steps = estimate_steps(rm, lat)
    bits = encode(lon, lat, steps)
    nb = neighbors(bits, steps)
    area = decode_area(bits, steps)
    dec = False
    if decode_area(nb["north"], steps)[3] < max_lat:
        dec = True
    if decode_area(nb["south"], steps)[2] > min_lat:
        dec = True
    if decode_area(nb["east"], steps)[1] < max_lon:
        dec = True
    if decode_area(nb["west"], steps)[0] > min_lon:
        dec = True
    if steps > 1 and dec:
        steps -= 1
        bits = encode(lon, lat, steps)
        nb = neighbors(bits, steps)
        area = decode_area(bits, steps)
    cells = {k: (v, steps) for k, v in nb.items()}
    if steps >= 2:
        lo0, lo1, la0, la1 = area
        zero = (0, 0)
        if la0 < min_lat:
            cells["south"] = cells["south_west"] = cells["south_east"] = zero
        if la1 > max_lat:
            cells["north"] = cells["north_east"] = cells["north_west"] = zero
        if lo0 < min_lon:
            cells["west"] = cells["south_west"] = cells["north_west"] = zero
        if lo1 > max_lon:
            cells["east"] = cells["south_east"] = cells["north_east"] = zero
    return [(bits, steps)] + [cells[k] for k in _ORDER]


def cell_score_range(bits, step):
    """[min, max) scores of the points in a cell."""
    shift = 52 - step * 2
    return bits << shift, (bits + 1) << shift


_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


def geohash_string(score):
    """The standard 11-character geohash of a stored point."""
    x, y = decode_score(score)
    bits = encode(x, y, 26, -90.0, 90.0, -180.0, 180.0)
    out = bytearray(11)
    for i in range(10):
        out[i] = _ALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1F]
    out[10] = _ALPHABET[0]
    return bytes(out)


def fmt_human(d):
    """Redis's ld2string(LD_STR_HUMAN) of a double: %.17f without trailing zeros."""
    s = b"%.17f" % d
    if b"." in s:
        s = s.rstrip(b"0")
        if s.endswith(b"."):
            s = s[:-1]
    if s == b"-0":
        s = b"0"
    return s


def fmt_dist(d):
    return b"%.4f" % d
