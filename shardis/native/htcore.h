/* The hash table under KeyTable, HashTable and SetTable.
 *
 * Buckets are 64 bytes: one meta byte (bits 0-6: which of the 7 slots hold an entry,
 * bit 7: the bucket is chained, its last slot points at a child bucket), 7 one-byte
 * fingerprints (the top byte of the entry's hash: a lookup dereferences only entries
 * whose fingerprint matches) and 7 entry pointers. A full bucket gets a child bucket;
 * a chain is compacted on delete (the chain's last entry fills the hole, an emptied
 * child is freed), so a child bucket is never empty.
 *
 * An entry always stays in the chain of bucket (hash & mask) of its table. Two tables
 * exist while rehashing: table 0 buckets below rehash_idx are already moved (empty);
 * inserts go to table 1. Every insert, delete and lookup moves at most one non-empty
 * chain (visiting at most 10 empty buckets), so no operation moves more than one
 * chain; rehash_step() lets a cron move more. The table grows (x2) when it holds more
 * than 9.1 entries per bucket (GROW_FILL_PCT: 130% of the 7 slots; measured, this keeps
 * the index at 11-15 bytes a key where 100% gave 11-19) and shrinks when it holds
 * fewer than 7/8 per bucket, to the size that holds 3.5 per bucket.
 *
 * Entries are byte blobs whose layout depends on the table kind (lay):
 *   LAY_KT   [flags][access:3][deadline:8 if F_TTL][klen:1][vlen:1][klen:8 if F_KBIG][value][key]
 *   LAY_HASH [flags][klen:1][vlen:1][klen:8 if F_KBIG][value][key]
 *   LAY_SET  [flags][klen:1][klen:8 if F_KBIG][key]
 * value is the embedded bytes (VK_EMB, vlen of them), an int64 (VK_INT, the canonical
 * decimal form of the value) or a PyObject pointer (VK_OBJ, a strong reference).
 */
#ifndef SHARDIS_HTCORE_H
#define SHARDIS_HTCORE_H

#include <Python.h>
#include <malloc.h>
#include <sys/mman.h>
#include <stdint.h>
#include <string.h>

#include "hashfn.h"

enum { LAY_KT = 0, LAY_HASH = 1, LAY_SET = 2 };

#define F_VKIND 3
#define VK_EMB 0
#define VK_INT 1
#define VK_OBJ 2
#define F_TTL 4
#define F_KBIG 8
/* Bits 4-7 of a KeyTable entry's flags: the blob class (1-15) of an embedded value that is
 * an instance of a registered bytes subclass (a listpack or intset), 0 for plain bytes.
 * ewrite takes them as part of vkind. */
#define F_TAG_SHIFT 4

#define EMB_MAX 64          /* longest value embedded in an entry */
#define SMALL_MAX 512       /* pymalloc serves blocks up to this size, in 16-byte classes */

/* ---- allocation: small blocks from pymalloc (no header), others from malloc ---- */

/* Small blocks are asked for rounded up to 16 bytes (what pymalloc gives anyway), so an
 * entry may be rewritten in place up to its rounded size under any allocator. */
static inline size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }
static inline void *xalloc(size_t n) { return n <= SMALL_MAX ? PyObject_Malloc(round16(n)) : malloc(n); }
static inline void *xcalloc(size_t n)
{
    return n <= SMALL_MAX ? PyObject_Calloc(1, round16(n)) : calloc(1, n);
}
static inline void xfree(void *p, size_t n)
{
    if (n <= SMALL_MAX) PyObject_Free(p);
    else free(p);
}
/* What a block of n bytes costs: pymalloc rounds to 16; glibc malloc adds its 8-byte
 * chunk header to the usable size it reports. */
static inline size_t xcharge(void *p, size_t n)
{
    if (n <= SMALL_MAX) return (n + 15) & ~(size_t)15;
    return malloc_usable_size(p) + 8;
}

/* ---- entries ---- */

