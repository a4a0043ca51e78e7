#ifndef HV_PLATFORM_H_
#define HV_PLATFORM_H_

/*
 * hplatform.h - OS / CPU / compiler detection and the common system
 * headers every libhv program expects to get for free.
 *
 * hv-rs supports Linux only (glibc or musl, x86-64 and aarch64).  The
 * detection macros for other systems are kept so that `#ifdef OS_xxx`
 * blocks in user code keep working, but nothing else is tested there.
 *
 * Include this header (or any hv header) before any system header when
 * compiling with a strict -std=c99: the GNU/POSIX extensions the
 * socket helpers rely on are requested (in hconfig.h), and the C library
 * only honours that request if it arrives first.
 */

#include "hconfig.h"

#if defined(_WIN32) || defined(_WIN64)
#error "hv-rs: Windows is not supported"
#endif

/* ---- operating system ------------------------------------------------ */
#if defined(ANDROID) || defined(__ANDROID__)
#define OS_ANDROID
#define OS_LINUX
#elif defined(linux) || defined(__linux) || defined(__linux__)
#define OS_LINUX
#elif defined(__APPLE__)
#define OS_DARWIN
#define OS_MAC
#elif defined(__FreeBSD__) || defined(__FreeBSD_kernel__)
#define OS_FREEBSD
#define OS_BSD
#elif defined(__NetBSD__)
#define OS_NETBSD
#define OS_BSD
#elif defined(__OpenBSD__)
#define OS_OPENBSD
#define OS_BSD
#elif defined(sun) || defined(__sun) || defined(__sun__)
#define OS_SOLARIS
#endif

/* Everything that is not Windows counts as Unix. */
#undef OS_WIN
#define OS_UNIX

/* ---- CPU architecture -------------------------------------------------- */
#if defined(__x86_64) || defined(__x86_64__) || defined(__amd64)
#define ARCH_X64
#define ARCH_X86_64
#elif defined(__i386) || defined(__i386__)
#define ARCH_X86
#define ARCH_X86_32
#elif defined(__aarch64__) || defined(__ARM64__)
#define ARCH_ARM64
#elif defined(__arm__)
#define ARCH_ARM
#elif defined(__mips64__) || defined(__mips64)
#define ARCH_MIPS64
#elif defined(__mips__)
#define ARCH_MIPS
#endif

/* ---- compiler ------------------------------------------------------------
 * As in libhv, any compiler that advertises GNU C (clang included) is
 * reported as COMPILER_GCC. */
#if defined(__GNUC__)
#define COMPILER_GCC
#elif defined(__clang__)
#define COMPILER_CLANG
#elif defined(__MINGW32__) || defined(__MINGW64__)
#define COMPILER_MINGW
#elif defined(__MSYS__)
#define COMPILER_MSYS
#elif defined(__CYGWIN__)
#define COMPILER_CYGWIN
#endif

/* ---- POSIX headers ------------------------------------------------------ */
#include <unistd.h>
#include <dirent.h>

#include <sys/socket.h>
#include <sys/select.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <netdb.h>

/* ---- ISO C headers ------------------------------------------------------ */
#include <assert.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <errno.h>
#include <time.h>
#include <math.h>
#include <signal.h>

#ifndef __cplusplus
#if HAVE_STDBOOL_H
#include <stdbool.h>
#else
#ifndef bool
#define bool char
#endif
#ifndef true
#define true 1
#endif
#ifndef false
#define false 0
#endif
#endif
#endif

#if HAVE_STDINT_H
#include <stdint.h>
#endif

#if HAVE_SYS_TYPES_H
#include <sys/types.h>
#endif

#if HAVE_SYS_STAT_H
#include <sys/stat.h>
#endif

#if HAVE_SYS_TIME_H
#include <sys/time.h>
#endif

#if HAVE_FCNTL_H
#include <fcntl.h>
#endif

#if HAVE_PTHREAD_H
#include <pthread.h>
#endif

#include <strings.h>

/* ---- C-library dependent switches (see hconfig.h) ---------------------- */
#if defined(__GLIBC__) && !defined(__UCLIBC__)
#define HVH_GLIBC_AT_LEAST(maj, min) \
    (__GLIBC__ > (maj) || (__GLIBC__ == (maj) && __GLIBC_MINOR__ >= (min)))
#else
#define HVH_GLIBC_AT_LEAST(maj, min) 0
#endif

#ifndef HAVE_GETTID
#if HVH_GLIBC_AT_LEAST(2, 30) || defined(OS_ANDROID)
#define HAVE_GETTID 1
#else
#define HAVE_GETTID 0
#endif
#endif

/* glibc gained strlcpy/strlcat in 2.38; musl and bionic always had them. */
#ifndef HAVE_STRLCPY
#if defined(__GLIBC__) && !HVH_GLIBC_AT_LEAST(2, 38)
#define HAVE_STRLCPY 0
#else
#define HAVE_STRLCPY 1
#endif
#endif

#ifndef HAVE_STRLCAT
#define HAVE_STRLCAT HAVE_STRLCPY
#endif

/* ---- Windows-style spellings used throughout libhv ---------------------- */
typedef int             BOOL;
typedef unsigned char   BYTE;
typedef unsigned short  WORD;
typedef void*           HANDLE;

#ifndef stricmp
#define stricmp     strcasecmp
#endif
#ifndef strnicmp
#define strnicmp    strncasecmp
#endif

typedef float   float32_t;
typedef double  float64_t;

typedef int  (*method_t)(void* userdata);
typedef void (*procedure_t)(void* userdata);

/* ---- byte order --------------------------------------------------------
 * The system headers above normally define these already (with the same
 * values); only fill in what is missing. */
#ifndef BIG_ENDIAN
#define BIG_ENDIAN      4321
#endif
#ifndef LITTLE_ENDIAN
#define LITTLE_ENDIAN   1234
#endif
#ifndef NET_ENDIAN
#define NET_ENDIAN      BIG_ENDIAN
#endif

#ifndef BYTE_ORDER
#if defined(__BYTE_ORDER)
#define BYTE_ORDER  __BYTE_ORDER
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BYTE_ORDER  BIG_ENDIAN
#else
#define BYTE_ORDER  LITTLE_ENDIAN
#endif
#endif

/* ---- sleeping ------------------------------------------------------------
 * hv_msleep/hv_usleep are built on nanosleep(), which (unlike usleep) has
 * no one-second limit; a sleep interrupted by a signal is resumed. */
static inline int hvh_sleep_ns(unsigned long long ns) {
    struct timespec left;
    left.tv_sec = (time_t)(ns / 1000000000ULL);
    left.tv_nsec = (long)(ns % 1000000000ULL);
    while (nanosleep(&left, &left) != 0) {
        if (errno != EINTR) return -1;
    }
    return 0;
}

#define hv_sleep(s)     sleep(s)
#define hv_msleep(ms)   hvh_sleep_ns((unsigned long long)(ms) * 1000000ULL)
#define hv_usleep(us)   hvh_sleep_ns((unsigned long long)(us) * 1000ULL)
#define hv_delay(ms)    hv_msleep(ms)
#define hv_mkdir(dir)   mkdir(dir, 0777)

#endif /* HV_PLATFORM_H_ */
