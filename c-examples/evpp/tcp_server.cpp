/*
 * An echo server written the way libhv's evpp programs are: TcpServer with worker threads,
 * least-connections balancing, optional TLS, and commands on stdin.
 *
 *   tcp_server <port> [cert.pem key.pem]
 *   stdin: "close" stops listening, "start" listens again, "stop" stops, anything else is
 *   broadcast to every client.
 */
#include <iostream>

#include "TcpServer.h"

using namespace hv;

int main(int argc, char* argv[]) {
    if (argc < 2) {
        printf("Usage: %s port [cert key]\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);
    hlog_set_level(LOG_LEVEL_WARN);

    TcpServer srv;
    int listenfd = srv.createsocket(port);
    if (listenfd < 0) {
        return -20;
    }
    printf("server listen on port %d, listenfd=%d ...\n", port, listenfd);
    srv.onConnection = [&srv](const SocketChannelPtr& channel) {
        std::string peeraddr = channel->peeraddr();
        const char* what = channel->isConnected() ? "connected" : "disconnected";
        printf("%s %s! connfd=%d id=%d tid=%ld num=%d loopnum=%u\n", peeraddr.c_str(), what, channel->fd(),
               channel->id(), currentThreadEventLoop->tid(), (int)srv.connectionNum(),
               (unsigned)currentThreadEventLoop->connectionNum);
        fflush(stdout);
    };
    srv.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        channel->write(buf);
    };
    srv.setThreadNum(4);
    srv.setLoadBalance(LB_LeastConnections);

    if (argc > 3) {
        hssl_ctx_opt_t ssl_opt;
        memset(&ssl_opt, 0, sizeof(hssl_ctx_opt_t));
        ssl_opt.crt_file = argv[2];
        ssl_opt.key_file = argv[3];
        ssl_opt.verify_peer = 0;
        srv.withTLS(&ssl_opt);
    }

    srv.start();
    printf("started\n");
    fflush(stdout);

    std::string str;
    while (std::getline(std::cin, str)) {
        if (str == "close") {
            srv.closesocket();
        } else if (str == "start") {
            srv.start();
        } else if (str == "stop") {
            srv.stop();
            break;
        } else {
            int n = srv.broadcast(str.data(), str.size());
            printf("broadcast to %d\n", n);
        }
        printf("done %s\n", str.c_str());
        fflush(stdout);
    }
    printf("exit\n");
    return 0;
}
