/*
 * Which http_cb states a client request sees, the way libhv's examples watch a download:
 * a server answers /chunked with three chunks (HttpResponseWriter::WriteChunked) and /length
 * with a Content-Length body; a blocking send and a sendAsync each fetch both and print
 *
 *   <sync|async> <path>: <state>[:<size>] ... body=<bytes received through HP_BODY>
 *
 *   http_cb_states <port>
 */
#include <stdio.h>
#include <stdlib.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "HttpServer.h"
#include "HttpClient.h"

using namespace hv;

struct Trace {
    std::string states;
    std::string body;
};

static void watch(HttpRequest* req, Trace* trace) {
    req->http_cb = [trace](HttpMessage* msg, http_parser_state state, const char* data, size_t size) {
        (void)msg;
        char item[32];
        if (state == HP_CHUNK_HEADER || state == HP_BODY) {
            snprintf(item, sizeof(item), " %d:%u", (int)state, (unsigned)size);
        } else {
            snprintf(item, sizeof(item), " %d", (int)state);
        }
        trace->states += item;
        if (state == HP_BODY) trace->body.append(data, size);
    };
}

static void print(const char* how, const char* path, const Trace& trace) {
    printf("%s %s:%s body=%s\n", how, path, trace.states.c_str(), trace.body.c_str());
    fflush(stdout);
}

int main(int argc, char** argv) {
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    HttpService router;
    router.GET("/chunked", [](const HttpContextPtr& ctx) {
        ctx->writer->Begin();
        ctx->writer->WriteHeader("Content-Type", "text/plain");
        ctx->writer->WriteChunked("abc");
        ctx->writer->WriteChunked("defg");
        ctx->writer->WriteChunked("hi");
        ctx->writer->EndChunked();
        return 0;
    });
    router.GET("/length", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("hello");
    });
    HttpServer server(&router);
    server.setPort(port);
    if (server.start() != 0) return 1;

    const char* paths[] = {"/chunked", "/length"};
    HttpClient cli;
    for (const char* path : paths) {
        std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
        Trace trace;
        HttpRequest req;
        req.url = url;
        watch(&req, &trace);
        HttpResponse resp;
        if (cli.send(&req, &resp) != 0) return 2;
        print("sync", path, trace);

        Trace async_trace;
        auto areq = std::make_shared<HttpRequest>();
        areq->url = url;
        watch(areq.get(), &async_trace);
        std::mutex mutex;
        std::condition_variable cond;
        bool done = false;
        cli.sendAsync(areq, [&](const HttpResponsePtr& r) {
            (void)r;
            std::lock_guard<std::mutex> guard(mutex);
            done = true;
            cond.notify_one();
        });
        std::unique_lock<std::mutex> lock(mutex);
        cond.wait(lock, [&] { return done; });
        print("async", path, async_trace);
    }
    server.stop();
    return 0;
}
