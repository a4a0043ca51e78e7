/*
 * An EventLoopThreadPool written the way libhv's evpp programs are: round-robin loops, a timeout
 * on each, then stop and join.
 */
#include "hv.h"

#include "EventLoopThreadPool.h"

using namespace hv;

int main(int argc, char* argv[]) {
    (void)argc;
    (void)argv;
    hlog_set_level(LOG_LEVEL_INFO);

    EventLoopThreadPool loop_threads(4);
    loop_threads.start(true);

    int thread_num = loop_threads.threadNum();
    std::atomic<int> fired(0);
    for (int i = 0; i < thread_num; ++i) {
        EventLoopPtr loop = loop_threads.nextLoop();
        printf("loop %d tid=%ld\n", i, loop->tid());
        loop->setTimeout(50, [&fired, loop](TimerID timerID) {
            (void)timerID;
            printf("timeout on tid=%ld in loop thread=%d\n", hv_gettid(), (int)loop->isInLoopThread());
            ++fired;
        });
    }
    while (fired < thread_num) hv_msleep(10);

    loop_threads.stop(false);
    loop_threads.join();
    printf("fired %d\n", (int)fired);
    return 0;
}
