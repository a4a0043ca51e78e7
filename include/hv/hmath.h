#ifndef HV_MATH_H_
#define HV_MATH_H_

/*
 * hmath.h - power-of-two rounding and base-128 varints.
 */

#include "hconfig.h"

#include <math.h>

/* Largest power of two <= num (1 for num == 0). */
static inline unsigned long floor2e(unsigned long num) {
    unsigned long p = 1;
    while (num >> 1) {
        num >>= 1;
        p <<= 1;
    }
    return p;
}

/* Smallest power of two >= num (1 for num <= 1). */
static inline unsigned long ceil2e(unsigned long num) {
    unsigned long p = 1;
    while (p < num && p != 0) {
        p <<= 1;
    }
    return p;
}

/*
 * Varint: little-endian groups of 7 bits; the top bit of each byte says
 * "more bytes follow".  A 64-bit value takes at most 10 bytes.
 * Negative values are encoded by their two's complement bit pattern.
 * Returns the number of bytes written to buf.
 */
static inline int varint_encode(long long value, unsigned char* buf) {
    unsigned long long rest = (unsigned long long)value;
    int n = 0;
    for (;;) {
        unsigned char low7 = (unsigned char)(rest & 0x7F);
        rest >>= 7;
        if (rest == 0) {
            buf[n++] = low7;
            break;
        }
        buf[n++] = (unsigned char)(low7 | 0x80);
    }
    return n;
}

/*
 * Decode a varint from buf.
 * len (optional) is in/out: on input, the number of readable bytes, where
 * 0 means "unknown"; on output, the size of the varint, 0 if buf ended
 * before the varint did, or -1 if no terminating byte was found within the
 * 10-byte maximum.
 */
static inline long long varint_decode(const unsigned char* buf, int* len) {
    unsigned long long value = 0;
    int limit = (len && *len > 0) ? *len : 0;
    int i;
    for (i = 0; i < 10; ++i) {
        if (limit && i == limit) {
            *len = 0;
            return 0;
        }
        value |= (unsigned long long)(buf[i] & 0x7F) << (7 * i);
        if ((buf[i] & 0x80) == 0) {
            if (len) *len = i + 1;
            return (long long)value;
        }
    }
    if (len) *len = -1;
    return (long long)value;
}

#endif /* HV_MATH_H_ */