typedef struct {
    const unsigned char *key;
    size_t klen;
    unsigned char *val;      /* the value payload */
    size_t vlen;             /* its length: embedded bytes, or 8 */
    size_t size;             /* bytes of the whole entry */
    int vkind;
    int tag;                 /* LAY_KT, VK_EMB: the blob class of the value (0: plain bytes) */
} ev;

static inline size_t hdr_size(int lay, unsigned f)
{
    if (lay == LAY_KT) return (f & F_TTL) ? 12 : 4;
    return 1;
}

static inline void eparse(int lay, const unsigned char *e, ev *v)
{
    unsigned f = e[0];
    const unsigned char *p = e + hdr_size(lay, f);
    size_t kl = *p++;
    size_t vl = 0;
    v->vkind = (int)(f & F_VKIND);
    v->tag = (int)(f >> F_TAG_SHIFT);
    if (lay != LAY_SET) {
        unsigned b = *p++;
        vl = v->vkind == VK_EMB ? b : 8;
    }
    if (f & F_KBIG) {
        uint64_t k;
        memcpy(&k, p, 8);
        kl = (size_t)k;
        p += 8;
    }
    v->val = (unsigned char *)p;
    v->vlen = vl;
    v->key = p + vl;
    v->klen = kl;
    v->size = (size_t)(v->key + kl - e);
}

static inline uint64_t ehash(int lay, const unsigned char *e)
{
    ev v;
    eparse(lay, e, &v);
    return siphash13(v.key, v.klen);
}

/* Bytes of an entry: header, lengths, value payload (EMB: vlen, INT/OBJ: 8), key. */
static inline size_t esize(int lay, int has_ttl, int vkind, size_t vlen, size_t klen)
{
    size_t n = hdr_size(lay, has_ttl ? F_TTL : 0) + 1 + klen + (klen > 255 ? 8 : 0);
    if (lay != LAY_SET) n += 1 + (vkind == VK_EMB ? vlen : 8);
    return n;
}

/* Write an entry into e (which has room for esize(...) bytes). For LAY_KT, access and
 * deadline fill the header; for the others they are ignored. */
static inline void ewrite(int lay, unsigned char *e, int has_ttl, uint32_t access, int64_t deadline,
                          const char *key, size_t klen, int vkind, const void *vptr, size_t vlen)
{
    unsigned f = (unsigned)vkind | (has_ttl ? F_TTL : 0) | (klen > 255 ? F_KBIG : 0);
    unsigned char *p = e;
    *p++ = (unsigned char)f;
    if (lay == LAY_KT) {
        p[0] = (unsigned char)(access & 0xff);
        p[1] = (unsigned char)((access >> 8) & 0xff);
        p[2] = (unsigned char)((access >> 16) & 0xff);
        p += 3;
        if (has_ttl) {
            memcpy(p, &deadline, 8);
            p += 8;
        }
    }
    *p++ = (unsigned char)(klen > 255 ? 0 : klen);
    if (lay != LAY_SET) *p++ = (unsigned char)((vkind & F_VKIND) == VK_EMB ? vlen : 0);
    if (klen > 255) {
        uint64_t k = klen;
        memcpy(p, &k, 8);
        p += 8;
    }
    if (lay != LAY_SET) {
        size_t n = (vkind & F_VKIND) == VK_EMB ? vlen : 8;
        if (n) memcpy(p, vptr, n);
        p += n;
    }
    if (klen) memcpy(p, key, klen);
}

static inline uint32_t e_access(const unsigned char *e)
{
    return (uint32_t)e[1] | ((uint32_t)e[2] << 8) | ((uint32_t)e[3] << 16);
}

static inline void set_e_access(unsigned char *e, uint32_t a)
{
    e[1] = (unsigned char)(a & 0xff);
    e[2] = (unsigned char)((a >> 8) & 0xff);
    e[3] = (unsigned char)((a >> 16) & 0xff);
}

static inline int64_t edeadline(const unsigned char *e)
{
    int64_t d;
    memcpy(&d, e + 4, 8);
    return d;
}

