/*
 * A client written the way libhv's evpp programs are: reconnect policy, a repeating timer from
 * inside onConnection, and commands on stdin ("close", "start", "stop", else sent as is).
 *
 *   tcp_client <port>
 */
#include <iostream>

#include "TcpClient.h"
#include "htime.h"

using namespace hv;

int main(int argc, char* argv[]) {
    if (argc < 2) {
        printf("Usage: %s port\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);

    TcpClient cli;
    int connfd = cli.createsocket(port, "127.0.0.1");
    if (connfd < 0) {
        return -20;
    }
    printf("client connect to port %d, connfd=%d ...\n", port, connfd);
    cli.onConnection = [&cli](const SocketChannelPtr& channel) {
        std::string peeraddr = channel->peeraddr();
        if (channel->isConnected()) {
            printf("connected to %s! connfd=%d\n", peeraddr.c_str(), channel->fd());
            setInterval(200, [channel](TimerID timerID) {
                if (channel->isConnected()) {
                    if (channel->isWriteComplete()) {
                        char str[DATETIME_FMT_BUFLEN] = {0};
                        datetime_t dt = datetime_now();
                        datetime_fmt(&dt, str);
                        channel->write(str);
                    }
                } else {
                    killTimer(timerID);
                }
            });
        } else {
            printf("disconnected to %s! connfd=%d error=%d\n", peeraddr.c_str(), channel->fd(), channel->error());
        }
        if (cli.isReconnect()) {
            printf("reconnect cnt=%d, delay=%d\n", cli.reconn_setting->cur_retry_cnt, cli.reconn_setting->cur_delay);
        }
        fflush(stdout);
    };
    cli.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        (void)channel;
        printf("< %.*s\n", (int)buf->size(), (char*)buf->data());
        fflush(stdout);
    };

    reconn_setting_t reconn;
    reconn_setting_init(&reconn);
    reconn.min_delay = 100;
    reconn.max_delay = 400;
    reconn.delay_policy = 2;
    cli.setReconnect(&reconn);

    cli.start();

    std::string str;
    while (std::getline(std::cin, str)) {
        if (str == "close") {
            cli.closesocket();
        } else if (str == "start") {
            cli.start();
        } else if (str == "stop") {
            cli.stop();
            break;
        } else {
            if (!cli.isConnected()) break;
            cli.send(str);
        }
    }
    printf("exit\n");
    return 0;
}
