"""Value objects and their encodings. Strings are plain bytes/bytearray."""


def type_name(v):
    """The TYPE reply for a stored value."""
    c = v.__class__
    if c is bytes or c is bytearray:
        return b"string"
    return v.TYPE


def untracked(cls):
    """Class decorator for a compact encoding's value class (a ``bytes``
    subclass: listpack, intset): the same class, attributes flattened from its
    bases, made by ``shardis.native.blob_type`` so that the cyclic GC does not
    track its instances. Every class statement makes GC-tracked instances (16
    bytes more each: a 10-member intset moves from an 80- to a 96-byte block)
    that every full collection visits, and a bytes value cannot hold a
    reference. ``isinstance`` against the original bases does not hold for
    the result (nothing tests it); ``isinstance(v, bytes)`` does."""
    from shardis.native import blob_type
    attrs = {}
    for klass in reversed(cls.__mro__):
        if klass is bytes or klass is object:
            continue
        for k, v in vars(klass).items():
            if k not in ("__dict__", "__weakref__", "__slots__"):
                attrs[k] = v
    attrs["__qualname__"] = cls.__qualname__
    return blob_type(cls.__module__ + "." + cls.__name__, attrs)
