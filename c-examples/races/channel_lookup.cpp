/*
 * getChannelById and the channel context used from other threads while connections come and
 * go, in the style of libhv's evpp/TcpServer_test.
 *
 *   channel_lookup [connections]
 *
 * A server on 127.0.0.1 (port 0, one worker loop) echoes; client threads connect, send a byte
 * and close, `connections` times in all (default 1500), every 50th after a 5 ms pause. Lookup threads call getChannelById in a
 * tight loop on the connection that is closing right now and on the newest one, and read the
 * context that onConnection set; another thread walks foreachChannel. Every channel object is
 * counted: once the server is gone none may be left (a holder attached after the connection
 * closed would keep one alive for ever).
 * Prints "lookups=<n> found=<m>" and "live=<k>"; exits 0 when k is 0.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "TcpServer.h"

using namespace hv;

static std::atomic<int> live_channels(0);

/* A SocketChannel that counts its instances. */
class CountedChannel : public SocketChannel {
public:
    CountedChannel(hio_t* io) : SocketChannel(io) { ++live_channels; }
    ~CountedChannel() { --live_channels; }
};

typedef std::shared_ptr<CountedChannel> CountedChannelPtr;

struct Session {
    uint32_t id;
    std::atomic<int> touched;
    explicit Session(uint32_t i) : id(i), touched(0) {}
};

/* `hold`: the connection stays open a few milliseconds, so lookups surely meet live ones even
 * on a loaded machine. */
static void connectAndClose(int port, bool hold) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return;
    sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (sockaddr*)&addr, sizeof(addr)) == 0) {
        if (send(fd, "x", 1, MSG_NOSIGNAL) != 1) perror("send");
        if (hold) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    close(fd);
}

int main(int argc, char** argv) {
    hlog_set_level(LOG_LEVEL_SILENT);
    int connections = argc > 1 ? atoi(argv[1]) : 1500;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::atomic<long> lookups(0), found(0);
    {
        std::atomic<uint32_t> newest(0), closing(0);
        TcpServerTmpl<CountedChannel> srv;
        if (srv.createsocket(0, "127.0.0.1") < 0) return 2;
        srv.setThreadNum(1);
        srv.onConnection = [&](const CountedChannelPtr& ch) {
            if (ch->isConnected()) {
                // Set before the id is published: lookup threads only read it.
                ch->setContextPtr(std::make_shared<Session>(ch->id()));
                newest.store(ch->id());
            } else {
                closing.store(ch->id());
            }
        };
        srv.onMessage = [](const CountedChannelPtr& ch, Buffer* buf) {
            std::shared_ptr<Session> s = ch->getContextPtr<Session>();
            if (s) ++s->touched;
            ch->write(buf);
        };
        srv.start();
        int port = srv.listenPort();

        std::atomic<bool> clients_done(false);
        std::vector<std::thread> lookers;
        for (int t = 0; t < 2; ++t) {
            lookers.push_back(std::thread([&, t] {
                while (!clients_done.load()) {
                    uint32_t id = (t == 0 ? closing : newest).load();
                    CountedChannelPtr ch = srv.getChannelById(id);
                    ++lookups;
                    if (!ch) continue;
                    ++found;
                    std::shared_ptr<Session> s = ch->getContextPtr<Session>();
                    if (s && s->id != ch->id()) {
                        printf("context of %u belongs to %u\n", ch->id(), s->id);
                        fflush(stdout);
                        std::abort();
                    }
                    if (s) ++s->touched;
                    ch->isConnected();
                }
            }));
        }
        std::thread walker([&] {
            while (!clients_done.load()) {
                srv.foreachChannel([](const CountedChannelPtr& ch) { ch->id(); });
                // The walk holds the registry lock, which accepting and closing need too.
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });

        std::vector<std::thread> clients;
        std::atomic<int> started(0);
        for (int t = 0; t < 3; ++t) {
            clients.push_back(std::thread([&] {
                int n;
                while ((n = started.fetch_add(1)) < connections &&
                       std::chrono::steady_clock::now() < deadline) {
                    connectAndClose(port, n % 50 == 0);
                }
            }));
        }
        for (auto& c : clients) c.join();
        while (srv.connectionNum() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        clients_done.store(true);
        for (auto& l : lookers) l.join();
        walker.join();
        srv.stop();
    }
    printf("lookups=%ld found=%ld\n", lookups.load(), found.load());
    printf("live=%d\n", live_channels.load());
    fflush(stdout);
    return live_channels.load() == 0 ? 0 : 1;
}
