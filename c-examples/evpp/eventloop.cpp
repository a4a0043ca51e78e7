/*
 * Timers and queued work on one EventLoop, written the way libhv's evpp programs are.
 * Prints what ran in order, then exits when the timeout stops the loop.
 */
#include "hv.h"

#include "EventLoop.h"

using namespace hv;

static void onTimer(TimerID timerID, int n) {
    printf("timer tid=%ld timerID=%lu n=%d\n", hv_gettid(), (unsigned long)timerID, n);
    fflush(stdout);
}

int main(int argc, char* argv[]) {
    (void)argc;
    (void)argv;
    HV_MEMCHECK;

    printf("main tid=%ld\n", hv_gettid());

    auto loop = std::make_shared<EventLoop>();

    TimerID every = loop->setInterval(100, std::bind(onTimer, std::placeholders::_1, 100));

    loop->setTimeout(550, [&loop, every](TimerID timerID) {
        (void)timerID;
        loop->killTimer(every);
        printf("timeout: stopping\n");
        loop->stop();
    });

    loop->queueInLoop([]() {
        printf("queueInLoop tid=%ld\n", hv_gettid());
    });

    loop->runInLoop([&loop]() {
        printf("runInLoop tid=%ld\n", hv_gettid());
        loop->runInLoop([]() {
            printf("nested runInLoop runs inline\n");
        });
        printf("after nested\n");
    });

    loop->run();
    printf("loop status=%d\n", (int)loop->status());
    return 0;
}
