#ifndef HV_HTTP_CLIENT_H_
#define HV_HTTP_CLIENT_H_

#include <functional>
#include <memory>

#include "hexport.h"
#include "herr.h"
#include "hssl.h"
#include "hvrs.h"
#include "HttpMessage.h"
#include "EventLoop.h"
#include "hvrs_http.h"

/*
 * The HTTP client behind requests.h: HTTP/1.1 over TCP or TLS (rustls, the system's trust
 * anchors), one connection per request. Async callbacks run on the library's client thread.
 */

namespace hv {
namespace detail {

/* The library's request for a C++ one (the URL made absolute, structured content dumped). */
inline hv_http_client_request* toClientRequest(HttpRequest* req) {
    req->ParseUrl();
    hv_http_client_request* out = hv_http_client_request_new(http_method_str(req->method), req->url.c_str());
    if (out == NULL) return NULL;
    req->FillContentType();
    req->DumpBody();
    for (auto& kv : req->headers) {
        if (!isWireHeader(kv.first)) hv_http_client_request_add_header(out, kv.first.c_str(), kv.second.c_str());
    }
    std::string cookies;
    for (auto& cookie : req->cookies) {
        if (!cookies.empty()) cookies += "; ";
        cookies += cookie.name + "=" + cookie.value;
    }
    if (!cookies.empty()) hv_http_client_request_add_header(out, "Cookie", cookies.c_str());
    hv_http_client_request_set_body(out, req->body.data(), req->body.size());
    if (req->timeout > 0) hv_http_client_request_set_timeout(out, (uint32_t)req->timeout * 1000);
    return out;
}

/* A C++ response from the library's (Set-Cookie headers become cookies). */
inline void fromClientResponse(const hv_http_response* in, HttpResponse* resp) {
    importResponse(in, resp);
    auto it = resp->headers.find("Set-Cookie");
    if (it != resp->headers.end()) {
        HttpCookie cookie;
        if (cookie.parse(it->second)) resp->cookies.push_back(cookie);
        resp->headers.erase(it);
    }
    resp->content_type = CONTENT_TYPE_NONE;
    resp->ContentType();
}

/* Where a streamed answer goes: the request's http_cb, and the C++ response it fills (the
 * caller's for a blocking send; for an async one, the response its callback then receives). */
struct StreamTarget {
    std::function<void(HttpMessage*, http_parser_state, const char*, size_t)> http_cb;
    HttpResponse* resp;
};

inline void onClientStream(void* userdata, int32_t part, const hv_http_response* in,
                           const uint8_t* data, size_t len) noexcept {
    StreamTarget* t = static_cast<StreamTarget*>(userdata);
    guarded("an http_cb", [&] {
        if (part == HV_HTTP_STREAM_HEAD) {
            fromClientResponse(in, t->resp);
            t->http_cb(t->resp, HP_MESSAGE_BEGIN, NULL, 0);
            t->http_cb(t->resp, HP_HEADERS_COMPLETE, NULL, 0);
        } else if (part == HV_HTTP_STREAM_CHUNK_HEADER) {
            t->http_cb(t->resp, HP_CHUNK_HEADER, NULL, len);
        } else if (part == HV_HTTP_STREAM_BODY) {
            t->http_cb(t->resp, HP_BODY, (const char*)data, len);
        } else if (part == HV_HTTP_STREAM_CHUNK_COMPLETE) {
            t->http_cb(t->resp, HP_CHUNK_COMPLETE, NULL, 0);
        } else if (part == HV_HTTP_STREAM_COMPLETE) {
            t->http_cb(t->resp, HP_MESSAGE_COMPLETE, NULL, 0);
        }
    });
}

inline void deleteStreamTarget(void* userdata) noexcept {
    delete static_cast<StreamTarget*>(userdata);
}

/* With an http_cb, the body is streamed to it (as libhv's parser does) instead of collected. */
inline void streamTo(hv_http_client_request* creq, HttpRequest* req, HttpResponse* resp) {
    if (!req->http_cb) return;
    StreamTarget* t = new StreamTarget;
    t->http_cb = req->http_cb;
    t->resp = resp;
    hv_http_client_request_set_stream(creq, onClientStream, t, deleteStreamTarget);
}

struct AsyncCall {
    HttpRequestPtr request;
    HttpResponsePtr response;
    HttpResponseCallback callback;
};

inline void onClientResponse(void* userdata, hv_status status, const hv_http_response* in) noexcept {
    AsyncCall* call = static_cast<AsyncCall*>(userdata);
    guarded("an HTTP client callback", [&] {
        if (!call->callback) return;
        if (status != HV_OK || in == NULL) {
            call->callback(NULL);
            return;
        }
        HttpResponsePtr resp = call->response;
        fromClientResponse(in, resp.get());
        call->callback(resp);
    });
}

inline void deleteAsyncCall(void* userdata) noexcept {
    delete static_cast<AsyncCall*>(userdata);
}

} // namespace detail
} // namespace hv

