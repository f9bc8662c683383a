/* Hash functions and the random source of the key table.
 *
 * siphash13: SipHash-1-3 (one compression round, three finalization rounds) with a
 * 128-bit key drawn at module import, so bucket positions differ from process to
 * process and cannot be aimed at from outside.
 * crc16x: CRC16-CCITT in its XMODEM form (polynomial 0x1021, start 0, no reflection),
 * the function of Redis Cluster's key slots; the table is built at import.
 * rnd64: a 64-bit generator in the wyrand style (a Weyl sequence mixed by one 128-bit
 * multiply); rnd_below maps it to [0, n) by a multiply-high, whose bias is n / 2^64.
 */
#ifndef SHARDIS_HASHFN_H
#define SHARDIS_HASHFN_H

#include <stdint.h>
#include <string.h>

static uint64_t sip_k0, sip_k1;

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND                                                            \
    do {                                                                     \
        v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32);    \
        v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;                           \
        v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;                           \
        v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32);    \
    } while (0)

static inline uint64_t siphash13(const unsigned char *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ sip_k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ sip_k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ sip_k0;
    uint64_t v3 = 0x7465646279746573ULL ^ sip_k1;
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m;
        memcpy(&m, in + i, 8);          /* little-endian machines only (x86-64, aarch64) */
        v3 ^= m;
        SIP_ROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        last |= (uint64_t)in[whole + i] << (8 * i);
    v3 ^= last;
    SIP_ROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIP_ROUND;
    SIP_ROUND;
    SIP_ROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint16_t crc16_tab[256];

static void crc16_init(void)
{
    for (int b = 0; b < 256; b++) {
        uint16_t c = (uint16_t)(b << 8);
        for (int i = 0; i < 8; i++)
            c = (uint16_t)((c & 0x8000) ? (c << 1) ^ 0x1021 : (c << 1));
        crc16_tab[b] = c;
    }
}

static inline uint16_t crc16x(const unsigned char *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++)
        c = (uint16_t)((c << 8) ^ crc16_tab[((c >> 8) ^ p[i]) & 0xff]);
    return c;
}

#define NSLOTS 16384

/* The slot of a key: the CRC of the text between the first '{' and the first '}'
 * after it when that text is not empty, else of the whole key. */
static inline int key_slot(const unsigned char *k, size_t n)
{
    const unsigned char *open = memchr(k, '{', n);
    if (open) {
        size_t rest = n - (size_t)(open - k) - 1;
        const unsigned char *close = memchr(open + 1, '}', rest);
        if (close && close != open + 1)
            return crc16x(open + 1, (size_t)(close - open - 1)) & (NSLOTS - 1);
    }
    return crc16x(k, n) & (NSLOTS - 1);
}

static uint64_t rnd_state;

static inline uint64_t rnd64(void)
{
    rnd_state += 0xa0761d6478bd642fULL;
    __uint128_t m = (__uint128_t)rnd_state * (rnd_state ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

static inline uint64_t rnd_below(uint64_t n)
{
    return (uint64_t)(((__uint128_t)rnd64() * n) >> 64);
}

static inline double rnd_unit(void)
{
    return (double)(rnd64() >> 11) * (1.0 / 9007199254740992.0);
}

#endif
