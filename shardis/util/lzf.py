"""LZF, the compression of RDB strings (Marc Lehmann's format, as Redis's
lzf_c.c/lzf_d.c read and write it).

A compressed block is a sequence of items:
- ``000LLLLL`` then L+1 literal bytes (a run of at most 32 literals);
- ``LLLooooo oooooooo``: a back-reference of length L+2 (L 1..6) at offset
  (o+1) bytes behind the output position;
- ``111ooooo LLLLLLLL oooooooo``: the same with length L+9.

``compress`` gives the bytes Redis's lzf_c.c gives (FUNCTION DUMP and,
later, RDB files compare equal byte for byte); ``decompress`` accepts any
valid block.
"""

_MAX_LIT = 32
_MAX_OFF = 1 << 13
_MAX_REF = (1 << 8) + (1 << 3)


def compress(data, out_len=None):
    """The LZF block of ``data`` as Redis's lzf_compress writes it (16-bit
    hash table of 3-byte sequences, the "very fast" variant: after a match
    only its last two positions are hashed), or None when it does not fit
    in ``out_len`` bytes (default: 4 fewer than the input, the bound Redis
    gives it, so a string that does not shrink is saved raw)."""
    n = len(data)
    if out_len is None:
        out_len = n - 4
    if n == 0 or out_len <= 0:
        return None
    table = {}
    out = bytearray(b"\0")         # the header of the current literal run, filled in later
    lit = 0
    i = 0
    hval = (data[0] << 8) | data[1] if n > 1 else data[0] << 8
    lim = n - 2
    get = table.get
    while i < lim:
        hval = ((hval << 8) | data[i + 2]) & 0xFFFFFFFF
        slot = ((hval >> 8) - hval * 5) & 0xFFFF
        ref = get(slot, 0)                  # position 0 never matches
        table[slot] = i
        if (ref and i - ref <= _MAX_OFF
                and data[ref] == data[i] and data[ref + 1] == data[i + 1]
                and data[ref + 2] == data[i + 2]):
            off = i - ref - 1
            length = 2
            maxlen = min(n - i - 2, _MAX_REF)
            mismatch = False
            if maxlen > 16:
                for _ in range(16):
                    length += 1
                    if data[ref + length] != data[i + length]:
                        mismatch = True
                        break
            if not mismatch:
                length += 1
                if length < maxlen and maxlen - length > 8 \
                        and data[ref + length:ref + maxlen] == data[i + length:i + maxlen]:
                    length = maxlen             # the rest matches: one compare in C
                else:
                    while length < maxlen and data[ref + length] == data[i + length]:
                        length += 1
            out[-lit - 1] = (lit - 1) & 0xFF      # close the literal run
            if not lit:
                del out[-1]
            if len(out) + 4 >= out_len:
                return None
            length -= 2
            if length < 7:
                out.append((off >> 8) + (length << 5))
            else:
                out.append((off >> 8) + (7 << 5))
                out.append(length - 7)
            out.append(off & 0xFF)
            out.append(0)
            lit = 0
            i += length + 2
            if i >= n - 2:
                break
            p = i - 2
            hval = (data[p] << 8) | data[p + 1]
            hval = ((hval << 8) | data[p + 2]) & 0xFFFFFFFF
            table[((hval >> 8) - hval * 5) & 0xFFFF] = p
            p += 1
            hval = ((hval << 8) | data[p + 2]) & 0xFFFFFFFF
            table[((hval >> 8) - hval * 5) & 0xFFFF] = p
        else:
            if len(out) >= out_len:
                return None
            out.append(data[i])
            i += 1
            lit += 1
            if lit == _MAX_LIT:
                out[-lit - 1] = lit - 1
                out.append(0)
                lit = 0
    if len(out) + 3 > out_len:
        return None
    while i < n:
        out.append(data[i])
        i += 1
        lit += 1
        if lit == _MAX_LIT:
            out[-lit - 1] = lit - 1
            out.append(0)
            lit = 0
    out[-lit - 1] = (lit - 1) & 0xFF
    if not lit:
        del out[-1]
    return bytes(out)


def decompress(data, expected_len):
    """The data of an LZF block, or None when the block is malformed or
    does not give ``expected_len`` bytes."""
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            ln = ctrl + 1
            if i + ln > n:
                return None
            out += data[i:i + ln]
            i += ln
        else:
            ln = ctrl >> 5
            if ln == 7:
                if i >= n:
                    return None
                ln += data[i]
                i += 1
            if i >= n:
                return None
            ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
            i += 1
            if ref < 0:
                return None
            ln += 2
            dist = len(out) - ref
            if dist >= ln:                  # no overlap: one slice
                out += out[ref:ref + ln]
            elif dist == 1:                 # a run of one byte
                out += out[ref:ref + 1] * ln
            else:                           # the copy reads what it writes
                for _ in range(ln):
                    out.append(out[ref])
                    ref += 1
        if len(out) > expected_len:
            return None
    return bytes(out)
