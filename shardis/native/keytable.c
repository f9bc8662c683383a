/* shardis.native._keytable: the compiled key table and its siblings.
 *
 * KeyTable   one database's keys: key -> value with an optional deadline (unix ms) and
 *            a 24-bit access field (LRU clock or LFU time + counter) per entry; keys
 *            with a deadline are also in a second table of the same entries (the
 *            volatile index), which is sampled for active expiry and volatile-* eviction.
 *            slots=True keeps one pair of tables per non-empty hash slot, with Fenwick
 *            trees over the per-slot counts.
 * HashTable  field -> value (the hashtable encoding of hashes)
 * SetTable   members (the hashtable encoding of sets)
 *
 * No Python code runs while an operation walks or changes the tables: values released
 * by an operation are decref'd after the table is consistent again, and listings
 * collect entry pointers first, then make their objects (bytes and ints, which cannot
 * start the garbage collector), then the containers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "htcore.h"

static PyObject *EXPIRED;   /* the sentinel lookup() returns for a key past its deadline */

/* ------------------------------------------------------------------ helpers */

/* Redis's string2ll acceptance: optional '-', no leading zero (except "0"), no "-0",
 * no spaces or '+', fits a signed 64-bit integer. */
static int canon_ll(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 20) return 0;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (n == 1) return 0;
    }
    if (s[i] < '1' || s[i] > '9') return 0;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return 0;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)v;
    }
    return 1;
}

