#ifndef HV_EVENT_LOOP_THREAD_POOL_HPP_
#define HV_EVENT_LOOP_THREAD_POOL_HPP_

#include <functional>
#include <thread>

#include "EventLoopThread.h"

namespace hv {

namespace detail {

struct LoopPoolHooks {
    std::function<void(const EventLoopPtr&)> pre;
    std::function<void(const EventLoopPtr&)> post;
};

inline int32_t runPoolPre(void* userdata, const hv_loop* loop) noexcept {
    LoopPoolHooks* h = static_cast<LoopPoolHooks*>(userdata);
    guarded("an EventLoopThreadPool pre functor", [h, loop] { if (h->pre) h->pre(EventLoop::fromC(loop)); });
    return 0;
}

inline void runPoolPost(void* userdata, const hv_loop* loop) noexcept {
    LoopPoolHooks* h = static_cast<LoopPoolHooks*>(userdata);
    guarded("an EventLoopThreadPool post functor", [h, loop] { if (h->post) h->post(EventLoop::fromC(loop)); });
}

inline void deletePoolHooks(void* userdata) noexcept {
    delete static_cast<LoopPoolHooks*>(userdata);
}

} // namespace detail

/* N event loop threads; default N is the number of hardware threads, as in libhv. */
class EventLoopThreadPool : public Status {
public:
    EventLoopThreadPool(int thread_num = std::thread::hardware_concurrency())
        : thread_num_(thread_num), pool_(NULL) {
        setStatus(kInitialized);
    }

    ~EventLoopThreadPool() {
        stop();
        join();
        hv_loop_pool_free(pool_);
    }

    int threadNum() { return thread_num_; }
    void setThreadNum(int num) { thread_num_ = num; }

    /* The next loop by load balance (round robin starts at index 1 with several loops). */
    EventLoopPtr nextLoop(load_balance_e lb = LB_RoundRobin) {
        if (pool_ == NULL) return NULL;
        return EventLoop::fromC(hv_loop_pool_next_loop(pool_, (int)lb));
    }

    /* Loop idx, or the next round-robin loop for an invalid idx. */
    EventLoopPtr loop(int idx = -1) {
        if (pool_ == NULL) return NULL;
        if (idx >= 0 && idx < hv_loop_pool_thread_num(pool_)) {
            return EventLoop::fromC(hv_loop_pool_loop(pool_, idx));
        }
        return nextLoop();
    }

    hloop_t* hloop(int idx = -1) {
        EventLoopPtr ptr = loop(idx);
        return ptr ? ptr->loop() : NULL;
    }

    void start(bool wait_threads_started = false,
               std::function<void(const EventLoopPtr&)> pre = NULL,
               std::function<void(const EventLoopPtr&)> post = NULL) {
        if (thread_num_ <= 0) return;
        if (pool_ == NULL) pool_ = hv_loop_pool_new(thread_num_);
        detail::LoopPoolHooks* hooks = new detail::LoopPoolHooks;
        hooks->pre = pre;
        hooks->post = post;
        setStatus(kStarting);
        if (hv_loop_pool_start(pool_, wait_threads_started, detail::runPoolPre, detail::runPoolPost,
                               hooks, detail::deletePoolHooks) == HV_OK) {
            setStatus(kRunning);
        }
    }

    void stop(bool wait_threads_stopped = false) {
        if (pool_ == NULL) return;
        setStatus(kStopping);
        hv_loop_pool_stop(pool_, wait_threads_stopped);
        if (wait_threads_stopped) setStatus(kStopped);
    }

    void join() {
        if (pool_ == NULL) return;
        hv_loop_pool_join(pool_);
        setStatus(kStopped);
    }

private:
    EventLoopThreadPool(const EventLoopThreadPool&);
    EventLoopThreadPool& operator=(const EventLoopThreadPool&);

    int             thread_num_;
    hv_loop_pool*   pool_;
};

} // namespace hv

#endif // HV_EVENT_LOOP_THREAD_POOL_HPP_
