/*
 * An HTTP and HTTPS server (libhv's HttpServer) whose clients and upstreams hang up mid-answer.
 *
 *   hangup_http_server <port> <https_port> cert.pem key.pem <upstream_port> [--sigpipe-default]
 *
 * GET /ping answers "pong" and GET /big 4 MiB. /proxy/ forwards to 127.0.0.1:<upstream_port>,
 * and POST /fetch posts 8 MiB there with the HTTP client. With --sigpipe-default the program
 * puts SIGPIPE back to its default action once the server runs: a write that raised the signal
 * would then kill it. Prints "http server ready" and serves until stdin closes.
 */
#include <signal.h>

#include <string>

#include "HttpServer.h"
#include "requests.h"

int main(int argc, char** argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s port https_port cert key upstream_port [--sigpipe-default]\n", argv[0]);
        return -10;
    }
    std::string upstream = std::string("http://127.0.0.1:") + argv[5];
    bool sigpipe_default = argc > 6 && strcmp(argv[6], "--sigpipe-default") == 0;

    hv::HttpService router;
    router.enable_access_log = 0;
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });
    router.GET("/big", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        resp->body.assign(4 << 20, 'x');
        return 200;
    });
    router.POST("/fetch", [upstream](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        auto up = requests::post((upstream + "/sink").c_str(), std::string(8 << 20, 'y'));
        return resp->String(up ? "upstream answered" : "upstream hung up");
    });
    router.Proxy("/proxy/", (upstream + "/").c_str());

    hv::HttpServer server;
    server.service = &router;
    server.port = atoi(argv[1]);
    server.https_port = atoi(argv[2]);
    hssl_ctx_opt_t param;
    memset(&param, 0, sizeof(param));
    param.crt_file = argv[3];
    param.key_file = argv[4];
    param.endpoint = HSSL_SERVER;
    if (server.newSslCtx(&param) != 0) {
        fprintf(stderr, "new SSL_CTX failed!\n");
        return -20;
    }
    if (server.start() != 0) {
        fprintf(stderr, "start failed!\n");
        return -30;
    }
    if (sigpipe_default) signal(SIGPIPE, SIG_DFL);
    printf("http server ready on port %d https port %d\n", server.port, server.https_port);
    fflush(stdout);

    while (getchar() != EOF);
    server.stop();
    printf("stopped\n");
    return 0;
}
