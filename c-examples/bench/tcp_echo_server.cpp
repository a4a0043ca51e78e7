/*
 * The benchmark's TCP echo server, written the way libhv's evpp/TcpServer_test.cpp is: a
 * TcpServer whose onMessage writes every message back, one worker thread unless told
 * otherwise, libhv's default log level.
 *
 *   tcp_echo_server <port> [threads]
 *
 * Serves until it is killed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "TcpServer.h"

using namespace hv;

int main(int argc, char* argv[]) {
    if (argc < 2) {
        printf("Usage: %s port [threads]\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);

    TcpServer srv;
    int listenfd = srv.createsocket(port);
    if (listenfd < 0) {
        return -20;
    }
    printf("server listen on port %d, listenfd=%d ...\n", port, listenfd);
    fflush(stdout);
    srv.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        channel->write(buf);
    };
    srv.setThreadNum(argc > 2 ? atoi(argv[2]) : 1);
    srv.start();

    // serve until killed
    while (true) hv_sleep(1);
    return 0;
}
