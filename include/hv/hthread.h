#ifndef HV_THREAD_H_
#define HV_THREAD_H_

/*
 * hthread.h - process/thread ids, a thin pthread wrapper and, for C++, the
 * HThread worker-thread base class.
 */

#include "hplatform.h"

#include <sys/syscall.h>

/* Process id as a long. */
static inline long hv_getpid(void) {
    return (long)getpid();
}

/* Kernel thread id (what `ps -L` / `top -H` show) as a long. */
static inline long hv_gettid(void) {
    return (long)syscall(SYS_gettid);
}

/*
 * Usage:
 *   HTHREAD_ROUTINE(worker) { ... use userdata ...; return 0; }
 *   hthread_t th = hthread_create(worker, arg);
 *   hthread_join(th);
 */
typedef pthread_t hthread_t;
typedef void* (*hthread_routine)(void*);
#define HTHREAD_RETTYPE         void*
#define HTHREAD_ROUTINE(fname)  void* fname(void* userdata)

/* Start fn(userdata) on a new thread.  On failure the returned handle is
 * zero-filled. */
static inline hthread_t hthread_create(hthread_routine fn, void* userdata) {
    pthread_t th;
    memset(&th, 0, sizeof(th));
    if (pthread_create(&th, NULL, fn, userdata) != 0) {
        memset(&th, 0, sizeof(th));
    }
    return th;
}

static inline int hthread_join(hthread_t th) {
    return pthread_join(th, NULL);
}

#ifdef __cplusplus

#include <atomic>
#include <chrono>
#include <thread>

/*
 * HThread: override doTask() (called in a loop) or run() (the whole thread
 * body).  doPrepare() runs first on the new thread and can veto the start
 * by returning false; doFinish() runs after the loop ends.
 * Control: start / stop / pause / resume.  Between two doTask() calls the
 * thread yields, sleeps for sleep_ms, keeps a fixed sleep_ms cadence, or
 * does nothing, according to the SleepPolicy.
 */
class HThread {
public:
    enum Status {
        STOP,
        RUNNING,
        PAUSE,
    };

    enum SleepPolicy {
        YIELD,
        SLEEP_FOR,
        SLEEP_UNTIL,
        NO_SLEEP,
    };

    HThread()
        : status(STOP)
        , dotask_cnt(0)
        , sleep_policy(YIELD)
        , sleep_ms(0)
        , status_changed(false) {}

    virtual ~HThread() {}

    void setStatus(Status stat) {
        status_changed = true;
        status = stat;
    }

    void setSleepPolicy(SleepPolicy policy, uint32_t ms = 0) {
        sleep_policy = policy;
        sleep_ms = ms;
        setStatus(status);
    }

    virtual int start() {
        if (status != STOP) return 0;
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) {
            thread.join(); /* reap a previous run before starting again */
        }
        thread = std::thread(&HThread::threadBody, this);
        return 0;
    }

    virtual int stop() {
        if (status != STOP) {
            setStatus(STOP);
        }
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) {
            thread.join();
        }
        return 0;
    }

    virtual int pause() {
        if (status == RUNNING) setStatus(PAUSE);
        return 0;
    }

    virtual int resume() {
        if (status == PAUSE) setStatus(RUNNING);
        return 0;
    }

    virtual void run() {
        while (status != STOP) {
            while (status == PAUSE) {
                std::this_thread::yield();
            }
            if (status == STOP) break;
            doTask();
            ++dotask_cnt;
            HThread::sleep();
        }
    }

    virtual bool doPrepare() { return true; }
    virtual void doTask() {}
    virtual bool doFinish() { return true; }

    std::thread         thread;
    std::atomic<Status> status;
    uint32_t            dotask_cnt;

protected:
    void sleep() {
        switch (sleep_policy) {
        case YIELD:
            std::this_thread::yield();
            break;
        case SLEEP_FOR:
            std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
            break;
        case SLEEP_UNTIL:
            if (status_changed) {
                /* restart the cadence after any state change */
                status_changed = false;
                base_tp = std::chrono::steady_clock::now();
            }
            base_tp += std::chrono::milliseconds(sleep_ms);
            std::this_thread::sleep_until(base_tp);
            break;
        default:
            break;
        }
    }

    SleepPolicy sleep_policy;
    uint32_t    sleep_ms;
    std::atomic<bool> status_changed;
    std::chrono::steady_clock::time_point base_tp;

private:
    void threadBody() {
        if (!doPrepare()) return;
        setStatus(RUNNING);
        run();
        setStatus(STOP);
        doFinish();
    }
};

#endif /* __cplusplus */

#endif /* HV_THREAD_H_ */
