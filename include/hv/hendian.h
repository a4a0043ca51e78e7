#ifndef HV_ENDIAN_H_
#define HV_ENDIAN_H_

/*
 * hendian.h - byte-order conversion and (un)aligned integer access.
 *
 *   htobe16/32/64, be16/32/64toh, htole16/32/64, le16/32/64toh
 *   PIxx/PUxx/PFxx(p)          the value stored at p (an lvalue)
 *   GET_BExx/GET_LExx(p)       load from p, converting to host order
 *   PUT_BExx/PUT_LExx(p, v)    store v at p in the given order
 *   POP_xxx(p, v) / PUSH_xxx(p, v)  as GET/PUT, then advance p
 *                                   (p should be a uint8_t pointer)
 *
 * GET/PUT/POP/PUSH go through memcpy, so p need not be aligned.
 */

#include "hplatform.h"

#if HAVE_ENDIAN_H
#include <endian.h>
#elif HAVE_SYS_ENDIAN_H
#include <sys/endian.h>
#endif

/* Fallbacks in case the C library did not expose the BSD names. */
#ifndef htobe16
#if BYTE_ORDER == LITTLE_ENDIAN
#define htobe16(v) __builtin_bswap16(v)
#define htobe32(v) __builtin_bswap32(v)
#define htobe64(v) __builtin_bswap64(v)
#define htole16(v) ((uint16_t)(v))
#define htole32(v) ((uint32_t)(v))
#define htole64(v) ((uint64_t)(v))
#else
#define htobe16(v) ((uint16_t)(v))
#define htobe32(v) ((uint32_t)(v))
#define htobe64(v) ((uint64_t)(v))
#define htole16(v) __builtin_bswap16(v)
#define htole32(v) __builtin_bswap32(v)
#define htole64(v) __builtin_bswap64(v)
#endif
#define be16toh(v) htobe16(v)
#define be32toh(v) htobe32(v)
#define be64toh(v) htobe64(v)
#define le16toh(v) htole16(v)
#define le32toh(v) htole32(v)
#define le64toh(v) htole64(v)
#endif

#define PI8(p)      *(int8_t*)(p)
#define PI16(p)     *(int16_t*)(p)
#define PI32(p)     *(int32_t*)(p)
#define PI64(p)     *(int64_t*)(p)

#define PU8(p)      *(uint8_t*)(p)
#define PU16(p)     *(uint16_t*)(p)
#define PU32(p)     *(uint32_t*)(p)
#define PU64(p)     *(uint64_t*)(p)

#define PF32(p)     *(float*)(p)
#define PF64(p)     *(double*)(p)

