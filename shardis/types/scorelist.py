"""The order half of a skiplist-encoded sorted set: (score, member) pairs
kept sorted, with insert, delete, rank, index and bisection in O(log n)
and every probe of a bisection on contiguous doubles.

Layout: the pairs are cut into blocks of ``LOAD`` to ``2 * LOAD`` elements.
A block is an ``array('d')`` of its scores and a ``list`` of its members
(the same ``bytes`` objects the member -> score dict holds as keys, so a
member costs one pointer here). The last score of every block is kept in one
more ``array('d')`` (``maxs``) and its last member in a list (``maxm``).

Finding (score, member) is a bisection of ``maxs`` (which block), one of the
block's scores (where), and, only among equal scores, a bisection of the
members of that run: members are compared, and their objects visited, only
when scores tie. On a 100k-element set built from random scores, bisecting
bytes keys (8 score bytes + member, one heap object per probe) cost about
2.1 µs per lookup here, bisecting an array of doubles about 0.4 µs: the
probes of the array stay in a few cache lines, each bytes probe is a miss.

Ranks: blocks change length by one on an insert or delete; a Fenwick tree
over block lengths (``fen``) gives the start of a block and the block of an
index in O(log blocks). It is built on the first positional request and
then kept up to date, and dropped when blocks split or merge (so a set that
is only written never pays for it).

Ordering is Redis's: by score, then by member bytes; -0.0 and 0.0 compare
equal (the stored score keeps its sign); NaN is never stored.
"""
from array import array
from bisect import bisect_left as _bl, bisect_right as _br

LOAD = 512          # a block holds LOAD..2*LOAD elements (fewer when it is the only one,
                    # and the first may be short after pops from the front)
_LINEAR = 8         # up to this many blocks, positions are summed directly
_FRONT = 64         # pop(0) cuts a first block longer than this (see pop)


