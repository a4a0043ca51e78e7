/*
 * Channel and server details a libhv program may lean on: context helpers, the channel kept
 * after its connection closed, reading that never stops, an exception thrown by a callback, and
 * withTLS() without certificates.
 * Prints one "check <name> <ok|FAIL>" line per check and exits nonzero if any failed.
 */
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "TcpServer.h"
#include "TcpClient.h"

using namespace hv;

static int failures = 0;

static void check(const char* name, bool ok) {
    printf("check %s %s\n", name, ok ? "ok" : "FAIL");
    fflush(stdout);
    if (!ok) ++failures;
}

struct Session {
    int messages = 0;
};

int main() {
    hlog_set_level(LOG_LEVEL_SILENT);

    std::mutex mutex;
    std::condition_variable cond;
    SocketChannelPtr stale;
    bool closed = false;

    TcpServer srv;
    srv.createsocket(0, "127.0.0.1");
    srv.setThreadNum(1);
    srv.onConnection = [&](const SocketChannelPtr& channel) {
        if (channel->isConnected()) {
            channel->newContextPtr<Session>();
            int* raw = channel->newContext<int>();
            *raw = 7;
            channel->stopRead();
        } else {
            check("raw_context", *channel->getContext<int>() == 7);
            channel->deleteContext<int>();
            check("context_ptr", channel->getContextPtr<Session>()->messages == 3);
            std::lock_guard<std::mutex> lock(mutex);
            stale = channel;
            closed = true;
            cond.notify_all();
        }
    };
    srv.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        ++channel->getContextPtr<Session>()->messages;
        channel->write(buf);
        if (std::string((char*)buf->data(), buf->size()) == "boom") throw std::runtime_error("boom");
    };
    srv.start();

    TcpClient cli;
    cli.createsocket(srv.listenPort(), "127.0.0.1");
    std::string echoed;
    cli.onMessage = [&](const SocketChannelPtr& channel, Buffer* buf) {
        echoed.append((char*)buf->data(), buf->size());
        if (echoed == "boom") {
            channel->write(std::string("one"));
        } else if (echoed == "boomone") {
            channel->write(std::string("two"));
        } else if (echoed == "boomonetwo") {
            channel->close();
        }
    };
    cli.onConnection = [](const SocketChannelPtr& channel) {
        if (channel->isConnected()) channel->write(std::string("boom"));
    };
    cli.start();

    {
        std::unique_lock<std::mutex> lock(mutex);
        cond.wait_for(lock, std::chrono::seconds(10), [&] { return closed; });
    }
    check("stopRead_keeps_reading_and_a_throwing_onMessage_is_contained", echoed == "boomonetwo");
    check("stale_closed", stale && stale->isClosed() && !stale->isConnected());
    check("stale_write", stale && stale->write("x", 1) == -1);
    check("stale_peeraddr", stale && stale->peeraddr().find("127.0.0.1:") == 0);
    check("stale_bufsize", stale && stale->writeBufsize() == 0 && stale->isWriteComplete());
    check("stale_close", stale && stale->close() == -1);
    cli.stop();
    srv.stop();

    // onWriteComplete, when set, still hears of every write that reached the socket, on the
    // server (writes from onMessage) and on the client (a write from onConnection); the
    // connection above ran with none set.
    std::string server_wrote, client_wrote;
    bool client_done = false;
    TcpServer wc_srv;
    wc_srv.createsocket(0, "127.0.0.1");
    wc_srv.setThreadNum(1);
    wc_srv.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) { channel->write(buf); };
    wc_srv.onWriteComplete = [&](const SocketChannelPtr&, Buffer* buf) {
        std::lock_guard<std::mutex> lock(mutex);
        server_wrote.append((char*)buf->data(), buf->size());
        cond.notify_all();
    };
    wc_srv.start();
    TcpClient wc_cli;
    wc_cli.createsocket(wc_srv.listenPort(), "127.0.0.1");
    wc_cli.onConnection = [](const SocketChannelPtr& channel) {
        if (channel->isConnected()) channel->write(std::string("ping"));
    };
    wc_cli.onWriteComplete = [&](const SocketChannelPtr&, Buffer* buf) {
        std::lock_guard<std::mutex> lock(mutex);
        client_wrote.append((char*)buf->data(), buf->size());
    };
    wc_cli.onMessage = [&](const SocketChannelPtr&, Buffer*) {
        std::lock_guard<std::mutex> lock(mutex);
        client_done = true;
        cond.notify_all();
    };
    wc_cli.start();
    {
        std::unique_lock<std::mutex> lock(mutex);
        cond.wait_for(lock, std::chrono::seconds(10), [&] { return client_done && server_wrote == "ping"; });
        check("onWriteComplete_server", server_wrote == "ping");
        check("onWriteComplete_client", client_wrote == "ping");
    }
    wc_cli.stop();
    wc_srv.stop();

    TcpServer tls_srv;
    int fd = tls_srv.createsocket(0, "127.0.0.1");
    tls_srv.withTLS();
    tls_srv.start();
    check("withTLS_without_certificates_refuses_to_start", fd >= 0 && tls_srv.connectionNum() == 0 &&
          ConnectTimeout("127.0.0.1", tls_srv.listenPort(), 300) < 0);

    return failures == 0 ? 0 : 1;
}
