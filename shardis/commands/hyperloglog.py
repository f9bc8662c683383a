"""HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.

Sketches are ordinary string values in Redis's exact byte layout (see
types/hyperloglog.py); a sketch being modified is held as a ``bytearray``.
"""
import random

from shardis.commands import command
from shardis.commands import errors as E
from shardis.protocol.resp import OK, CZERO, CONE, integer, error, bulk
from shardis.types import hyperloglog as H

_BYTES = bytes
_BYTEARRAY = bytearray


def _check(v):
    """None if ``v`` is a usable sketch, else the error reply."""
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    if not H.is_valid(v):
        return H.NOT_HLL_ERR
    return None


def _unshare(db, key, v):
    """The value as a bytearray stored at key (Redis's dbUnshareStringValue)."""
    if v.__class__ is not _BYTEARRAY:
        v = bytearray(v)
        db.store(key, v)
    return v


def _max_bytes(c):
    return c.server.config["hll-sparse-max-bytes"]


@command("pfadd")
def cmd_pfadd(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    updated = 0
    if v is None:
        v = H.new_sparse()
        db.set(key, v)
        updated = 1
    else:
        err = _check(v)
        if err is not None:
            return err
        v = _unshare(db, key, v)
    if len(argv) > 2:
        n, nv = H.add_many(v, argv[2:], _max_bytes(c))
        if nv is not v:
            db.store(key, nv)
            v = nv
        if n < 0:
            return H.INVALID_ERR
        updated += n
    if updated:
        db.signal(key)
        srv = c.server
        if srv.notify_on:
            srv.notify(db, "$", "pfadd", key)
        srv.dirty += 1
        v[15] |= 0x80
        return CONE
    return CZERO


@command("pfcount")
def cmd_pfcount(c, argv):
    db = c.db
    if len(argv) > 2:
        regs = bytearray(H.REGISTERS)
        for key in argv[1:]:
            v = db.lookup_read(key)
            if v is None:
                continue
            err = _check(v)
            if err is not None:
                return err
            if not H.merge_into(regs, v):
                return H.INVALID_ERR
        return integer(H.estimate(H.raw_histogram(bytes(regs))))
    key = argv[1]
    v = db.lookup_read(key)
    if v is None:
        return CZERO
    err = _check(v)
    if err is not None:
        return err
    v = _unshare(db, key, v)
    if H.cache_valid(v):
        return integer(H.cached_card(v))
    hist, valid = H.histogram(v)
    if not valid:
        return H.INVALID_ERR
    card = H.estimate(hist)
    H.store_card(v, card)
    db.signal(key)
    c.server.dirty += 1
    return integer(card)


@command("pfmerge")
def cmd_pfmerge(c, argv):
    db = c.db
    regs = bytearray(H.REGISTERS)
    use_dense = False
    for key in argv[1:]:
        v = db.lookup_read(key)
        if v is None:
            continue
        err = _check(v)
        if err is not None:
            return err
        if v[4] == H.DENSE:
            use_dense = True
        if not H.merge_into(regs, v):
            return H.INVALID_ERR
    dest = argv[1]
    v = db.lookup_write(dest)
    if v is None:
        v = H.new_sparse()
        db.set(dest, v)
    else:
        v = _unshare(db, dest, v)
    if use_dense and v[4] == H.SPARSE:
        d = H.sparse_to_dense(v)
        if d is None:
            return H.INVALID_ERR
        v = d
        db.store(dest, v)
    if v[4] == H.DENSE:
        payload = H.pack_dense(bytes(map(max, H.dense_registers(v), regs)))
        v[H.HDR_SIZE:] = payload
    else:
        mb = _max_bytes(c)
        for j, r in enumerate(regs):
            if r:
                if v[4] == H.DENSE:
                    if H.dense_get(v, j) < r:
                        H.dense_set(v, j, r)
                else:
                    _, v = H.sparse_set(v, j, r, mb)
        db.store(dest, v)
    v[15] |= 0x80
    db.signal(dest)
    srv = c.server
    if srv.notify_on:
        srv.notify(db, "$", "pfadd", dest)
    srv.dirty += 1
    return OK


@command("pfdebug")
def cmd_pfdebug(c, argv):
    db = c.db
    sub = argv[1]
    key = argv[2]
    v = db.lookup_write(key)
    if v is None:
        return error("ERR The specified key does not exist")
    err = _check(v)
    if err is not None:
        return err
    v = _unshare(db, key, v)
    name = sub.lower()
    if name in (b"getreg", b"decode", b"encoding", b"todense") and len(argv) != 3:
        return error("ERR wrong number of arguments for 'pfdebug' command")
    if name == b"getreg":
        if v[4] == H.SPARSE:
            d = H.sparse_to_dense(v)
            if d is None:
                return H.INVALID_ERR
            v = d
            db.store(key, v)
            c.server.dirty += 1
        regs = H.dense_registers(v)
        return b"*%d\r\n" % H.REGISTERS + b"".join(integer(r) for r in regs)
    if name == b"decode":
        if v[4] != H.SPARSE:
            return error("ERR HLL encoding is not sparse")
        out = []
        p = H.HDR_SIZE
        end = len(v)
        while p < end:
            b = v[p]
            if b & 0x80:
                out.append(b"v:%d,%d" % (((b >> 2) & 31) + 1, (b & 3) + 1))
                p += 1
            elif b & 0x40:
                nxt = v[p + 1] if p + 1 < end else 0
                out.append(b"Z:%d" % ((((b & 0x3f) << 8) | nxt) + 1))
                p += 2
            else:
                out.append(b"z:%d" % (b + 1))
                p += 1
        return bulk(b" ".join(out))
    if name == b"encoding":
        return b"+dense\r\n" if v[4] == H.DENSE else b"+sparse\r\n"
    if name == b"todense":
        if v[4] == H.SPARSE:
            d = H.sparse_to_dense(v)
            if d is None:
                return H.INVALID_ERR
            db.store(key, d)
            c.server.dirty += 1
            return CONE
        return CZERO
    return error("ERR Unknown PFDEBUG subcommand '%s'" % sub.decode("utf-8", "replace"))


def selftest():
    """Check the register codec and the estimator; returns None or an error text."""
    rnd = random.Random(1)
    v = bytearray(H.DENSE_SIZE)
    v[0:4] = b"HYLL"
    ref = [0] * H.REGISTERS
    for _ in range(20000):
        i = rnd.randrange(H.REGISTERS)
        r = rnd.randrange(64)
        ref[i] = r
        H.dense_set(v, i, r)
        if H.dense_get(v, i) != r:
            return "TESTFAILED Register error at %d" % i
    if list(H.dense_registers(v)) != ref:
        return "TESTFAILED Register error (bulk decode)"
    if H.pack_dense(bytes(ref)) != v[H.HDR_SIZE:]:
        return "TESTFAILED Register error (bulk encode)"
    sparse = H.new_sparse()
    dense = bytearray(H.DENSE_SIZE)
    dense[0:4] = b"HYLL"
    done = 0
    for n in (10, 100, 1000, 5000, 20000):
        eles = [b"%d" % rnd.getrandbits(62) for _ in range(n - done)]
        done = n
        _, sparse = H.add_many(sparse, eles, 3000)
        H.add_many(dense, eles, 3000)
        ca = H.estimate(H.histogram(sparse)[0])
        cb = H.estimate(H.histogram(dense)[0])
        if ca != cb:
            return "TESTFAILED sparse/dense mismatch at %d: %d vs %d" % (n, ca, cb)
        if abs(ca - n) > n * 0.05 + 5:
            return "TESTFAILED too big error. card:%d abserr:%d" % (n, abs(ca - n))
    return None


@command("pfselftest")
def cmd_pfselftest(c, argv):
    msg = selftest()
    return OK if msg is None else error(msg)
