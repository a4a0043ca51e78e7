#ifndef HV_ASYNC_H_
#define HV_ASYNC_H_

/*
 * hasync.h (C++) - hv::async: run a function on a process-wide thread
 * pool (hv::GlobalThreadPool), created on first use.
 *
 *   std::future<int> f = hv::async(add, 1, 2);
 *   f.get();                      // 3
 *   hv::async::startup(2, 8);     // optional: size the pool up front
 *   hv::async::cleanup();         // joins the pool's threads
 *
 * libhv's async HTTP handlers run on this pool.
 */

#include <mutex>

#include "hexport.h"
#include "hthreadpool.h"
#include "singleton.h"

namespace hv {

/*
 * The pool behind hv::async.  instance() creates it on demand and
 * exitInstance() destroys it (stopping its threads); a later instance()
 * creates a fresh one.  The object is owned by an inline function, so
 * there is one per program without a compiled definition.
 */
class GlobalThreadPool : public HThreadPool {
public:
    static GlobalThreadPool* instance() {
        Slot& slot = theSlot();
        std::lock_guard<std::mutex> guard(slot.mutex);
        if (slot.pool == NULL) {
            slot.pool = new GlobalThreadPool;
        }
        return slot.pool;
    }

    static void exitInstance() {
        Slot& slot = theSlot();
        GlobalThreadPool* doomed = NULL;
        {
            std::lock_guard<std::mutex> guard(slot.mutex);
            doomed = slot.pool;
            slot.pool = NULL;
        }
        delete doomed;
    }

private:
    DISABLE_COPY(GlobalThreadPool)

    struct Slot {
        std::mutex          mutex;
        GlobalThreadPool*   pool;
        Slot() : pool(NULL) {}
    };

    /* Never destroyed, so instance()/exitInstance() stay usable while
     * other static objects are being destroyed at exit. */
    static Slot& theSlot() {
        static Slot* slot = new Slot;
        return *slot;
    }

protected:
    GlobalThreadPool() : HThreadPool() {}
    ~GlobalThreadPool() {}
};

/*
 * Runs fn(args...) on the global pool and returns a future for the
 * result.
 *   hv::async(fn, args...)
 *   hv::async(std::bind(&Class::method, &obj))
 */
template<class Fn, class... Args>
auto async(Fn&& fn, Args&&... args) -> std::future<decltype(fn(args...))> {
    return GlobalThreadPool::instance()->commit(std::forward<Fn>(fn), std::forward<Args>(args)...);
}

/* hv::async::startup() / hv::async::cleanup() */
class async {
public:
    /* Sizes and starts the global pool (no-op if it is running). */
    static void startup(int min_threads = DEFAULT_THREAD_POOL_MIN_THREAD_NUM,
                        int max_threads = DEFAULT_THREAD_POOL_MAX_THREAD_NUM,
                        int max_idle_ms = DEFAULT_THREAD_POOL_MAX_IDLE_TIME) {
        GlobalThreadPool* pool = GlobalThreadPool::instance();
        if (pool->isStarted()) return;
        pool->setMinThreadNum(min_threads);
        pool->setMaxThreadNum(max_threads);
        pool->setMaxIdleTime(max_idle_ms);
        pool->start();
    }

    /* Destroys the global pool: running tasks finish, queued ones are
     * dropped (their futures report std::future_error broken_promise). */
    static void cleanup() {
        GlobalThreadPool::exitInstance();
    }
};

} /* namespace hv */

#endif /* HV_ASYNC_H_ */
