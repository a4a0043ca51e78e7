/*
 * The benchmark's HTTP server, written the way a libhv user writes one: GET /ping answers
 * "pong" from a sync handler, /static/ serves a directory, HTTPS on a second port when a
 * certificate is given (HTTP/2 by ALPN there, h2c by prior knowledge on the plain port, as
 * hv-rs's HttpServer always offers), one worker thread unless told otherwise. The log keeps
 * libhv's default level (INFO), so the access log (on by default, as in libhv) writes a line
 * per request, to log_file when one is given (libhv writes a log file), else to stderr.
 *
 *   ping_server <port> [access_log: 1|0] [threads] [log_file|-] [static_dir|-]
 *               [<https_port> <cert.pem> <key.pem>]
 *
 * Serves until it is killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "HttpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s port [access_log] [threads] [log_file|-] [static_dir|-] [https_port cert key]\n", argv[0]);
        return -10;
    }
    if (argc > 4 && strcmp(argv[4], "-") != 0) {
        hlog_set_file(argv[4]);
    }

    HttpService router;
    router.enable_access_log = argc > 2 ? atoi(argv[2]) : 1;
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });
    if (argc > 5 && strcmp(argv[5], "-") != 0) {
        router.Static("/static", argv[5]);
    }

    HttpServer server(&router);
    server.setPort(atoi(argv[1]));
    server.setThreadNum(argc > 3 ? atoi(argv[3]) : 1);
    if (argc > 8) {
        server.https_port = atoi(argv[6]);
        hssl_ctx_opt_t param;
        memset(&param, 0, sizeof(param));
        param.crt_file = argv[7];
        param.key_file = argv[8];
        param.endpoint = HSSL_SERVER;
        if (server.newSslCtx(&param) != 0) {
            fprintf(stderr, "new SSL_CTX failed!\n");
            return -20;
        }
    }
    return server.run();
}