static PyObject *int_bytes(int64_t v)
{
    char buf[24];
    char *p = buf + sizeof(buf);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return PyBytes_FromStringAndSize(p, buf + sizeof(buf) - p);
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock that access fields are stamped with (unix ms): the server sets it once
 * per event-loop iteration (set_clock), as Redis caches its LRU clock; 0 means unset,
 * and the wall clock is read instead. */
static int64_t g_clock_ms;

static inline int64_t clock_ms(void) { return g_clock_ms ? g_clock_ms : real_ms(); }

/* How a value is stored. */
typedef struct {
    int kind;
    const void *ptr;     /* payload to copy: the bytes, &iv or &obj */
    size_t len;          /* embedded length (VK_EMB) */
    int64_t iv;
    PyObject *obj;
    int tag;             /* VK_EMB: the blob class (0: plain bytes) */
} vdesc;

/* Blob classes: the bytes subclasses made by blob_type (the compact encodings' value
 * classes). A KeyTable embeds an instance of up to BLOB_EMB_MAX bytes in its entry with the
 * class's tag in the flags, and makes a new instance on each read, as it does bytes for a
 * short string: one allocation a key instead of an entry plus an object with its 33-byte
 * header. Tags 1-15; classes made after the 15th are stored by reference. */
#define BLOB_EMB_MAX 255
static PyTypeObject *blob_classes[16];
static int n_blob_classes;

static inline int blob_tag(PyTypeObject *tp)
{
    for (int i = 1; i <= n_blob_classes; i++)
        if (blob_classes[i] == tp) return i;
    return 0;
}

/* A new instance of blob class tag holding n bytes. */
static PyObject *blob_make(int tag, const unsigned char *p, size_t n)
{
    PyTypeObject *tp = blob_classes[tag];
    PyBytesObject *o = (PyBytesObject *)tp->tp_alloc(tp, (Py_ssize_t)n);
    if (!o) return NULL;
    o->ob_shash = -1;
    memcpy(o->ob_sval, p, n);
    o->ob_sval[n] = 0;
    return (PyObject *)o;
}

static void classify(PyObject *v, vdesc *d, int allow_int)
{
    d->tag = 0;
    if (PyBytes_CheckExact(v)) {
        size_t n = (size_t)PyBytes_GET_SIZE(v);
        const char *s = PyBytes_AS_STRING(v);
        if (allow_int && n >= 9 && canon_ll(s, n, &d->iv)) {
            d->kind = VK_INT;
            d->ptr = &d->iv;
            d->len = 8;
            return;
        }
        if (n <= EMB_MAX) {
            d->kind = VK_EMB;
            d->ptr = s;
            d->len = n;
            return;
        }
    } else if (allow_int && n_blob_classes && PyBytes_Check(v) &&
               PyBytes_GET_SIZE(v) <= BLOB_EMB_MAX && (d->tag = blob_tag(Py_TYPE(v)))) {
        d->kind = VK_EMB;
        d->ptr = PyBytes_AS_STRING(v);
        d->len = (size_t)PyBytes_GET_SIZE(v);
        return;
    }
    d->kind = VK_OBJ;
    d->obj = v;
    d->ptr = &d->obj;
    d->len = 8;
}

static PyObject *evalue(const ev *v)
{
    switch (v->vkind) {
    case VK_EMB:
        if (v->tag) return blob_make(v->tag, v->val, v->vlen);
        return PyBytes_FromStringAndSize((const char *)v->val, (Py_ssize_t)v->vlen);
    case VK_INT: {
        int64_t i;
        memcpy(&i, v->val, 8);
        return int_bytes(i);
    }
    default: {
        PyObject *o = eobj(v);
        Py_INCREF(o);
        return o;
    }
    }
}

static inline PyObject *ekey_bytes(int lay, const unsigned char *e)
{
    ev v;
    eparse(lay, e, &v);
    return PyBytes_FromStringAndSize((const char *)v.key, (Py_ssize_t)v.klen);
}

static int key_arg(PyObject *k, const char **p, size_t *n)
{
    if (!PyBytes_Check(k)) {
        PyErr_Format(PyExc_TypeError, "keys must be bytes, not %.100s", Py_TYPE(k)->tp_name);
        return -1;
    }
    *p = PyBytes_AS_STRING(k);
    *n = (size_t)PyBytes_GET_SIZE(k);
    return 0;
}

static inline int can_rewrite(void *e, size_t osz, size_t nsz)
{
    if (osz <= SMALL_MAX) return nsz <= SMALL_MAX && ((osz + 15) >> 4) == ((nsz + 15) >> 4);
    return nsz > SMALL_MAX && nsz <= malloc_usable_size(e) && nsz * 2 > osz;
}

/* Pick k of the n pointers in v uniformly (a partial Fisher-Yates shuffle). */
static void pv_choose(pvec *v, size_t k)
{
    for (size_t i = 0; i < k && i < v->n; i++) {
        size_t j = i + (size_t)rnd_below(v->n - i);
        void *t = v->p[i];
        v->p[i] = v->p[j];
        v->p[j] = t;
    }
    if (k < v->n) v->n = k;
}

/* A set of pointers for drawing distinct entries. */
typedef struct {
    void **slot;
    size_t mask;
} pset;

static int ps_init(pset *s, size_t n)
{
    size_t cap = 16;
    while (cap < 4 * n) cap <<= 1;
    s->slot = PyMem_Calloc(cap, sizeof(void *));
    s->mask = cap - 1;
    return s->slot ? 0 : -1;
}

static int ps_add(pset *s, void *p)   /* 1 if added, 0 if present */
{
    size_t i = (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ULL) & s->mask;
    while (s->slot[i]) {
        if (s->slot[i] == p) return 0;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = p;
    return 1;
}

/* copy.copy() and pickle would otherwise make an empty table through object's reduce */
static PyObject *no_reduce(PyObject *self, PyObject *Py_UNUSED(i))
{
    PyErr_Format(PyExc_TypeError, "%s objects cannot be pickled or copied", Py_TYPE(self)->tp_name);
    return NULL;
}

/* ------------------------------------------------------------------ KeyTable */

typedef struct {
    htab main, vol;
} slotdb;

typedef struct {
    PyObject_HEAD
    htab main, vol;          /* slots=False */
    slotdb **sdb;            /* slots=True: NSLOTS pointers, NULL for an empty slot */
    int64_t *fw, *fwv;       /* Fenwick trees (1-based) over per-slot key / volatile counts */
    int64_t count, vcount;
    int64_t ebytes;          /* bytes of all entries */
    int64_t nobj;            /* entries holding a Python object */
    int slots;
    int mode;                /* 0: LRU, 1: LFU */
    int lfu_log_factor, lfu_decay_time;
    int rh_slot;             /* where rehash_step continues in slots mode */
} KeyTable;

#define MODE_LRU 0
#define MODE_LFU 1
#define LFU_INIT 5

static PyTypeObject KeyTableType;

static inline uint32_t lfu_minutes(int64_t ms) { return (uint32_t)((ms / 60000) & 0xFFFF); }

static inline uint32_t fresh_access(const KeyTable *t, int64_t ms)
{
    if (t->mode == MODE_LFU) return (lfu_minutes(ms) << 8) | LFU_INIT;
    return (uint32_t)((ms / 1000) & 0xFFFFFF);
}

/* An access in LFU mode: the counter first loses one per lfu_decay_time minutes since
 * the stored time, then grows by one with probability 1 / ((counter - 5) * factor + 1). */
static inline uint32_t lfu_touch(const KeyTable *t, uint32_t old, int64_t ms)
{
    uint32_t ldt = old >> 8, counter = old & 0xff;
    uint32_t now = lfu_minutes(ms);
    uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    uint32_t periods = t->lfu_decay_time > 0 ? elapsed / (uint32_t)t->lfu_decay_time : 0;
    counter = periods > counter ? 0 : counter - periods;
    if (counter < 255) {
        double base = counter > LFU_INIT ? (double)(counter - LFU_INIT) : 0.0;
        if (rnd_unit() < 1.0 / (base * t->lfu_log_factor + 1.0)) counter++;
    }
    return (now << 8) | counter;
}

static void fw_add(int64_t *fw, int slot, int64_t d)
{
    for (int i = slot + 1; i <= NSLOTS; i += i & -i) fw[i] += d;
}

static int fw_find(const int64_t *fw, int64_t r)
{
    int pos = 0;
    for (int step = NSLOTS; step; step >>= 1) {
        if (pos + step <= NSLOTS && fw[pos + step] <= r) {
            pos += step;
            r -= fw[pos];
        }
    }
    return pos;
}

typedef struct {
    htab *m, *v;
    slotdb *sd;
    int slot;
    uint64_t hv;
    hpos p;
} kloc;

/* Find key; L names its tables (NULL in slots mode when its slot is empty). */
static inline int kt_locate(KeyTable *t, const char *k, size_t n, kloc *L)
{
    L->hv = siphash13((const unsigned char *)k, n);
    if (t->slots) {
        L->slot = key_slot((const unsigned char *)k, n);
        L->sd = t->sdb[L->slot];
        if (!L->sd) {
            L->m = L->v = NULL;
            return 0;
        }
        L->m = &L->sd->main;
        L->v = &L->sd->vol;
    } else {
        L->slot = -1;
        L->sd = NULL;
        L->m = &t->main;
        L->v = &t->vol;
    }
    if (ht_rehashing(L->m)) ht_rehash_step(L->m, LAY_KT, 1);
    return ht_find(L->m, LAY_KT, k, n, L->hv, &L->p);
}

static int kt_ensure_slot(KeyTable *t, kloc *L)
{
    if (!t->slots || L->sd) return 0;
    slotdb *sd = PyObject_Malloc(sizeof(slotdb));
    if (!sd) return -1;
    ht_init(&sd->main);
    ht_init_pct(&sd->vol, VOL_GROW_FILL_PCT);
    t->sdb[L->slot] = sd;
    L->sd = sd;
    L->m = &sd->main;
    L->v = &sd->vol;
    return 0;
}

static void kt_release_slot(KeyTable *t, kloc *L)
{
    if (!t->slots || !L->sd) return;
    if (ht_count(&L->sd->main) || ht_count(&L->sd->vol)) return;
    ht_destroy(&L->sd->main, NULL, NULL);
    ht_destroy(&L->sd->vol, NULL, NULL);
    PyObject_Free(L->sd);
    t->sdb[L->slot] = NULL;
    L->sd = NULL;
    L->m = L->v = NULL;
}

static inline void kt_count(KeyTable *t, int slot, int64_t d)
{
    t->count += d;
    if (slot >= 0) fw_add(t->fw, slot, d);
}

static inline void kt_vcount(KeyTable *t, int slot, int64_t d)
{
    t->vcount += d;
    if (slot >= 0) fw_add(t->fwv, slot, d);
}

static inline unsigned char *kt_entry(const kloc *L) { return L->p.b->e[L->p.slot]; }

/* Free an entry's memory; returns the object it referenced (the caller decrefs it once
 * the table is consistent) or NULL. */
static PyObject *kt_free_entry(KeyTable *t, unsigned char *e)
{
    ev v;
    eparse(LAY_KT, e, &v);
    PyObject *o = NULL;
    if (v.vkind == VK_OBJ) {
        o = eobj(&v);
        t->nobj--;
    }
    t->ebytes -= (int64_t)xcharge(e, v.size);
    xfree(e, v.size);
    return o;
}

/* Take the located entry out of both tables. Returns the detached entry. */
static unsigned char *kt_unlink(KeyTable *t, kloc *L)
{
    unsigned char *e = kt_entry(L);
    if (e[0] & F_TTL) {
        hpos vp;
        if (ht_find_ptr(L->v, e, L->hv, &vp)) ht_del(L->v, LAY_KT, &vp);
        kt_vcount(t, L->slot, -1);
    }
    ht_del(L->m, LAY_KT, &L->p);
    kt_count(t, L->slot, -1);
    kt_release_slot(t, L);
    return e;
}

/* set / store: put val under key.
 * keep_ttl: an existing deadline stays (unless has_dl gives a new one);
 * keep_access: an existing access field stays. */
/* Replace the located entry's value by d (a deadline: dl when has_dl, else the old one when
 * keep_ttl, else none; the access field: the old one when keep_access, else fresh). The
 * referenced object d->obj, if any, gains a reference. */
static int kt_replace(KeyTable *t, kloc *L, const char *k, size_t n, const vdesc *d, int keep_ttl,
                      int keep_access, int has_dl, int64_t dl)
{
    unsigned char *olde = kt_entry(L);
    ev ov;
    eparse(LAY_KT, olde, &ov);
    int old_ttl = (olde[0] & F_TTL) != 0;
    int new_ttl = has_dl || (keep_ttl && old_ttl);
    int64_t ndl = has_dl ? dl : (new_ttl ? edeadline(olde) : 0);
    uint32_t acc = keep_access ? e_access(olde) : fresh_access(t, clock_ms());
    PyObject *old_obj = ov.vkind == VK_OBJ ? eobj(&ov) : NULL;
    size_t osz = ov.size, nsz = esize(LAY_KT, new_ttl, d->kind, d->len, n);
    int64_t ocharge = (int64_t)xcharge(olde, osz);
    unsigned char *newe;
    if (old_ttl == new_ttl && can_rewrite(olde, osz, nsz)) {
        newe = olde;
        ewrite(LAY_KT, newe, new_ttl, acc, ndl, k, n, d->kind | (d->tag << F_TAG_SHIFT), d->ptr, d->len);
    } else {
        newe = xalloc(nsz);
        if (!newe) {
            PyErr_NoMemory();
            return -1;
        }
        ewrite(LAY_KT, newe, new_ttl, acc, ndl, k, n, d->kind | (d->tag << F_TAG_SHIFT), d->ptr, d->len);
        if (new_ttl && !old_ttl) {
            if (ht_add(L->v, LAY_KT, L->hv, newe) < 0) {
                xfree(newe, nsz);
                PyErr_NoMemory();
                return -1;
            }
            kt_vcount(t, L->slot, 1);
        } else if (old_ttl) {
            hpos vp;
            int found = ht_find_ptr(L->v, olde, L->hv, &vp);
            if (new_ttl) {
                if (found) vp.b->e[vp.slot] = newe;
            } else {
                if (found) ht_del(L->v, LAY_KT, &vp);
                kt_vcount(t, L->slot, -1);
            }
        }
        L->p.b->e[L->p.slot] = newe;
        xfree(olde, osz);
    }
    t->ebytes += (int64_t)xcharge(newe, nsz) - ocharge;
    if (d->kind == VK_OBJ) {
        Py_INCREF(d->obj);
        t->nobj++;
    }
    if (old_obj) {
        t->nobj--;
        Py_DECREF(old_obj);
    }
    return 0;
}

/* Add a new entry for a key kt_locate did not find (L as it left it). */
static int kt_insert(KeyTable *t, kloc *L, const char *k, size_t n, const vdesc *d, int has_dl,
                     int64_t dl)
{
    size_t nsz = esize(LAY_KT, has_dl, d->kind, d->len, n);
    unsigned char *e = xalloc(nsz);
    if (!e || kt_ensure_slot(t, L) < 0) {
        if (e) xfree(e, nsz);
        PyErr_NoMemory();
        return -1;
    }
    ewrite(LAY_KT, e, has_dl, fresh_access(t, clock_ms()), dl, k, n, d->kind | (d->tag << F_TAG_SHIFT),
           d->ptr, d->len);
    if (ht_add(L->m, LAY_KT, L->hv, e) < 0) {
        xfree(e, nsz);
        kt_release_slot(t, L);
        PyErr_NoMemory();
        return -1;
    }
    kt_count(t, L->slot, 1);
    if (has_dl) {
        if (ht_add(L->v, LAY_KT, L->hv, e) < 0) {
            if (kt_locate(t, k, n, L)) {
                ht_del(L->m, LAY_KT, &L->p);
                kt_count(t, L->slot, -1);
                kt_release_slot(t, L);
            }
            xfree(e, nsz);
            PyErr_NoMemory();
            return -1;
        }
        kt_vcount(t, L->slot, 1);
    }
    t->ebytes += (int64_t)xcharge(e, nsz);
    if (d->kind == VK_OBJ) {
        Py_INCREF(d->obj);
        t->nobj++;
    }
    return 0;
}

/* Store val at key. strings_only: leave an existing value that is a referenced object
 * other than exact bytes (an aggregate, a bytearray) alone and answer 1. */
static int kt_put_ex(KeyTable *t, PyObject *key, PyObject *val, int keep_ttl, int keep_access,
                     int has_dl, int64_t dl, int strings_only)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return -1;
    vdesc d;
    classify(val, &d, 1);
    kloc L;
    if (kt_locate(t, k, n, &L)) {
        if (strings_only) {
            unsigned char *e = kt_entry(&L);
            if (e[0] >> F_TAG_SHIFT) return 1;      /* an embedded aggregate */
            if ((e[0] & F_VKIND) == VK_OBJ) {
                ev ov;
                eparse(LAY_KT, e, &ov);
                if (!PyBytes_CheckExact(eobj(&ov))) return 1;
            }
        }
        return kt_replace(t, &L, k, n, &d, keep_ttl, keep_access, has_dl, dl);
    }
    return kt_insert(t, &L, k, n, &d, has_dl, dl);
}

static inline int kt_put(KeyTable *t, PyObject *key, PyObject *val, int keep_ttl, int keep_access,
                         int has_dl, int64_t dl)
{
    return kt_put_ex(t, key, val, keep_ttl, keep_access, has_dl, dl, 0);
}

/* Give the located entry a deadline (has=1) or take it away (has=0). */
static int kt_reshape(KeyTable *t, kloc *L, int has, int64_t dl)
{
    unsigned char *olde = kt_entry(L);
    int old_ttl = (olde[0] & F_TTL) != 0;
    if (old_ttl && has) {
        memcpy(olde + 4, &dl, 8);
        return 0;
    }
    if (!old_ttl && !has) return 0;
    ev ov;
    eparse(LAY_KT, olde, &ov);
    size_t nsz = esize(LAY_KT, has, ov.vkind, ov.vlen, ov.klen);
    unsigned char *newe = xalloc(nsz);
    if (!newe) {
        PyErr_NoMemory();
        return -1;
    }
    ewrite(LAY_KT, newe, has, e_access(olde), dl, (const char *)ov.key, ov.klen,
           ov.vkind | (ov.tag << F_TAG_SHIFT), ov.val,
           ov.vlen);
    if (has) {
        if (ht_add(L->v, LAY_KT, L->hv, newe) < 0) {
            xfree(newe, nsz);
            PyErr_NoMemory();
            return -1;
        }
        kt_vcount(t, L->slot, 1);
    } else {
        hpos vp;
        if (ht_find_ptr(L->v, olde, L->hv, &vp)) ht_del(L->v, LAY_KT, &vp);
        kt_vcount(t, L->slot, -1);
    }
    L->p.b->e[L->p.slot] = newe;
    t->ebytes += (int64_t)xcharge(newe, nsz) - (int64_t)xcharge(olde, ov.size);
    xfree(olde, ov.size);
    return 0;
}

static PyObject *KT_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"slots", NULL};
    int slots = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:KeyTable", kwlist, &slots)) return NULL;
    KeyTable *t = (KeyTable *)type->tp_alloc(type, 0);
    if (!t) return NULL;
    ht_init(&t->main);
    ht_init_pct(&t->vol, VOL_GROW_FILL_PCT);
    t->slots = slots;
    t->mode = MODE_LRU;
    t->lfu_log_factor = 10;
    t->lfu_decay_time = 1;
    if (slots) {
        t->sdb = xcalloc(NSLOTS * sizeof(slotdb *));
        t->fw = xcalloc((NSLOTS + 1) * sizeof(int64_t));
        t->fwv = xcalloc((NSLOTS + 1) * sizeof(int64_t));
        if (!t->sdb || !t->fw || !t->fwv) {
            Py_DECREF(t);
            return PyErr_NoMemory();
        }
    }
    return (PyObject *)t;
}

