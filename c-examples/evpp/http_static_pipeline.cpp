/*
 * Static files behind pipeline stages, the way libhv's examples/httpd sets them up: a
 * preprocessor that makes JSON the default response type, a middleware that tags every
 * response, and a postprocessor that adds a header of its own and passes the status on.
 *
 *   http_static_pipeline <port> <document_root> <stages> [index_of]
 *
 * <stages> is a comma-separated subset of "pre", "mw" and "post" ("none" for no stage);
 * [index_of] turns on directory listings under that path.
 * Serves until stdin closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "HttpServer.h"

using namespace hv;

static int preprocessor(HttpRequest* req, HttpResponse* resp) {
    (void)req;
    resp->content_type = APPLICATION_JSON;
    return HTTP_STATUS_NEXT;
}

static int middleware(HttpRequest* req, HttpResponse* resp) {
    (void)req;
    resp->SetHeader("X-Middleware", "seen");
    return HTTP_STATUS_NEXT;
}

static int postprocessor(HttpRequest* req, HttpResponse* resp) {
    (void)req;
    resp->SetHeader("X-Postprocessor", "seen");
    // What the postprocessor saw of the static file, so a test can check it got the headers.
    resp->SetHeader("X-Saw-Content-Type", resp->GetHeader("Content-Type", "none"));
    return resp->status_code;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s port document_root stages\n", argv[0]);
        return 2;
    }
    std::string stages = argv[3];
    HttpService router;
    router.document_root = argv[2];
    if (argc > 4) router.index_of = argv[4];
    if (stages.find("pre") != std::string::npos) router.preprocessor = preprocessor;
    if (stages.find("mw") != std::string::npos) router.Use(middleware);
    if (stages.find("post") != std::string::npos) router.postprocessor = postprocessor;
    router.GET("/ping", [](HttpRequest*, HttpResponse* resp) { return resp->String("pong"); });

    HttpServer server(&router);
    server.setPort(atoi(argv[1]));
    server.setThreadNum(1);
    if (server.start() != 0) return 1;
    printf("static pipeline ready (%s)\n", stages.c_str());
    fflush(stdout);
    while (getchar() != EOF) {}
    server.stop();
    return 0;
}
