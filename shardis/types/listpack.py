"""A compact packed-entries blob with C-speed lookup ("marker listpack").

Redis's listpack stores entries back to back in one allocation, each with a
length header and a back-length, and finds an element by walking it.  A
Python walk is slow, so this representation makes the blob
*self-synchronising* instead: every entry starts with a marker byte that never
occurs inside entry data, so ``bytes.find`` on ``marker + data + marker`` can
only hit a whole entry, and the search, split, count and replace operations
all run in C.

Layout of a blob holding entries e1..en (a uniform sequence, e.g. a set)::

    \\x00 esc(e1) \\x00 esc(e2) \\x00 ... esc(en) \\x00

and of a map (fields f, values v)::

    \\x00 esc(f1) \\x01 esc(v1) \\x00 esc(f2) \\x01 esc(v2) \\x00

``\\x00`` starts an entry (a field), ``\\x01`` starts a value, the blob always
ends with ``\\x00``.  Entry data escapes its bytes 0x00, 0x01 and 0x02 as
``02 03``, ``02 04`` and ``02 05``; text data (the common case) is stored
as-is, so an entry costs its length plus one byte (a real listpack entry
costs two or more).  The escape is prefix-free and every 0x02 in escaped data
starts a pair, so the replace-based decoding below is exact and a marker-framed
search matches exactly the entries equal to the needle.

Operations (``blob`` is ``bytes`` or a bytes subclass):

- ``seq_*``: uniform sequences (sets; usable for lists too).
- ``map_*``: field/value maps (hashes).

All return plain ``bytes``; callers wrap them in their value class.
"""

import re

SEP = b"\x00"
VSEP = b"\x01"
EMPTY = SEP

# Note: ``x in some_bytes`` first tries ``x`` as an integer and formats (then
# clears) a TypeError before searching, several times the cost of the search
# itself, so membership tests below use ``find`` or a compiled pattern.
_SPECIAL = re.compile(b"[\x00-\x02]").search       # any byte needing escape
_SPECIAL12 = re.compile(b"[\x01\x02]").search

_ESC_BYTES = (b"\x00", b"\x01", b"\x02")


def needs_escape(b):
    return _SPECIAL(b) is not None


def esc(b):
    """Escape entry data (identity for data without bytes 0..2)."""
    if _SPECIAL(b) is not None:
        return b.replace(b"\x02", b"\x02\x05").replace(b"\x00", b"\x02\x03") \
                .replace(b"\x01", b"\x02\x04")
    return b


def unesc(b):
    if b.find(b"\x02") >= 0:
        return b.replace(b"\x02\x03", b"\x00").replace(b"\x02\x04", b"\x01") \
                .replace(b"\x02\x05", b"\x02")
    return b


# -- uniform sequences ----------------------------------------------------------
def seq_pack(items):
    """Blob of the given entries (bytes), in order."""
    if not items:
        return EMPTY
    body = SEP.join(items)
    if _SPECIAL12(body) is not None or body.count(SEP) != len(items) - 1:
        body = SEP.join([esc(x) for x in items])
    return SEP + body + SEP


def seq_len(blob):
    return blob.count(SEP) - 1


def seq_items(blob):
    """List of the entries (decoded bytes), in order."""
    if len(blob) <= 1:
        return []
    parts = blob[1:-1].split(SEP)
    if blob.find(b"\x02") >= 0:
        return [unesc(x) for x in parts]
    return parts


def seq_contains(blob, e):
    return blob.find(SEP + esc(e) + SEP) >= 0


def seq_append(blob, e):
    return blob + esc(e) + SEP


def seq_remove(blob, e):
    """Blob without entry ``e`` (first occurrence), or None if absent."""
    needle = SEP + esc(e) + SEP
    i = blob.find(needle)
    if i < 0:
        return None
    return blob[:i + 1] + blob[i + len(needle):]


# -- maps -----------------------------------------------------------------------
def map_pack(pairs):
    """Blob of (field, value) pairs in order (fields must be distinct)."""
    if not pairs:
        return EMPTY
    out = [SEP]
    for f, v in pairs:
        out.append(esc(f))
        out.append(VSEP)
        out.append(esc(v))
        out.append(SEP)
    return b"".join(out)


def map_pack_flat(flat):
    """Blob from [f1, v1, f2, v2, ...] with distinct fields."""
    n = len(flat) >> 1
    body = SEP + SEP.join([flat[i] + VSEP + flat[i + 1] for i in range(0, 2 * n, 2)]) + SEP
    if body.find(b"\x02") >= 0 or body.count(SEP) != n + 1 or body.count(VSEP) != n:
        return map_pack([(flat[i], flat[i + 1]) for i in range(0, 2 * n, 2)])
    return body


def map_len(blob):
    return blob.count(VSEP)


def map_find(blob, f):
    """(start, value_start, value_end) of field ``f``'s pair, or None.
    ``start`` is the offset of the pair's leading marker."""
    needle = SEP + esc(f) + VSEP
    i = blob.find(needle)
    if i < 0:
        return None
    j = i + len(needle)
    return i, j, blob.find(SEP, j)


def map_get(blob, f):
    needle = SEP + esc(f) + VSEP
    i = blob.find(needle)
    if i < 0:
        return None
    j = i + len(needle)
    v = blob[j:blob.find(SEP, j)]
    if v.find(b"\x02") >= 0:
        return unesc(v)
    return v


def map_flat(blob):
    """[f1, v1, f2, v2, ...] decoded, in order."""
    if len(blob) <= 1:
        return []
    parts = blob[1:-1].replace(VSEP, SEP).split(SEP)
    if blob.find(b"\x02") >= 0:
        return [unesc(x) for x in parts]
    return parts


def map_set(blob, f, v):
    """(new blob, True if the field is new)."""
    needle = SEP + esc(f) + VSEP
    i = blob.find(needle)
    if i < 0:
        return blob + needle[1:] + esc(v) + SEP, True
    j = i + len(needle)
    return blob[:j] + esc(v) + blob[blob.find(SEP, j):], False


def map_delete(blob, f):
    """Blob without field ``f``, or None if absent."""
    needle = SEP + esc(f) + VSEP
    i = blob.find(needle)
    if i < 0:
        return None
    return blob[:i] + blob[blob.find(SEP, i + len(needle)):]


def entry_cost(b):
    """Bytes one entry takes in a real Redis listpack (header + data +
    back-length), used only for memory estimates."""
    n = len(b)
    if n < 64:
        hdr = 1
    elif n < 4096:
        hdr = 2
    else:
        hdr = 5
    tot = hdr + n
    return tot + (1 if tot < 128 else 2 if tot < 16384 else 3)
