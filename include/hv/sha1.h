#ifndef HV_SHA1_H_
#define HV_SHA1_H_

/*
 * sha1.h - the SHA-1 message digest (FIPS 180-4, RFC 3174).
 * Header-only: libhv compiles these functions into the library; here they
 * are static inline C, usable from C and C++. SHA-1 is broken for
 * collision resistance; use it where a protocol requires it (WebSocket).
 */

#include <stdint.h>
#include <string.h>

#include "hexport.h"

typedef struct {
    uint32_t state[5];          /* H0..H4 */
    uint32_t count[2];          /* message length in bits, low word first */
    unsigned char buffer[64];   /* the block being filled */
} HV_SHA1_CTX;

BEGIN_EXTERN_C

/* Processes one 64-byte block into state (FIPS 180-4 section 6.1.2). */
HV_INLINE void HV_SHA1Transform(uint32_t state[5], const unsigned char buffer[64]) {
    uint32_t w[80];
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
    int t;
    for (t = 0; t < 16; ++t) {
        w[t] = ((uint32_t)buffer[4 * t] << 24) |
               ((uint32_t)buffer[4 * t + 1] << 16) |
               ((uint32_t)buffer[4 * t + 2] << 8) |
               (uint32_t)buffer[4 * t + 3];
    }
    for (t = 16; t < 80; ++t) {
        uint32_t x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
        w[t] = (x << 1) | (x >> 31);
    }
    for (t = 0; t < 80; ++t) {
        uint32_t f, k, tmp;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999U;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1U;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCU;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6U;
        }
        tmp = ((a << 5) | (a >> 27)) + f + e + k + w[t];
        e = d;
        d = c;
        c = (b << 30) | (b >> 2);
        b = a;
        a = tmp;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
}

HV_INLINE void HV_SHA1Init(HV_SHA1_CTX* context) {
    context->state[0] = 0x67452301U;
    context->state[1] = 0xEFCDAB89U;
    context->state[2] = 0x98BADCFEU;
    context->state[3] = 0x10325476U;
    context->state[4] = 0xC3D2E1F0U;
    context->count[0] = 0;
    context->count[1] = 0;
    memset(context->buffer, 0, sizeof(context->buffer));
}

HV_INLINE void HV_SHA1Update(HV_SHA1_CTX* context, const unsigned char* data, uint32_t len) {
    uint32_t used = (context->count[0] >> 3) & 63;
    uint32_t bits_low = len << 3;
    context->count[0] += bits_low;
    if (context->count[0] < bits_low) context->count[1]++;
    context->count[1] += len >> 29;
    while (len > 0) {
        uint32_t take = 64 - used;
        if (take > len) take = len;
        memcpy(context->buffer + used, data, take);
        used += take;
        data += take;
        len -= take;
        if (used == 64) {
            HV_SHA1Transform(context->state, context->buffer);
            used = 0;
        }
    }
}

HV_INLINE void HV_SHA1Final(unsigned char digest[20], HV_SHA1_CTX* context) {
    unsigned char length[8];
    unsigned char pad[64];
    uint32_t used = (context->count[0] >> 3) & 63;
    uint32_t padlen = used < 56 ? 56 - used : 120 - used;
    int i;
    for (i = 0; i < 4; ++i) {
        length[i] = (unsigned char)(context->count[1] >> (24 - 8 * i));
        length[4 + i] = (unsigned char)(context->count[0] >> (24 - 8 * i));
    }
    memset(pad, 0, sizeof(pad));
    pad[0] = 0x80;
    HV_SHA1Update(context, pad, padlen);
    HV_SHA1Update(context, length, 8);
    for (i = 0; i < 20; ++i) {
        digest[i] = (unsigned char)(context->state[i / 4] >> (24 - 8 * (i % 4)));
    }
    memset(context, 0, sizeof(*context));
}

/* Writes the 20 raw digest bytes of str to hash_out and a NUL at hash_out[20]. */
HV_INLINE void HV_SHA1(char* hash_out, const char* str, uint32_t len) {
    HV_SHA1_CTX ctx;
    HV_SHA1Init(&ctx);
    HV_SHA1Update(&ctx, (const unsigned char*)str, len);
    HV_SHA1Final((unsigned char*)hash_out, &ctx);
    hash_out[20] = '\0';
}

HV_INLINE void hv_sha1(unsigned char* input, uint32_t inputlen, unsigned char digest[20]) {
    HV_SHA1_CTX ctx;
    HV_SHA1Init(&ctx);
    HV_SHA1Update(&ctx, input, inputlen);
    HV_SHA1Final(digest, &ctx);
}

/*
 * Writes the digest as 40 lower-case hex digits; does nothing when
 * outputlen < 40, and adds a NUL only when outputlen > 40.
 */
HV_INLINE void hv_sha1_hex(unsigned char* input, uint32_t inputlen, char* output, uint32_t outputlen) {
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[20];
    int i;
    if (outputlen < 40) return;
    hv_sha1(input, inputlen, digest);
    for (i = 0; i < 20; ++i) {
        output[2 * i] = digits[digest[i] >> 4];
        output[2 * i + 1] = digits[digest[i] & 0x0F];
    }
    if (outputlen > 40) output[40] = '\0';
}

END_EXTERN_C

#endif /* HV_SHA1_H_ */
