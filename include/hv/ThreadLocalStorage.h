#ifndef HV_THREAD_LOCAL_STORAGE_H_
#define HV_THREAD_LOCAL_STORAGE_H_

/*
 * ThreadLocalStorage.h - pthread TLS keys under libhv's names and, for
 * C++, hv::ThreadLocalStorage: a TLS key object plus 16 process-wide slots
 * (THREAD_NAME, EVENT_LOOP, ...) reachable through static set/get.
 */

#include "hexport.h"
#include "hplatform.h"
#include "hthread.h"

#define hthread_key_t               pthread_key_t
#define INVALID_HTHREAD_KEY         0xFFFFFFFF
#define hthread_key_create(pkey)    pthread_key_create(pkey, NULL)
#define hthread_key_delete          pthread_key_delete
#define hthread_get_value           pthread_getspecific
#define hthread_set_value           pthread_setspecific

#ifdef __cplusplus

namespace hv {

class ThreadLocalStorage {
public:
    enum {
        THREAD_NAME = 0,
        EVENT_LOOP  = 1,
        MAX_NUM     = 16,
    };

    ThreadLocalStorage() { hthread_key_create(&key); }
    ~ThreadLocalStorage() { hthread_key_delete(key); }

    void set(void* val) { hthread_set_value(key, val); }
    void* get() { return hthread_get_value(key); }

    /* Per-thread value of slot idx (0 <= idx < MAX_NUM). */
    static void set(int idx, void* val) { slot(idx).set(val); }
    static void* get(int idx) { return slot(idx).get(); }

    /* The name pointer is stored as is: keep the string alive. */
    static void setThreadName(const char* name) {
        set(THREAD_NAME, (void*)name);
    }

    /* The name set for this thread, or "thread-<tid>". */
    static const char* threadName() {
        void* name = get(THREAD_NAME);
        if (name) {
            return (const char*)name;
        }
        static thread_local char fallback[32];
        snprintf(fallback, sizeof(fallback), "thread-%ld", hv_gettid());
        return fallback;
    }

private:
    ThreadLocalStorage(const ThreadLocalStorage&);
    ThreadLocalStorage& operator=(const ThreadLocalStorage&);

    /*
     * libhv defines the slot array as a static data member in a .cpp file.
     * Here it is created on first use by an inline function, so every
     * translation unit of the program sees the same slots.  The array is
     * never destroyed, so threads still running during exit can use it.
     */
    static ThreadLocalStorage& slot(int idx) {
        static ThreadLocalStorage* slots = new ThreadLocalStorage[MAX_NUM];
        assert(idx >= 0 && idx < MAX_NUM);
        return slots[(unsigned)idx < (unsigned)MAX_NUM ? idx : 0];
    }

    hthread_key_t key;
};

} /* namespace hv */

#endif /* __cplusplus */

#endif /* HV_THREAD_LOCAL_STORAGE_H_ */