static inline PyObject *eobj(const ev *v)
{
    PyObject *o;
    memcpy(&o, v->val, sizeof(o));
    return o;
}

/* ---- buckets and tables ---- */

#define BSLOTS 7
#ifndef GROW_FILL_PCT
#define GROW_FILL_PCT 130   /* grow (x2) past 1.3 entries per slot (9.1 per bucket) */
#endif
#ifndef VOL_GROW_FILL_PCT
#define VOL_GROW_FILL_PCT 130
#endif
#define PRESENT 0x7f
#define CHAINED 0x80
#define CHILD_SLOT (BSLOTS - 1)

typedef struct bucket {
    uint8_t meta;
    uint8_t fp[BSLOTS];
    void *e[BSLOTS];
} bucket;

typedef struct htab {
    bucket *t[2];
    int64_t used[2];
    int64_t rehash_idx;     /* -1: not rehashing */
    int64_t children;       /* child buckets of both tables */
    int8_t exp[2];          /* log2 of the bucket count; -1: no table */
    uint8_t depth[2];       /* longest chain (in buckets) since the table was made */
    uint16_t grow_pct;      /* grow past this many entries per 100 slots */
} htab;

typedef struct {
    bucket *home;
    bucket *b;
    int slot;
    int ti;
} hpos;

static inline void ht_init_pct(htab *h, unsigned grow_pct)
{
    memset(h, 0, sizeof(*h));
    h->rehash_idx = -1;
    h->exp[0] = h->exp[1] = -1;
    h->grow_pct = (uint16_t)grow_pct;
}

static inline void ht_init(htab *h) { ht_init_pct(h, GROW_FILL_PCT); }

static inline int64_t ht_count(const htab *h) { return h->used[0] + h->used[1]; }
static inline int ht_rehashing(const htab *h) { return h->rehash_idx >= 0; }
static inline size_t ht_size(const htab *h, int ti)
{
    return h->exp[ti] < 0 ? 0 : (size_t)1 << h->exp[ti];
}
static inline bucket *bchild(const bucket *b) { return (bucket *)b->e[CHILD_SLOT]; }

static inline int ht_find(const htab *h, int lay, const char *key, size_t klen, uint64_t hv,
                          hpos *out)
{
    if (h->exp[0] < 0) return 0;
    uint8_t fp = (uint8_t)(hv >> 56);
    int last = h->rehash_idx >= 0;
    for (int ti = 0; ti <= last; ti++) {
        size_t idx = hv & (ht_size(h, ti) - 1);
        if (ti == 0 && last && (int64_t)idx < h->rehash_idx) continue;
        bucket *home = &h->t[ti][idx], *b = home;
        for (;;) {
            unsigned pres = b->meta & PRESENT;
            while (pres) {
                int s = __builtin_ctz(pres);
                pres &= pres - 1;
                if (b->fp[s] != fp) continue;
                ev v;
                eparse(lay, b->e[s], &v);
                if (v.klen == klen && memcmp(v.key, key, klen) == 0) {
                    out->home = home;
                    out->b = b;
                    out->slot = s;
                    out->ti = ti;
                    return 1;
                }
            }
            if (!(b->meta & CHAINED)) break;
            b = bchild(b);
        }
    }
    return 0;
}

/* Find the slot that holds exactly this entry pointer (used by the volatile index). */
static inline int ht_find_ptr(const htab *h, const void *e, uint64_t hv, hpos *out)
{
    if (h->exp[0] < 0) return 0;
    uint8_t fp = (uint8_t)(hv >> 56);
    int last = h->rehash_idx >= 0;
    for (int ti = 0; ti <= last; ti++) {
        size_t idx = hv & (ht_size(h, ti) - 1);
        if (ti == 0 && last && (int64_t)idx < h->rehash_idx) continue;
        bucket *home = &h->t[ti][idx], *b = home;
        for (;;) {
            unsigned pres = b->meta & PRESENT;
            while (pres) {
                int s = __builtin_ctz(pres);
                pres &= pres - 1;
                if (b->fp[s] == fp && b->e[s] == e) {
                    out->home = home;
                    out->b = b;
                    out->slot = s;
                    out->ti = ti;
                    return 1;
                }
            }
            if (!(b->meta & CHAINED)) break;
            b = bchild(b);
        }
    }
    return 0;
}

