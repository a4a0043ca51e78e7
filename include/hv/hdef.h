#ifndef HV_DEF_H_
#define HV_DEF_H_

/*
 * hdef.h - small utility macros shared by all libhv code.
 * Each macro is only defined when the program has not defined it already.
 */

#include "hplatform.h"

/* ---- arithmetic ------------------------------------------------------- */
#ifndef ABS
#define ABS(n)  ((n) > 0 ? (n) : -(n))
#endif

/* NABS: the negative magnitude (turns positive error codes into -code). */
#ifndef NABS
#define NABS(n) ((n) < 0 ? (n) : -(n))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifndef BITSET
#define BITSET(p, n) (*(p) |= (1u << (n)))
#endif

#ifndef BITCLR
#define BITCLR(p, n) (*(p) &= ~(1u << (n)))
#endif

#ifndef BITGET
#define BITGET(i, n) ((i) & (1u << (n)))
#endif

#define FLOAT_PRECISION     1e-6
#define FLOAT_EQUAL_ZERO(f) (ABS(f) < FLOAT_PRECISION)

/* "Forever": used as repeat count and as timeout meaning "no limit". */
#ifndef INFINITE
#define INFINITE    (uint32_t)-1
#endif

/* ---- ASCII classification (no locale, no UB on negative chars) -------- */
#ifndef IS_ALPHA
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#endif

#ifndef IS_DIGIT
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#endif

#ifndef IS_ALPHANUM
#define IS_ALPHANUM(c) (IS_ALPHA(c) || IS_DIGIT(c))
#endif

#ifndef IS_CNTRL
#define IS_CNTRL(c) ((c) >= 0 && (c) < 0x20)
#endif

#ifndef IS_GRAPH
#define IS_GRAPH(c) ((c) >= 0x20 && (c) < 0x7F)
#endif

#ifndef IS_HEX
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#endif

#ifndef IS_LOWER
#define IS_LOWER(c) ((c) >= 'a' && (c) <= 'z')
#endif

#ifndef IS_UPPER
#define IS_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#endif

/* Case flips for ASCII letters (bit 5 selects lower case). */
#ifndef LOWER
#define LOWER(c)    ((c) | 0x20)
#endif

#ifndef UPPER
#define UPPER(c)    ((c) & ~0x20)
#endif

/* Explicit widening for printf("%lld"/"%llu"). */
#ifndef LLD
#define LLD(v)  ((long long)(v))
#endif

#ifndef LLU
#define LLU(v)  ((unsigned long long)(v))
#endif

/* ---- packing / unpacking integers ------------------------------------- */
#ifndef MAKEWORD
#define MAKEWORD(h, l)  ((WORD)((((WORD)(h)) << 8) | ((l) & 0xff)))
#endif

#ifndef HIBYTE
#define HIBYTE(w)       ((BYTE)(((WORD)(w)) >> 8))
#endif

#ifndef LOBYTE
#define LOBYTE(w)       ((BYTE)((w) & 0xff))
#endif

#ifndef MAKELONG
#define MAKELONG(h, l)  ((((int32_t)(h)) << 16) | ((l) & 0xffff))
#endif

#ifndef HIWORD
#define HIWORD(n)       ((WORD)(((int32_t)(n)) >> 16))
#endif

#ifndef LOWORD
#define LOWORD(n)       ((WORD)((n) & 0xffff))
#endif

#ifndef MAKEINT64
#define MAKEINT64(h, l) ((((int64_t)(h)) << 32) | ((l) & 0xffffffff))
#endif

#ifndef HIINT
#define HIINT(n)        ((int32_t)(((int64_t)(n)) >> 32))
#endif

#ifndef LOINT
#define LOINT(n)        ((int32_t)((n) & 0xffffffff))
#endif

/* FourCC: first character ends up in the most significant byte. */
#ifndef MAKE_FOURCC
#define MAKE_FOURCC(a, b, c, d) \
    ((((uint32_t)(a)) << 24) | (((uint32_t)(b)) << 16) | \
     (((uint32_t)(c)) << 8)  |  ((uint32_t)(d)))
#endif

#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* Clamp v into [lower, upper]. */
#ifndef LIMIT
#define LIMIT(lower, v, upper) \
    ((v) < (lower) ? (lower) : ((v) > (upper) ? (upper) : (v)))
#endif

#ifndef MAX_PATH
#define MAX_PATH    260
#endif

#ifndef NULL
#ifdef __cplusplus
#define NULL    0
#else
#define NULL    ((void*)0)
#endif
#endif

#ifndef TRUE
#define TRUE    1
#endif

#ifndef FALSE
#define FALSE   0
#endif

/* ---- resource helpers ------------------------------------------------- */

/* Zero-filled allocation; the process exits if memory is exhausted. */
#ifndef SAFE_ALLOC
#define SAFE_ALLOC(p, size) \
    do { \
        size_t hvh_sa_size_ = (size_t)(size); \
        void* hvh_sa_mem_ = calloc(1, hvh_sa_size_ ? hvh_sa_size_ : 1); \
        if (hvh_sa_mem_ == NULL) { \
            fprintf(stderr, "malloc failed!\n"); \
            exit(-1); \
        } \
        memcpy(&(p), &hvh_sa_mem_, sizeof(void*)); \
    } while (0)
#endif

#ifndef SAFE_FREE
#define SAFE_FREE(p)    do { if (p) { free(p); (p) = NULL; } } while (0)
#endif

#ifndef SAFE_DELETE
#define SAFE_DELETE(p)  do { if (p) { delete (p); (p) = NULL; } } while (0)
#endif

#ifndef SAFE_DELETE_ARRAY
#define SAFE_DELETE_ARRAY(p) do { if (p) { delete[] (p); (p) = NULL; } } while (0)
#endif

#ifndef SAFE_RELEASE
#define SAFE_RELEASE(p) do { if (p) { (p)->release(); (p) = NULL; } } while (0)
#endif

#ifndef SAFE_CLOSE
#define SAFE_CLOSE(fd)  do { if ((fd) >= 0) { close(fd); (fd) = -1; } } while (0)
#endif

/* ---- token pasting ---------------------------------------------------- */
/* The two-level form lets macro arguments expand before # / ## apply. */
#define STRINGIFY(x)            STRINGIFY_HELPER(x)
#define STRINGIFY_HELPER(x)     #x

#define STRINGCAT(x, y)         STRINGCAT_HELPER(x, y)
#define STRINGCAT_HELPER(x, y)  x##y

/* ---- struct member arithmetic ----------------------------------------- */
#ifndef offsetof
#define offsetof(type, member) ((size_t)&(((type*)0)->member))
#endif

/* Offset of the first byte after `member`. */
#ifndef offsetofend
#define offsetofend(type, member) \
    (offsetof(type, member) + sizeof(((type*)0)->member))
#endif

/* From a pointer to a member back to its enclosing struct. */
#ifndef container_of
#define container_of(ptr, type, member) \
    ((type*)((char*)(ptr) - offsetof(type, member)))
#endif

/* ---- debug printing (compiled out unless PRINT_DEBUG / PRINT_ERROR) ---- */
#ifdef PRINT_DEBUG
#define printd(...) printf(__VA_ARGS__)
#else
#define printd(...)
#endif

#ifdef PRINT_ERROR
#define printe(...) fprintf(stderr, __VA_ARGS__)
#else
#define printe(...)
#endif

#endif /* HV_DEF_H_ */