class ScoreList:
    __slots__ = ("scs", "mems", "maxs", "maxm", "n", "fen")

    def __init__(self, pairs=()):
        """``pairs``: (score, member) already sorted, members unique."""
        self.scs = []           # per block: array('d') of scores
        self.mems = []          # per block: list of members
        self.maxs = array("d")  # per block: last score
        self.maxm = []          # per block: last member
        self.n = 0
        self.fen = None         # Fenwick tree of block lengths (1-based), or None
        if pairs:
            pairs = list(pairs)
            step = LOAD + LOAD // 2
            for k in range(0, len(pairs), step):
                part = pairs[k:k + step]
                self.scs.append(array("d", [p[0] for p in part]))
                self.mems.append([p[1] for p in part])
                self.maxs.append(part[-1][0])
                self.maxm.append(part[-1][1])
            self.n = len(pairs)

    def __len__(self):
        return self.n

    # -- finding --------------------------------------------------------------
    def _find(self, s, m, right):
        """(block, offset) where (s, m) goes: before an equal pair (bisect
        left) or after it (``right``). Block is -1 when the list is empty."""
        maxs = self.maxs
        nb = len(maxs)
        if not nb:
            return -1, 0
        b = _bl(maxs, s)
        if b < nb and maxs[b] == s:
            # blocks b..hi-1 end with score s: pick by their last members
            # (for ``right``, the end of block b is the start of block b+1)
            b = _bl(self.maxm, m, b, _br(maxs, s, b))
        if b == nb:
            return nb - 1, len(self.mems[-1])
        sc = self.scs[b]
        j = _bl(sc, s)
        if j < len(sc) and sc[j] == s:
            k = _br(sc, s, j)
            mem = self.mems[b]
            j = _br(mem, m, j, k) if right else _bl(mem, m, j, k)
        return b, j

    def _find_score(self, s, right):
        """(block, offset) of the first pair with score >= s (> s if ``right``)."""
        maxs = self.maxs
        nb = len(maxs)
        if not nb:
            return -1, 0
        b = _br(maxs, s) if right else _bl(maxs, s)
        if b == nb:
            return nb - 1, len(self.mems[-1])
        return b, (_br(self.scs[b], s) if right else _bl(self.scs[b], s))

    # -- positions --------------------------------------------------------------
    def _build(self):
        fen = [0]
        fen.extend(map(len, self.mems))
        nb = len(fen) - 1
        for k in range(1, nb + 1):
            p = k + (k & -k)
            if p <= nb:
                fen[p] += fen[k]
        self.fen = fen
        return fen

    def _start(self, b):
        """How many pairs come before block ``b``."""
        if b < _LINEAR:
            mems = self.mems
            t = 0
            for k in range(b):
                t += len(mems[k])
            return t
        fen = self.fen or self._build()
        t = 0
        while b:
            t += fen[b]
            b &= b - 1
        return t

    def _locate(self, i):
        """(block, offset) of index ``i`` (0 <= i < n)."""
        mems = self.mems
        nb = len(mems)
        if nb <= _LINEAR:
            for b in range(nb):
                k = len(mems[b])
                if i < k:
                    return b, i
                i -= k
            raise IndexError("index out of range")
        fen = self.fen or self._build()
        pos = 0
        bit = 1 << (nb.bit_length() - 1)
        while bit:
            nxt = pos + bit
            if nxt <= nb and fen[nxt] <= i:
                pos = nxt
                i -= fen[nxt]
            bit >>= 1
        return pos, i

    def _grew(self, b, delta):
        fen = self.fen
        if fen is not None:
            nb = len(fen) - 1
            b += 1
            while b <= nb:
                fen[b] += delta
                b += b & -b

    def index(self, s, m, right=False):
        """Position of (s, m) as bisect_left (or bisect_right) would give it."""
        b, j = self._find(s, m, right)
        return j if b <= 0 else self._start(b) + j

    def index_score(self, s, right=False):
        """Position of the first pair with score >= s (> s if ``right``)."""
        b, j = self._find_score(s, right)
        return j if b <= 0 else self._start(b) + j

    # -- changes ----------------------------------------------------------------
    def insert(self, s, m):
        """Add (s, m); ``m`` must not be in the list."""
        b, j = self._find(s, m, False)
        if b < 0:
            self.scs.append(array("d", (s,)))
            self.mems.append([m])
            self.maxs.append(s)
            self.maxm.append(m)
            self.n = 1
            self.fen = None
            return
        mem = self.mems[b]
        self.scs[b].insert(j, s)
        mem.insert(j, m)
        self.n += 1
        if j == len(mem) - 1:
            self.maxs[b] = s
            self.maxm[b] = m
        if len(mem) > 2 * LOAD:
            self._split(b)
        elif self.fen is not None:
            self._grew(b, 1)

    def delete(self, s, m):
        """Remove (s, m); returns False if it is not in the list."""
        b, j = self._find(s, m, False)
        if b < 0:
            return False
        mem = self.mems[b]
        if j >= len(mem) or mem[j] != m:
            return False
        self._del(b, j)
        return True

    def move(self, old, s, m):
        """Give ``m`` (in the list with score ``old``) the score ``s``. The
        member object the list holds is kept (``m`` may be an equal one)."""
        b, j = self._find(old, m, False)
        mem = self.mems[b]
        m = mem[j]
        if 0 < j < len(mem) - 1:
            sc = self.scs[b]
            if sc[j - 1] <= s <= sc[j + 1]:
                # the new pair stays between the same neighbours
                # (an equal neighbour score: the members must still be in order)
                if (sc[j - 1] < s or mem[j - 1] < m) and (s < sc[j + 1] or m < mem[j + 1]):
                    sc[j] = s
                    return
        self._del(b, j)
        self.insert(s, m)

    def pop(self, index):
        """Remove and return the pair at ``index`` (0 and -1 are the quick ones)."""
        if not self.n:
            raise IndexError("pop from an empty list")
        if index == 0:
            mem = self.mems[0]
            if len(mem) > _FRONT + LOAD // 2:
                # Removing the first pair of a block moves all the others:
                # ~1 µs for a 1,000-pair block. A run of ZPOPMINs pops from a
                # first block of _FRONT pairs cut off the front instead (one
                # copy of the block per _FRONT pops); it is left short (no
                # merge) until it empties. The rest keeps at least LOAD // 2
                # pairs, so the first block is the only short one.
                self._split_at(0, _FRONT)
                mem = self.mems[0]
            if len(mem) > 1:
                # the usual ZPOPMIN: block 0 stays, its last pair stays
                sc = self.scs[0]
                s = sc[0]
                m = mem[0]
                del sc[0]
                del mem[0]
                self.n -= 1
                if self.fen is not None:
                    self._grew(0, -1)
                return s, m
            b = j = 0
        elif index == -1:
            b = len(self.mems) - 1
            j = len(self.mems[b]) - 1
        else:
            b, j = self._locate(index % self.n)
        s = self.scs[b][j]
        m = self.mems[b][j]
        self._del(b, j)
        return s, m

    def _del(self, b, j):
        sc = self.scs[b]
        mem = self.mems[b]
        del sc[j]
        del mem[j]
        self.n -= 1
        k = len(mem)
        if not k:
            del self.scs[b], self.mems[b], self.maxs[b], self.maxm[b]
            self.fen = None
            return
        if j == k:
            self.maxs[b] = sc[-1]
            self.maxm[b] = mem[-1]
        if k < LOAD // 2 and len(self.mems) > 1:
            self._merge(b)
        elif self.fen is not None:
            self._grew(b, -1)

    def _split(self, b):
        self._split_at(b, len(self.mems[b]) // 2)

    def _split_at(self, b, h):
        """Cut block ``b`` after its first ``h`` pairs (0 < h < its length)."""
        sc = self.scs[b]
        mem = self.mems[b]
        self.scs[b:b + 1] = [sc[:h], sc[h:]]
        self.mems[b:b + 1] = [mem[:h], mem[h:]]
        self.maxs.insert(b, sc[h - 1])
        self.maxm.insert(b, mem[h - 1])
        self.fen = None

    def _merge(self, b):
        """Join the short block ``b`` with a neighbour (splitting the result
        again if it is too long)."""
        if b == len(self.mems) - 1:
            b -= 1
        self.scs[b].extend(self.scs[b + 1])
        self.mems[b].extend(self.mems[b + 1])
        self.maxs[b] = self.maxs[b + 1]
        self.maxm[b] = self.maxm[b + 1]
        del self.scs[b + 1], self.mems[b + 1], self.maxs[b + 1], self.maxm[b + 1]
        self.fen = None
        if len(self.mems[b]) > 2 * LOAD:
            self._split(b)

    # -- reading ----------------------------------------------------------------
    def __getitem__(self, i):
        if i.__class__ is slice:
            start, stop, step = i.indices(self.n)
            if step != 1:
                return list(self)[i]
            return self.range(start, stop)
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError("index out of range")
        if i == 0:
            return self.scs[0][0], self.mems[0][0]
        b, j = self._locate(i)
        return self.scs[b][j], self.mems[b][j]

    def range(self, start, stop):
        """Pairs ``start`` to ``stop - 1`` as a list."""
        if start >= stop:
            return []
        b, j = self._locate(start) if start else (0, 0)
        left = stop - start
        out = []
        scs = self.scs
        mems = self.mems
        while left > 0:
            sc = scs[b]
            mem = mems[b]
            k = min(len(mem), j + left)
            out.extend(zip(sc[j:k], mem[j:k]))
            left -= k - j
            b += 1
            j = 0
        return out

    def __iter__(self):
        for sc, mem in zip(self.scs, self.mems):
            yield from zip(sc, mem)

    def members(self):
        """Every member in order."""
        out = []
        for mem in self.mems:
            out.extend(mem)
        return out

    def memory_usage(self):
        """Bytes of the order structure (not the members, held by the dict)."""
        nb = len(self.mems)
        return 96 + nb * (64 + 56 + 16) + self.n * 16 + nb * 8 * LOAD // 2