typedef struct {
    KeyTable *t;
} freectx;

static void kt_free_cb(void *ctx, void *e)
{
    KeyTable *t = ((freectx *)ctx)->t;
    PyObject *o = kt_free_entry(t, e);
    Py_XDECREF(o);
}

/* Empty the table. Everything is detached first, so code run by a released value's
 * finalizer sees an empty table. */
static void kt_clear_all(KeyTable *t)
{
    freectx c = {t};
    if (!t->slots) {
        htab m = t->main, v = t->vol;
        ht_init(&t->main);
        ht_init_pct(&t->vol, VOL_GROW_FILL_PCT);
        t->count = t->vcount = 0;
        ht_destroy(&v, NULL, NULL);
        ht_destroy(&m, kt_free_cb, &c);
        return;
    }
    if (!t->sdb) return;
    slotdb **old = PyMem_Malloc(NSLOTS * sizeof(slotdb *));
    if (!old) {   /* no room to detach: release slot by slot */
        for (int s = 0; s < NSLOTS; s++) {
            slotdb *sd = t->sdb[s];
            if (!sd) continue;
            t->sdb[s] = NULL;
            int64_t n = ht_count(&sd->main), vn = ht_count(&sd->vol);
            kt_count(t, s, -n);
            kt_vcount(t, s, -vn);
            ht_destroy(&sd->vol, NULL, NULL);
            ht_destroy(&sd->main, kt_free_cb, &c);
            PyObject_Free(sd);
        }
        return;
    }
    memcpy(old, t->sdb, NSLOTS * sizeof(slotdb *));
    memset(t->sdb, 0, NSLOTS * sizeof(slotdb *));
    memset(t->fw, 0, (NSLOTS + 1) * sizeof(int64_t));
    memset(t->fwv, 0, (NSLOTS + 1) * sizeof(int64_t));
    t->count = t->vcount = 0;
    for (int s = 0; s < NSLOTS; s++) {
        slotdb *sd = old[s];
        if (!sd) continue;
        ht_destroy(&sd->vol, NULL, NULL);
        ht_destroy(&sd->main, kt_free_cb, &c);
        PyObject_Free(sd);
    }
    PyMem_Free(old);
}

typedef struct {
    visitproc visit;
    void *arg;
} travctx;

static int kt_trav_cb(void *ctx, void *e)
{
    unsigned char *p = e;
    if ((p[0] & F_VKIND) != VK_OBJ) return 0;
    ev v;
    eparse(LAY_KT, p, &v);
    travctx *c = ctx;
    visitproc visit = c->visit;
    void *arg = c->arg;
    PyObject *o = eobj(&v);
    Py_VISIT(o);
    return 0;
}

static int KT_traverse(KeyTable *t, visitproc visit, void *arg)
{
    if (t->nobj == 0) return 0;
    travctx c = {visit, arg};
    if (!t->slots) return ht_foreach(&t->main, kt_trav_cb, &c);
    for (int s = 0; s < NSLOTS; s++) {
        if (!t->sdb[s]) continue;
        int rc = ht_foreach(&t->sdb[s]->main, kt_trav_cb, &c);
        if (rc) return rc;
    }
    return 0;
}

static int KT_clear(KeyTable *t)
{
    kt_clear_all(t);
    return 0;
}

static void KT_dealloc(KeyTable *t)
{
    PyObject_GC_UnTrack(t);
    kt_clear_all(t);
    if (t->sdb) xfree(t->sdb, NSLOTS * sizeof(slotdb *));
    if (t->fw) xfree(t->fw, (NSLOTS + 1) * sizeof(int64_t));
    if (t->fwv) xfree(t->fwv, (NSLOTS + 1) * sizeof(int64_t));
    PyTypeObject *tp = Py_TYPE(t);
    tp->tp_free((PyObject *)t);
}

/* An access at now (unix ms): the LRU clock, or the LFU counter's decay and growth. */
static inline void kt_touch(KeyTable *t, unsigned char *e, int64_t now)
{
    if (t->mode == MODE_LFU)
        set_e_access(e, lfu_touch(t, e_access(e), now));
    else
        set_e_access(e, (uint32_t)((now / 1000) & 0xFFFFFF));
}

/* ---- mapping protocol ---- */

static Py_ssize_t KT_len(KeyTable *t) { return (Py_ssize_t)t->count; }

static int KT_contains(KeyTable *t, PyObject *key)
{
    const char *k;
    size_t n;
    if (!PyBytes_Check(key)) return 0;   /* as a dict of bytes keys answers: not there */
    if (key_arg(key, &k, &n) < 0) return -1;
    kloc L;
    return kt_locate(t, k, n, &L);
}

static PyObject *KT_subscript(KeyTable *t, PyObject *key)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return NULL;
    kloc L;
    if (!kt_locate(t, k, n, &L)) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    ev v;
    eparse(LAY_KT, kt_entry(&L), &v);
    return evalue(&v);
}

static int kt_delete(KeyTable *t, PyObject *key, PyObject **out_value)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return -1;
    kloc L;
    if (!kt_locate(t, k, n, &L)) return 0;
    unsigned char *e = kt_unlink(t, &L);
    PyObject *val = NULL;
    if (out_value) {
        ev v;
        eparse(LAY_KT, e, &v);
        if (v.vkind == VK_OBJ) {
            val = eobj(&v);
            Py_INCREF(val);
        } else {
            val = evalue(&v);
        }
    }
    PyObject *o = kt_free_entry(t, e);
    Py_XDECREF(o);
    if (out_value) {
        if (!val) return -1;
        *out_value = val;
    }
    return 1;
}

static int KT_ass_subscript(KeyTable *t, PyObject *key, PyObject *val)
{
    if (val) return kt_put(t, key, val, 0, t->mode == MODE_LFU, 0, 0);
    int rc = kt_delete(t, key, NULL);
    if (rc == 0) PyErr_SetObject(PyExc_KeyError, key);
    return rc > 0 ? 0 : -1;
}

/* ---- methods ---- */

static PyObject *KT_get(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get(key, default=None)");
        return NULL;
    }
    const char *k;
    size_t n;
    if (key_arg(args[0], &k, &n) < 0) return NULL;
    kloc L;
    if (!kt_locate(t, k, n, &L)) {
        PyObject *d = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(d);
        return d;
    }
    unsigned char *e = kt_entry(&L);
    kt_touch(t, e, clock_ms());
    ev v;
    eparse(LAY_KT, e, &v);
    return evalue(&v);
}

static PyObject *KT_peek(KeyTable *t, PyObject *key)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return NULL;
    kloc L;
    if (!kt_locate(t, k, n, &L)) Py_RETURN_NONE;
    ev v;
    eparse(LAY_KT, kt_entry(&L), &v);
    return evalue(&v);
}

static PyObject *KT_lookup(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 2 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "lookup(key, now_ms, touch=True)");
        return NULL;
    }
    int touch = 1;
    if (nargs == 3 && (touch = PyObject_IsTrue(args[2])) < 0) return NULL;
    const char *k;
    size_t n;
    if (key_arg(args[0], &k, &n) < 0) return NULL;
    long long now = PyLong_AsLongLong(args[1]);
    if (now == -1 && PyErr_Occurred()) return NULL;
    kloc L;
    if (!kt_locate(t, k, n, &L)) Py_RETURN_NONE;
    unsigned char *e = kt_entry(&L);
    if ((e[0] & F_TTL) && edeadline(e) <= now) {
        Py_INCREF(EXPIRED);
        return EXPIRED;
    }
    if (touch) kt_touch(t, e, now);
    ev v;
    eparse(LAY_KT, e, &v);
    return evalue(&v);
}

static int parse_deadline(PyObject *o, int *has, int64_t *dl)
{
    if (!o || o == Py_None) {
        *has = 0;
        return 0;
    }
    if (!PyLong_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "deadline must be an int (unix ms) or None");
        return -1;
    }
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    *has = 1;
    *dl = v;
    return 0;
}

static PyObject *KT_set(KeyTable *t, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"key", "value", "keepttl", "deadline", NULL};
    PyObject *key, *val, *dlo = NULL;
    int keepttl = 0, has = 0;
    int64_t dl = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|pO:set", kwlist, &key, &val, &keepttl, &dlo))
        return NULL;
    if (parse_deadline(dlo, &has, &dl) < 0) return NULL;
    if (kt_put(t, key, val, keepttl, t->mode == MODE_LFU, has, dl) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *KT_store(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "store(key, value)");
        return NULL;
    }
    if (kt_put(t, args[0], args[1], 1, 1, 0, 0) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *KT_set_plain(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "set_plain(key, value)");
        return NULL;
    }
    int rc = kt_put_ex(t, args[0], args[1], 0, t->mode == MODE_LFU, 0, 0, 1);
    if (rc < 0) return NULL;
    return PyBool_FromLong(rc == 0);
}

static PyObject *KT_incr_int(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "incr_int(key, delta)");
        return NULL;
    }
    const char *k;
    size_t n;
    if (key_arg(args[0], &k, &n) < 0) return NULL;
    long long delta = PyLong_AsLongLong(args[1]);
    if (delta == -1 && PyErr_Occurred()) return NULL;
    vdesc d = {.kind = VK_INT, .len = 8, .obj = NULL};
    d.ptr = &d.iv;
    kloc L;
    if (!kt_locate(t, k, n, &L)) {
        d.iv = (int64_t)delta;
        if (kt_insert(t, &L, k, n, &d, 0, 0) < 0) return NULL;
        return PyLong_FromLongLong(delta);
    }
    unsigned char *e = kt_entry(&L);
    ev v;
    eparse(LAY_KT, e, &v);
    int64_t cur, nv;
    if (v.vkind == VK_INT)
        memcpy(&cur, v.val, 8);
    else if (v.vkind != VK_EMB || v.tag || !canon_ll((const char *)v.val, v.vlen, &cur))
        Py_RETURN_NONE;
    if (__builtin_add_overflow(cur, (int64_t)delta, &nv)) Py_RETURN_NONE;
    kt_touch(t, e, clock_ms());
    if (v.vkind == VK_INT) {
        memcpy(v.val, &nv, 8);        /* same payload size: in place */
        return PyLong_FromLongLong(nv);
    }
    d.iv = nv;
    if (kt_replace(t, &L, k, n, &d, 1, 1, 0, 0) < 0) return NULL;
    return PyLong_FromLongLong(nv);
}

