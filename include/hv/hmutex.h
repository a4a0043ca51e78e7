#ifndef HV_MUTEX_H_
#define HV_MUTEX_H_

/*
 * hmutex.h - pthread-based locks, condition variables, once-flags and
 * semaphores behind libhv's portable names, plus small C++ lock classes.
 *
 * The *_lock_for / *_wait_for helpers return nonzero when the lock/wake-up
 * was obtained and 0 when the timeout expired.
 */

#include "hexport.h"
#include "hplatform.h"
#include "htime.h"

#include <semaphore.h>

BEGIN_EXTERN_C

/* ---- mutex ------------------------------------------------------------- */
#define hmutex_t                pthread_mutex_t
#define hmutex_init(pmutex)     pthread_mutex_init(pmutex, NULL)
#define hmutex_destroy          pthread_mutex_destroy
#define hmutex_lock             pthread_mutex_lock
#define hmutex_unlock           pthread_mutex_unlock

/* ---- recursive mutex ----------------------------------------------------- */
#define hrecursive_mutex_t          pthread_mutex_t
#define hrecursive_mutex_init(pmutex) \
    do { \
        pthread_mutexattr_t hvh_rm_attr_; \
        pthread_mutexattr_init(&hvh_rm_attr_); \
        pthread_mutexattr_settype(&hvh_rm_attr_, PTHREAD_MUTEX_RECURSIVE); \
        pthread_mutex_init(pmutex, &hvh_rm_attr_); \
        pthread_mutexattr_destroy(&hvh_rm_attr_); \
    } while (0)
#define hrecursive_mutex_destroy    pthread_mutex_destroy
#define hrecursive_mutex_lock       pthread_mutex_lock
#define hrecursive_mutex_unlock     pthread_mutex_unlock

/* ---- spinlock ------------------------------------------------------------ */
#if HAVE_PTHREAD_SPIN_LOCK
#define hspinlock_t             pthread_spinlock_t
#define hspinlock_init(pspin)   pthread_spin_init(pspin, PTHREAD_PROCESS_PRIVATE)
#define hspinlock_destroy       pthread_spin_destroy
#define hspinlock_lock          pthread_spin_lock
#define hspinlock_unlock        pthread_spin_unlock
#else
#define hspinlock_t             pthread_mutex_t
#define hspinlock_init(pspin)   pthread_mutex_init(pspin, NULL)
#define hspinlock_destroy       pthread_mutex_destroy
#define hspinlock_lock          pthread_mutex_lock
#define hspinlock_unlock        pthread_mutex_unlock
#endif

/* ---- read/write lock ----------------------------------------------------- */
#define hrwlock_t               pthread_rwlock_t
#define hrwlock_init(prwlock)   pthread_rwlock_init(prwlock, NULL)
#define hrwlock_destroy         pthread_rwlock_destroy
#define hrwlock_rdlock          pthread_rwlock_rdlock
#define hrwlock_rdunlock        pthread_rwlock_unlock
#define hrwlock_wrlock          pthread_rwlock_wrlock
#define hrwlock_wrunlock        pthread_rwlock_unlock

/* ---- mutex with timed lock ----------------------------------------------- */
#define htimed_mutex_t              pthread_mutex_t
#define htimed_mutex_init(pmutex)   pthread_mutex_init(pmutex, NULL)
#define htimed_mutex_destroy        pthread_mutex_destroy
#define htimed_mutex_lock           pthread_mutex_lock
#define htimed_mutex_unlock         pthread_mutex_unlock

/* *ts = CLOCK_REALTIME now + ms (the clock pthread/sem timed waits use). */
static inline void timespec_after(struct timespec* ts, unsigned int ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_nsec -= 1000000000L;
        ts->tv_sec += 1;
    }
}

/* 1: locked, 0: timed out. */
static inline int htimed_mutex_lock_for(htimed_mutex_t* mutex, unsigned int ms) {
#if HAVE_PTHREAD_MUTEX_TIMEDLOCK
    struct timespec deadline;
    timespec_after(&deadline, ms);
    return pthread_mutex_timedlock(mutex, &deadline) != ETIMEDOUT;
#else
    unsigned int start = gettick_ms();
    while (pthread_mutex_trylock(mutex) != 0) {
        if (gettick_ms() - start >= ms) return 0;
        hv_msleep(1);
    }
    return 1;
#endif
}