static inline uint16_t hvh_load_u16(const void* p) { uint16_t v; memcpy(&v, p, sizeof(v)); return v; }
static inline uint32_t hvh_load_u32(const void* p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }
static inline uint64_t hvh_load_u64(const void* p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

static inline void hvh_store_u16(void* p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static inline void hvh_store_u32(void* p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static inline void hvh_store_u64(void* p, uint64_t v) { memcpy(p, &v, sizeof(v)); }

#define GET_BE16(p)     be16toh(hvh_load_u16(p))
#define GET_BE32(p)     be32toh(hvh_load_u32(p))
#define GET_BE64(p)     be64toh(hvh_load_u64(p))

#define GET_LE16(p)     le16toh(hvh_load_u16(p))
#define GET_LE32(p)     le32toh(hvh_load_u32(p))
#define GET_LE64(p)     le64toh(hvh_load_u64(p))

#define PUT_BE16(p, v)  hvh_store_u16(p, htobe16((uint16_t)(v)))
#define PUT_BE32(p, v)  hvh_store_u32(p, htobe32((uint32_t)(v)))
#define PUT_BE64(p, v)  hvh_store_u64(p, htobe64((uint64_t)(v)))

#define PUT_LE16(p, v)  hvh_store_u16(p, htole16((uint16_t)(v)))
#define PUT_LE32(p, v)  hvh_store_u32(p, htole32((uint32_t)(v)))
#define PUT_LE64(p, v)  hvh_store_u64(p, htole64((uint64_t)(v)))

#define POP_BE8(p, v)   ((v) = *(p), ++(p))
#define POP_BE16(p, v)  ((v) = GET_BE16(p), (p) += 2)
#define POP_BE32(p, v)  ((v) = GET_BE32(p), (p) += 4)
#define POP_BE64(p, v)  ((v) = GET_BE64(p), (p) += 8)

#define POP_LE8(p, v)   ((v) = *(p), ++(p))
#define POP_LE16(p, v)  ((v) = GET_LE16(p), (p) += 2)
#define POP_LE32(p, v)  ((v) = GET_LE32(p), (p) += 4)
#define POP_LE64(p, v)  ((v) = GET_LE64(p), (p) += 8)

#define PUSH_BE8(p, v)  (*(p) = (uint8_t)(v), ++(p))
#define PUSH_BE16(p, v) (PUT_BE16(p, v), (p) += 2)
#define PUSH_BE32(p, v) (PUT_BE32(p, v), (p) += 4)
#define PUSH_BE64(p, v) (PUT_BE64(p, v), (p) += 8)

#define PUSH_LE8(p, v)  (*(p) = (uint8_t)(v), ++(p))
#define PUSH_LE16(p, v) (PUT_LE16(p, v), (p) += 2)
#define PUSH_LE32(p, v) (PUT_LE32(p, v), (p) += 4)
#define PUSH_LE64(p, v) (PUT_LE64(p, v), (p) += 8)

/* Network byte order (big-endian) shorthands. */
#define POP8(p, v)      POP_BE8(p, v)
#define POP16(p, v)     POP_BE16(p, v)
#define POP32(p, v)     POP_BE32(p, v)
#define POP64(p, v)     POP_BE64(p, v)
#define POP_N(p, v, n)  (memcpy(v, p, n), (p) += (n))

#define PUSH8(p, v)     PUSH_BE8(p, v)
#define PUSH16(p, v)    PUSH_BE16(p, v)
#define PUSH32(p, v)    PUSH_BE32(p, v)
#define PUSH64(p, v)    PUSH_BE64(p, v)
#define PUSH_N(p, v, n) (memcpy(p, v, n), (p) += (n))

/* Byte order of this machine, checked at run time. */
static inline int detect_endian(void) {
    const uint16_t probe = 0x0102;
    unsigned char first;
    memcpy(&first, &probe, 1);
    return first == 0x01 ? BIG_ENDIAN : LITTLE_ENDIAN;
}

#ifdef __cplusplus
/* Write value to buf in buf_endian order (given the host's order);
 * returns buf + sizeof(T). */
template <typename T>
inline uint8_t* serialize(uint8_t* buf, T value, int host_endian = LITTLE_ENDIAN, int buf_endian = BIG_ENDIAN) {
    const uint8_t* src = reinterpret_cast<const uint8_t*>(&value);
    const size_t n = sizeof(T);
    for (size_t i = 0; i < n; ++i) {
        buf[i] = (host_endian == buf_endian) ? src[i] : src[n - 1 - i];
    }
    return buf + n;
}

/* Read *value from buf stored in buf_endian order; returns buf + sizeof(T). */
template <typename T>
inline uint8_t* deserialize(uint8_t* buf, T* value, int host_endian = LITTLE_ENDIAN, int buf_endian = BIG_ENDIAN) {
    uint8_t* dst = reinterpret_cast<uint8_t*>(value);
    const size_t n = sizeof(T);
    for (size_t i = 0; i < n; ++i) {
        dst[i] = (host_endian == buf_endian) ? buf[i] : buf[n - 1 - i];
    }
    return buf + n;
}
#endif /* __cplusplus */

#endif /* HV_ENDIAN_H_ */
