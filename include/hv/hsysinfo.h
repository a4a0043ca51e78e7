#ifndef HV_SYS_INFO_H_
#define HV_SYS_INFO_H_

/*
 * hsysinfo.h - CPU count and physical memory figures.
 */

#include "hplatform.h"

#ifdef OS_LINUX
#include <sys/sysinfo.h>
#endif

/* Number of configured processors (not just the online ones). */
static inline int get_ncpu(void) {
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 ? (int)n : 1;
}

typedef struct meminfo_s {
    unsigned long total; /* KiB */
    unsigned long free;  /* KiB */
} meminfo_t;

/* Fill *mem with total and free RAM.  Returns 0, or errno on failure. */
static inline int get_meminfo(meminfo_t* mem) {
#ifdef OS_LINUX
    struct sysinfo si;
    unsigned long long unit;
    if (sysinfo(&si) != 0) {
        return errno;
    }
    unit = si.mem_unit ? (unsigned long long)si.mem_unit : 1ULL;
    mem->total = (unsigned long)(((unsigned long long)si.totalram * unit) >> 10);
    mem->free  = (unsigned long)(((unsigned long long)si.freeram * unit) >> 10);
    return 0;
#else
    (void)mem;
    return -10;
#endif
}

#endif /* HV_SYS_INFO_H_ */