/* Text for what http_client_send / http_client_send_async returned: an hv_status, or an errno
 * or libhv error code. */
inline const char* http_client_strerror(int errcode) {
    if (errcode >= (int)HV_ERR_NULL_PARAMETER && errcode <= (int)HV_ERR_CALLBACK) {
        return hv_status_str((hv_status)errcode);
    }
    return hv_strerror(errcode);
}

/* Sends and blocks. @retval 0 ok, else an hv_status (the answer is in resp). */
inline int http_client_send(HttpRequest* req, HttpResponse* resp) {
    if (req == NULL || resp == NULL) return HV_ERR_NULL_PARAMETER;
    hv_http_client_request* creq = hv::detail::toClientRequest(req);
    if (creq == NULL) return HV_ERR_INVALID_ARGUMENT;
    hv::detail::streamTo(creq, req, resp);
    hv_http_response* out = NULL;
    hv_status st = hv_http_client_send(creq, &out);
    hv_http_client_request_free(creq);
    if (st != HV_OK) return (int)st;
    hv::detail::fromClientResponse(out, resp);
    hv_http_response_free(out);
    return 0;
}

/* Sends without blocking; resp_cb gets the answer (NULL on failure) on the client thread. */
inline int http_client_send_async(HttpRequestPtr req, HttpResponseCallback resp_cb = NULL) {
    if (!req) return HV_ERR_NULL_PARAMETER;
    hv_http_client_request* creq = hv::detail::toClientRequest(req.get());
    if (creq == NULL) return HV_ERR_INVALID_ARGUMENT;
    hv::detail::AsyncCall* call = new hv::detail::AsyncCall;
    call->request = req;
    call->response = std::make_shared<HttpResponse>();
    call->callback = std::move(resp_cb);
    hv::detail::streamTo(creq, req.get(), call->response.get());
    hv_status st = hv_http_client_send_async(creq, hv::detail::onClientResponse, call, hv::detail::deleteAsyncCall);
    hv_http_client_request_free(creq);
    return st == HV_OK ? 0 : (int)st;
}

namespace hv {

/* libhv's HttpClient: default headers and timeout applied to each request it sends. */
class HttpClient {
public:
    HttpClient(const char* host = NULL, int port = DEFAULT_HTTP_PORT, int https = 0)
        : host_(host ? host : ""), port_(port), https_(https), timeout_(DEFAULT_HTTP_TIMEOUT) {}

    int setTimeout(int timeout) {
        timeout_ = timeout;
        return 0;
    }

    /* hv-rs verifies HTTPS servers with the system's trust anchors; custom contexts are refused. */
    int setSslCtx(hssl_ctx_t ssl_ctx) {
        (void)ssl_ctx;
        return -1;
    }
    int newSslCtx(hssl_ctx_opt_t* opt) {
        (void)opt;
        return -1;
    }

    int clearHeaders() {
        headers_.clear();
        return 0;
    }
    int setHeader(const char* key, const char* value) {
        headers_[key] = value;
        return 0;
    }
    int delHeader(const char* key) {
        headers_.erase(key);
        return 0;
    }
    const char* getHeader(const char* key) {
        auto it = headers_.find(key);
        return it == headers_.end() ? NULL : it->second.c_str();
    }

