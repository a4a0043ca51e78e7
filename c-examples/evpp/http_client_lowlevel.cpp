/*
 * HttpClient's low-level calls, the way libhv's requests::uploadLargeFile drives them:
 * connect, a head with Content-Length, the body in pieces with sendData, recvResponse; then a
 * second request on the same connection read raw with recvData, and the C forms.
 *
 *   http_client_lowlevel <port>
 *
 * Prints "connect fd=<fd>", "upload <status> <body>", "raw <status line>",
 * "c <status> <body>" and "refused <ret>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "HttpServer.h"
#include "HttpClient.h"

using namespace hv;

int main(int argc, char** argv) {
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    HttpService router;
    router.POST("/upload", [](HttpRequest* req, HttpResponse* resp) {
        size_t sum = 0;
        for (unsigned char c : req->body) sum += c;
        return resp->String(std::to_string(req->body.size()) + ":" + std::to_string(sum));
    });
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong");
    });
    HttpServer server(&router);
    server.setPort(port);
    if (server.start() != 0) return 1;

    std::string body(300000, '\0');
    size_t sum = 0;
    for (size_t i = 0; i < body.size(); ++i) {
        body[i] = (char)(i * 7);
        sum += (unsigned char)body[i];
    }
    printf("expect %zu:%zu\n", body.size(), sum);

    HttpClient cli;
    int fd = cli.connect("127.0.0.1", port, 0, 10);
    printf("connect fd=%d\n", fd);
    HttpRequest req;
    req.method = HTTP_POST;
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/upload";
    req.SetHeader("Content-Length", std::to_string(body.size()));
    if (cli.sendHeader(&req) != 0) return 2;
    for (size_t sent = 0; sent < body.size(); sent += 40960) {
        int n = (int)std::min<size_t>(40960, body.size() - sent);
        if (cli.sendData(body.data() + sent, n) != n) return 3;
    }
    HttpResponse resp;
    if (cli.recvResponse(&resp) != 0) return 4;
    printf("upload %d %s\n", resp.status_code, resp.body.c_str());

    HttpRequest ping;
    ping.url = "http://127.0.0.1:" + std::to_string(port) + "/ping";
    if (cli.sendHeader(&ping) != 0) return 5;
    std::string raw;
    char buf[256];
    while (raw.find("pong") == std::string::npos) {
        int n = cli.recvData(buf, sizeof(buf));
        if (n <= 0) return 6;
        raw.append(buf, n);
    }
    printf("raw %s\n", raw.substr(0, raw.find("\r\n")).c_str());
    cli.close();

    http_client_t* c = http_client_new();
    if (http_client_connect(c, "127.0.0.1", port, 0, 10) < 0) return 7;
    HttpRequest again;
    again.url = ping.url;
    HttpResponse answer;
    if (http_client_send_header(c, &again) != 0 || http_client_recv_response(c, &answer) != 0) return 8;
    printf("c %d %s\n", answer.status_code, answer.body.c_str());
    http_client_close(c);
    http_client_del(c);

    HttpClient refused;
    printf("refused %d\n", refused.connect("127.0.0.1", 1, 0, 2));
    fflush(stdout);
    server.stop();
    return 0;
}
