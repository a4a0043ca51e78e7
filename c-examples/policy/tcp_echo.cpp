/*
 * A TcpServer echo service with a per-IP connection cap and a handshake deadline set in code;
 * HV_TCP_ variables (HV_TCP_PER_IP_CONNECTIONS, HV_TCP_PROXY_PROTOCOL,
 * HV_TCP_HANDSHAKE_TIMEOUT_MS) override them when it starts.
 *
 *   policy_tcp_echo <port> <connections per ip>
 */
#include <cstdio>
#include <cstdlib>

#include "TcpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    if (argc < 3) {
        printf("Usage: %s port per_ip\n", argv[0]);
        return -10;
    }
    TcpServer server;
    if (server.createsocket(atoi(argv[1]), "127.0.0.1") < 0) return -20;
    server.setThreadNum(2);
    server.setMaxConnectionsPerIp((uint32_t)atoi(argv[2]));
    server.setProxyProtocol(false);
    if (server.setOption("tcp_handshake_timeout_ms", "10000") != 0) return -30;
    if (server.setOption("no_such_knob", "1") != -1) return -31;
    server.onConnection = [](const SocketChannelPtr& ch) {
        printf("%s %s\n", ch->isConnected() ? "connected" : "disconnected", ch->peeraddr().c_str());
        fflush(stdout);
    };
    server.onMessage = [](const SocketChannelPtr& ch, Buffer* buf) {
        ch->write(buf);
    };
    server.start();
    printf("policy tcp ready http=%d https=0\n", server.listenPort());
    fflush(stdout);
    while (getchar() != EOF) {
    }
    server.stop();
    return 0;
}