/* ---- condition variable -------------------------------------------------- */
#define hcondvar_t              pthread_cond_t
#define hcondvar_init(pcond)    pthread_cond_init(pcond, NULL)
#define hcondvar_destroy        pthread_cond_destroy
#define hcondvar_wait           pthread_cond_wait
#define hcondvar_signal         pthread_cond_signal
#define hcondvar_broadcast      pthread_cond_broadcast

/* 1: woken up, 0: timed out.  The mutex must be held by the caller. */
static inline int hcondvar_wait_for(hcondvar_t* cond, hmutex_t* mutex, unsigned int ms) {
    struct timespec deadline;
    timespec_after(&deadline, ms);
    return pthread_cond_timedwait(cond, mutex, &deadline) != ETIMEDOUT;
}

/* ---- once ---------------------------------------------------------------- */
#define honce_t                 pthread_once_t
#define HONCE_INIT              PTHREAD_ONCE_INIT
#define honce                   pthread_once

/* ---- semaphore ----------------------------------------------------------- */
#define hsem_t                  sem_t
#define hsem_init(psem, value)  sem_init(psem, 0, value)
#define hsem_destroy            sem_destroy
#define hsem_wait               sem_wait
#define hsem_post               sem_post

/* 1: acquired, 0: timed out (or failed). */
static inline int hsem_wait_for(hsem_t* sem, unsigned int ms) {
#if HAVE_SEM_TIMEDWAIT
    struct timespec deadline;
    int rc;
    timespec_after(&deadline, ms);
    do {
        rc = sem_timedwait(sem, &deadline);
    } while (rc != 0 && errno == EINTR);
    return rc == 0;
#else
    unsigned int start = gettick_ms();
    while (sem_trywait(sem) != 0) {
        if (gettick_ms() - start >= ms) return 0;
        hv_msleep(1);
    }
    return 1;
#endif
}

END_EXTERN_C

#ifdef __cplusplus

#include <condition_variable>
#include <mutex>

using std::condition_variable;
using std::lock_guard;
using std::unique_lock;

BEGIN_NAMESPACE_HV

class MutexLock {
public:
    MutexLock() { hmutex_init(&_mutex); }
    ~MutexLock() { hmutex_destroy(&_mutex); }

    void lock() { hmutex_lock(&_mutex); }
    void unlock() { hmutex_unlock(&_mutex); }

protected:
    hmutex_t _mutex;
};

class SpinLock {
public:
    SpinLock() { hspinlock_init(&_spin); }
    ~SpinLock() { hspinlock_destroy(&_spin); }

    void lock() { hspinlock_lock(&_spin); }
    void unlock() { hspinlock_unlock(&_spin); }

protected:
    hspinlock_t _spin;
};

/* lock()/unlock() take the shared (read) side. */
class RWLock {
public:
    RWLock() { hrwlock_init(&_rwlock); }
    ~RWLock() { hrwlock_destroy(&_rwlock); }

    void rdlock() { hrwlock_rdlock(&_rwlock); }
    void rdunlock() { hrwlock_rdunlock(&_rwlock); }

    void wrlock() { hrwlock_wrlock(&_rwlock); }
    void wrunlock() { hrwlock_wrunlock(&_rwlock); }

    void lock() { rdlock(); }
    void unlock() { rdunlock(); }

protected:
    hrwlock_t _rwlock;
};

/* Scoped lock() ... unlock() for any type with those two members. */
template<class T>
class LockGuard {
public:
    LockGuard(T& t) : _lock(t) { _lock.lock(); }
    ~LockGuard() { _lock.unlock(); }

protected:
    T& _lock;
};

END_NAMESPACE_HV

/*
 * Java-style critical section on a std::mutex:
 *   synchronized(m) { ... }
 * The body runs exactly once with m held; the lock is released when the
 * body ends, including via break, return or an exception.
 */
#define synchronized(lock) \
    for (std::unique_lock<std::mutex> hvh_sync_guard_(lock); \
         hvh_sync_guard_.owns_lock(); hvh_sync_guard_.unlock())

#endif /* __cplusplus */

#endif /* HV_MUTEX_H_ */
