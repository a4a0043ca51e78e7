/*
 * A service changed while its server runs, the way libhv's httpd reloads its configuration.
 *
 *   http_live <port>
 *
 * Commands on stdin, each answered with "ok <command>":
 *   route          adds GET /late
 *   routes N       adds GET /r0 ... /rN-1, one by one
 *   cors           AllowCORS()
 *   static DIR     Static("/files/", DIR)
 *   proxy PORT     Proxy("/up/", "http://127.0.0.1:PORT/")
 *   reload         registers every route again with new answers (GET /ping answers "pong2")
 */
#include <iostream>
#include <string>

#include "HttpServer.h"

static void registerRoutes(hv::HttpService& router, const std::string& pong) {
    router.GET("/ping", [pong](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String(pong);
    });
    router.Use([](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        resp->SetHeader("X-Middleware", "1");
        return HTTP_STATUS_NEXT;
    });
}

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s port\n", argv[0]);
        return -10;
    }
    hv::HttpService router;
    router.enable_access_log = 0;
    router.document_root = "";
    registerRoutes(router, "pong");

    hv::HttpServer server(&router);
    server.port = atoi(argv[1]);
    if (server.start() != 0) return -20;
    printf("http server ready on port %d\n", server.port);
    fflush(stdout);

    std::string cmd;
    while (std::cin >> cmd) {
        if (cmd == "route") {
            router.GET("/late", [](HttpRequest* req, HttpResponse* resp) {
                (void)req;
                return resp->String("late");
            });
        } else if (cmd == "routes") {
            int n = 0;
            std::cin >> n;
            for (int i = 0; i < n; ++i) {
                std::string body = "r" + hv::to_string(i);
                router.GET(("/" + body).c_str(), [body](HttpRequest* req, HttpResponse* resp) {
                    (void)req;
                    return resp->String(body);
                });
            }
        } else if (cmd == "cors") {
            router.AllowCORS();
        } else if (cmd == "static") {
            std::string dir;
            std::cin >> dir;
            router.Static("/files/", dir.c_str());
        } else if (cmd == "proxy") {
            std::string port;
            std::cin >> port;
            router.Proxy("/up/", ("http://127.0.0.1:" + port + "/").c_str());
        } else if (cmd == "reload") {
            router.middleware.clear();
            registerRoutes(router, "pong2");
        }
        printf("ok %s\n", cmd.c_str());
        fflush(stdout);
    }
    server.stop();
    return 0;
}