static PyObject *KT_pop(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "pop(key, default=None)");
        return NULL;
    }
    PyObject *val = NULL;
    int rc = kt_delete(t, args[0], &val);
    if (rc < 0) return NULL;
    if (rc == 0) {
        PyObject *d = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(d);
        return d;
    }
    return val;
}

static PyObject *KT_set_expire(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "set_expire(key, deadline_ms)");
        return NULL;
    }
    const char *k;
    size_t n;
    if (key_arg(args[0], &k, &n) < 0) return NULL;
    int has;
    int64_t dl;
    if (args[1] == Py_None) {
        PyErr_SetString(PyExc_TypeError, "deadline must be an int (unix ms)");
        return NULL;
    }
    if (parse_deadline(args[1], &has, &dl) < 0) return NULL;
    kloc L;
    if (!kt_locate(t, k, n, &L)) Py_RETURN_FALSE;
    if (kt_reshape(t, &L, 1, dl) < 0) return NULL;
    Py_RETURN_TRUE;
}

static PyObject *KT_persist(KeyTable *t, PyObject *key)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return NULL;
    kloc L;
    if (!kt_locate(t, k, n, &L) || !(kt_entry(&L)[0] & F_TTL)) Py_RETURN_FALSE;
    if (kt_reshape(t, &L, 0, 0) < 0) return NULL;
    Py_RETURN_TRUE;
}

static int kt_find_or_keyerror(KeyTable *t, PyObject *key, kloc *L)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return -1;
    if (!kt_locate(t, k, n, L)) {
        PyErr_SetObject(PyExc_KeyError, key);
        return -1;
    }
    return 0;
}

static PyObject *KT_get_expire(KeyTable *t, PyObject *key)
{
    kloc L;
    if (kt_find_or_keyerror(t, key, &L) < 0) return NULL;
    unsigned char *e = kt_entry(&L);
    if (!(e[0] & F_TTL)) Py_RETURN_NONE;
    return PyLong_FromLongLong(edeadline(e));
}

static PyObject *KT_access(KeyTable *t, PyObject *key)
{
    kloc L;
    if (kt_find_or_keyerror(t, key, &L) < 0) return NULL;
    return PyLong_FromUnsignedLong(e_access(kt_entry(&L)));
}

static PyObject *KT_set_access(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "set_access(key, field)");
        return NULL;
    }
    unsigned long f = PyLong_AsUnsignedLong(args[1]);
    if (f == (unsigned long)-1 && PyErr_Occurred()) return NULL;
    if (f > 0xFFFFFF) {
        PyErr_SetString(PyExc_ValueError, "the access field has 24 bits");
        return NULL;
    }
    kloc L;
    if (kt_find_or_keyerror(t, args[0], &L) < 0) return NULL;
    set_e_access(kt_entry(&L), (uint32_t)f);
    Py_RETURN_NONE;
}

static PyObject *KT_set_access_mode(KeyTable *t, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"mode", "lfu_log_factor", "lfu_decay_time", NULL};
    const char *mode;
    int factor = 10, decay = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|ii:set_access_mode", kwlist, &mode, &factor,
                                     &decay))
        return NULL;
    if (strcmp(mode, "lru") == 0) t->mode = MODE_LRU;
    else if (strcmp(mode, "lfu") == 0) t->mode = MODE_LFU;
    else {
        PyErr_SetString(PyExc_ValueError, "mode must be 'lru' or 'lfu'");
        return NULL;
    }
    if (factor < 0 || decay < 0) {
        PyErr_SetString(PyExc_ValueError, "lfu_log_factor and lfu_decay_time must be >= 0");
        return NULL;
    }
    t->lfu_log_factor = factor;
    t->lfu_decay_time = decay;
    Py_RETURN_NONE;
}

static PyObject *KT_volatile_count(KeyTable *t, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromLongLong(t->vcount);
}

/* Collect every entry of the key tables (vol=0) or the volatile indexes (vol=1). */
static int kt_collect_all(KeyTable *t, int vol, pvec *out)
{
    if (!t->slots) return ht_collect(vol ? &t->vol : &t->main, out);
    for (int s = 0; s < NSLOTS; s++) {
        slotdb *sd = t->sdb[s];
        if (sd && ht_collect(vol ? &sd->vol : &sd->main, out) < 0) return -1;
    }
    return 0;
}

/* Objects for collected entries: what=1 keys, 2 values, 3 (key, value) tuples. */
static PyObject *materialize(int lay, pvec *v, int what)
{
    size_t per = what == 3 ? 2 : 1;
    PyObject **objs = PyMem_Calloc(v->n * per + 1, sizeof(PyObject *));
    if (!objs) return PyErr_NoMemory();
    PyObject *res = NULL;
    for (size_t i = 0; i < v->n; i++) {
        ev ent;
        eparse(lay, v->p[i], &ent);
        if (what & 1) {
            objs[i * per] = PyBytes_FromStringAndSize((const char *)ent.key, (Py_ssize_t)ent.klen);
            if (!objs[i * per]) goto done;
        }
        if (what & 2) {
            PyObject *o = evalue(&ent);
            if (!o) goto done;
            objs[i * per + (what == 3)] = o;
        }
    }
    /* no entry is read from here on: code run by the collector cannot hurt */
    res = PyList_New((Py_ssize_t)v->n);
    if (!res) goto done;
    for (size_t i = 0; i < v->n; i++) {
        PyObject *item;
        if (what == 3) {
            item = PyTuple_New(2);
            if (!item) {
                Py_CLEAR(res);
                goto done;
            }
            PyTuple_SET_ITEM(item, 0, objs[2 * i]);
            PyTuple_SET_ITEM(item, 1, objs[2 * i + 1]);
            objs[2 * i] = objs[2 * i + 1] = NULL;
        } else {
            item = objs[i];
            objs[i] = NULL;
        }
        PyList_SET_ITEM(res, (Py_ssize_t)i, item);
    }
done:
    for (size_t i = 0; i < v->n * per; i++) Py_XDECREF(objs[i]);
    PyMem_Free(objs);
    return res;
}

/* keys()/values()/items() (what = 1, 2, 3) from a vector that a collect
 * call filled (rc < 0: it ran out of memory); the vector is freed here. */
static PyObject *listing_of(int rc, int lay, pvec *v, int what)
{
    PyObject *r = rc < 0 ? PyErr_NoMemory() : materialize(lay, v, what);
    pv_free(v);
    return r;
}

/* An iterator over a snapshot list (NULL passes through). */
static PyObject *iter_of(PyObject *keys)
{
    if (!keys) return NULL;
    PyObject *it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *kt_listing(KeyTable *t, int what)
{
    pvec v = {0};
    int rc = kt_collect_all(t, 0, &v);
    return listing_of(rc, LAY_KT, &v, what);
}

static PyObject *KT_keys(KeyTable *t, PyObject *Py_UNUSED(i)) { return kt_listing(t, 1); }
static PyObject *KT_values(KeyTable *t, PyObject *Py_UNUSED(i)) { return kt_listing(t, 2); }
static PyObject *KT_items(KeyTable *t, PyObject *Py_UNUSED(i)) { return kt_listing(t, 3); }

static PyObject *KT_iter(KeyTable *t) { return iter_of(kt_listing(t, 1)); }

static PyObject *KT_clear_m(KeyTable *t, PyObject *Py_UNUSED(i))
{
    kt_clear_all(t);
    Py_RETURN_NONE;
}

static htab *kt_pick(KeyTable *t, int vol)
{
    if (!t->slots) return vol ? &t->vol : &t->main;
    int64_t total = vol ? t->vcount : t->count;
    if (total <= 0) return NULL;
    int s = fw_find(vol ? t->fwv : t->fw, (int64_t)rnd_below((uint64_t)total));
    slotdb *sd = t->sdb[s];
    return vol ? &sd->vol : &sd->main;
}

static PyObject *kt_random(KeyTable *t, int vol)
{
    htab *h = kt_pick(t, vol);
    void *e = h ? ht_random(h) : NULL;
    if (!e) Py_RETURN_NONE;
    return ekey_bytes(LAY_KT, e);
}

static PyObject *KT_random_key(KeyTable *t, PyObject *Py_UNUSED(i)) { return kt_random(t, 0); }
static PyObject *KT_random_volatile(KeyTable *t, PyObject *Py_UNUSED(i)) { return kt_random(t, 1); }

static PyObject *KT_sample(KeyTable *t, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n", "volatile", NULL};
    Py_ssize_t want;
    int vol = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "n|p:sample", kwlist, &want, &vol)) return NULL;
    if (want < 0) {
        PyErr_SetString(PyExc_ValueError, "sample size must be >= 0");
        return NULL;
    }
    int64_t pop = vol ? t->vcount : t->count;
    pvec v = {0};
    int err = 0;
    if ((int64_t)want >= pop || 2 * (int64_t)want > pop) {
        err = kt_collect_all(t, vol, &v) < 0;
        if (!err) pv_choose(&v, (size_t)want);
    } else if (want > 0) {
        pset seen;
        if (ps_init(&seen, (size_t)want) < 0) err = 1;
        while (!err && v.n < (size_t)want) {
            htab *h = kt_pick(t, vol);
            void *e = ht_random(h);
            if (ps_add(&seen, e) && pv_push(&v, e) < 0) err = 1;
        }
        PyMem_Free(seen.slot);
    }
    if (err) {
        pv_free(&v);
        return PyErr_NoMemory();
    }
    /* keys, deadlines and access fields first; tuples after */
    size_t m = v.n;
    PyObject **keys = PyMem_Calloc(m + 1, sizeof(PyObject *));
    int64_t *dls = PyMem_Malloc((m + 1) * sizeof(int64_t));
    uint32_t *acc = PyMem_Malloc((m + 1) * sizeof(uint32_t));
    PyObject *res = NULL;
    if (!keys || !dls || !acc) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        unsigned char *e = v.p[i];
        keys[i] = ekey_bytes(LAY_KT, e);
        if (!keys[i]) goto done;
        dls[i] = (e[0] & F_TTL) ? edeadline(e) : INT64_MIN;
        acc[i] = e_access(e);
    }
    res = PyList_New((Py_ssize_t)m);
    if (!res) goto done;
    for (size_t i = 0; i < m; i++) {
        PyObject *d = dls[i] == INT64_MIN ? (Py_INCREF(Py_None), Py_None) : PyLong_FromLongLong(dls[i]);
        PyObject *a = PyLong_FromUnsignedLong(acc[i]);
        PyObject *tup = (d && a) ? PyTuple_New(3) : NULL;
        if (!tup) {
            Py_XDECREF(d);
            Py_XDECREF(a);
            Py_CLEAR(res);
            goto done;
        }
        PyTuple_SET_ITEM(tup, 0, keys[i]);
        keys[i] = NULL;
        PyTuple_SET_ITEM(tup, 1, d);
        PyTuple_SET_ITEM(tup, 2, a);
        PyList_SET_ITEM(res, (Py_ssize_t)i, tup);
    }