/* Put e into the chain of its bucket in table ti. -1 when a child bucket cannot be had. */
static inline int ht_add_at(htab *h, int ti, uint64_t hv, void *e)
{
    size_t idx = hv & (ht_size(h, ti) - 1);
    uint8_t fp = (uint8_t)(hv >> 56);
    bucket *b = &h->t[ti][idx];
    unsigned depth = 1;
    for (;;) {
        unsigned cap = (b->meta & CHAINED) ? 0x3f : PRESENT;
        unsigned free_ = ~b->meta & cap;
        if (free_) {
            int s = __builtin_ctz(free_);
            b->e[s] = e;
            b->fp[s] = fp;
            b->meta |= (uint8_t)(1u << s);
            break;
        }
        if (b->meta & CHAINED) {
            b = bchild(b);
            depth++;
            continue;
        }
        bucket *c = PyObject_Malloc(sizeof(bucket));
        if (!c) return -1;
        memset(c, 0, sizeof(*c));
        c->e[0] = b->e[CHILD_SLOT];
        c->fp[0] = b->fp[CHILD_SLOT];
        c->e[1] = e;
        c->fp[1] = fp;
        c->meta = 3;
        b->e[CHILD_SLOT] = c;
        b->meta = (uint8_t)((b->meta & 0x3f) | CHAINED);
        h->children++;
        depth++;
        break;
    }
    h->used[ti]++;
    if (depth > h->depth[ti]) h->depth[ti] = (uint8_t)(depth > 255 ? 255 : depth);
    return 0;
}

/* Take the entry at p out of its chain; the chain's last entry fills the hole and an
 * emptied child bucket is freed. */
static inline void ht_remove_at(htab *h, const hpos *p)
{
    bucket *par = NULL, *last = p->home;
    while (last->meta & CHAINED) {
        par = last;
        last = bchild(last);
    }
    unsigned lp = last->meta & PRESENT;
    int ls = 31 - __builtin_clz(lp);
    if (!(last == p->b && ls == p->slot)) {
        p->b->e[p->slot] = last->e[ls];
        p->b->fp[p->slot] = last->fp[ls];
    }
    last->meta &= (uint8_t)~(1u << ls);
    if (par && (last->meta & PRESENT) == 0) {
        PyObject_Free(last);
        par->meta &= (uint8_t)~CHAINED;
        par->e[CHILD_SLOT] = NULL;
        h->children--;
    }
    h->used[p->ti]--;
}

static inline size_t table_bytes(size_t nb) { return nb * sizeof(bucket); }

/* Bucket arrays of BIG_TABLE bytes or more are mapped directly (page-aligned, zero
 * pages until touched) and, while a rehash empties them, given back to the kernel
 * RELEASE_CHUNK bytes at a time: freeing a 64 MB table at once costs ~4 ms of page
 * releases in one operation (measured at 10M keys), 64 KB at a time costs ~10 us. */
#define BIG_TABLE (256 * 1024)
#define RELEASE_CHUNK (64 * 1024)
#define RELEASE_BUCKETS (RELEASE_CHUNK / 64)

