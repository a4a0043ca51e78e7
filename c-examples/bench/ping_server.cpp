/*
 * The benchmark's HTTP server, written the way a libhv user writes one: GET /ping answers
 * "pong" from a sync handler, one worker thread.
 *
 *   ping_server <port> [access_log: 1|0]
 *
 * Serves until it is killed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "HttpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s port [access_log]\n", argv[0]);
        return -10;
    }
    hlog_set_level(LOG_LEVEL_WARN);
    HttpService router;
    router.enable_access_log = argc > 2 ? atoi(argv[2]) : 1;
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });
    HttpServer server(&router);
    server.setPort(atoi(argv[1]));
    server.setThreadNum(1);
    return server.run();
}
