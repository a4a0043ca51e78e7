/*
 * Many clients sharing one loop thread, written the way libhv's evpp programs are: a subclass of
 * TcpClient that calls the free functions setInterval/killTimer unqualified.
 *
 *   tcp_client_eventloop <port> [nclients]
 *   stdin: "close" closes every client, "delete" deletes them in their loop, else sent to all.
 */
#include <iostream>
#include <map>

#include "TcpClient.h"

using namespace hv;

class MyTcpClient : public TcpClient {
public:
    MyTcpClient(EventLoopPtr loop = NULL) : TcpClient(loop) {
        onConnection = [this](const SocketChannelPtr& channel) {
            if (channel->isConnected()) {
                printf("connected id=%u tid=%ld\n", channel->id(), currentThreadEventLoop->tid());
                setInterval(100, [channel](TimerID timerID) {
                    if (!channel->isConnected()) {
                        killTimer(timerID);
                    }
                });
            } else {
                printf("disconnected id=%u\n", channel->id());
            }
            if (isReconnect()) {
                printf("reconnect cnt=%d\n", reconn_setting->cur_retry_cnt);
            }
            fflush(stdout);
        };
        onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
            printf("< %u %.*s\n", channel->id(), (int)buf->size(), (char*)buf->data());
            fflush(stdout);
        };
    }

    int connect(int port) {
        int connfd = createsocket(port);
        if (connfd < 0) {
            return connfd;
        }
        reconn_setting_t reconn;
        reconn_setting_init(&reconn);
        reconn.min_delay = 100;
        reconn.max_delay = 1000;
        setReconnect(&reconn);
        start();
        return connfd;
    }
};

int main(int argc, char* argv[]) {
    if (argc < 2) {
        printf("Usage: %s port [nclients]\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);
    int nclients = argc > 2 ? atoi(argv[2]) : 10;

    auto loop_thread = std::make_shared<EventLoopThread>();
    loop_thread->start();

    std::map<int, MyTcpClient*> clients;
    for (int i = 0; i < nclients; ++i) {
        MyTcpClient* client = new MyTcpClient(loop_thread->loop());
        client->connect(port);
        clients[i] = client;
    }

    std::string str;
    while (std::getline(std::cin, str)) {
        if (str == "close") {
            for (auto& pair : clients) {
                pair.second->closesocket();
            }
        } else if (str == "delete") {
            for (auto& pair : clients) {
                pair.second->deleteInLoop();
            }
            break;
        } else {
            for (auto& pair : clients) {
                pair.second->send(str);
            }
        }
        printf("done %s\n", str.c_str());
        fflush(stdout);
    }

    loop_thread->stop();
    loop_thread->join();
    printf("exit\n");
    return 0;
}