static inline bucket *table_alloc(size_t nb)
{
    size_t n = table_bytes(nb);
    if (n < BIG_TABLE) return xcalloc(n);
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static inline void table_free(bucket *t, size_t nb)
{
    size_t n = table_bytes(nb);
    if (n < BIG_TABLE) xfree(t, n);
    else munmap(t, n);
}

static inline size_t table_charge(bucket *t, size_t nb)
{
    size_t n = table_bytes(nb);
    return n < BIG_TABLE ? xcharge(t, n) : n;
}

static inline void ht_free_table(htab *h, int ti)
{
    if (h->t[ti]) table_free(h->t[ti], ht_size(h, ti));
    h->t[ti] = NULL;
    h->exp[ti] = -1;
    h->used[ti] = 0;
    h->depth[ti] = 0;
}

static inline void ht_finish_rehash(htab *h)
{
    ht_free_table(h, 0);
    h->t[0] = h->t[1];
    h->exp[0] = h->exp[1];
    h->used[0] = h->used[1];
    h->depth[0] = h->depth[1];
    h->t[1] = NULL;
    h->exp[1] = -1;
    h->used[1] = 0;
    h->depth[1] = 0;
    h->rehash_idx = -1;
}

static inline int ht_start_rehash(htab *h, int e)
{
    bucket *t = table_alloc((size_t)1 << e);
    if (!t) return -1;
    h->t[1] = t;
    h->exp[1] = (int8_t)e;
    h->used[1] = 0;
    h->depth[1] = 1;
    h->rehash_idx = 0;
    return 0;
}

static void ht_maybe_resize(htab *h);

/* Past one more bucket of table 0; moved stretches of a mapped table go back to the
 * kernel (they read as empty buckets afterwards, which they are). Returns 1 when the
 * rehash is complete. */
static inline int ht_rehash_advance(htab *h)
{
    size_t size0 = ht_size(h, 0);
    size_t idx = (size_t)++h->rehash_idx;
    if (idx % RELEASE_BUCKETS == 0 && table_bytes(size0) >= BIG_TABLE)
        madvise(&h->t[0][idx - RELEASE_BUCKETS], RELEASE_CHUNK, MADV_DONTNEED);
    if (idx == size0) {
        ht_finish_rehash(h);
        ht_maybe_resize(h);
        return 1;
    }
    return 0;
}

/* Move up to n non-empty chains from table 0 to table 1 (visiting at most 10n empty
 * buckets). Returns 1 while still rehashing. */
static int ht_rehash_step(htab *h, int lay, int64_t n)
{
    int64_t empty = n * 10;
    while (n-- > 0 && h->rehash_idx >= 0) {
        bucket *home = &h->t[0][h->rehash_idx];
        while (home->meta == 0) {
            if (ht_rehash_advance(h)) return h->rehash_idx >= 0;
            if (--empty <= 0) return 1;
            home = &h->t[0][h->rehash_idx];
        }
        for (bucket *b = home; b; b = (b->meta & CHAINED) ? bchild(b) : NULL) {
            unsigned pres = b->meta & PRESENT;
            while (pres) {
                int s = __builtin_ctz(pres);
                pres &= pres - 1;
                if (ht_add_at(h, 1, ehash(lay, b->e[s]), b->e[s]) < 0)
                    Py_FatalError("shardis key table: out of memory while rehashing");
                b->meta &= (uint8_t)~(1u << s);
                h->used[0]--;
            }
        }
        bucket *c = (home->meta & CHAINED) ? bchild(home) : NULL;
        while (c) {
            bucket *nx = (c->meta & CHAINED) ? bchild(c) : NULL;
            PyObject_Free(c);
            h->children--;
            c = nx;
        }
        home->meta = 0;
        if (ht_rehash_advance(h)) return h->rehash_idx >= 0;
    }
    return h->rehash_idx >= 0;
}

static void ht_maybe_resize(htab *h)
{
    if (h->rehash_idx >= 0 || h->exp[0] < 0) return;
    int64_t n = h->used[0];
    int64_t nb = (int64_t)1 << h->exp[0];
    if (n == 0) {
        ht_free_table(h, 0);
        return;
    }
    if (n * 100 > BSLOTS * nb * h->grow_pct) {
        if (h->exp[0] < 60) ht_start_rehash(h, h->exp[0] + 1);
    } else if (nb > 1 && n * 8 < BSLOTS * nb) {
        int e = 0;
        while (((int64_t)BSLOTS << e) < 2 * n) e++;
        if (e < h->exp[0]) ht_start_rehash(h, e);
    }
}

/* Insert an entry known to be absent. -1 on memory exhaustion (nothing changed). */
static inline int ht_add(htab *h, int lay, uint64_t hv, void *e)
{
    if (h->rehash_idx >= 0) ht_rehash_step(h, lay, 1);
    if (h->exp[0] < 0) {
        bucket *t = table_alloc(1);
        if (!t) return -1;
        h->t[0] = t;
        h->exp[0] = 0;
        h->used[0] = 0;
        h->depth[0] = 1;
    }
    if (ht_add_at(h, h->rehash_idx >= 0 ? 1 : 0, hv, e) < 0) return -1;
    ht_maybe_resize(h);
    return 0;
}

static inline void ht_del(htab *h, int lay, const hpos *p)
{
    ht_remove_at(h, p);
    if (ht_count(h) == 0) {   /* empty (so no child buckets): drop both tables at once */
        ht_free_table(h, 0);
        ht_free_table(h, 1);
        h->rehash_idx = -1;
        return;
    }
    if (h->rehash_idx >= 0) ht_rehash_step(h, lay, 1);
    ht_maybe_resize(h);
}

/* Uniform random entry: a bucket uniformly among the live ones of both tables, then a
 * position uniformly among depth*7; rejected when nothing is there. Every entry has
 * exactly one (bucket, level, slot), so each is drawn with the same probability. */
static inline void *ht_random(const htab *h)
{
    if (ht_count(h) == 0) return NULL;
    int reh = h->rehash_idx >= 0;
    uint64_t lo = reh ? (uint64_t)h->rehash_idx : 0;
    uint64_t n0 = ht_size(h, 0) - lo;
    uint64_t n1 = reh ? ht_size(h, 1) : 0;
    unsigned depth = h->depth[0];
    if (reh && h->depth[1] > depth) depth = h->depth[1];
    for (;;) {
        uint64_t r = rnd_below(n0 + n1);
        bucket *b = r < n0 ? &h->t[0][lo + r] : &h->t[1][r - n0];
        uint64_t pos = rnd_below((uint64_t)BSLOTS * depth);
        unsigned lvl = (unsigned)(pos / BSLOTS), s = (unsigned)(pos % BSLOTS);
        int ok = 1;
        while (lvl--) {
            if (!(b->meta & CHAINED)) {
                ok = 0;
                break;
            }
            b = bchild(b);
        }
        if (!ok) continue;
        if (s == CHILD_SLOT && (b->meta & CHAINED)) continue;
        if (b->meta & (1u << s)) return b->e[s];
    }
}

/* A growable array of entry pointers (collected with no Python code running). */
typedef struct {
    void **p;
    size_t n, cap;
} pvec;

static inline int pv_push(pvec *v, void *e)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 64;
        void **np = PyMem_Realloc(v->p, nc * sizeof(void *));
        if (!np) return -1;
        v->p = np;
        v->cap = nc;
    }
    v->p[v->n++] = e;
    return 0;
}

