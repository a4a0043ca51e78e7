/*
 * What a production HttpService meets besides the happy path: a handler that throws, an async
 * handler that forgets to End, a route that only exists for POST, literal vs parameter routes,
 * a preprocessor that rejects, headers set by the pipeline, and a streamed (chunked) answer.
 *
 *   http_edges <port> [upstream_port]    prints "ready" and serves until stdin closes;
 *   with an upstream, /up/<path> is proxied to http://127.0.0.1:<upstream_port>/<path>
 */
#include <atomic>
#include <stdexcept>

#include "HttpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    hlog_set_level(LOG_LEVEL_SILENT);
    HttpService router;
    router.preprocessor = [](HttpRequest* req, HttpResponse* resp) -> int {
        resp->SetHeader("X-Pre", "1");
        if (req->GetHeader("X-Deny") == "yes") return HTTP_STATUS_FORBIDDEN;
        return HTTP_STATUS_NEXT;
    };
    // libhv 1.3.4's headerHandler: runs first; 0 or 200 goes on, anything else answers.
    router.headerHandler = [](HttpRequest* req, HttpResponse*) -> int {
        return req->GetHeader("X-Block").empty() ? HTTP_STATUS_OK : HTTP_STATUS_UNAUTHORIZED;
    };
    router.postprocessor = [](HttpRequest*, HttpResponse* resp) {
        resp->SetHeader("X-Post", "1");
        return 0;
    };
    router.GET("/throw", [](HttpRequest*, HttpResponse*) -> int {
        throw std::runtime_error("handler failure");
    });
    router.GET("/forget", [](const HttpRequestPtr&, const HttpResponseWriterPtr& writer) {
        writer->response->body = "dropped without End";
    });
    router.POST("/onlypost", [](HttpRequest*, HttpResponse* resp) {
        return resp->String("posted");
    });
    router.GET("/user/{id}", [](const HttpContextPtr& ctx) {
        return ctx->sendString("param " + ctx->param("id"));
    });
    router.GET("/user/me", [](const HttpContextPtr& ctx) {
        return ctx->sendString("literal me");
    });
    router.GET("/chunked", [](const HttpRequestPtr&, const HttpResponseWriterPtr& writer) {
        writer->WriteHeader("Content-Type", "text/plain");
        writer->WriteChunked("one,");
        writer->WriteChunked("two,");
        writer->WriteChunked("three");
        writer->End();
    });
    router.GET("/sized", [](const HttpRequestPtr&, const HttpResponseWriterPtr& writer) {
        writer->EndHeaders("Content-Length", 10);
        writer->WriteBody("01234", 5);
        writer->WriteBody("56789", 5);
        writer->End();
    });
    router.GET("/sse", [](const HttpRequestPtr&, const HttpResponseWriterPtr& writer) {
        writer->SSEvent("first");
        writer->SSEvent("second", "tick");
        writer->End();
    });
    router.GET("/cookie", [](HttpRequest* req, HttpResponse* resp) {
        HttpCookie sid;
        sid.name = "sid";
        sid.value = "abc";
        sid.path = "/";
        sid.max_age = 10;
        sid.httponly = true;
        resp->AddCookie(sid);
        return resp->String("b=" + req->GetCookie("b").value + " header=" + req->GetHeader("Cookie", "none"));
    });
    router.GET("/close", [](HttpRequest*, HttpResponse*) {
        return HTTP_STATUS_CLOSE;
    });
    router.GET("/json", [](HttpRequest* req, HttpResponse* resp) {
        resp->content_type = APPLICATION_JSON;
        resp->Set("code", 0);
        resp->Set("name", req->GetParam("name", "none"));
        return 200;
    });

    if (argc > 2) {
        router.Proxy("/up/", ("http://127.0.0.1:" + std::string(argv[2]) + "/").c_str());
    }

    HttpServer server(&router);
    server.setPort(argc > 1 ? atoi(argv[1]) : 0);
    server.setProcessNum(2);   // refused by hv-rs: two worker threads instead
    printf("setSslCtx %d\n", server.setSslCtx(NULL));
    std::atomic<int> workers(0);
    server.onWorkerStart = [&workers]() { ++workers; };
    if (server.start() != 0) return 1;
    printf("workers started %d\n", (int)workers);
    printf("ready on port %d\n", server.port);
    fflush(stdout);
    while (getchar() != EOF);
    server.stop();
    hv::async::cleanup();
    return 0;
}
