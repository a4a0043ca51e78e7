#ifndef HV_VERSION_H_
#define HV_VERSION_H_

/*
 * hversion.h - API level and version helpers.
 *
 * hv-rs implements the libhv 1.3.3 API, so the HV_VERSION_* macros report
 * 1.3.3; programs that compare against them keep working.
 * HVRS_COMPAT_LIBHV tells a program it is built against hv-rs.
 */

#include "hexport.h"
#include "hdef.h"
#include "htime.h"

BEGIN_EXTERN_C

#define HVRS_COMPAT_LIBHV   1

#define HV_VERSION_MAJOR    1
#define HV_VERSION_MINOR    3
#define HV_VERSION_PATCH    3

#define HV_VERSION_STRING   STRINGIFY(HV_VERSION_MAJOR) "." \
                            STRINGIFY(HV_VERSION_MINOR) "." \
                            STRINGIFY(HV_VERSION_PATCH)

/* 0x00MMmmpp */
#define HV_VERSION_NUMBER   ((HV_VERSION_MAJOR << 16) | (HV_VERSION_MINOR << 8) | HV_VERSION_PATCH)

/* hv_version(): the libhv API level, "1.3.3" (hvrs.h's hv_rs_version() gives hv-rs's own). */
static inline const char* hv_version(void) {
    return HV_VERSION_STRING;
}

/*
 * "major.yy.mm.dd" built from HV_VERSION_MAJOR and the build date of the
 * calling translation unit (libhv used the library's build date).
 * The returned buffer is static.
 */
static inline const char* hv_compile_version(void) {
    static char text[32];
    datetime_t dt = hv_compile_datetime();
    snprintf(text, sizeof(text), "%d.%d.%d.%d",
             HV_VERSION_MAJOR, dt.year % 100, dt.month, dt.day);
    return text;
}

/* "1.2.3.4" or "v1.2.3" -> 0x01020304 / 0x010203: one byte per component.
 * Anything up to and including the first 'v' is skipped. */
static inline int version_atoi(const char* str) {
    const char* v = strchr(str, 'v');
    const char* p = v ? v + 1 : str;
    unsigned int value = 0;
    for (;;) {
        value = (value << 8) | (unsigned int)atoi(p);
        p = strchr(p, '.');
        if (p == NULL) break;
        ++p;
    }
    return (int)value;
}

/* 0x01020304 -> "1.2.3.4"; leading zero components are dropped
 * (0x00010203 -> "1.2.3").  str needs room for 16 bytes. */
static inline void version_itoa(int hex, char* str) {
    unsigned int u = (unsigned int)hex;
    unsigned int parts[4];
    int first = 0;
    int i, off = 0;
    parts[0] = (u >> 24) & 0xFF;
    parts[1] = (u >> 16) & 0xFF;
    parts[2] = (u >> 8) & 0xFF;
    parts[3] = u & 0xFF;
    while (first < 3 && parts[first] == 0) ++first;
    for (i = first; i < 4; ++i) {
        off += sprintf(str + off, i == first ? "%u" : ".%u", parts[i]);
    }
}

END_EXTERN_C

#endif /* HV_VERSION_H_ */
