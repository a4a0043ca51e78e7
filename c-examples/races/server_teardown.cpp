/*
 * Destroying a TcpServer whose connections run on an external EventLoop while one of its
 * callbacks is running there: the destructor must wait for that callback, and none may start
 * after it returned.
 *
 *   server_teardown [rounds]
 *
 * Each round (default 20) starts a server with `TcpServer srv(loop)` and thread_num 0 on one
 * shared loop thread, so its connections live on that loop. Its onMessage sleeps a little,
 * then touches state of the object that owns the server. Client threads keep messages flowing
 * while the main thread destroys the owner. Prints "round <n> ok" or "round <n> FAIL ..."
 * and "done"; exits nonzero if a callback was still running, or started, after the
 * destructor returned.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "EventLoopThread.h"
#include "TcpServer.h"

using namespace hv;

/* Callbacks of any server running right now, and whether the current one may run at all. */
static std::atomic<int> in_callback(0);
static std::atomic<bool> destroyed(false);
static std::atomic<int> late_callbacks(0);

/* An object owning a server whose callbacks use its other members. */
struct EchoService {
    std::string greeting;
    std::vector<size_t> sizes;
    std::atomic<int> handled;
    TcpServer srv;  // last: destroyed first, before the members its callbacks use

    explicit EchoService(EventLoopPtr loop) : greeting("echo"), handled(0), srv(loop) {
        srv.setThreadNum(0);
        srv.onMessage = [this](const SocketChannelPtr& ch, Buffer* buf) {
            ++in_callback;
            if (destroyed.load()) ++late_callbacks;
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
            sizes.push_back(buf->size() + greeting.size());
            ++handled;
            ch->write(buf);
            --in_callback;
        };
    }
};

/* Sends and reads back a message until the server closes the connection (or a bound). */
static void pingUntilClosed(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return;
    timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (sockaddr*)&addr, sizeof(addr)) == 0) {
        char buf[64];
        for (int i = 0; i < 2000; ++i) {
            if (send(fd, "ping", 4, MSG_NOSIGNAL) != 4) break;
            if (recv(fd, buf, sizeof(buf), 0) <= 0) break;
        }
    }
    close(fd);
}

int main(int argc, char** argv) {
    hlog_set_level(LOG_LEVEL_SILENT);
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    int failures = 0;
    EventLoopThread loop_thread;
    loop_thread.start();
    EventLoopPtr loop = loop_thread.loop();
    for (int round = 0; round < rounds; ++round) {
        destroyed.store(false);
        EchoService* service = new EchoService(loop);
        if (service->srv.createsocket(0, "127.0.0.1") < 0) return 2;
        service->srv.start();
        int port = service->srv.listenPort();
        std::vector<std::thread> clients;
        for (int i = 0; i < 3; ++i) clients.push_back(std::thread(pingUntilClosed, port));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (service->handled.load() < 10 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        // Most likely a callback is sleeping on the loop thread right now.
        delete service;
        destroyed.store(true);
        int running = in_callback.load();
        for (auto& c : clients) c.join();
        if (running != 0 || late_callbacks.load() != 0) {
            printf("round %d FAIL running=%d late=%d\n", round, running, late_callbacks.load());
            ++failures;
        } else {
            printf("round %d ok\n", round);
        }
        fflush(stdout);
    }
    loop_thread.stop(true);
    printf("done\n");
    return failures == 0 ? 0 : 1;
}
