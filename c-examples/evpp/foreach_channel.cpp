/*
 * foreachChannel while connections come and go, written the way libhv's evpp programs are: an
 * echo TcpServer on worker threads whose onConnection walks the connections too, and a thread
 * that walks them in a loop, asking connectionNum() and getChannelById() from inside each visit.
 *
 *   foreach_channel <port>
 *   stdin: closing it ends the walk; the program prints its totals, stops and exits.
 */
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "TcpServer.h"

using namespace hv;

int main(int argc, char* argv[]) {
    if (argc < 2) {
        printf("Usage: %s port\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);
    hlog_set_level(LOG_LEVEL_WARN);

    TcpServer srv;
    if (srv.createsocket(port) < 0) {
        return -20;
    }
    std::atomic<long> opened(0), closed(0);
    srv.onConnection = [&](const SocketChannelPtr& channel) {
        // Workers walk the registry while they open and close connections.
        srv.foreachChannel([](const SocketChannelPtr&) {});
        if (channel->isConnected()) {
            opened++;
        } else {
            closed++;
        }
    };
    srv.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        channel->write(buf);
    };
    srv.setThreadNum(2);
    srv.start();
    printf("started\n");
    fflush(stdout);

    std::atomic<bool> done(false);
    long rounds = 0, visits = 0, mismatched = 0;
    size_t last_num = 0;
    std::thread walker([&] {
        while (!done) {
            srv.foreachChannel([&](const SocketChannelPtr& channel) {
                visits++;
                last_num = srv.connectionNum();
                // NULL when the connection closed since the walk began; else the same object.
                SocketChannelPtr same = srv.getChannelById(channel->id());
                if (same && same.get() != channel.get()) mismatched++;
            });
            if (++rounds == 1) {
                printf("walking\n");
                fflush(stdout);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });

    std::string line;
    while (std::getline(std::cin, line)) {
    }
    done = true;
    walker.join();
    printf("walked rounds=%ld visits=%ld mismatched=%ld last_num=%zu\n", rounds, visits,
           mismatched, last_num);
    srv.stop();
    printf("opened=%ld closed=%ld\n", opened.load(), closed.load());
    printf("exit\n");
    return 0;
}
