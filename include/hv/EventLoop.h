#ifndef HV_EVENT_LOOP_HPP_
#define HV_EVENT_LOOP_HPP_

#include <functional>
#include <map>
#include <memory>

#include "hloop.h"
#include "hthread.h"
#include "hlog.h"

#include "Status.h"
#include "Event.h"

namespace hv {

class EventLoop;
typedef std::shared_ptr<EventLoop> EventLoopPtr;

namespace detail {

/* Runs f for a callback from the C ABI: exceptions stop here (logged), never unwinding into it. */
template<class F>
inline void guarded(const char* what, F f) noexcept {
    try {
        f();
    } catch (const std::exception& e) {
        hloge("exception in %s: %s", what, e.what());
    } catch (...) {
        hloge("unknown exception in %s", what);
    }
}

inline void runFunctor(void* userdata) noexcept {
    guarded("a queued functor", [userdata] { (*static_cast<std::function<void()>*>(userdata))(); });
}

inline void deleteFunctor(void* userdata) noexcept {
    delete static_cast<std::function<void()>*>(userdata);
}

inline void runTimer(void* userdata, uint64_t id) noexcept {
    guarded("a timer callback", [userdata, id] { (*static_cast<std::function<void(uint64_t)>*>(userdata))(id); });
}

inline void deleteTimer(void* userdata) noexcept {
    delete static_cast<std::function<void(uint64_t)>*>(userdata);
}

inline void deleteLoopHolder(void* userdata) noexcept {
    delete static_cast<EventLoopPtr*>(userdata);
}

inline void copyLoopHolder(void* ctx, void* userdata) noexcept {
    if (userdata) *static_cast<EventLoopPtr*>(ctx) = *static_cast<EventLoopPtr*>(userdata);
}

inline void noDelete(EventLoop*) {}

struct CompanionTag {};

/* EventLoop::connectionNum: libhv's public std::atomic<uint32_t>, read here from the library,
 * which counts the connections its servers keep on the loop (writing it is not provided). */
class LoopConnectionNum {
public:
    explicit LoopConnectionNum(const hv_loop* const* loop) : loop_(loop) {}
    uint32_t load() const { return *loop_ ? hv_loop_connection_num(*loop_) : 0; }
    operator uint32_t() const { return load(); }

private:
    const hv_loop* const* loop_;
};

} // namespace detail

/*
 * One event loop: one thread, a tokio runtime inside the library. All methods are thread-safe
 * except setTimer, which (as in libhv) belongs to the loop thread.
 */
class EventLoop : public Status {
public:
    typedef std::function<void()> Functor;

    /* A new loop, or a wrapper of an existing one from the C ABI. */
    EventLoop(hloop_t* loop = NULL) : connectionNum(&loop_), owner_(loop == NULL), stopped_(false) {
        loop_ = loop ? hv_loop_clone(loop) : hv_loop_new();
        setStatus(kInitialized);
        // Let currentThreadEventLoop find this object on the loop thread.
        self_ = new EventLoopPtr(this, detail::noDelete);
        if (hv_loop_set_userdata(loop_, self_, detail::deleteLoopHolder) != HV_OK) {
            self_ = NULL;
        }
    }

    /* The wrapper created for a loop the library made itself (a server's worker, ...). */
    EventLoop(const hv_loop* loop, detail::CompanionTag)
        : connectionNum(&loop_), loop_(hv_loop_clone(loop)), owner_(false), stopped_(false), self_(NULL) {}

    ~EventLoop() {
        if (owner_) stop();
        if (self_) hv_loop_clear_userdata(loop_, self_);
        hv_loop_free(loop_);
    }

    /* The C++ object of a C loop: the one attached to it, else a new wrapper kept with it. */
    static EventLoopPtr fromC(const hv_loop* loop) {
        EventLoopPtr result;
        if (loop == NULL) return result;
        hv_loop_visit_userdata(loop, detail::copyLoopHolder, &result);
        if (result) return result;
        result.reset(new EventLoop(loop, detail::CompanionTag()));
        if (hv_loop_set_userdata(loop, new EventLoopPtr(result), detail::deleteLoopHolder) != HV_OK) {
            EventLoopPtr existing;
            hv_loop_visit_userdata(loop, detail::copyLoopHolder, &existing);
            if (existing) return existing;
        }
        return result;
    }

    /* Blocks, running the loop on this thread, until stop(). A loop runs once. */
    void run() {
        if (stopped_ || hv_loop_status(loop_) != kInitialized) return;
        setStatus(kRunning);
        hv_loop_run(loop_);
        setStatus(kStopped);
        stopped_ = true;
    }

    /* Thread-safe. Connections on the loop are closed before run() returns. */
    void stop() {
        if (stopped_.exchange(true)) return;
        setStatus(kStopping);
        hv_loop_stop(loop_);
        if (hv_loop_status(loop_) == kStopped) setStatus(kStopped);
    }

