// A TcpServer and a TcpClient in one process: the client sends one line, the server echoes it,
// and the program exits 0 once the echo came back (1 after 10 s without it).
#include <atomic>
#include <chrono>
#include <thread>

#include "hv/TcpServer.h"
#include "hv/TcpClient.h"

int main() {
    hv::TcpServer srv;
    if (srv.createsocket(0, "127.0.0.1") < 0) return 1;
    srv.setThreadNum(1);
    srv.onMessage = [](const hv::SocketChannelPtr& ch, hv::Buffer* buf) { ch->write(buf); };
    srv.start();

    std::atomic<bool> echoed(false);
    hv::TcpClient cli;
    cli.createsocket(srv.listenPort(), "127.0.0.1");
    cli.onConnection = [](const hv::SocketChannelPtr& ch) {
        if (ch->isConnected()) ch->write(std::string("ping"));
    };
    cli.onMessage = [&echoed](const hv::SocketChannelPtr&, hv::Buffer* buf) {
        if (std::string((char*)buf->data(), buf->size()) == "ping") echoed = true;
    };
    cli.start();
    for (int i = 0; i < 1000 && !echoed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    printf("echo %s\n", echoed ? "ok" : "missing");
    return echoed ? 0 : 1;
}
