"""Redis's dataset digest (DEBUG DIGEST / DEBUG DIGEST-VALUE), computed the
same way so that a dataset held by shardis and one held by redis-server give
the same 40-hex text.

The scheme, from Redis's debug.c (our own code; these are its facts):
- a digest is 20 bytes (here an int below 2**160); ``xor(d, data)`` folds
  SHA1(data) into d (order does not matter), ``mix(d, data)`` folds it and
  then replaces d with SHA1(d) (order matters);
- a value's digest starts at zero, mixes its type code as a 4-byte
  big-endian integer (string 0, list 1, set 2, zset 3, hash 4, stream 6),
  then: a string mixes its bytes; a list mixes each element head to tail; a
  set xors each member; a hash xors, per field, SHA1 of (zero mixed with
  the field then the value); a sorted set likewise with the member and the
  score's text; a stream mixes each entry's id as "<ms>.<seq>" then each
  field and value in order (its logical content: consumer groups are not
  part of it); a key with a TTL xors the constant ``!!expire!!`` (the
  deadline itself is not digested);
- the dataset digest starts at zero; for each non-empty database in id
  order it mixes the id (4-byte big-endian), then xors SHA1 of each key's
  digest, where a key's digest is zero mixed with the key name and then
  the value as above. An empty dataset digests to forty zeros.

Score text: Redis 7.0 formats scores here with ``%.17g`` (which is also how
shardis writes scores in replies); Redis 7.2 switched this spot to the
shortest round-trip text. We follow 7.0, the oracle this project tests
against: the two agree on every score whose ``%.17g`` text is already the
shortest (integers, halves, quarters, ...).
"""
import hashlib
import struct

_sha1 = hashlib.sha1
_from = int.from_bytes
_TYPE_CODE = {b"string": 0, b"list": 1, b"set": 2, b"zset": 3, b"hash": 4, b"stream": 6}
_TYPE_BYTES = {k: struct.pack(">I", v) for k, v in _TYPE_CODE.items()}
_DB_BYTES = [struct.pack(">I", i) for i in range(256)]
_EXPIRE_MARK = None     # SHA1 of b"!!expire!!", filled on first use
ZERO = "0" * 40


def h(data):
    """SHA1 of ``data`` as a 160-bit int."""
    return _from(_sha1(data).digest(), "big")


def mix(d, data):
    """Fold ``data`` into ``d`` in an order-sensitive way."""
    return _from(_sha1((d ^ h(data)).to_bytes(20, "big")).digest(), "big")


def hexdigest(d):
    return "%040x" % d


def score_text(s):
    """A score as Redis 7.0's digest writes it (``%.17g``)."""
    return b"%.17g" % s


def _pair(a, b):
    """SHA1 of (zero mixed with a, then b): one hash field or zset member."""
    e = mix(mix(0, a), b)
    return _from(_sha1(e.to_bytes(20, "big")).digest(), "big")


def type_of(v):
    cls = v.__class__
    if cls is bytes or cls is bytearray:
        return b"string"
    return v.TYPE


def digest_into(d, v, has_ttl):
    """Fold one stored value into digest ``d`` (Redis's xorObjectDigest):
    its type code, its content, the TTL mark."""
    global _EXPIRE_MARK
    t = type_of(v)
    d = mix(d, _TYPE_BYTES[t])
    if t == b"string":
        d = mix(d, bytes(v))
    elif t == b"list":
        for x in v.items():
            d = mix(d, x)
    elif t == b"set":
        for m in v.members():
            d ^= h(m)
    elif t == b"hash":
        for f, x in v.items():
            d ^= _pair(f, x)
    elif t == b"zset":
        for m, s in v.items():
            d ^= _pair(m, score_text(s))
    elif t == b"stream":
        u64 = (1 << 64) - 1
        for sid, items in v.range(0, (1 << 128) - 1):
            d = mix(d, b"%d.%d" % (sid >> 64, sid & u64))
            for x in items:
                d = mix(d, x)
    else:
        raise TypeError("no digest for type %r" % (t,))
    if has_ttl:
        if _EXPIRE_MARK is None:
            _EXPIRE_MARK = h(b"!!expire!!")
        d ^= _EXPIRE_MARK
    return d


def value_digest(v, has_ttl):
    """Hex digest of one value, as DEBUG DIGEST-VALUE gives it (the key name
    is not part of it)."""
    return hexdigest(digest_into(0, v, has_ttl))


def key_digest(key, v, has_ttl):
    """The digest (int) of one key and its value, as the dataset digest
    folds it in."""
    return digest_into(mix(0, key), v, has_ttl)


def dataset_digest(dbs):
    """Hex digest of a whole dataset. ``dbs`` yields (db id, data mapping,
    deadline of a key or None) for each database."""
    final = 0
    for dbid, data, deadline in dbs:
        if not data:
            continue
        final = mix(final, _DB_BYTES[dbid] if dbid < 256 else struct.pack(">I", dbid))
        for key, v in data.items():
            kd = key_digest(key, v, deadline(key) is not None)
            final ^= _from(_sha1(kd.to_bytes(20, "big")).digest(), "big")
    return hexdigest(final)
