/*
 * An edge service written the way libhv users write one, with no hardening code of its own:
 * every limit and deadline comes from hv-rs's defaults or from HV_ environment variables, e.g.
 *
 *   HV_HEAD_TIMEOUT_MS=300 HV_MAX_BODY=64k edge_server 8080 8443 cert.pem key.pem
 *
 *   curl http://127.0.0.1:8080/ping
 *   curl -d 'hello' http://127.0.0.1:8080/echo
 *   curl -k https://127.0.0.1:8443/ping
 *
 * It prints "edge ready" once listening, or the reason start failed, and stops at end of stdin.
 */
#include <stdio.h>
#include <string.h>

#include "HttpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    if (argc < 5) {
        printf("Usage: %s http_port https_port cert.pem key.pem\n", argv[0]);
        return -10;
    }
    hlog_set_level(LOG_LEVEL_WARN);

    HttpService router;
    router.GET("/ping", [](HttpRequest*, HttpResponse* resp) {
        return resp->String("pong");
    });
    router.POST("/echo", [](HttpRequest* req, HttpResponse* resp) {
        resp->content_type = TEXT_PLAIN;
        return resp->String(req->body);
    });

    HttpServer server(&router);
    server.setPort(atoi(argv[1]), atoi(argv[2]));
    server.setThreadNum(2);
    hssl_ctx_opt_t ssl;
    memset(&ssl, 0, sizeof(ssl));
    ssl.crt_file = argv[3];
    ssl.key_file = argv[4];
    ssl.endpoint = HSSL_SERVER;
    if (server.newSslCtx(&ssl) != 0) return -30;
    if (server.start() != 0) {
        char msg[256];
        hv_last_error(msg, sizeof(msg));
        printf("edge start failed: %s\n", msg);
        fflush(stdout);
        return -40;
    }
    printf("edge ready\n");
    fflush(stdout);

    while (getchar() != EOF);
    server.stop();
    printf("edge stopped\n");
    return 0;
}
