#ifndef HV_EVENT_HPP_
#define HV_EVENT_HPP_

#include <functional>
#include <memory>

#include "hloop.h"

namespace hv {

struct Event;
struct Timer;

typedef uint64_t TimerID;
#define INVALID_TIMER_ID ((hv::TimerID)-1)

typedef std::function<void(Event*)> EventCallback;
typedef std::function<void(TimerID)> TimerCallback;

/* A posted event: its callback runs on the loop thread. */
struct Event {
    EventCallback cb;

    Event(EventCallback cb = NULL) : cb(cb) {}
};

struct Timer {
    TimerCallback cb;
    uint32_t repeat;

    Timer(TimerCallback cb = NULL, uint32_t repeat = INFINITE) : cb(cb), repeat(repeat) {}
};

typedef std::shared_ptr<Event> EventPtr;
typedef std::shared_ptr<Timer> TimerPtr;

} // namespace hv

#endif // HV_EVENT_HPP_