done:
    if (keys)
        for (size_t i = 0; i < m; i++) Py_XDECREF(keys[i]);
    PyMem_Free(keys);
    PyMem_Free(dls);
    PyMem_Free(acc);
    pv_free(&v);
    return res;
}

static int parse_scan_args(PyObject *const *args, Py_ssize_t nargs, uint64_t *cursor,
                           Py_ssize_t *count)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "scan(cursor, count=10)");
        return -1;
    }
    if (!PyLong_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "cursor must be an int");
        return -1;
    }
    unsigned long long c = PyLong_AsUnsignedLongLong(args[0]);
    if (c == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "cursor must be in 0 .. 2**64-1");
        return -1;
    }
    *cursor = c;
    *count = 10;
    if (nargs == 2) {
        *count = PyLong_AsSsize_t(args[1]);
        if (*count == -1 && PyErr_Occurred()) return -1;
        if (*count < 1) {
            PyErr_SetString(PyExc_ValueError, "count must be >= 1");
            return -1;
        }
    }
    return 0;
}

static PyObject *scan_result(uint64_t next, PyObject *list)
{
    if (!list) return NULL;
    PyObject *c = PyLong_FromUnsignedLongLong(next);
    if (!c) {
        Py_DECREF(list);
        return NULL;
    }
    PyObject *r = PyTuple_Pack(2, c, list);
    Py_DECREF(c);
    Py_DECREF(list);
    return r;
}

static PyObject *KT_scan(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    uint64_t cur;
    Py_ssize_t count;
    if (parse_scan_args(args, nargs, &cur, &count) < 0) return NULL;
    pvec v = {0};
    int err = 0;
    int64_t iters = 0, maxit = count > INT64_MAX / 10 ? INT64_MAX : (int64_t)count * 10;
    uint64_t next;
    if (!t->slots) {
        next = cur;
        do {
            next = ht_scan(&t->main, next, &v, &err);
        } while (next && (Py_ssize_t)v.n < count && ++iters < maxit);
    } else {
        int slot = (int)(cur & (NSLOTS - 1));
        uint64_t inner = cur >> 14;
        while (slot < NSLOTS) {
            slotdb *sd = t->sdb[slot];
            if (!sd) {
                slot++;
                inner = 0;
                continue;
            }
            inner = ht_scan(&sd->main, inner, &v, &err);
            if (inner == 0) slot++;
            if ((Py_ssize_t)v.n >= count || ++iters >= maxit) break;
        }
        if (inner == 0)   /* a fresh slot: skip to the next non-empty one, or end */
            while (slot < NSLOTS && !t->sdb[slot]) slot++;
        next = slot >= NSLOTS ? 0 : (inner << 14) | (uint64_t)slot;
    }
    if (err) {
        pv_free(&v);
        return PyErr_NoMemory();
    }
    PyObject *keys = materialize(LAY_KT, &v, 1);
    pv_free(&v);
    return scan_result(next, keys);
}

static int slot_arg(KeyTable *t, PyObject *o, int *slot)
{
    if (!t->slots) {
        PyErr_SetString(PyExc_ValueError, "this KeyTable was made without slots=True");
        return -1;
    }
    long s = PyLong_AsLong(o);
    if (s == -1 && PyErr_Occurred()) return -1;
    if (s < 0 || s >= NSLOTS) {
        PyErr_SetString(PyExc_ValueError, "slot out of range");
        return -1;
    }
    *slot = (int)s;
    return 0;
}

static PyObject *KT_count_in_slot(KeyTable *t, PyObject *o)
{
    int s;
    if (slot_arg(t, o, &s) < 0) return NULL;
    return PyLong_FromLongLong(t->sdb[s] ? ht_count(&t->sdb[s]->main) : 0);
}

static PyObject *KT_keys_in_slot(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "keys_in_slot(slot, count)");
        return NULL;
    }
    int s;
    if (slot_arg(t, args[0], &s) < 0) return NULL;
    Py_ssize_t count = PyLong_AsSsize_t(args[1]);
    if (count == -1 && PyErr_Occurred()) return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must be >= 0");
        return NULL;
    }
    pvec v = {0};
    if (t->sdb[s] && ht_collect_max(&t->sdb[s]->main, &v, (size_t)count) < 0) {
        pv_free(&v);
        return PyErr_NoMemory();
    }
    PyObject *r = materialize(LAY_KT, &v, 1);
    pv_free(&v);
    return r;
}

static PyObject *KT_clear_slot(KeyTable *t, PyObject *o)
{
    int s;
    if (slot_arg(t, o, &s) < 0) return NULL;
    slotdb *sd = t->sdb[s];
    if (!sd) return PyLong_FromLong(0);
    t->sdb[s] = NULL;
    int64_t n = ht_count(&sd->main), vn = ht_count(&sd->vol);
    kt_count(t, s, -n);
    kt_vcount(t, s, -vn);
    freectx c = {t};
    ht_destroy(&sd->vol, NULL, NULL);
    ht_destroy(&sd->main, kt_free_cb, &c);
    PyObject_Free(sd);
    return PyLong_FromLongLong(n);
}

static PyObject *KT_rehash_step(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n = 1;
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "rehash_step(max_buckets=1)");
        return NULL;
    }
    if (nargs == 1) {
        n = PyLong_AsSsize_t(args[0]);
        if (n == -1 && PyErr_Occurred()) return NULL;
    }
    if (n < 1) n = 1;
    int more = 0;
    if (!t->slots) {
        if (ht_rehashing(&t->main)) more |= ht_rehash_step(&t->main, LAY_KT, n);
        if (ht_rehashing(&t->vol)) more |= ht_rehash_step(&t->vol, LAY_KT, n);
    } else {
        Py_ssize_t budget = n;
        for (int i = 0; i < NSLOTS; i++) {
            int s = (t->rh_slot + i) & (NSLOTS - 1);
            slotdb *sd = t->sdb[s];
            if (!sd) continue;
            if (budget <= 0) {   /* out of budget: continue here next time */
                t->rh_slot = s;
                more = 1;
                break;
            }
            if (ht_rehashing(&sd->main)) more |= ht_rehash_step(&sd->main, LAY_KT, budget--);
            if (ht_rehashing(&sd->vol)) more |= ht_rehash_step(&sd->vol, LAY_KT, budget > 0 ? budget-- : 1);
        }
    }
    return PyBool_FromLong(more);
}

static size_t kt_index_bytes(const KeyTable *t)
{
    if (!t->slots) return ht_bytes(&t->main) + ht_bytes(&t->vol);
    size_t n = xcharge(t->sdb, NSLOTS * sizeof(slotdb *)) +
               2 * xcharge(t->fw, (NSLOTS + 1) * sizeof(int64_t));
    for (int s = 0; s < NSLOTS; s++) {
        slotdb *sd = t->sdb[s];
        if (sd) n += ((sizeof(slotdb) + 15) & ~(size_t)15) + ht_bytes(&sd->main) + ht_bytes(&sd->vol);
    }
    return n;
}

static PyObject *KT_mem_bytes(KeyTable *t, PyObject *Py_UNUSED(i))
{
    /* the object itself carries the collector's 16-byte header */
    size_t own = (sizeof(KeyTable) + 16 + 15) & ~(size_t)15;
    return PyLong_FromSize_t(own + (size_t)t->ebytes + kt_index_bytes(t));
}

static PyObject *KT_entry_bytes(KeyTable *t, PyObject *key)
{
    kloc L;
    if (kt_find_or_keyerror(t, key, &L) < 0) return NULL;
    ev v;
    unsigned char *e = kt_entry(&L);
    eparse(LAY_KT, e, &v);
    return PyLong_FromSize_t(xcharge(e, v.size));
}

static void stats_add(const htab *h, int64_t *buckets, int64_t *children, int *depth, int *reh)
{
    *buckets += (int64_t)(ht_size(h, 0) + ht_size(h, 1));
    *children += h->children;
    for (int i = 0; i < 2; i++)
        if (h->depth[i] > *depth) *depth = h->depth[i];
    *reh |= ht_rehashing(h);
}

static PyObject *KT_stats(KeyTable *t, PyObject *Py_UNUSED(i))
{
    int64_t b = 0, c = 0, vb = 0, vc = 0;
    int depth = 0, vdepth = 0, reh = 0, vreh = 0;
    if (!t->slots) {
        stats_add(&t->main, &b, &c, &depth, &reh);
        stats_add(&t->vol, &vb, &vc, &vdepth, &vreh);
    } else {
        for (int s = 0; s < NSLOTS; s++) {
            slotdb *sd = t->sdb[s];
            if (!sd) continue;
            stats_add(&sd->main, &b, &c, &depth, &reh);
            stats_add(&sd->vol, &vb, &vc, &vdepth, &vreh);
        }
    }
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:i,s:O,s:L,s:L,s:O,s:L,s:L}", "keys",
                         (long long)t->count, "buckets", (long long)b, "child_buckets",
                         (long long)c, "entry_bytes", (long long)t->ebytes, "max_chain", depth,
                         "rehashing", reh ? Py_True : Py_False, "volatile",
                         (long long)t->vcount, "volatile_buckets", (long long)(vb + vc),
                         "volatile_rehashing", vreh ? Py_True : Py_False, "index_bytes",
                         (long long)kt_index_bytes(t), "objects", (long long)t->nobj);
}

static PyObject *KT_get_slots(KeyTable *t, void *Py_UNUSED(c)) { return PyBool_FromLong(t->slots); }
static PyObject *KT_get_mode(KeyTable *t, void *Py_UNUSED(c))
{
    return PyUnicode_FromString(t->mode == MODE_LFU ? "lfu" : "lru");
}

