/*
 * axios.h, AsyncHttpClient.h, http_client_strerror and the http_client_t handle, used the way libhv's
 * examples/http_client_test.cpp and examples/curl.cpp use them, against an HttpServer in the
 * same process whose /echo answers with what it received (as JSON).
 *
 *   axios_client        prints "axios OK" when every check passed
 */
#include <future>
#include <string.h>

#include "HttpServer.h"
#include "axios.h"
#include "AsyncHttpClient.h"
#include "hthread.h"

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); ++failures; } } while (0)

static hv::Json echoed(const Response& resp) {
    if (resp == NULL || resp->status_code != 200) return hv::Json();
    return hv::Json::parse(resp->body);
}

int main() {
    hv::HttpService router;
    router.Any("/echo", [](HttpRequest* req, HttpResponse* resp) {
        hv::Json j;
        j["method"] = req->Method();
        j["params"] = req->query_params;
        j["x_id"] = req->GetHeader("X-Id");
        j["content_type"] = req->GetHeader("Content-Type");
        j["body"] = req->body;
        return resp->Json(j);
    });
    hv::HttpServer server(&router);
    server.setPort(0);
    server.setThreadNum(1);
    if (server.start() != 0) return 1;
    std::string base = "http://127.0.0.1:" + hv::to_string(server.port);
    std::string url = base + "/echo";

    /* the request of libhv's axios example, sync */
    std::string strReq = R"({
        "method": "POST",
        "url": ")" + url + R"(",
        "timeout": 10,
        "params": { "page_no": "1", "page_size": "10" },
        "headers": { "Content-Type": "application/json", "X-Id": "7" },
        "body": { "app_id": "123456", "app_secret": "abcdefg" }
    })";
    auto resp = axios::axios(strReq.c_str());
    hv::Json j = echoed(resp);
    CHECK(j["method"] == "POST");
    CHECK(j["params"]["page_no"] == "1" && j["params"]["page_size"] == "10");
    CHECK(j["x_id"] == "7");
    CHECK(j["content_type"].get<std::string>().find("application/json") == 0);
    CHECK(!j.is_null() && hv::Json::parse(j["body"].get<std::string>()) ==
                              hv::Json::parse(R"({"app_id":"123456","app_secret":"abcdefg"})"));

    /* the request built from JSON */
    Request req = axios::newRequestFromJsonString(R"({"data": "plain", "timeout": 3})");
    CHECK(req->method == HTTP_POST && req->body == "plain" && req->timeout == 3);
    req = axios::newRequestFromJson(json::parse(R"({"url": "/x"})"));
    CHECK(req->method == HTTP_GET && req->url == "/x");

    /* method helpers: the helper's method wins, the url argument fills in */
    CHECK(echoed(axios::get(url.c_str()))["method"] == "GET");
    j = echoed(axios::post(url.c_str(), R"({"data": "text body"})"));
    CHECK(j["method"] == "POST" && j["body"] == "text body");
    j = echoed(axios::put(url.c_str(), json::parse(R"({"params": {"n": "2"}, "body": [1, 2]})")));
    CHECK(j["method"] == "PUT" && j["params"]["n"] == "2");
    CHECK(hv::Json::parse(j["body"].get<std::string>()) == hv::Json::parse("[1, 2]"));
    CHECK(echoed(axios::patch(url.c_str(), R"({"body": "p"})"))["method"] == "PATCH");
    CHECK(echoed(axios::Delete(url.c_str()))["method"] == "DELETE");
    auto head = axios::head(url.c_str());
    CHECK(head != NULL && head->status_code == 200 && head->body.empty());
    CHECK(axios::get("http://127.0.0.1:1/") == NULL);
    CHECK(axios::axios((const char*)NULL) == NULL);

    /* async, as in libhv's example */
    std::promise<std::string> answered;
    int ret = axios::axios(strReq.c_str(), [&answered](const HttpResponsePtr& r) {
        answered.set_value(r ? hv::Json::parse(r->body)["x_id"].get<std::string>() : std::string("failed"));
    });
    CHECK(ret == 0);
    CHECK(answered.get_future().get() == "7");

    /* AsyncHttpClient: callbacks on the client's loop thread */
    {
        hv::AsyncHttpClient cli;
        std::promise<long> on_thread;
        auto areq = std::make_shared<HttpRequest>();
        areq->method = HTTP_POST;
        areq->url = url;
        areq->body = "async body";
        CHECK(cli.send(areq, [&on_thread](const HttpResponsePtr& r) {
            on_thread.set_value(r && hv::Json::parse(r->body)["body"] == "async body" ? hv_gettid() : -1);
        }) == 0);
        long tid = on_thread.get_future().get();
        CHECK(tid > 0 && tid != hv_gettid());

        std::promise<bool> failed;
        auto bad = std::make_shared<HttpRequest>();
        bad->url = "http://127.0.0.1:1/";
        auto task = std::make_shared<hv::HttpClientTask>();
        task->req = bad;
        task->cb = [&failed](const HttpResponsePtr& r) { failed.set_value(r == NULL); };
        CHECK(cli.send(task) == 0);
        CHECK(failed.get_future().get());
        CHECK(cli.send(HttpRequestPtr(), NULL) != 0);
    }
    {
        /* on a loop the program runs */
        hv::EventLoopThread loop_thread;
        loop_thread.start(true);
        hv::AsyncHttpClient cli(loop_thread.loop());
        std::promise<bool> in_loop;
        auto areq = std::make_shared<HttpRequest>();
        areq->url = url;
        hv::EventLoopPtr loop = loop_thread.loop();
        cli.send(areq, [&in_loop, loop](const HttpResponsePtr& r) { in_loop.set_value(r && loop->isInLoopThread()); });
        CHECK(in_loop.get_future().get());
    }
    {
        hv::ConnPool<int> pool;
        int c = 0;
        CHECK(!pool.get(c) && pool.add(3) && pool.add(4) && pool.size() == 2);
        CHECK(pool.remove(4) && !pool.remove(4) && pool.get(c) && c == 3 && pool.size() == 0);
    }

    /* http_client_strerror, as examples/curl.cpp prints a failure */
    HttpRequest sreq;
    sreq.url = "http://127.0.0.1:1/";
    HttpResponse sresp;
    ret = http_client_send(&sreq, &sresp);
    CHECK(ret != 0);
    fprintf(stderr, "* Failed:%s:%d\n", http_client_strerror(ret), ret);
    CHECK(strcmp(http_client_strerror(ret), hv_status_str((hv_status)ret)) == 0);
    CHECK(strcmp(http_client_strerror(ETIMEDOUT), strerror(ETIMEDOUT)) == 0);
    CHECK(strcmp(http_client_strerror(0), hv_strerror(0)) == 0);

    /* libhv's C-style client handle */
    {
        http_client_t* cli = http_client_new("127.0.0.1", server.port);
        CHECK(http_client_set_header(cli, "X-Id", "c-style") == 0);
        CHECK(strcmp(http_client_get_header(cli, "X-Id"), "c-style") == 0);
        CHECK(http_client_set_timeout(cli, 5) == 0);
        HttpRequest creq;
        creq.method = HTTP_PUT;
        creq.url = "/echo";
        HttpResponse cresp;
        CHECK(http_client_send(cli, &creq, &cresp) == 0);
        j = hv::Json::parse(cresp.body);
        CHECK(j["method"] == "PUT" && j["x_id"] == "c-style");
        CHECK(http_client_del_header(cli, "X-Id") == 0 && http_client_get_header(cli, "X-Id") == NULL);
        CHECK(http_client_set_http_proxy(cli, "127.0.0.1", 3128) != 0);
        std::promise<int> status;
        auto areq = std::make_shared<HttpRequest>();
        areq->url = "/echo";
        CHECK(http_client_send_async(cli, areq, [&status](const HttpResponsePtr& r) {
            status.set_value(r ? (int)r->status_code : -1);
        }) == 0);
        CHECK(status.get_future().get() == 200);
        CHECK(http_client_send(NULL, &creq, &cresp) != 0 && http_client_close(cli) == 0);
        CHECK(http_client_del(cli) == 0);
    }

    server.stop();
    if (failures) return 1;
    printf("axios OK\n");
    return 0;
}
