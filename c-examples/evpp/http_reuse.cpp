/*
 * One worker answers request after request: whatever a handler leaves in its request, response
 * and context must not reach the next request's handler.
 *
 *   http_reuse <port>    prints "ready on port <port>" and serves until stdin closes.
 *
 * GET /dirty fills everything it can reach; GET /clean reports what it finds, as
 * "req_headers=N req_cookies=N params=N resp_headers=N resp_cookies=N body=N json=N
 * userdata=N req_cb=N resp_cb=N status=N".
 */
#include <stdio.h>

#include "HttpServer.h"

using namespace hv;

static int g_marker;

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s port\n", argv[0]);
        return -10;
    }
    hlog_set_level(LOG_LEVEL_SILENT);
    HttpService router;
    router.GET("/dirty", [](const HttpContextPtr& ctx) {
        HttpRequest* req = ctx->request.get();
        HttpResponse* resp = ctx->response.get();
        req->headers["X-Left"] = "by /dirty";
        req->query_params["left"] = "1";
        req->http_cb = [](HttpMessage*, http_parser_state, const char*, size_t) {};
        resp->http_cb = [](HttpMessage*, http_parser_state, const char*, size_t) {};
        resp->headers["X-Dirty"] = "1";
        HttpCookie cookie;
        cookie.name = "left";
        cookie.value = "1";
        resp->cookies.push_back(cookie);
        resp->json["left"] = 1;
        ctx->userdata = &g_marker;
        resp->status_code = HTTP_STATUS_CREATED;
        return HTTP_STATUS_CREATED;
    });
    router.GET("/clean", [](const HttpContextPtr& ctx) {
        HttpRequest* req = ctx->request.get();
        HttpResponse* resp = ctx->response.get();
        char report[256];
        snprintf(report, sizeof(report),
                 "req_headers=%d req_cookies=%d params=%d resp_headers=%d resp_cookies=%d body=%d json=%d "
                 "userdata=%d req_cb=%d resp_cb=%d status=%d",
                 (int)req->headers.size(), (int)req->cookies.size(), (int)req->query_params.size(),
                 (int)resp->headers.size(), (int)resp->cookies.size(), (int)resp->body.size(),
                 (int)resp->json.size(), ctx->userdata != NULL, (bool)req->http_cb, (bool)resp->http_cb,
                 (int)resp->status_code);
        return ctx->send(report);
    });
    HttpServer server(&router);
    server.setPort(atoi(argv[1]));
    server.setThreadNum(1);
    if (server.start() != 0) return -20;
    printf("ready on port %d\n", server.port);
    fflush(stdout);
    while (getchar() != EOF) {
    }
    server.stop();
    return 0;
}