#define FASTM(name, fn, doc) {name, (PyCFunction)(void (*)(void))(fn), METH_FASTCALL, doc}
#define KWM(name, fn, doc) {name, (PyCFunction)(void (*)(void))(fn), METH_VARARGS | METH_KEYWORDS, doc}

static PyMethodDef KT_methods[] = {
    FASTM("get", KT_get,
          "get(key, default=None): the value, or default; a hit updates the access field at the "
          "module clock (set_clock); no expiry check"),
    {"peek", (PyCFunction)KT_peek, METH_O, "peek(key): the value or None; no access update, no expiry"},
    FASTM("lookup", KT_lookup,
          "lookup(key, now_ms, touch=True): the value, None when absent, EXPIRED when its deadline "
          "<= now_ms; a hit updates the access field unless touch is false"),
    KWM("set", KT_set,
        "set(key, value, keepttl=False, deadline=None): SET semantics; the deadline goes unless "
        "keepttl; the access field starts fresh (LFU mode keeps it, as Redis's overwrite does)"),
    FASTM("store", KT_store, "store(key, value): replace the value keeping deadline and access field"),
    FASTM("pop", KT_pop, "pop(key, default=None): remove and return the value"),
    FASTM("set_plain", KT_set_plain,
          "set_plain(key, value) -> bool: table[key] = value unless the key holds a referenced "
          "object other than bytes (an aggregate, a bytearray): then False and nothing changes"),
    FASTM("incr_int", KT_incr_int,
          "incr_int(key, delta): add delta to the key's value when it is a canonical int64 string "
          "(a missing key counts as 0) and answer the new int, stored as an integer (deadline "
          "kept, access field touched at the module clock); None when the value is not such a "
          "string or the sum overflows (nothing changes). No expiry check."),
    FASTM("set_expire", KT_set_expire, "set_expire(key, deadline_ms) -> bool (False: no such key)"),
    {"get_expire", (PyCFunction)KT_get_expire, METH_O, "get_expire(key): deadline ms or None; KeyError"},
    {"persist", (PyCFunction)KT_persist, METH_O, "persist(key) -> bool: a deadline was removed"},
    {"volatile_count", (PyCFunction)KT_volatile_count, METH_NOARGS, "keys with a deadline"},
    {"access", (PyCFunction)KT_access, METH_O, "access(key): the raw 24-bit access field"},
    FASTM("set_access", KT_set_access, "set_access(key, field): write the raw access field"),
    KWM("set_access_mode", KT_set_access_mode,
        "set_access_mode('lru'|'lfu', lfu_log_factor=10, lfu_decay_time=1)"),
    {"keys", (PyCFunction)KT_keys, METH_NOARGS, "list of keys"},
    {"values", (PyCFunction)KT_values, METH_NOARGS, "list of values"},
    {"items", (PyCFunction)KT_items, METH_NOARGS, "list of (key, value)"},
    {"clear", (PyCFunction)KT_clear_m, METH_NOARGS, "remove every key"},
    {"random_key", (PyCFunction)KT_random_key, METH_NOARGS, "a uniformly random key, or None"},
    {"random_volatile", (PyCFunction)KT_random_volatile, METH_NOARGS,
     "a uniformly random key among those with a deadline, or None"},
    KWM("sample", KT_sample,
        "sample(n, volatile=False): up to n distinct random entries as (key, deadline|None, access)"),
    FASTM("scan", KT_scan, "scan(cursor, count=10) -> (next_cursor, keys)"),
    {"count_in_slot", (PyCFunction)KT_count_in_slot, METH_O, "keys in one hash slot (slots=True)"},
    FASTM("keys_in_slot", KT_keys_in_slot, "keys_in_slot(slot, count): up to count keys of a slot"),
    {"clear_slot", (PyCFunction)KT_clear_slot, METH_O, "clear_slot(slot): delete a slot's keys, -> count"},
    FASTM("rehash_step", KT_rehash_step,
          "rehash_step(max_buckets=1) -> bool: move up to max_buckets chains; True while rehashing"),
    {"mem_bytes", (PyCFunction)KT_mem_bytes, METH_NOARGS,
     "bytes of the table, its index and its entries (not of referenced objects)"},
    {"entry_bytes", (PyCFunction)KT_entry_bytes, METH_O, "entry_bytes(key): bytes of the key's entry"},
    {"stats", (PyCFunction)KT_stats, METH_NOARGS, "table shape: buckets, chains, rehashing"},
    {"__reduce__", (PyCFunction)no_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef KT_getset[] = {
    {"slots", (getter)KT_get_slots, NULL, "grouped by hash slot", NULL},
    {"access_mode", (getter)KT_get_mode, NULL, "'lru' or 'lfu'", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods KT_as_mapping = {
    .mp_length = (lenfunc)KT_len,
    .mp_subscript = (binaryfunc)KT_subscript,
    .mp_ass_subscript = (objobjargproc)KT_ass_subscript,
};

static PySequenceMethods KT_as_sequence = {
    .sq_contains = (objobjproc)KT_contains,
};

static PyTypeObject KeyTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "shardis.native.KeyTable",
    .tp_basicsize = sizeof(KeyTable),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "KeyTable(slots=False): a database's keys, values, deadlines and access fields",
    .tp_new = KT_new,
    .tp_dealloc = (destructor)KT_dealloc,
    .tp_traverse = (traverseproc)KT_traverse,
    .tp_clear = (inquiry)KT_clear,
    .tp_iter = (getiterfunc)KT_iter,
    .tp_methods = KT_methods,
    .tp_getset = KT_getset,
    .tp_as_mapping = &KT_as_mapping,
    .tp_as_sequence = &KT_as_sequence,
};

/* ------------------------------------------------------------------ HashTable / SetTable */

typedef struct {
    PyObject_HEAD
    htab h;
    int64_t ebytes;
    int lay;                 /* LAY_HASH or LAY_SET, fixed at creation (subclasses too) */
} SubTable;

static PyTypeObject HashTableType, SetTableType;

static inline int st_lay(const SubTable *s) { return s->lay; }

static PyObject *ST_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    /* a subclass's own __init__ takes its arguments; the base types take none */
    int base = type == &HashTableType || type == &SetTableType;
    if (base && (PyTuple_GET_SIZE(args) || (kw && PyDict_GET_SIZE(kw)))) {
        PyErr_Format(PyExc_TypeError, "%s() takes no arguments", type->tp_name);
        return NULL;
    }
    SubTable *s = (SubTable *)type->tp_alloc(type, 0);
    if (!s) return NULL;
    ht_init(&s->h);
    s->lay = PyType_IsSubtype(type, &SetTableType) ? LAY_SET : LAY_HASH;
    return (PyObject *)s;
}

typedef struct {
    SubTable *s;
    int lay;
} stctx;

static PyObject *st_free_entry(SubTable *s, int lay, unsigned char *e)
{
    ev v;
    eparse(lay, e, &v);
    PyObject *o = (lay == LAY_HASH && v.vkind == VK_OBJ) ? eobj(&v) : NULL;
    s->ebytes -= (int64_t)xcharge(e, v.size);
    xfree(e, v.size);
    return o;
}

static void st_free_cb(void *ctx, void *e)
{
    stctx *c = ctx;
    PyObject *o = st_free_entry(c->s, c->lay, e);
    Py_XDECREF(o);
}

static void st_clear_all(SubTable *s)
{
    htab h = s->h;
    ht_init(&s->h);
    stctx c = {s, st_lay(s)};
    ht_destroy(&h, st_free_cb, &c);
}

static void ST_dealloc(SubTable *s)
{
    st_clear_all(s);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static inline int st_locate(SubTable *s, int lay, const char *k, size_t n, uint64_t *hv, hpos *p)
{
    *hv = siphash13((const unsigned char *)k, n);
    if (ht_rehashing(&s->h)) ht_rehash_step(&s->h, lay, 1);
    return ht_find(&s->h, lay, k, n, *hv, p);
}

static Py_ssize_t ST_len(SubTable *s) { return (Py_ssize_t)ht_count(&s->h); }

static int ST_contains(SubTable *s, PyObject *key)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return -1;
    uint64_t hv;
    hpos p;
    return st_locate(s, st_lay(s), k, n, &hv, &p);
}

/* Hash value: exact bytes (a bytes subclass is copied, so only plain bytes are held). */
static PyObject *hash_value_arg(PyObject *v)
{
    if (PyBytes_CheckExact(v)) {
        Py_INCREF(v);
        return v;
    }
    if (PyBytes_Check(v)) return PyBytes_FromStringAndSize(PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v));
    PyErr_Format(PyExc_TypeError, "values must be bytes, not %.100s", Py_TYPE(v)->tp_name);
    return NULL;
}

/* Insert or replace; returns 1 when the field/member is new, 0 when replaced, -1 on error. */
static int st_put(SubTable *s, PyObject *key, PyObject *val)
{
    int lay = st_lay(s);
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return -1;
    vdesc d = {0};
    PyObject *vb = NULL;
    if (lay == LAY_HASH) {
        vb = hash_value_arg(val);
        if (!vb) return -1;
        classify(vb, &d, 0);
    }
    uint64_t hv;
    hpos p;
    int rc;
    if (st_locate(s, lay, k, n, &hv, &p)) {
        if (lay == LAY_SET) return 0;
        unsigned char *olde = p.b->e[p.slot];
        ev ov;
        eparse(lay, olde, &ov);
        PyObject *old_obj = ov.vkind == VK_OBJ ? eobj(&ov) : NULL;
        size_t nsz = esize(lay, 0, d.kind, d.len, n);
        int64_t ocharge = (int64_t)xcharge(olde, ov.size);
        unsigned char *newe = olde;
        if (!can_rewrite(olde, ov.size, nsz)) {
            newe = xalloc(nsz);
            if (!newe) {
                Py_DECREF(vb);
                PyErr_NoMemory();
                return -1;
            }
        }
        ewrite(lay, newe, 0, 0, 0, k, n, d.kind, d.ptr, d.len);
        if (newe != olde) {
            p.b->e[p.slot] = newe;
            xfree(olde, ov.size);
        }
        s->ebytes += (int64_t)xcharge(newe, nsz) - ocharge;
        rc = 0;
        if (d.kind == VK_OBJ) vb = NULL;   /* the entry owns the reference */
        Py_XDECREF(old_obj);
    } else {
        size_t nsz = esize(lay, 0, d.kind, d.len, n);
        unsigned char *e = xalloc(nsz);
        if (!e) {
            Py_XDECREF(vb);
            PyErr_NoMemory();
            return -1;
        }
        ewrite(lay, e, 0, 0, 0, k, n, d.kind, d.ptr, d.len);
        if (ht_add(&s->h, lay, hv, e) < 0) {
            xfree(e, nsz);
            Py_XDECREF(vb);
            PyErr_NoMemory();
            return -1;
        }
        s->ebytes += (int64_t)xcharge(e, nsz);
        if (d.kind == VK_OBJ) vb = NULL;
        rc = 1;
    }
    Py_XDECREF(vb);
    return rc;
}

/* Remove; 1 removed (value in *out when out), 0 absent, -1 error. */
static int st_delete(SubTable *s, PyObject *key, PyObject **out)
{
    int lay = st_lay(s);
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return -1;
    uint64_t hv;
    hpos p;
    if (!st_locate(s, lay, k, n, &hv, &p)) return 0;
    unsigned char *e = p.b->e[p.slot];
    ht_del(&s->h, lay, &p);
    PyObject *val = NULL;
    if (out && lay == LAY_HASH) {
        ev v;
        eparse(lay, e, &v);
        val = evalue(&v);
    }
    PyObject *o = st_free_entry(s, lay, e);
    Py_XDECREF(o);
    if (out) {
        if (lay == LAY_HASH && !val) return -1;
        *out = val;
    }
    return 1;
}

static PyObject *ST_subscript(SubTable *s, PyObject *key)
{
    int lay = st_lay(s);
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return NULL;
    uint64_t hv;
    hpos p;
    if (!st_locate(s, lay, k, n, &hv, &p)) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    ev v;
    eparse(lay, p.b->e[p.slot], &v);
    return evalue(&v);
}

static int ST_ass_subscript(SubTable *s, PyObject *key, PyObject *val)
{
    if (val) return st_put(s, key, val) < 0 ? -1 : 0;
    int rc = st_delete(s, key, NULL);
    if (rc == 0) PyErr_SetObject(PyExc_KeyError, key);
    return rc > 0 ? 0 : -1;
}

static PyObject *HT_get(SubTable *s, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get(field, default=None)");
        return NULL;
    }
    const char *k;
    size_t n;
    if (key_arg(args[0], &k, &n) < 0) return NULL;
    uint64_t hv;
    hpos p;
    if (!st_locate(s, LAY_HASH, k, n, &hv, &p)) {
        PyObject *d = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(d);
        return d;
    }
    ev v;
    eparse(LAY_HASH, p.b->e[p.slot], &v);
    return evalue(&v);
}

