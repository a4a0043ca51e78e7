/*
 * An HTTP server written the way libhv's examples/http_server_test.cpp is: sync, ctx and async
 * handlers, route parameters, CORS and a middleware, HTTPS when a certificate is given.
 *
 *   http_server <port> [<https_port> cert.pem key.pem]
 *   Prints "http server ready" and serves until stdin closes.
 */
#include "HttpServer.h"
#include "hthread.h"    // import hv_gettid
#include "hasync.h"     // import hv::async

using namespace hv;

int main(int argc, char** argv) {
    HV_MEMCHECK;

    int port = 0;
    if (argc > 1) {
        port = atoi(argv[1]);
    }
    hlog_set_level(LOG_LEVEL_WARN);

    HttpService router;

    // static files: curl -v http://ip:port/index.html
    router.Static("/", "./html");

    // curl -v http://ip:port/ping
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });

    // curl -v http://ip:port/data
    router.GET("/data", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        static char data[] = "0123456789";
        return resp->Data(data, 10 /*, false */);
    });

    // curl -v http://ip:port/paths
    router.GET("/paths", [&router](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->Json(router.Paths());
    });

    // curl -v http://ip:port/get?env=1
    router.GET("/get", [](const HttpContextPtr& ctx) {
        hv::Json resp;
        resp["origin"] = ctx->ip();
        resp["url"] = ctx->url();
        resp["args"] = ctx->params();
        resp["headers"] = ctx->headers();
        return ctx->send(resp.dump(2));
    });

    // curl -v http://ip:port/echo -d "hello,world!"
    router.POST("/echo", [](const HttpContextPtr& ctx) {
        return ctx->send(ctx->body(), ctx->type());
    });

    // curl -v http://ip:port/user/123
    router.GET("/user/{id}", [](const HttpContextPtr& ctx) {
        hv::Json resp;
        resp["id"] = ctx->param("id");
        return ctx->send(resp.dump(2));
    });

    // curl -v http://ip:port/async
    router.GET("/async", [](const HttpRequestPtr& req, const HttpResponseWriterPtr& writer) {
        writer->Begin();
        writer->WriteHeader("X-Response-tid", hv_gettid());
        writer->WriteHeader("Content-Type", "text/plain");
        writer->WriteBody("This is an async response.\n");
        writer->End();
        (void)req;
    });

    // middleware
    router.AllowCORS();
    router.Use([](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        resp->SetHeader("X-Request-tid", hv::to_string(hv_gettid()));
        return HTTP_STATUS_NEXT;
    });

    HttpServer server;
    server.service = &router;
    server.port = port;
    if (argc > 4) {
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
    }

    if (server.start() != 0) {
        fprintf(stderr, "start failed!\n");
        return -30;
    }
    printf("http server ready on port %d\n", server.port);
    fflush(stdout);

    // press Enter to stop
    while (getchar() != EOF);
    hv::async::cleanup();
    return 0;
}