    /* Proxies for the client are not provided by hv-rs. */
    int setHttpProxy(const char* host, int port) { (void)host; (void)port; return -1; }
    int setHttpsProxy(const char* host, int port) { (void)host; (void)port; return -1; }
    int addNoProxy(const char* host) { (void)host; return -1; }

    int send(HttpRequest* req, HttpResponse* resp) {
        prepare(req);
        return http_client_send(req, resp);
    }

    int sendAsync(HttpRequestPtr req, HttpResponseCallback resp_cb = NULL) {
        prepare(req.get());
        return http_client_send_async(req, std::move(resp_cb));
    }

    /* libhv's low-level calls: one connection driven step by step, e.g. a head with a
     * Content-Length, then the body in pieces with sendData, then recvResponse.
     * @retval connect: the socket, < 0 on failure (a negative errno or error code) */
    int connect(const char* host, int port = DEFAULT_HTTP_PORT, int https = 0, int timeout = DEFAULT_HTTP_CONNECT_TIMEOUT) {
        close();
        int fd = -1;
        // Seconds, at most a day (so the milliseconds fit).
        int seconds = timeout > 0 ? (timeout < 86400 ? timeout : 86400) : DEFAULT_HTTP_CONNECT_TIMEOUT;
        uint32_t ms = (uint32_t)seconds * 1000;
        hv_http_conn* c = hv_http_conn_connect(host, port, https != 0, ms, &fd);
        if (c == NULL) return fd < 0 ? fd : -1;
        conn_.reset(c, hv_http_conn_free);
        return fd;
    }

    /* Sends req's head and the body it holds; connects to req's host first if needed. A
     * Content-Length header is sent as given, so the rest of the body can follow. */
    int sendHeader(HttpRequest* req) {
        if (req == NULL) return ERR_NULL_POINTER;
        prepare(req);
        req->ParseUrl();
        if (!conn_) {
            int fd = connect(req->host.c_str(), req->port, req->IsHttps(), req->connect_timeout);
            if (fd < 0) return fd;
        }
        hv_http_client_request* creq = detail::toClientRequest(req);
        if (creq == NULL) return HV_ERR_INVALID_ARGUMENT;
        for (auto& kv : req->headers) {
            if (strcasecmp(kv.first.c_str(), "Content-Length") == 0) {
                hv_http_client_request_add_header(creq, kv.first.c_str(), kv.second.c_str());
            }
        }
        hv_status st = hv_http_conn_send_request(conn_.get(), creq);
        hv_http_client_request_free(creq);
        return st == HV_OK ? 0 : (int)st;
    }

    /* @retval the bytes sent (all of size), -1 on failure */
    int sendData(const char* data, int size) {
        if (!conn_ || data == NULL || size <= 0) return -1;
        return (int)hv_http_conn_send(conn_.get(), data, (size_t)size);
    }

    /* @retval the bytes received, 0 when the server closed, -1 on failure or timeout */
    int recvData(char* data, int size) {
        if (!conn_ || data == NULL || size <= 0) return -1;
        return (int)hv_http_conn_recv(conn_.get(), data, (size_t)size);
    }

    /* Reads one whole answer into resp. @retval 0 ok, else an hv_status */
    int recvResponse(HttpResponse* resp) {
        if (resp == NULL || !conn_) return ERR_NULL_POINTER;
        hv_http_response* out = NULL;
        hv_status st = hv_http_conn_recv_response(conn_.get(), &out);
        if (st != HV_OK) return (int)st;
        detail::fromClientResponse(out, resp);
        hv_http_response_free(out);
        return 0;
    }

    int close() {
        conn_.reset();
        return 0;
    }

private:
    void prepare(HttpRequest* req) {
        for (auto& kv : headers_) {
            if (req->headers.find(kv.first) == req->headers.end()) req->headers[kv.first] = kv.second;
        }
        if (req->timeout == DEFAULT_HTTP_TIMEOUT) req->timeout = (uint16_t)timeout_;
        if (req->url.empty() || req->url[0] == '/') {
            std::string path = req->url.empty() ? req->path : req->url;
            req->url = std::string(https_ ? "https://" : "http://") + host_ + ":" + hv::to_string(port_) + path;
        }
    }

