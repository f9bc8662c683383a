"""Value objects and their encodings. Strings are plain bytes/bytearray."""


def type_name(v):
    """The TYPE reply for a stored value."""
    c = v.__class__
    if c is bytes or c is bytearray:
        return b"string"
    return v.TYPE
