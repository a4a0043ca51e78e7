/*
 * A public-facing API written the way libhv users write one, with no hardening in its code:
 * every limit and filter comes from HV_ environment variables read when the server starts
 * (HV_PER_IP_CONNECTIONS=10, HV_DENY_PATHS='*.php,/.env*', ...).
 *
 *   policy_gateway <http_port> [https_port cert.pem key.pem]
 *
 *   GET /ping    -> pong
 *   GET /whoami  -> the client address the handler sees
 *   GET /calls   -> how many requests reached the middleware (refused ones never do)
 *   GET /static/ -> files under the working directory
 *
 * Each request is logged to stdout ("access <line>") by an access-log callback.
 */
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "HttpServer.h"

using namespace hv;

static std::atomic<long> calls(0);

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s http_port [https_port cert.pem key.pem]\n", argv[0]);
        return -10;
    }
    int port = atoi(argv[1]);
    int https_port = argc > 4 ? atoi(argv[2]) : 0;

    HttpService router;
    router.Use([](HttpRequest*, HttpResponse*) {
        ++calls;
        return HTTP_STATUS_NEXT;
    });
    router.GET("/ping", [](HttpRequest*, HttpResponse* resp) {
        return resp->String("pong");
    });
    router.GET("/whoami", [](HttpRequest* req, HttpResponse* resp) {
        return resp->String(req->client_addr.ip);
    });
    router.GET("/calls", [](HttpRequest*, HttpResponse* resp) {
        return resp->String(std::to_string(calls.load()));
    });
    router.Static("/static", ".");

    HttpServer server(&router);
    server.setPort(port, https_port);
    server.setThreadNum(2);
    if (https_port > 0) {
        hssl_ctx_opt_t ssl;
        memset(&ssl, 0, sizeof(ssl));
        ssl.crt_file = argv[3];
        ssl.key_file = argv[4];
        ssl.endpoint = HSSL_SERVER;
        if (server.newSslCtx(&ssl) != 0) return -30;
    }
    // The access log goes to stdout, one line per request.
    server.onAccessLog([](const hv_access_log_entry& entry) {
        printf("access %s\n", entry.line);
        fflush(stdout);
    });
    if (server.start() != 0) {
        printf("start failed\n");
        return 1;
    }
    printf("policy gateway ready http=%d https=%d\n", port, https_port);
    fflush(stdout);
    // Runs until stdin closes (the test ends it).
    while (getchar() != EOF) {
    }
    server.stop();
    return 0;
}
