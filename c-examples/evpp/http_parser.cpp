/*
 * HttpParser.h used the way a program doing its own I/O uses libhv's: a client parser's request
 * goes through a server parser and back, a blocking socket talks to an HttpServer in the same
 * process, and chunked, streamed, HEAD, EOF-delimited and malformed messages are parsed.
 *
 *   http_parser        prints "http_parser OK" when every check passed
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "HttpServer.h"
#include "HttpParser.h"

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); ++failures; } } while (0)

/* Feeds s in pieces of `step` bytes; returns the bytes used. */
static size_t feed(HttpParser* hp, const std::string& s, size_t step) {
    size_t used = 0;
    while (used < s.size() && hp->WantRecv()) {
        size_t n = std::min(step, s.size() - used);
        int r = hp->FeedRecvData(s.data() + used, n);
        if (r < 0) break;
        used += (size_t)r;
        if ((size_t)r < n) break;
    }
    return used;
}

int main() {
    CHECK(HttpParser::New(HTTP_CLIENT, HTTP_V2) == NULL);

    /* a request through a server parser, a response through a client parser */
    {
        HttpParserPtr client(HttpParser::New(HTTP_CLIENT, HTTP_V1));
        HttpParserPtr server(HttpParser::New(HTTP_SERVER));
        CHECK(client && server && client->version == HTTP_V1 && server->type == HTTP_SERVER);
        HttpRequest req;
        req.method = HTTP_POST;
        req.url = "http://127.0.0.1:8080/echo?x=1";
        req.headers["X-Id"] = "7";
        req.body = "hello parser";
        req.cookies.push_back(HttpCookie());
        req.cookies.back().name = "sid";
        req.cookies.back().value = "abc";
        char* data = NULL;
        size_t len = 0;
        CHECK(client->GetSendData(&data, &len) == 0 && data == NULL && len == 0);
        client->SubmitRequest(&req);
        CHECK(client->GetSendData(&data, &len) > 0 && data != NULL);
        std::string wire(data, len);
        CHECK(client->GetSendData(&data, &len) == 0);

        HttpRequest got;
        server->InitRequest(&got);
        CHECK(server->WantRecv() && !server->IsComplete());
        CHECK(feed(server.get(), wire, 3) == wire.size());
        CHECK(server->IsComplete() && server->WantSend() && server->GetError() == 0);
        CHECK(got.method == HTTP_POST);
        CHECK(got.url == "/echo?x=1");
        CHECK(got.GetHeader("X-Id") == "7");
        CHECK(got.body == "hello parser" && got.content_length == 12);
        CHECK(got.cookies.size() == 1 && got.cookies[0].name == "sid" && got.cookies[0].value == "abc");
        CHECK(got.http_major == 1 && got.http_minor == 1);

        HttpResponse resp;
        resp.status_code = HTTP_STATUS_CREATED;
        resp.headers["Content-Type"] = "application/json";
        resp.body = "{\"ok\":true}";
        server->SubmitResponse(&resp);
        CHECK(server->GetSendData(&data, &len) > 0);
        std::string answer(data, len);
        HttpResponse back;
        client->InitResponse(&back);
        CHECK(feed(client.get(), answer, 1) == answer.size());
        CHECK(client->IsComplete());
        CHECK(back.status_code == HTTP_STATUS_CREATED && back.body == "{\"ok\":true}");
        CHECK(back.content_type == APPLICATION_JSON);
    }

    /* chunked, streamed to http_cb, then a pipelined second message */
    {
        HttpParserPtr hp(HttpParser::New(HTTP_CLIENT));
        HttpResponse resp;
        hp->InitResponse(&resp);
        std::string streamed;
        int headers = 0, completes = 0;
        resp.http_cb = [&](HttpMessage*, http_parser_state state, const char* data, size_t size) {
            if (state == HP_HEADERS_COMPLETE) ++headers;
            if (state == HP_BODY) streamed.append(data, size);
            if (state == HP_MESSAGE_COMPLETE) ++completes;
        };
        std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
        std::string next = "HTTP/1.1 204 No Content\r\n\r\n";
        int used = hp->FeedRecvData((wire + next).data(), wire.size() + next.size());
        CHECK(used == (int)wire.size());
        CHECK(hp->IsComplete() && streamed == "Wikipedia" && resp.body.empty());
        CHECK(headers == 1 && completes == 1);
        HttpResponse second;
        hp->InitResponse(&second);
        CHECK(hp->FeedRecvData(next.data(), next.size()) == (int)next.size());
        CHECK(hp->IsComplete() && second.status_code == HTTP_STATUS_NO_CONTENT);
    }

    /* the answer to HEAD has no body; a body running to EOF ends with IsEof */
    {
        HttpParserPtr hp(HttpParser::New(HTTP_CLIENT));
        HttpRequest head;
        head.method = HTTP_HEAD;
        head.url = "http://127.0.0.1/";
        hp->SubmitRequest(&head);
        HttpResponse resp;
        hp->InitResponse(&resp);
        std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
        CHECK(hp->FeedRecvData(wire.data(), wire.size()) == (int)wire.size() && hp->IsComplete());
        CHECK(resp.content_length == 100 && resp.body.empty());

        HttpRequest get;
        get.url = "http://127.0.0.1/";
        hp->SubmitRequest(&get);
        hp->InitResponse(&resp);
        wire = "HTTP/1.0 200 OK\r\n\r\nuntil the end";
        CHECK(hp->FeedRecvData(wire.data(), wire.size()) == (int)wire.size());
        CHECK(!hp->IsComplete() && hp->IsEof() && resp.body == "until the end" && resp.http_minor == 0);
    }

    /* malformed input is an error with a reason */
    {
        HttpParserPtr hp(HttpParser::New(HTTP_SERVER));
        HttpRequest req;
        hp->InitRequest(&req);
        std::string bad = "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        CHECK(hp->FeedRecvData(bad.data(), bad.size()) < 0);
        CHECK(hp->GetError() != 0 && hp->GetState() == HP_ERROR && !hp->IsComplete());
        CHECK(strstr(hp->StrError(hp->GetError()), "Content-Length") != NULL);
        CHECK(strcmp(hp->StrError(0), "success") == 0);
        hp->InitRequest(&req);
        std::string cut = "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc";
        CHECK(hp->FeedRecvData(cut.data(), cut.size()) == (int)cut.size() && !hp->IsEof());
    }

    /* over a socket, to a real HttpServer */
    {
        hv::HttpService router;
        router.GET("/ping", [](HttpRequest*, HttpResponse* resp) { return resp->String("pong"); });
        hv::HttpServer server(&router);
        server.setPort(0);
        server.setThreadNum(1);
        if (server.start() != 0) return 1;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof(addr));
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t)server.port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(connect(fd, (struct sockaddr*)&addr, sizeof(addr)) == 0);
        HttpParserPtr hp(HttpParser::New(HTTP_CLIENT));
        HttpRequest req;
        req.url = "http://127.0.0.1:" + hv::to_string(server.port) + "/ping";
        hp->SubmitRequest(&req);
        char* data = NULL;
        size_t len = 0;
        while (hp->GetSendData(&data, &len) > 0) CHECK(send(fd, data, len, 0) == (ssize_t)len);
        HttpResponse resp;
        hp->InitResponse(&resp);
        char buf[1024];
        do {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                hp->IsEof();
                break;
            }
            if (hp->FeedRecvData(buf, (size_t)n) < 0) break;
        } while (hp->WantRecv());
        close(fd);
        CHECK(hp->IsComplete() && resp.status_code == HTTP_STATUS_OK && resp.body == "pong");
        server.stop();
    }

    if (failures) return 1;
    printf("http_parser OK\n");
    return 0;
}