    void pause() {}
    void resume() {}

    KStatus status() { return static_cast<KStatus>(hv_loop_status(loop_)); }
    bool isRunning() { return status() == kRunning; }
    bool isStopped() { return status() == kStopped; }

    /* The C loop, or NULL once stopped. */
    hloop_t* loop() { return stopped_ ? NULL : const_cast<hloop_t*>(loop_); }
    /* The C loop, always (for the C ABI). */
    const hv_loop* cLoop() const { return loop_; }

    long tid() {
        long t = (long)hv_loop_tid(loop_);
        return t ? t : hv_gettid();
    }

    bool isInLoopThread() { return hv_loop_is_in_loop_thread(loop_); }

    void assertInLoopThread() { assert(isInLoopThread()); }

    /* Loop thread only: starts a timer; repeat is a count or INFINITE. */
    TimerID setTimer(int timeout_ms, TimerCallback cb, uint32_t repeat = INFINITE, TimerID timerID = INVALID_TIMER_ID) {
        (void)timerID;
        return setTimerInLoop(timeout_ms, cb, repeat);
    }

    /* Any thread: the id is known at once, the timer starts on the loop. */
    TimerID setTimerInLoop(int timeout_ms, TimerCallback cb, uint32_t repeat = INFINITE, TimerID timerID = INVALID_TIMER_ID) {
        (void)timerID;
        if (timeout_ms <= 0 || !cb) return INVALID_TIMER_ID;
        return hv_loop_set_timer(loop_, (uint32_t)timeout_ms, repeat, detail::runTimer,
                                 new std::function<void(uint64_t)>(cb), detail::deleteTimer);
    }

    TimerID setTimeout(int timeout_ms, TimerCallback cb) { return setTimerInLoop(timeout_ms, cb, 1); }
    TimerID setInterval(int interval_ms, TimerCallback cb) { return setTimerInLoop(interval_ms, cb, INFINITE); }
    void killTimer(TimerID timerID) { hv_loop_kill_timer(loop_, timerID); }
    void resetTimer(TimerID timerID, int timeout_ms = 0) {
        hv_loop_reset_timer(loop_, timerID, timeout_ms > 0 ? (uint32_t)timeout_ms : 0);
    }

    /* Runs f now when called on the running loop's thread, else queues it. */
    void runInLoop(Functor fn) {
        if (!fn) return;
        hv_loop_run_in_loop(loop_, detail::runFunctor, new Functor(fn), detail::deleteFunctor);
    }

    /* Always queues f behind what was posted before (FIFO). */
    void queueInLoop(Functor fn) {
        if (!fn) return;
        hv_loop_queue_in_loop(loop_, detail::runFunctor, new Functor(fn), detail::deleteFunctor);
    }

    void postEvent(EventCallback cb) {
        if (!cb) return;
        queueInLoop([cb]() {
            Event ev(cb);
            cb(&ev);
        });
    }

    /* Connections the library's servers keep on this loop (libhv's LB_LeastConnections count). */
    detail::LoopConnectionNum connectionNum;

private:
    EventLoop(const EventLoop&);
    EventLoop& operator=(const EventLoop&);

    const hv_loop*      loop_;
    bool                owner_;
    std::atomic<bool>   stopped_;
    EventLoopPtr*       self_;
};

/* The EventLoop of the calling thread, or NULL off loop threads. */
static inline EventLoop* tlsEventLoop() {
    return EventLoop::fromC(hv_loop_current()).get();
}
#define currentThreadEventLoop ::hv::tlsEventLoop()

static inline TimerID setTimer(int timeout_ms, TimerCallback cb, uint32_t repeat = INFINITE) {
    EventLoop* loop = tlsEventLoop();
    assert(loop != NULL);
    if (loop == NULL) return INVALID_TIMER_ID;
    return loop->setTimer(timeout_ms, cb, repeat);
}

static inline void killTimer(TimerID timerID) {
    EventLoop* loop = tlsEventLoop();
    assert(loop != NULL);
    if (loop == NULL) return;
    loop->killTimer(timerID);
}

static inline void resetTimer(TimerID timerID, int timeout_ms) {
    EventLoop* loop = tlsEventLoop();
    assert(loop != NULL);
    if (loop == NULL) return;
    loop->resetTimer(timerID, timeout_ms);
}

static inline TimerID setTimeout(int timeout_ms, TimerCallback cb) {
    return setTimer(timeout_ms, cb, 1);
}

static inline TimerID setInterval(int interval_ms, TimerCallback cb) {
    return setTimer(interval_ms, cb, INFINITE);
}

} // namespace hv

#endif // HV_EVENT_LOOP_HPP_
