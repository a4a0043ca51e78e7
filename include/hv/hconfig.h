#ifndef HV_CONFIG_H_
#define HV_CONFIG_H_

/*
 * hconfig.h - build configuration seen by programs that use hv-rs through
 * the libhv 1.3.3 compatible headers.
 *
 * hv-rs targets Linux (glibc or musl) on x86-64 and aarch64.  Every HAVE_*
 * switch can be overridden by defining it before the first hv header is
 * included.
 *
 * HAVE_GETTID, HAVE_STRLCPY and HAVE_STRLCAT depend on the C library
 * version, which is only known once a libc header has been read; this file
 * reads none, so those three are settled in hplatform.h.
 */

/*
 * Ask the C library for POSIX + GNU extensions (sockets, clock_gettime,
 * localtime_r, ...).  The request only works if it comes before the first
 * system header of the translation unit, which is why the hv headers that
 * can be compiled as C include this file before any system header.
 * (g++ defines _GNU_SOURCE on its own.)
 */
#if defined(__GNUC__) || defined(__clang__)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#endif

#ifndef HAVE_STDBOOL_H
#define HAVE_STDBOOL_H 1
#endif

#ifndef HAVE_STDINT_H
#define HAVE_STDINT_H 1
#endif

/* <stdatomic.h> ships with GCC from 4.9 and with every clang we care about. */
#ifndef HAVE_STDATOMIC_H
#if defined(__clang__) || \
    (defined(__GNUC__) && (__GNUC__ > 4 || (__GNUC__ == 4 && __GNUC_MINOR__ >= 9)))
#define HAVE_STDATOMIC_H 1
#else
#define HAVE_STDATOMIC_H 0
#endif
#endif

#ifndef HAVE_SYS_TYPES_H
#define HAVE_SYS_TYPES_H 1
#endif

#ifndef HAVE_SYS_STAT_H
#define HAVE_SYS_STAT_H 1
#endif

#ifndef HAVE_SYS_TIME_H
#define HAVE_SYS_TIME_H 1
#endif

#ifndef HAVE_FCNTL_H
#define HAVE_FCNTL_H 1
#endif

#ifndef HAVE_PTHREAD_H
#define HAVE_PTHREAD_H 1
#endif

#ifndef HAVE_ENDIAN_H
#define HAVE_ENDIAN_H 1
#endif

#ifndef HAVE_SYS_ENDIAN_H
#define HAVE_SYS_ENDIAN_H 0
#endif

#ifndef HAVE_CLOCK_GETTIME
#define HAVE_CLOCK_GETTIME 1
#endif

#ifndef HAVE_GETTIMEOFDAY
#define HAVE_GETTIMEOFDAY 1
#endif

#ifndef HAVE_PTHREAD_SPIN_LOCK
#define HAVE_PTHREAD_SPIN_LOCK 1
#endif

#ifndef HAVE_PTHREAD_MUTEX_TIMEDLOCK
#define HAVE_PTHREAD_MUTEX_TIMEDLOCK 1
#endif

#ifndef HAVE_SEM_TIMEDWAIT
#define HAVE_SEM_TIMEDWAIT 1
#endif

#ifndef HAVE_PIPE
#define HAVE_PIPE 1
#endif

#ifndef HAVE_SOCKETPAIR
#define HAVE_SOCKETPAIR 1
#endif

#ifndef HAVE_EVENTFD
#define HAVE_EVENTFD 1
#endif

#ifndef HAVE_SETPROCTITLE
#define HAVE_SETPROCTITLE 0
#endif

/*
 * Optional features of the original C library.
 *
 * TLS is provided by the Rust core (rustls); none of libhv's C TLS backends
 * is used, so WITH_OPENSSL / WITH_GNUTLS / WITH_MBEDTLS stay undefined.
 * Unix domain sockets (ENABLE_UDS), std::MultiMap as the default KeyValue
 * container (USE_MULTIMAP) and KCP (WITH_KCP) are off, as in a default
 * libhv build.  WITH_WEPOLL only ever applied to Windows.
 */
/* #undef WITH_OPENSSL */
/* #undef WITH_GNUTLS */
/* #undef WITH_MBEDTLS */

/* #undef ENABLE_UDS */
/* #undef USE_MULTIMAP */

/* #undef WITH_WEPOLL */
/* #undef WITH_KCP */

#endif /* HV_CONFIG_H_ */
