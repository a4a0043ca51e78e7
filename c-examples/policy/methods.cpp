/*
 * The same policy as HV_ variables would give, set in code with hv::HttpServer's hv-rs
 * methods: deny patterns, a Host allow-list, a per-IP connection cap and request rate.
 *
 *   policy_methods <http_port>
 */
#include <cstdio>
#include <cstdlib>

#include "HttpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s http_port\n", argv[0]);
        return -10;
    }
    HttpService router;
    router.GET("/ping", [](HttpRequest*, HttpResponse* resp) { return resp->String("pong"); });
    router.GET("/whoami", [](HttpRequest* req, HttpResponse* resp) {
        return resp->String(req->client_addr.ip);
    });

    HttpServer server(&router);
    server.setPort(atoi(argv[1]));
    if (server.denyPath("*.php") != 0 || server.denyPath("/.env*", "403") != 0 ||
        server.allowHost("localhost") != 0 || server.allowHost("*.example.org") != 0 ||
        server.trustProxy("127.0.0.0/8") != 0 || server.setMaxConnectionsPerIp(4) != 0 ||
        server.setRequestRatePerIp(1000, 1000) != 0 || server.setProxyProtocol(false, false) != 0) {
        printf("policy setup failed\n");
        return 1;
    }
    // Refused values leave the policy as it was.
    if (server.denyPath("[") == 0 || server.setRequestRatePerIp(10, 5, "teapot") == 0 ||
        server.trustProxy("10.0.0.0/99") == 0) {
        printf("a bad value was accepted\n");
        return 2;
    }
    if (server.start() != 0) {
        printf("start failed\n");
        return 3;
    }
    printf("policy methods ready http=%s https=0\n", argv[1]);
    fflush(stdout);
    while (getchar() != EOF) {
    }
    server.stop();
    return 0;
}
