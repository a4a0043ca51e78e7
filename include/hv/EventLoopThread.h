#ifndef HV_EVENT_LOOP_THREAD_HPP_
#define HV_EVENT_LOOP_THREAD_HPP_

#include <functional>
#include <memory>

#include "EventLoop.h"

namespace hv {

namespace detail {

/* The pre/post functors of a loop thread, owned by the library until the thread is done. */
struct LoopThreadHooks {
    std::function<int()> pre;
    std::function<int()> post;
};

/* A pre functor that throws stops its loop, like one returning nonzero. */
inline int32_t runPreHook(void* userdata, const hv_loop*) noexcept {
    LoopThreadHooks* h = static_cast<LoopThreadHooks*>(userdata);
    int32_t ret = -1;
    guarded("an EventLoopThread pre functor", [h, &ret] { ret = h->pre ? h->pre() : 0; });
    return ret;
}

inline void runPostHook(void* userdata, const hv_loop*) noexcept {
    LoopThreadHooks* h = static_cast<LoopThreadHooks*>(userdata);
    guarded("an EventLoopThread post functor", [h] { if (h->post) h->post(); });
}

inline void deleteHooks(void* userdata) noexcept {
    delete static_cast<LoopThreadHooks*>(userdata);
}

} // namespace detail

/* An EventLoop running on a thread of its own. */
class EventLoopThread : public Status {
public:
    typedef std::function<int()> Functor;

    EventLoopThread(EventLoopPtr loop = NULL) {
        loop_ = loop ? loop : std::make_shared<EventLoop>();
        thread_ = hv_loop_thread_new(loop_->cLoop());
        setStatus(kInitialized);
    }

    ~EventLoopThread() {
        stop();
        join();
        hv_loop_thread_free(thread_);
    }

    const EventLoopPtr& loop() { return loop_; }

    hloop_t* hloop() { return loop_->loop(); }

    bool isRunning() { return loop_->isRunning(); }

    /* pre runs first on the loop (nonzero stops it); post runs after the loop exits. */
    void start(bool wait_thread_started = true, Functor pre = Functor(), Functor post = Functor()) {
        detail::LoopThreadHooks* hooks = new detail::LoopThreadHooks;
        hooks->pre = pre;
        hooks->post = post;
        setStatus(kStarting);
        if (hv_loop_thread_start(thread_, wait_thread_started, detail::runPreHook, detail::runPostHook,
                                 hooks, detail::deleteHooks) == HV_OK) {
            setStatus(kRunning);
        }
    }

    /* Thread-safe; never joins from the loop's own thread. */
    void stop(bool wait_thread_stopped = false) {
        setStatus(kStopping);
        hv_loop_thread_stop(thread_, wait_thread_stopped);
        if (wait_thread_stopped) setStatus(kStopped);
    }

    void join() {
        hv_loop_thread_join(thread_);
        setStatus(kStopped);
    }

private:
    EventLoopThread(const EventLoopThread&);
    EventLoopThread& operator=(const EventLoopThread&);

    EventLoopPtr        loop_;
    hv_loop_thread*     thread_;
};

typedef std::shared_ptr<EventLoopThread> EventLoopThreadPtr;

} // namespace hv

#endif // HV_EVENT_LOOP_THREAD_HPP_
