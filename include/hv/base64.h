#ifndef HV_BASE64_H_
#define HV_BASE64_H_

/*
 * base64.h - RFC 4648 base64 (standard alphabet, '=' padding).
 * Header-only: libhv compiles these functions into the library; here they
 * are static inline C, usable from C and C++.
 */

#include "hexport.h"

/* Bytes hv_base64_encode writes for s input bytes (no terminating NUL). */
#define BASE64_ENCODE_OUT_SIZE(s)   (((s) + 2) / 3 * 4)
/*
 * Bytes hv_base64_decode writes for s characters of padded input. Input
 * without padding may decode to up to 2 bytes more: size the buffer with
 * BASE64_DECODE_OUT_SIZE((s) + 3) when the padding may be missing.
 */
#define BASE64_DECODE_OUT_SIZE(s)   (((s)) / 4 * 3)

BEGIN_EXTERN_C

/* Encodes inlen bytes into out; returns the number of characters written. */
HV_INLINE int hv_base64_encode(const unsigned char *in, unsigned int inlen, char *out) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned int i = 0;
    int n = 0;
    for (; i + 3 <= inlen; i += 3) {
        unsigned long group = ((unsigned long)in[i] << 16) |
                              ((unsigned long)in[i + 1] << 8) |
                              (unsigned long)in[i + 2];
        out[n++] = alphabet[(group >> 18) & 0x3F];
        out[n++] = alphabet[(group >> 12) & 0x3F];
        out[n++] = alphabet[(group >> 6) & 0x3F];
        out[n++] = alphabet[group & 0x3F];
    }
    if (inlen - i == 1) {
        unsigned long group = (unsigned long)in[i] << 16;
        out[n++] = alphabet[(group >> 18) & 0x3F];
        out[n++] = alphabet[(group >> 12) & 0x3F];
        out[n++] = '=';
        out[n++] = '=';
    } else if (inlen - i == 2) {
        unsigned long group = ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8);
        out[n++] = alphabet[(group >> 18) & 0x3F];
        out[n++] = alphabet[(group >> 12) & 0x3F];
        out[n++] = alphabet[(group >> 6) & 0x3F];
        out[n++] = '=';
    }
    return n;
}

/*
 * Decodes inlen characters into out; stops at the first '='. Returns the
 * number of bytes written, or -1 when a character is outside the alphabet.
 */
HV_INLINE int hv_base64_decode(const char *in, unsigned int inlen, unsigned char *out) {
    unsigned long bits = 0;
    int nbits = 0;
    int n = 0;
    unsigned int i;
    for (i = 0; i < inlen; ++i) {
        char c = in[i];
        int v;
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;
        } else if (c == '+') {
            v = 62;
        } else if (c == '/') {
            v = 63;
        } else if (c == '=') {
            break;
        } else {
            return -1;
        }
        bits = ((bits << 6) | (unsigned long)v) & 0xFFFFFFUL;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[n++] = (unsigned char)((bits >> nbits) & 0xFF);
        }
    }
    return n;
}

END_EXTERN_C

#ifdef __cplusplus

#include <string.h>
#include <string>

namespace hv {

inline std::string Base64Encode(const unsigned char* data, unsigned int len) {
    std::string encoded(BASE64_ENCODE_OUT_SIZE(len), '\0');
    if (len == 0) return encoded;
    int n = hv_base64_encode(data, len, &encoded[0]);
    encoded.resize(n);
    return encoded;
}

/* len == 0 means strlen(str). Invalid input gives an empty string. */
inline std::string Base64Decode(const char* str, unsigned int len = 0) {
    if (len == 0) len = (unsigned int)strlen(str);
    std::string decoded(BASE64_DECODE_OUT_SIZE(len + 3) + 1, '\0');
    int n = hv_base64_decode(str, len, (unsigned char*)&decoded[0]);
    if (n > 0) {
        decoded.resize(n);
    } else {
        decoded.clear();
    }
    return decoded;
}

} // namespace hv

#endif /* __cplusplus */

#endif /* HV_BASE64_H_ */