static PyObject *HT_set(SubTable *s, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "set(field, value)");
        return NULL;
    }
    int rc = st_put(s, args[0], args[1]);
    if (rc < 0) return NULL;
    return PyBool_FromLong(rc);
}

static PyObject *HT_pop(SubTable *s, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "pop(field, default=None)");
        return NULL;
    }
    PyObject *val = NULL;
    int rc = st_delete(s, args[0], &val);
    if (rc < 0) return NULL;
    if (rc == 0) {
        PyObject *d = nargs == 2 ? args[1] : Py_None;
        Py_INCREF(d);
        return d;
    }
    return val;
}

static PyObject *STs_add(SubTable *s, PyObject *m)
{
    int rc = st_put(s, m, NULL);
    if (rc < 0) return NULL;
    return PyBool_FromLong(rc);
}

static PyObject *STs_discard(SubTable *s, PyObject *m)
{
    int rc = st_delete(s, m, NULL);
    if (rc < 0) return NULL;
    return PyBool_FromLong(rc);
}

static PyObject *STs_remove(SubTable *s, PyObject *m)
{
    int rc = st_delete(s, m, NULL);
    if (rc < 0) return NULL;
    if (rc == 0) {
        PyErr_SetObject(PyExc_KeyError, m);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *st_listing(SubTable *s, int what)
{
    pvec v = {0};
    int rc = ht_collect(&s->h, &v);
    return listing_of(rc, st_lay(s), &v, what);
}

static PyObject *ST_keys(SubTable *s, PyObject *Py_UNUSED(i)) { return st_listing(s, 1); }
static PyObject *ST_values(SubTable *s, PyObject *Py_UNUSED(i)) { return st_listing(s, 2); }
static PyObject *ST_items(SubTable *s, PyObject *Py_UNUSED(i)) { return st_listing(s, 3); }

static PyObject *ST_iter(SubTable *s) { return iter_of(st_listing(s, 1)); }

static PyObject *ST_clear_m(SubTable *s, PyObject *Py_UNUSED(i))
{
    st_clear_all(s);
    Py_RETURN_NONE;
}

static PyObject *ST_random_key(SubTable *s, PyObject *Py_UNUSED(i))
{
    void *e = ht_random(&s->h);
    if (!e) Py_RETURN_NONE;
    return ekey_bytes(st_lay(s), e);
}

static PyObject *HT_random_item(SubTable *s, PyObject *Py_UNUSED(i))
{
    void *e = ht_random(&s->h);
    if (!e) Py_RETURN_NONE;
    pvec v = {&e, 1, 1};
    PyObject *l = materialize(LAY_HASH, &v, 3);
    if (!l) return NULL;
    PyObject *r = PyList_GET_ITEM(l, 0);
    Py_INCREF(r);
    Py_DECREF(l);
    return r;
}

/* Remove and return a random member (SetTable) or (field, value) (HashTable); None if empty. */
static PyObject *ST_pop_random(SubTable *s, PyObject *Py_UNUSED(i))
{
    int lay = st_lay(s);
    void *e = ht_random(&s->h);
    if (!e) Py_RETURN_NONE;
    pvec v = {&e, 1, 1};
    PyObject *l = materialize(lay, &v, lay == LAY_HASH ? 3 : 1);
    if (!l) return NULL;
    PyObject *r = PyList_GET_ITEM(l, 0);
    Py_INCREF(r);
    Py_DECREF(l);
    PyObject *key = lay == LAY_HASH ? PyTuple_GET_ITEM(r, 0) : r;
    if (st_delete(s, key, NULL) < 0) {
        Py_DECREF(r);
        return NULL;
    }
    return r;
}

static PyObject *ST_sample(SubTable *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n", "values", NULL};
    Py_ssize_t want;
    int values = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "n|p:sample", kwlist, &want, &values)) return NULL;
    if (want < 0) {
        PyErr_SetString(PyExc_ValueError, "sample size must be >= 0");
        return NULL;
    }
    int lay = st_lay(s);
    int64_t pop = ht_count(&s->h);
    pvec v = {0};
    int err = 0;
    if ((int64_t)want >= pop || 2 * (int64_t)want > pop) {
        err = ht_collect(&s->h, &v) < 0;
        if (!err) pv_choose(&v, (size_t)want);
    } else if (want > 0) {
        pset seen;
        if (ps_init(&seen, (size_t)want) < 0) err = 1;
        while (!err && v.n < (size_t)want) {
            void *e = ht_random(&s->h);
            if (ps_add(&seen, e) && pv_push(&v, e) < 0) err = 1;
        }
        PyMem_Free(seen.slot);
    }
    if (err) {
        pv_free(&v);
        return PyErr_NoMemory();
    }
    PyObject *r = materialize(lay, &v, (values && lay == LAY_HASH) ? 3 : 1);
    pv_free(&v);
    return r;
}

static PyObject *ST_scan(SubTable *s, PyObject *const *args, Py_ssize_t nargs)
{
    uint64_t cur;
    Py_ssize_t count;
    if (parse_scan_args(args, nargs, &cur, &count) < 0) return NULL;
    int lay = st_lay(s);
    pvec v = {0};
    int err = 0;
    int64_t iters = 0, maxit = count > INT64_MAX / 10 ? INT64_MAX : (int64_t)count * 10;
    uint64_t next = cur;
    do {
        next = ht_scan(&s->h, next, &v, &err);
    } while (next && (Py_ssize_t)v.n < count && ++iters < maxit);
    if (err) {
        pv_free(&v);
        return PyErr_NoMemory();
    }
    PyObject *list = materialize(lay, &v, lay == LAY_HASH ? 3 : 1);
    pv_free(&v);
    if (list && lay == LAY_HASH) {   /* flat: field, value, field, value, ... */
        Py_ssize_t m = PyList_GET_SIZE(list);
        PyObject *flat = PyList_New(2 * m);
        if (flat) {
            for (Py_ssize_t i = 0; i < m; i++) {
                PyObject *tup = PyList_GET_ITEM(list, i);
                PyObject *a = PyTuple_GET_ITEM(tup, 0), *b = PyTuple_GET_ITEM(tup, 1);
                Py_INCREF(a);
                Py_INCREF(b);
                PyList_SET_ITEM(flat, 2 * i, a);
                PyList_SET_ITEM(flat, 2 * i + 1, b);
            }
        }
        Py_DECREF(list);
        list = flat;
    }
    return scan_result(next, list);
}

static PyObject *ST_mem_bytes(SubTable *s, PyObject *Py_UNUSED(i))
{
    size_t own = (sizeof(SubTable) + 15) & ~(size_t)15;
    return PyLong_FromSize_t(own + (size_t)s->ebytes + ht_bytes(&s->h));
}

static PyObject *ST_stats(SubTable *s, PyObject *Py_UNUSED(i))
{
    int64_t b = 0, c = 0;
    int depth = 0, reh = 0;
    stats_add(&s->h, &b, &c, &depth, &reh);
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:i,s:O}", "keys", (long long)ht_count(&s->h),
                         "buckets", (long long)b, "child_buckets", (long long)c, "entry_bytes",
                         (long long)s->ebytes, "max_chain", depth, "rehashing",
                         reh ? Py_True : Py_False);
}

static PyObject *ST_rehash_step(SubTable *s, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n = 1;
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "rehash_step(max_buckets=1)");
        return NULL;
    }
    if (nargs == 1) {
        n = PyLong_AsSsize_t(args[0]);
        if (n == -1 && PyErr_Occurred()) return NULL;
    }
    if (n < 1) n = 1;
    int more = ht_rehashing(&s->h) ? ht_rehash_step(&s->h, st_lay(s), n) : 0;
    return PyBool_FromLong(more);
}

/* Tests only: restart the generator behind random_key, random_item, pop_random and sample
 * (one per process, shared by every table) from a given state, so that two runs of the
 * same operations draw the same picks. */
static PyObject *ST_seed_random(PyObject *Py_UNUSED(cls), PyObject *arg)
{
    unsigned long long v = PyLong_AsUnsignedLongLongMask(arg);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
    rnd_state = (uint64_t)v;
    Py_RETURN_NONE;
}

