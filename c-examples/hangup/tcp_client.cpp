/*
 * A TcpClient (libhv's evpp style) that writes 4 MiB on every connect to a peer that reads a
 * little and hangs up; it reconnects until it has connected <rounds> times.
 *
 *   hangup_tcp_client <port> <rounds> [--tls] [--sigpipe-default]
 *
 * With --sigpipe-default the program puts SIGPIPE back to its default action once the client
 * runs, so a write that raised it would kill the process. Prints "survived N connections".
 */
#include <signal.h>

#include <atomic>
#include <string>

#include "TcpClient.h"

using namespace hv;

int main(int argc, char* argv[]) {
    if (argc < 3) {
        printf("Usage: %s port rounds [--tls] [--sigpipe-default]\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);
    int rounds = atoi(argv[2]);
    bool tls = false, sigpipe_default = false;
    for (int i = 3; i < argc; ++i) {
        if (strcmp(argv[i], "--tls") == 0) tls = true;
        if (strcmp(argv[i], "--sigpipe-default") == 0) sigpipe_default = true;
    }

    TcpClient cli;
    if (cli.createsocket(port, "127.0.0.1") < 0) return -20;
    if (tls) cli.withTLS();

    std::atomic<int> connects(0);
    std::atomic<bool> done(false);
    std::string chunk(64 * 1024, 'c');
    cli.onConnection = [&](const SocketChannelPtr& channel) {
        if (!channel->isConnected()) return;
        if (++connects >= rounds) done = true;
        for (int i = 0; i < 64; ++i) channel->write(chunk);
    };

    reconn_setting_t reconn;
    reconn_setting_init(&reconn);
    reconn.min_delay = 10;
    reconn.max_delay = 50;
    reconn.delay_policy = 0;
    cli.setReconnect(&reconn);
    cli.start();
    if (sigpipe_default) signal(SIGPIPE, SIG_DFL);

    while (!done) hv_msleep(10);
    cli.stop();
    printf("survived %d connections\n", connects.load());
    fflush(stdout);
    return 0;
}