static inline void pv_free(pvec *v)
{
    PyMem_Free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

static inline int chain_collect(const bucket *b, pvec *out)
{
    for (; b; b = (b->meta & CHAINED) ? bchild(b) : NULL) {
        unsigned pres = b->meta & PRESENT;
        while (pres) {
            int s = __builtin_ctz(pres);
            pres &= pres - 1;
            if (pv_push(out, b->e[s]) < 0) return -1;
        }
    }
    return 0;
}

static inline int ht_collect(const htab *h, pvec *out)
{
    for (int ti = 0; ti < 2; ti++) {
        size_t nb = ht_size(h, ti);
        for (size_t i = 0; i < nb; i++)
            if (h->t[ti][i].meta && chain_collect(&h->t[ti][i], out) < 0) return -1;
    }
    return 0;
}

static inline uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

/* One step of the reverse-binary cursor (the scheme of Redis's dictScan): collect the
 * chain the cursor names in the smaller table and every chain of the larger table that
 * its keys can have moved to, then advance the cursor by incrementing its reversed
 * bits. A key present from start to end is returned at least once whatever resizes
 * happen between calls, because a cursor over a table of 2^k buckets is also a
 * position in the iteration over any other power of two. */
static inline uint64_t ht_scan(const htab *h, uint64_t v, pvec *out, int *err)
{
    if (h->exp[0] < 0 || ht_count(h) == 0) return 0;
    if (h->rehash_idx < 0) {
        uint64_t m0 = ht_size(h, 0) - 1;
        if (chain_collect(&h->t[0][v & m0], out) < 0) *err = 1;
        v |= ~m0;
        v = rev64(v);
        v++;
        return rev64(v);
    }
    int sm = h->exp[0] <= h->exp[1] ? 0 : 1, lg = 1 - sm;
    uint64_t m0 = ht_size(h, sm) - 1, m1 = ht_size(h, lg) - 1;
    if (chain_collect(&h->t[sm][v & m0], out) < 0) *err = 1;
    do {
        if (chain_collect(&h->t[lg][v & m1], out) < 0) *err = 1;
        v |= ~m1;
        v = rev64(v);
        v++;
        v = rev64(v);
    } while (v & (m0 ^ m1));
    return v;
}

/* Bytes of the bucket arrays and child buckets. */
static inline size_t ht_bytes(const htab *h)
{
    size_t n = (size_t)h->children * sizeof(bucket);
    for (int ti = 0; ti < 2; ti++)
        if (h->t[ti]) n += table_charge(h->t[ti], ht_size(h, ti));
    return n;
}

/* Call fn on every entry until it returns non-zero (that value is returned). fn must
 * not change the table. */
typedef int (*visit_fn)(void *ctx, void *e);

static inline int ht_foreach(const htab *h, visit_fn fn, void *ctx)
{
    for (int ti = 0; ti < 2; ti++) {
        size_t nb = ht_size(h, ti);
        for (size_t i = 0; i < nb; i++) {
            for (const bucket *b = &h->t[ti][i]; b; b = (b->meta & CHAINED) ? bchild(b) : NULL) {
                unsigned pres = b->meta & PRESENT;
                while (pres) {
                    int s = __builtin_ctz(pres);
                    pres &= pres - 1;
                    int rc = fn(ctx, b->e[s]);
                    if (rc) return rc;
                }
            }
        }
    }
    return 0;
}

/* Up to max entries of h, in bucket order. */
static inline int ht_collect_max(const htab *h, pvec *out, size_t max)
{
    for (int ti = 0; ti < 2; ti++) {
        size_t nb = ht_size(h, ti);
        for (size_t i = 0; i < nb && out->n < max; i++) {
            for (const bucket *b = &h->t[ti][i]; b && out->n < max;
                 b = (b->meta & CHAINED) ? bchild(b) : NULL) {
                unsigned pres = b->meta & PRESENT;
                while (pres && out->n < max) {
                    int s = __builtin_ctz(pres);
                    pres &= pres - 1;
                    if (pv_push(out, b->e[s]) < 0) return -1;
                }
            }
        }
    }
    return 0;
}

/* Free every bucket of h, calling fn on each entry first (when fn is not NULL), and
 * leave h empty. Callers that may run Python code in fn detach h first (copy it and
 * ht_init the original), so that code sees an empty, consistent table. */
typedef void (*entry_fn)(void *ctx, void *e);

static inline void ht_destroy(htab *h, entry_fn fn, void *ctx)
{
    unsigned pct = h->grow_pct;
    for (int ti = 0; ti < 2; ti++) {
        size_t nb = ht_size(h, ti);
        for (size_t i = 0; i < nb; i++) {
            bucket *home = &h->t[ti][i];
            if (!home->meta) continue;
            for (bucket *b = home; b;) {
                bucket *nx = (b->meta & CHAINED) ? bchild(b) : NULL;
                unsigned pres = b->meta & PRESENT;
                while (fn && pres) {
                    int s = __builtin_ctz(pres);
                    pres &= pres - 1;
                    fn(ctx, b->e[s]);
                }
                if (b != home) PyObject_Free(b);
                b = nx;
            }
        }
        ht_free_table(h, ti);
    }
    ht_init_pct(h, pct);
}

#endif