#define SEEDM {"seed_random", (PyCFunction)ST_seed_random, METH_O | METH_STATIC, \
               "seed_random(n): restart the process's table random generator (tests)"}

static PyMethodDef HT_methods[] = {
    FASTM("get", HT_get, "get(field, default=None)"),
    FASTM("set", HT_set, "set(field, value) -> True when the field is new"),
    FASTM("pop", HT_pop, "pop(field, default=None)"),
    {"keys", (PyCFunction)ST_keys, METH_NOARGS, "list of fields"},
    {"values", (PyCFunction)ST_values, METH_NOARGS, "list of values"},
    {"items", (PyCFunction)ST_items, METH_NOARGS, "list of (field, value)"},
    {"clear", (PyCFunction)ST_clear_m, METH_NOARGS, "remove every field"},
    {"random_key", (PyCFunction)ST_random_key, METH_NOARGS, "a uniformly random field or None"},
    {"random_item", (PyCFunction)HT_random_item, METH_NOARGS, "a uniformly random (field, value) or None"},
    {"pop_random", (PyCFunction)ST_pop_random, METH_NOARGS, "remove and return a random (field, value)"},
    KWM("sample", ST_sample, "sample(n, values=False): up to n distinct random fields (or pairs)"),
    FASTM("scan", ST_scan, "scan(cursor, count=10) -> (next_cursor, [field, value, ...])"),
    FASTM("rehash_step", ST_rehash_step, "rehash_step(max_buckets=1) -> bool"),
    {"mem_bytes", (PyCFunction)ST_mem_bytes, METH_NOARGS, "bytes of the table and its entries"},
    {"stats", (PyCFunction)ST_stats, METH_NOARGS, "table shape"},
    SEEDM,
    {"__reduce__", (PyCFunction)no_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef SET_methods[] = {
    {"add", (PyCFunction)STs_add, METH_O, "add(member) -> True when new"},
    {"discard", (PyCFunction)STs_discard, METH_O, "discard(member) -> True when removed"},
    {"remove", (PyCFunction)STs_remove, METH_O, "remove(member); KeyError when absent"},
    {"keys", (PyCFunction)ST_keys, METH_NOARGS, "list of members"},
    {"members", (PyCFunction)ST_keys, METH_NOARGS, "list of members"},
    {"clear", (PyCFunction)ST_clear_m, METH_NOARGS, "remove every member"},
    {"random_key", (PyCFunction)ST_random_key, METH_NOARGS, "a uniformly random member or None"},
    {"pop_random", (PyCFunction)ST_pop_random, METH_NOARGS, "remove and return a random member"},
    KWM("sample", ST_sample, "sample(n): up to n distinct random members"),
    FASTM("scan", ST_scan, "scan(cursor, count=10) -> (next_cursor, members)"),
    FASTM("rehash_step", ST_rehash_step, "rehash_step(max_buckets=1) -> bool"),
    {"mem_bytes", (PyCFunction)ST_mem_bytes, METH_NOARGS, "bytes of the table and its entries"},
    {"stats", (PyCFunction)ST_stats, METH_NOARGS, "table shape"},
    SEEDM,
    {"__reduce__", (PyCFunction)no_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMappingMethods HT_as_mapping = {
    .mp_length = (lenfunc)ST_len,
    .mp_subscript = (binaryfunc)ST_subscript,
    .mp_ass_subscript = (objobjargproc)ST_ass_subscript,
};

static PySequenceMethods ST_as_sequence = {
    .sq_length = (lenfunc)ST_len,
    .sq_contains = (objobjproc)ST_contains,
};

static PyTypeObject HashTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "shardis.native.HashTable",
    .tp_basicsize = sizeof(SubTable),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "HashTable(): field -> value, both bytes (the hashtable encoding of hashes)",
    .tp_new = ST_new,
    .tp_dealloc = (destructor)ST_dealloc,
    .tp_iter = (getiterfunc)ST_iter,
    .tp_methods = HT_methods,
    .tp_as_mapping = &HT_as_mapping,
    .tp_as_sequence = &ST_as_sequence,
};

static PyTypeObject SetTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "shardis.native.SetTable",
    .tp_basicsize = sizeof(SubTable),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "SetTable(): members, bytes (the hashtable encoding of sets)",
    .tp_new = ST_new,
    .tp_dealloc = (destructor)ST_dealloc,
    .tp_iter = (getiterfunc)ST_iter,
    .tp_methods = SET_methods,
    .tp_as_sequence = &ST_as_sequence,
};

/* ------------------------------------------------------------------ module */

static PyObject *mod_key_hash_slot(PyObject *Py_UNUSED(m), PyObject *key)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return NULL;
    return PyLong_FromLong(key_slot((const unsigned char *)k, n));
}

static PyObject *mod_crc16(PyObject *Py_UNUSED(m), PyObject *key)
{
    const char *k;
    size_t n;
    if (key_arg(key, &k, &n) < 0) return NULL;
    return PyLong_FromLong(crc16x((const unsigned char *)k, n));
}

static PyObject *Expired_repr(PyObject *Py_UNUSED(self)) { return PyUnicode_FromString("EXPIRED"); }

static PyTypeObject ExpiredType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "shardis.native._Expired",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_repr = Expired_repr,
    .tp_doc = "the type of EXPIRED: lookup()'s answer for a key past its deadline",
};

/* ---- untracked bytes subclasses (the compact encodings' value classes) ----
 *
 * A class statement always makes a type whose instances the cyclic GC tracks: 16 more
 * bytes an object (an intset of 10 int32 moves from the 80- to the 96-byte class) and one
 * more object for every full collection to visit. A listpack or intset value is bytes
 * and cannot hold a reference, so blob_type makes the same class without Py_TPFLAGS_HAVE_GC:
 * a heap type with bytes as its only base and the given attributes. */

static void blob_dealloc(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    tp->tp_free(o);
    Py_DECREF(tp);   /* instances of a heap type own a reference to it */
}

static PyObject *mod_blob_type(PyObject *Py_UNUSED(m), PyObject *args)
{
    const char *name;
    PyObject *ns;
    if (!PyArg_ParseTuple(args, "sO!:blob_type", &name, &PyDict_Type, &ns)) return NULL;
    /* the type keeps pointing at its name: a copy that lives as long as the process */
    size_t n = strlen(name);
    char *keep = PyMem_Malloc(n + 1);
    if (!keep) return PyErr_NoMemory();
    memcpy(keep, name, n + 1);
    PyType_Slot slots[] = {
        {Py_tp_dealloc, (void *)blob_dealloc},
        {0, NULL},
    };
    PyType_Spec spec = {
        .name = keep,
        .basicsize = (int)PyBytes_Type.tp_basicsize,
        .itemsize = (int)PyBytes_Type.tp_itemsize,
        .flags = Py_TPFLAGS_DEFAULT,
        .slots = slots,
    };
    PyObject *bases = PyTuple_Pack(1, (PyObject *)&PyBytes_Type);
    if (!bases) {
        PyMem_Free(keep);
        return NULL;
    }
    PyObject *tp = PyType_FromSpecWithBases(&spec, bases);
    Py_DECREF(bases);
    if (!tp) {
        PyMem_Free(keep);
        return NULL;
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(ns, &pos, &k, &v)) {
        if (PyObject_SetAttr(tp, k, v) < 0) {
            Py_DECREF(tp);
            return NULL;
        }
    }
    if (n_blob_classes < 15) {   /* a tag for embedding in key tables; the class stays alive */
        Py_INCREF(tp);
        blob_classes[++n_blob_classes] = (PyTypeObject *)tp;
    }
    return tp;
}

static PyObject *mod_set_clock(PyObject *Py_UNUSED(m), PyObject *arg)
{
    long long v = PyLong_AsLongLong(arg);
    if (v == -1 && PyErr_Occurred()) return NULL;
    if (v < 0) {
        PyErr_SetString(PyExc_ValueError, "clock must be >= 0 (unix ms; 0: read the wall clock)");
        return NULL;
    }
    g_clock_ms = v;
    Py_RETURN_NONE;
}

static PyMethodDef mod_methods[] = {
    {"blob_type", mod_blob_type, METH_VARARGS,
     "blob_type(qualified_name, attributes): a subclass of bytes with these attributes whose "
     "instances the cyclic GC does not track"},
    {"set_clock", mod_set_clock, METH_O,
     "set_clock(unix_ms): the time new entries and get() stamp access fields with; 0: the wall "
     "clock at each stamp"},
    {"key_hash_slot", mod_key_hash_slot, METH_O,
     "key_hash_slot(key): the Redis Cluster slot (CRC16 of the key or its {hash tag}, mod 16384)"},
    {"crc16", mod_crc16, METH_O, "crc16(data): CRC16-CCITT (XMODEM)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "shardis.native._keytable",
    .m_doc = "The compiled key table (KeyTable) and its siblings (HashTable, SetTable).",
    .m_size = -1,
    .m_methods = mod_methods,
};

PyMODINIT_FUNC PyInit__keytable(void)
{
    uint64_t seed[3];
    if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
        int64_t t = real_ms();
        seed[0] = (uint64_t)t * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)&seed;
        seed[1] = seed[0] * 0xC2B2AE3D27D4EB4FULL + (uint64_t)getpid();
        seed[2] = seed[1] ^ (seed[0] >> 17);
    }
    sip_k0 = seed[0];
    sip_k1 = seed[1];
    rnd_state = seed[2];
    crc16_init();
    if (PyType_Ready(&KeyTableType) < 0 || PyType_Ready(&HashTableType) < 0 ||
        PyType_Ready(&SetTableType) < 0 || PyType_Ready(&ExpiredType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moddef);
    if (!m) return NULL;
    EXPIRED = PyObject_New(PyObject, &ExpiredType);
    if (!EXPIRED) goto fail;
    Py_INCREF(EXPIRED);
    if (PyModule_AddObject(m, "EXPIRED", EXPIRED) < 0) goto fail;
    Py_INCREF(&KeyTableType);
    if (PyModule_AddObject(m, "KeyTable", (PyObject *)&KeyTableType) < 0) goto fail;
    Py_INCREF(&HashTableType);
    if (PyModule_AddObject(m, "HashTable", (PyObject *)&HashTableType) < 0) goto fail;
    Py_INCREF(&SetTableType);
    if (PyModule_AddObject(m, "SetTable", (PyObject *)&SetTableType) < 0) goto fail;
    if (PyModule_AddIntConstant(m, "EMBED_MAX", EMB_MAX) < 0) goto fail;
    if (PyModule_AddIntConstant(m, "NSLOTS", NSLOTS) < 0) goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
