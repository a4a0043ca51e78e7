/*
 * Service changes after the server started, as libhv's examples/httpd makes on a reload: Use()
 * and AllowCORS() grow the middleware vector (reallocating it), GET adds routes and replaces
 * the handler of a served one, all while requests are served. The running server keeps
 * answering with the handlers it started with.
 *
 *   middleware_reload
 *
 * Serves GET /ping on 127.0.0.1 (a free port) through one middleware that sets "X-First: 1",
 * prints "ready on port <port>", waits for a line on stdin, then changes the service 400
 * times (printing "changed <n>"), and serves until stdin closes.
 */
#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "HttpServer.h"

using namespace hv;

int main() {
    hlog_set_level(LOG_LEVEL_SILENT);
    std::atomic<int> first_runs(0);
    HttpService router;
    // Captures state, so running a freed copy of it would touch a stale pointer.
    router.Use([&first_runs](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        ++first_runs;
        resp->headers["X-First"] = "1";
        return HTTP_STATUS_NEXT;
    });
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });

    HttpServer server(&router);
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setThreadNum(2);
    if (server.start() != 0) return 2;
    printf("ready on port %d\n", server.port);
    fflush(stdout);

    std::string line;
    std::getline(std::cin, line);
    int changes = 0;
    for (int i = 0; i < 400; ++i) {
        std::string tag = "late-" + std::to_string(i);
        if (i % 3 == 0) {
            router.AllowCORS();
        } else if (i % 3 == 1) {
            router.Use([tag](HttpRequest* req, HttpResponse* resp) {
                (void)req;
                resp->headers["X-Late"] = tag;
                return HTTP_STATUS_NEXT;
            });
        } else if (i % 6 == 2) {
            router.GET(("/late/" + tag).c_str(), [](HttpRequest* req, HttpResponse* resp) {
                (void)req;
                return resp->String("late");
            });
        } else {
            // Replaces the handler object the started server was given.
            router.GET("/ping", [tag](HttpRequest* req, HttpResponse* resp) {
                (void)req;
                return resp->String("replaced " + tag);
            });
        }
        ++changes;
        if (i % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    printf("changed %d\n", changes);
    fflush(stdout);

    while (std::getline(std::cin, line)) {
    }
    server.stop();
    printf("stopped first_runs=%d\n", first_runs.load());
    return 0;
}
