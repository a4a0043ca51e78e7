#ifndef HV_MD5_H_
#define HV_MD5_H_

/*
 * md5.h - the MD5 message digest (RFC 1321).
 * Header-only: libhv compiles these functions into the library; here they
 * are static inline C, usable from C and C++. MD5 is broken for security
 * purposes; use it for checksums and protocols that require it.
 */

#include <string.h>

#include "hexport.h"

typedef struct {
    unsigned int    count[2];   /* message length in bits, low word first */
    unsigned int    state[4];   /* A, B, C, D */
    unsigned char   buffer[64]; /* the block being filled */
} HV_MD5_CTX;

BEGIN_EXTERN_C

/* Runs the four rounds of RFC 1321 section 3.4 on one 64-byte block. */
HV_INLINE void hvh_md5_block(unsigned int state[4], const unsigned char block[64]) {
    static const unsigned int sines[64] = {
        0xd76aa478UL, 0xe8c7b756UL, 0x242070dbUL, 0xc1bdceeeUL,
        0xf57c0fafUL, 0x4787c62aUL, 0xa8304613UL, 0xfd469501UL,
        0x698098d8UL, 0x8b44f7afUL, 0xffff5bb1UL, 0x895cd7beUL,
        0x6b901122UL, 0xfd987193UL, 0xa679438eUL, 0x49b40821UL,
        0xf61e2562UL, 0xc040b340UL, 0x265e5a51UL, 0xe9b6c7aaUL,
        0xd62f105dUL, 0x02441453UL, 0xd8a1e681UL, 0xe7d3fbc8UL,
        0x21e1cde6UL, 0xc33707d6UL, 0xf4d50d87UL, 0x455a14edUL,
        0xa9e3e905UL, 0xfcefa3f8UL, 0x676f02d9UL, 0x8d2a4c8aUL,
        0xfffa3942UL, 0x8771f681UL, 0x6d9d6122UL, 0xfde5380cUL,
        0xa4beea44UL, 0x4bdecfa9UL, 0xf6bb4b60UL, 0xbebfbc70UL,
        0x289b7ec6UL, 0xeaa127faUL, 0xd4ef3085UL, 0x04881d05UL,
        0xd9d4d039UL, 0xe6db99e5UL, 0x1fa27cf8UL, 0xc4ac5665UL,
        0xf4292244UL, 0x432aff97UL, 0xab9423a7UL, 0xfc93a039UL,
        0x655b59c3UL, 0x8f0ccc92UL, 0xffeff47dUL, 0x85845dd1UL,
        0x6fa87e4fUL, 0xfe2ce6e0UL, 0xa3014314UL, 0x4e0811a1UL,
        0xf7537e82UL, 0xbd3af235UL, 0x2ad7d2bbUL, 0xeb86d391UL,
    };
    static const unsigned char shifts[4][4] = {
        { 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 },
    };
    unsigned int x[16];
    unsigned int a = state[0], b = state[1], c = state[2], d = state[3];
    int i;
    for (i = 0; i < 16; ++i) {
        x[i] = (unsigned int)block[4 * i] |
               ((unsigned int)block[4 * i + 1] << 8) |
               ((unsigned int)block[4 * i + 2] << 16) |
               ((unsigned int)block[4 * i + 3] << 24);
    }
    for (i = 0; i < 64; ++i) {
        int round = i / 16;
        unsigned int f, sum, s;
        int k;
        switch (round) {
        case 0:  f = (b & c) | (~b & d); k = i; break;
        case 1:  f = (b & d) | (c & ~d); k = (5 * i + 1) % 16; break;
        case 2:  f = b ^ c ^ d;          k = (3 * i + 5) % 16; break;
        default: f = c ^ (b | ~d);       k = (7 * i) % 16; break;
        }
        s = shifts[round][i % 4];
        sum = (a + f + sines[i] + x[k]) & 0xFFFFFFFFU;
        a = d;
        d = c;
        c = b;
        b = (b + (((sum << s) | (sum >> (32 - s))) & 0xFFFFFFFFU)) & 0xFFFFFFFFU;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
}

HV_INLINE void HV_MD5Init(HV_MD5_CTX *ctx) {
    ctx->count[0] = 0;
    ctx->count[1] = 0;
    ctx->state[0] = 0x67452301U;
    ctx->state[1] = 0xefcdab89U;
    ctx->state[2] = 0x98badcfeU;
    ctx->state[3] = 0x10325476U;
    memset(ctx->buffer, 0, sizeof(ctx->buffer));
}

HV_INLINE void HV_MD5Update(HV_MD5_CTX *ctx, unsigned char *input, unsigned int inputlen) {
    unsigned int used = (ctx->count[0] >> 3) & 63;
    unsigned int bits_low = (inputlen << 3) & 0xFFFFFFFFU;
    ctx->count[0] = (ctx->count[0] + bits_low) & 0xFFFFFFFFU;
    if (ctx->count[0] < bits_low) ctx->count[1]++;
    ctx->count[1] += inputlen >> 29;
    while (inputlen > 0) {
        unsigned int take = 64 - used;
        if (take > inputlen) take = inputlen;
        memcpy(ctx->buffer + used, input, take);
        used += take;
        input += take;
        inputlen -= take;
        if (used == 64) {
            hvh_md5_block(ctx->state, ctx->buffer);
            used = 0;
        }
    }
}

HV_INLINE void HV_MD5Final(HV_MD5_CTX *ctx, unsigned char digest[16]) {
    unsigned char length[8];
    unsigned char pad[64];
    unsigned int used = (ctx->count[0] >> 3) & 63;
    unsigned int padlen = used < 56 ? 56 - used : 120 - used;
    int i;
    for (i = 0; i < 4; ++i) {
        length[i] = (unsigned char)(ctx->count[0] >> (8 * i));
        length[4 + i] = (unsigned char)(ctx->count[1] >> (8 * i));
    }
    memset(pad, 0, sizeof(pad));
    pad[0] = 0x80;
    HV_MD5Update(ctx, pad, padlen);
    HV_MD5Update(ctx, length, 8);
    for (i = 0; i < 4; ++i) {
        digest[4 * i] = (unsigned char)ctx->state[i];
        digest[4 * i + 1] = (unsigned char)(ctx->state[i] >> 8);
        digest[4 * i + 2] = (unsigned char)(ctx->state[i] >> 16);
        digest[4 * i + 3] = (unsigned char)(ctx->state[i] >> 24);
    }
    memset(ctx, 0, sizeof(*ctx));
}

HV_INLINE void hv_md5(unsigned char* input, unsigned int inputlen, unsigned char digest[16]) {
    HV_MD5_CTX ctx;
    HV_MD5Init(&ctx);
    HV_MD5Update(&ctx, input, inputlen);
    HV_MD5Final(&ctx, digest);
}

/*
 * Writes the digest as 32 lower-case hex digits; does nothing when
 * outputlen < 32, and adds a NUL only when outputlen > 32.
 */
HV_INLINE void hv_md5_hex(unsigned char* input, unsigned int inputlen, char* output, unsigned int outputlen) {
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[16];
    int i;
    if (outputlen < 32) return;
    hv_md5(input, inputlen, digest);
    for (i = 0; i < 16; ++i) {
        output[2 * i] = digits[digest[i] >> 4];
        output[2 * i + 1] = digits[digest[i] & 0x0F];
    }
    if (outputlen > 32) output[32] = '\0';
}

END_EXTERN_C

#endif /* HV_MD5_H_ */
