/*
 * Servers that end the way libhv's httpd ends: global objects (an HttpServer, a TcpServer, a
 * TcpClient connected to it, an EventLoopThread with a timer), destroyed by exit() or by the
 * return from main while their loops still run.
 *
 *   exit_server <http_port> <tcp_port> <signal|atexit|static>
 *
 * signal: a SIGTERM handler calls exit(0), as libhv's signal_handler does, so the static
 *         destructors run from the handler;
 * atexit: an atexit() handler stops both servers, then the static destructors run;
 * static: main returns when stdin closes and the static destructors alone stop the servers.
 * Prints "servers ready" once both listen, and "tcp disconnected" when shutting down closes a
 * TCP connection. The HTTP server's access log (libhv's default, at INFO on stderr) logs each
 * request, and a global object logs a last line from its destructor.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "EventLoopThread.h"
#include "HttpServer.h"
#include "TcpClient.h"
#include "TcpServer.h"

/* Constructed first, so destroyed last: after everything else has stopped. */
struct LastWords {
    ~LastWords() { hlogi("last words from a static destructor"); }
} g_last_words;

hv::HttpService     g_router;
hv::HttpServer      g_http_server;
hv::TcpServer       g_tcp_server;
hv::TcpClient       g_tcp_client;
hv::EventLoopThread g_loop_thread;

static void on_sigterm(int signo) {
    (void)signo;
    exit(0);
}

static void stop_servers() {
    g_loop_thread.stop();
    g_tcp_client.stop();
    g_tcp_server.stop();
    g_http_server.stop();
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s http_port tcp_port signal|atexit|static\n", argv[0]);
        return -10;
    }
    std::string mode = argv[3];

    g_router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });
    g_http_server.service = &g_router;
    g_http_server.port = atoi(argv[1]);
    if (g_http_server.start() != 0) return -20;

    if (g_tcp_server.createsocket(atoi(argv[2]), "127.0.0.1") < 0) return -30;
    g_tcp_server.setThreadNum(2);
    g_tcp_server.onConnection = [](const hv::SocketChannelPtr& channel) {
        if (!channel->isConnected()) {
            printf("tcp disconnected\n");
            fflush(stdout);
        }
    };
    g_tcp_server.onMessage = [](const hv::SocketChannelPtr& channel, hv::Buffer* buf) {
        channel->write(buf);
    };
    g_tcp_server.start();

    if (g_tcp_client.createsocket(atoi(argv[2]), "127.0.0.1") < 0) return -40;
    g_tcp_client.onConnection = [](const hv::SocketChannelPtr& channel) {
        if (channel->isConnected()) channel->write("hello");
    };
    g_tcp_client.start();
    g_loop_thread.start();
    g_loop_thread.loop()->setInterval(10, [](hv::TimerID) {});

    if (mode == "signal") signal(SIGTERM, on_sigterm);
    if (mode == "atexit") atexit(stop_servers);
    printf("servers ready\n");
    fflush(stdout);

    if (mode == "signal") {
        for (;;) pause();
    }
    while (getchar() != EOF);
    return 0;
}
