#include "router.h"

#include <atomic>

#include "hthread.h"
#include "htime.h"
#include "hfile.h"
#include "EventLoop.h"

// An async handler given as a plain function returning int (bound to http_async_handler).
static int sleepThenAnswer(const HttpRequestPtr& req, const HttpResponseWriterPtr& writer) {
    int ms = atoi(req->GetParam("t", "10").c_str());
    hv_delay(ms);
    writer->response->content_type = APPLICATION_JSON;
    writer->response->Set("slept_ms", ms);
    writer->response->Set("tid", (int64_t)hv_gettid());
    writer->End();
    return 0;
}

static int preprocessor(HttpRequest* req, HttpResponse* resp) {
    (void)req;
    resp->content_type = APPLICATION_JSON;
    return HTTP_STATUS_NEXT;
}

void Router::Register(hv::HttpService& router) {
    router.preprocessor = preprocessor;

    router.GET("/ping", [](HttpRequest*, HttpResponse* resp) {
        return resp->String("pong");
    });

    router.GET("/paths", [&router](HttpRequest*, HttpResponse* resp) {
        return resp->Json(router.Paths());
    });

    // application/x-www-form-urlencoded in, the same plus a few values out
    router.POST("/kv", [](HttpRequest* req, HttpResponse* resp) -> int {
        if (req->content_type != APPLICATION_URLENCODED) return HTTP_STATUS_BAD_REQUEST;
        resp->content_type = APPLICATION_URLENCODED;
        resp->kv = req->GetUrlEncoded();
        resp->SetUrlEncoded("int", 123);
        resp->SetUrlEncoded("string", "hello");
        return 200;
    });

    router.POST("/json", [](HttpRequest* req, HttpResponse* resp) -> int {
        if (req->content_type != APPLICATION_JSON) return HTTP_STATUS_BAD_REQUEST;
        resp->content_type = APPLICATION_JSON;
        resp->json = req->GetJson();
        resp->json["int"] = 123;
        return 200;
    });

    router.POST("/form", [](HttpRequest* req, HttpResponse* resp) -> int {
        if (req->content_type != MULTIPART_FORM_DATA) return HTTP_STATUS_BAD_REQUEST;
        resp->content_type = MULTIPART_FORM_DATA;
        resp->form = req->GetForm();
        resp->SetFormData("int", 123);
        return 200;
    });

    // typed getters over whatever the body is (json, form or urlencoded)
    router.POST("/test", [](const HttpContextPtr& ctx) {
        ctx->setContentType(ctx->type());
        ctx->set("bool", ctx->get<bool>("bool"));
        ctx->set("int", ctx->get<int>("int"));
        ctx->set("float", ctx->get<float>("float"));
        ctx->set("string", ctx->get("string"));
        return 200;
    });

    router.Delete("/group/:group_name/user/:user_id", [](const HttpContextPtr& ctx) {
        hv::Json resp;
        resp["group_name"] = ctx->param("group_name");
        resp["user_id"] = ctx->param("user_id");
        return ctx->send(resp.dump(2));
    });

    router.GET("/wildcard*", [](HttpRequest* req, HttpResponse* resp) {
        return resp->String(req->Path() + " match /wildcard*");
    });

    router.GET("/sleep", sleepThenAnswer);

    // a state handler: the body arrives in pieces and is counted, not stored
    router.POST("/upload/{filename}", [](const HttpContextPtr& ctx, http_parser_state state, const char* data, size_t size) {
        (void)data;
        if (state == HP_HEADERS_COMPLETE) {
            ctx->userdata = new size_t(0);
        } else if (state == HP_BODY) {
            *(size_t*)ctx->userdata += size;
        } else if (state == HP_MESSAGE_COMPLETE) {
            size_t* received = (size_t*)ctx->userdata;
            ctx->setContentType(APPLICATION_JSON);
            ctx->set("filename", ctx->param("filename"));
            ctx->set("bytes", (int64_t)*received);
            delete received;
            ctx->userdata = NULL;
            return ctx->send();
        }
        return HTTP_STATUS_UNFINISHED;
    });

    // server-sent events from a timer on the connection's loop
    router.GET("/sse", [](const HttpContextPtr& ctx) {
        std::shared_ptr<std::atomic<int>> sent = std::make_shared<std::atomic<int>>(0);
        hv::setInterval(20, [ctx, sent](hv::TimerID id) {
            if (ctx->writer->isConnected() && *sent < 3) {
                char now[DATETIME_FMT_BUFLEN] = {0};
                datetime_t dt = datetime_now();
                datetime_fmt(&dt, now);
                ctx->writer->SSEvent(std::string("tick ") + hv::to_string((int)++*sent));
                (void)now;
            } else {
                ctx->writer->End();
                hv::killTimer(id);
            }
        });
        return HTTP_STATUS_UNFINISHED;
    });
}