    std::string host_;
    int port_;
    int https_;
    int timeout_;
    http_headers headers_;
    // The low-level calls' connection (copies of the client share it).
    std::shared_ptr<hv_http_conn> conn_;
};

} // namespace hv

/*
 * libhv's C-style client handle: default headers and timeout for the requests sent with it,
 * and the low-level calls on one connection. Proxies and SSL contexts are refused (-1).
 */
struct http_client_s : public hv::HttpClient {
    http_client_s(const char* host, int port, int https) : hv::HttpClient(host, port, https) {}
};
typedef struct http_client_s http_client_t;

inline http_client_t* http_client_new(const char* host = NULL, int port = DEFAULT_HTTP_PORT, int https = 0) {
    return new http_client_t(host, port, https);
}
inline int http_client_del(http_client_t* cli) {
    delete cli;
    return 0;
}
/* timeout: s */
inline int http_client_set_timeout(http_client_t* cli, int timeout) {
    return cli ? cli->setTimeout(timeout) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_set_ssl_ctx(http_client_t* cli, hssl_ctx_t ssl_ctx) {
    return cli ? cli->setSslCtx(ssl_ctx) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_new_ssl_ctx(http_client_t* cli, hssl_ctx_opt_t* opt) {
    return cli ? cli->newSslCtx(opt) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_clear_headers(http_client_t* cli) {
    return cli ? cli->clearHeaders() : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_set_header(http_client_t* cli, const char* key, const char* value) {
    if (cli == NULL || key == NULL || value == NULL) return HV_ERR_NULL_PARAMETER;
    return cli->setHeader(key, value);
}
inline int http_client_del_header(http_client_t* cli, const char* key) {
    if (cli == NULL || key == NULL) return HV_ERR_NULL_PARAMETER;
    return cli->delHeader(key);
}
inline const char* http_client_get_header(http_client_t* cli, const char* key) {
    return cli && key ? cli->getHeader(key) : NULL;
}
inline int http_client_set_http_proxy(http_client_t* cli, const char* host, int port) {
    return cli ? cli->setHttpProxy(host, port) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_set_https_proxy(http_client_t* cli, const char* host, int port) {
    return cli ? cli->setHttpsProxy(host, port) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_add_no_proxy(http_client_t* cli, const char* host) {
    return cli ? cli->addNoProxy(host) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_send(http_client_t* cli, HttpRequest* req, HttpResponse* resp) {
    if (cli == NULL || req == NULL || resp == NULL) return HV_ERR_NULL_PARAMETER;
    return cli->send(req, resp);
}
inline int http_client_send_async(http_client_t* cli, HttpRequestPtr req, HttpResponseCallback resp_cb = NULL) {
    if (cli == NULL || !req) return HV_ERR_NULL_PARAMETER;
    return cli->sendAsync(req, std::move(resp_cb));
}
inline int http_client_connect(http_client_t* cli, const char* host, int port, int https, int timeout) {
    return cli ? cli->connect(host, port, https, timeout) : (int)HV_ERR_NULL_PARAMETER;
}
inline int http_client_send_header(http_client_t* cli, HttpRequest* req) {
    return cli ? cli->sendHeader(req) : (int)ERR_NULL_POINTER;
}
inline int http_client_send_data(http_client_t* cli, const char* data, int size) {
    return cli ? cli->sendData(data, size) : -1;
}
inline int http_client_recv_data(http_client_t* cli, char* data, int size) {
    return cli ? cli->recvData(data, size) : -1;
}
inline int http_client_recv_response(http_client_t* cli, HttpResponse* resp) {
    return cli ? cli->recvResponse(resp) : (int)ERR_NULL_POINTER;
}
inline int http_client_close(http_client_t* cli) {
    return cli ? cli->close() : (int)HV_ERR_NULL_PARAMETER;
}

#endif // HV_HTTP_CLIENT_H_
