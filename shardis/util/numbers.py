"""Strict number parsing of command arguments, as Redis's string2ll and
string2d/strtod accept them. Pure functions: None means "not a number"."""

LLONG_MIN = -2 ** 63
LLONG_MAX = 2 ** 63 - 1


def parse_int(b):
    """Strict 64-bit integer parse like Redis's string2ll; None if invalid."""
    n = len(b)
    if n == 0 or n > 20:
        return None
    c0 = b[0]
    if c0 == 48:
        return 0 if n == 1 else None
    if c0 == 45:
        if n == 1 or b[1] == 48:
            return None
        if not b[1:].isdigit():
            return None
    elif not b.isdigit():
        return None
    v = int(b)
    if v < LLONG_MIN or v > LLONG_MAX:
        return None
    return v


def parse_float(b):
    """Parse a double as Redis's string2ld/strtod for arguments: accepts
    'inf', '-inf', '+inf'; rejects nan, empty, spaces. None if invalid."""
    if not b or len(b) > 5000 or b[0] in b" \t\r\n" or b[-1] in b" \t\r\n":
        return None
    try:
        s = b.decode("ascii")
    except UnicodeDecodeError:
        return None
    t = s.lower()
    if t in ("inf", "+inf", "infinity", "+infinity"):
        return float("inf")
    if t in ("-inf", "-infinity"):
        return float("-inf")
    if "n" in t or "_" in t or t.startswith("0x") or t.startswith("-0x") or t.startswith("+0x"):
        return None
    try:
        return float(s)
    except ValueError:
        return None
