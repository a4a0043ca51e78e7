/*
 * HTTP requests written the way libhv's examples/http_client_test.cpp makes them: requests::get,
 * requests::post, hv::HttpClient::send and requests::async.
 *
 *   http_client <base_url>     e.g. http://127.0.0.1:8080
 */
#include <future>

#include "requests.h"

static void show(const char* what, const requests::Response& resp) {
    if (resp == NULL) {
        printf("%s: request failed!\n", what);
    } else {
        printf("%s: %d %s %s\n", what, (int)resp->status_code, resp->status_message(), resp->body.c_str());
    }
    fflush(stdout);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s base_url\n", argv[0]);
        return -10;
    }
    std::string base = argv[1];

    show("get", requests::get((base + "/ping").c_str()));

    http_headers headers;
    headers["Content-Type"] = "text/plain";
    show("post", requests::post((base + "/echo").c_str(), "hello,world!", headers));

    hv::HttpClient cli;
    HttpRequest req;
    req.method = HTTP_GET;
    req.url = base + "/user/42";
    HttpResponse resp;
    int ret = cli.send(&req, &resp);
    printf("client: ret=%d %d %s\n", ret, (int)resp.status_code, resp.body.c_str());

    auto areq = std::make_shared<HttpRequest>();
    areq->url = base + "/async";
    std::promise<std::string> answered;
    requests::async(areq, [&answered](const HttpResponsePtr& r) {
        answered.set_value(r ? r->body : std::string("failed"));
    });
    printf("async: %s\n", answered.get_future().get().c_str());

    show("unreachable", requests::get("http://127.0.0.1:1/"));
    return 0;
}
