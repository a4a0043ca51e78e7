#ifndef HV_HTTP_SERVICE_H_
#define HV_HTTP_SERVICE_H_

#include <string>
#include <map>
#include <unordered_map>
#include <vector>
#include <list>
#include <memory>
#include <mutex>
#include <algorithm>
#include <functional>

#include "hexport.h"
#include "hsocket.h"
#include "hvrs.h"
#include "hvrs_reload.h"
#include "hasync.h"
#include "EventLoop.h"
#include "HttpMessage.h"
#include "HttpResponseWriter.h"
#include "HttpContext.h"

#define DEFAULT_BASE_URL        "/api/v1"
#define DEFAULT_DOCUMENT_ROOT   "/var/www/html"
#define DEFAULT_HOME_PAGE       "index.html"
#define DEFAULT_ERROR_PAGE      "error.html"
#define DEFAULT_INDEXOF_DIR     "/downloads/"
#define DEFAULT_KEEPALIVE_TIMEOUT   75000   // ms

#ifndef DEFAULT_CONNECT_TIMEOUT
#define DEFAULT_CONNECT_TIMEOUT 10000   // ms
#endif

#define MAX_FILE_CACHE_SIZE                 (1 << 22)   // 4M
#define DEFAULT_FILE_CACHE_STAT_INTERVAL    10          // s
#define DEFAULT_FILE_CACHE_EXPIRED_TIME     60          // s

/*
 * A handler returns an HTTP status (the server answers from the response), HTTP_STATUS_NEXT
 * (the writer answers: now, or later from any thread), or another value (answer as it is).
 */
#define HTTP_STATUS_NEXT        0
#define HTTP_STATUS_UNFINISHED  0
// libhv 1.3.4+: close the connection without an answer (hv-rs answers 500 and closes nothing)
#define HTTP_STATUS_CLOSE       -100

typedef std::function<int(HttpRequest* req, HttpResponse* resp)>                            http_sync_handler;
typedef std::function<void(const HttpRequestPtr& req, const HttpResponseWriterPtr& writer)> http_async_handler;
typedef std::function<int(const HttpContextPtr& ctx)>                                       http_ctx_handler;
typedef std::function<int(const HttpContextPtr& ctx, http_parser_state state, const char* data, size_t size)> http_state_handler;

/* One of the four handler styles; a lambda or function converts to the one it fits. */
struct http_handler {
    http_sync_handler   sync_handler;
    http_async_handler  async_handler;
    http_ctx_handler    ctx_handler;
    http_state_handler  state_handler;

    http_handler() {}
    http_handler(http_sync_handler fn)  : sync_handler(std::move(fn)) {}
    http_handler(http_async_handler fn) : async_handler(std::move(fn)) {}
    http_handler(http_ctx_handler fn)   : ctx_handler(std::move(fn)) {}
    http_handler(http_state_handler fn) : state_handler(std::move(fn)) {}

    const http_handler& operator=(http_sync_handler fn) { sync_handler = std::move(fn); return *this; }
    const http_handler& operator=(http_async_handler fn) { async_handler = std::move(fn); return *this; }
    const http_handler& operator=(http_ctx_handler fn) { ctx_handler = std::move(fn); return *this; }
    const http_handler& operator=(http_state_handler fn) { state_handler = std::move(fn); return *this; }

    bool isNull() { return sync_handler == NULL && async_handler == NULL && ctx_handler == NULL; }
    operator bool() { return !isNull(); }
};

typedef std::vector<http_handler> http_handlers;

struct http_method_handler {
    http_method     method;
    http_handler    handler;
    http_method_handler() : method(HTTP_GET) {}
    http_method_handler(http_method m, const http_handler& h) : method(m), handler(h) {}
};

typedef std::list<http_method_handler>                                          http_method_handlers;
typedef std::unordered_map<std::string, std::shared_ptr<http_method_handlers>>  http_path_handlers;

namespace hv {

struct HttpService;

namespace detail {

/*
 * What a C route or stage callback needs to run its C++ handler. It owns a copy of the
 * handler: Use(), AllowCORS() or AddRoute() after the server started may reallocate or replace
 * the service's own, but never what a running server calls.
 */
struct HandlerBinding {
    HttpService*        service;
    http_handler        handler;
    bool                header_stage;   // headerHandler: 200 means "go on", like 0
};

/*
 * The running servers a service feeds. Copying a service copies none of them; a server unlinks
 * itself when it stops, and a service that is gone is seen as such through the weak pointer.
 */
struct ServiceLinkState {
    std::mutex                      mutex;
    std::vector<hv_http_server*>    servers;
};

class ServiceLinks {
public:
    ServiceLinks() : state_(std::make_shared<ServiceLinkState>()) {}
    ServiceLinks(const ServiceLinks&) : state_(std::make_shared<ServiceLinkState>()) {}
    ServiceLinks& operator=(const ServiceLinks&) { return *this; }

    std::weak_ptr<ServiceLinkState> add(hv_http_server* server) {
        std::lock_guard<std::mutex> guard(state_->mutex);
        state_->servers.push_back(server);
        return state_;
    }

    /* Runs fn(server) for each linked server, which cannot unlink meanwhile. */
    template<class F> void each(F fn) {
        std::lock_guard<std::mutex> guard(state_->mutex);
        for (size_t i = 0; i < state_->servers.size(); ++i) fn(state_->servers[i]);
    }

private:
    std::shared_ptr<ServiceLinkState> state_;
};

inline void unlinkServer(const std::weak_ptr<ServiceLinkState>& link, hv_http_server* server) {
    std::shared_ptr<ServiceLinkState> state = link.lock();
    if (!state) return;
    std::lock_guard<std::mutex> guard(state->mutex);
    state->servers.erase(std::remove(state->servers.begin(), state->servers.end(), server), state->servers.end());
}

inline void deleteBinding(void* userdata) noexcept {
    delete static_cast<HandlerBinding*>(userdata);
}

/*
 * The contexts of answered requests that nothing else holds, kept per loop thread for its next
 * requests (libhv reuses each connection's request and response the same way): a request then
 * costs no construction of its context, request and response. A context is taken back only
 * once its writer is gone and every field is reset.
 */
inline std::vector<HttpContextPtr>& contextPool() {
    static thread_local std::vector<HttpContextPtr> pool;
    return pool;
}

enum { kContextPoolSize = 16 };

inline void recycleContext(HttpContextPtr& ctx) {
    std::vector<HttpContextPtr>& pool = contextPool();
    if (ctx.use_count() != 1 || ctx->writer.use_count() != 1 || ctx->request.use_count() != 1 ||
        pool.size() >= kContextPoolSize) {
        return;
    }
    // The writer ends an unfinished response and lets the library's writer go, as it would
    // if the context were freed.
    ctx->writer.reset();
    if (ctx->response.use_count() != 1) return;
    ctx->service = NULL;
    ctx->userdata = NULL;
    ctx->request->ResetReceived();
    ctx->response->Reset();
    ctx->response->http_cb = nullptr;
    pool.push_back(std::move(ctx));
}

inline void deleteContext(void* userdata) noexcept {
    HttpContextPtr* held = static_cast<HttpContextPtr*>(userdata);
    guarded("recycling an HTTP context", [held] { recycleContext(*held); });
    delete held;
}

/* A reset context from the pool, or a new one. */
inline HttpContextPtr freshContext() {
    std::vector<HttpContextPtr>& pool = contextPool();
    if (!pool.empty()) {
        HttpContextPtr ctx = std::move(pool.back());
        pool.pop_back();
        return ctx;
    }
    HttpContextPtr ctx = std::make_shared<HttpContext>();
    ctx->request = std::make_shared<HttpRequest>(HttpRequest::Received());
    ctx->response = std::make_shared<HttpResponse>();
    return ctx;
}

/* Route parameters arrive after the first stages ran: refresh them for each stage. */
inline void importParams(hv_http_request* in, HttpRequest* req) {
    req->query_params.clear();
    forEachPair(in, hv_http_request_for_each_param, [req](const char* k, size_t klen, const char* v, size_t vlen, bool) {
        req->query_params[std::string(k, klen)] = std::string(v, vlen);
    });
}

/* The port number after a colon in text the library wrote (atoi without its locale). */
inline int portNumber(const char* p) {
    int n = 0;
    for (int i = 0; i < 9 && *p >= '0' && *p <= '9'; ++i, ++p) n = n * 10 + (*p - '0');
    return n;
}

/* scheme, host and port from the absolute url the library built (scheme://authority/target),
 * as ParseUrl() sets them (and a Host header when the request had none: `has_host` says it
 * had one, which spares the lookup), without its copies; the path and the parameters come
 * from the library. */
inline void importUrlParts(HttpRequest* req, bool has_host) {
    const char* url = req->url.c_str();
    const char* sep = strstr(url, "://");
    if (sep == NULL) return req->ParseUrl();
    const char* begin = sep + 3;
    const char* end = begin;
    const char* colon = NULL;  // the port's, outside an IPv6 literal's brackets
    bool bracket = false;
    for (; *end && *end != '/' && *end != '?' && *end != '#'; ++end) {
        if (*end == '[') bracket = true;
        else if (*end == ']') bracket = false;
        else if (*end == ':' && !bracket) colon = end;
    }
    const char* host_begin = begin;
    const char* host_end = colon ? colon : end;
    if (host_end - host_begin >= 2 && *host_begin == '[' && host_end[-1] == ']') {
        ++host_begin;
        --host_end;
    }
    req->scheme.assign(url, sep - url);
    req->host.assign(host_begin, host_end - host_begin);
    int port = colon ? portNumber(colon + 1) : 0;
    if (port == 0) port = req->scheme == "https" ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
    req->port = port;
    if (!has_host) req->FillHost(req->host.c_str(), port);
}

/* Builds the C++ request once per request from the library's. */
inline void importRequest(hv_http_request* in, HttpRequest* req) {
    size_t len = 0;
    const char* method = hv_http_request_method(in, &len);
    char name[16] = {0};
    if (method && len < sizeof(name)) memcpy(name, method, len);
    req->method = http_method_enum(name);
    const char* url = hv_http_request_url(in, &len);
    req->url.assign(url ? url : "", len);
    int version = hv_http_request_version(in);
    req->http_major = (unsigned short)(version / 10);
    req->http_minor = (unsigned short)(version % 10);
    bool has_host = false;
    forEachPair(in, hv_http_request_for_each_header,
                [req, &has_host](const char* k, size_t klen, const char* v, size_t vlen, bool) {
        if (klen == 4 && strncasecmp(k, "Host", 4) == 0) has_host = true;
        if (klen == 6 && strncasecmp(k, "Cookie", 6) == 0) {
            // Cookies are parsed into req->cookies and kept out of the headers, as libhv does.
            HttpCookie cookie;
            if (cookie.parse(std::string(v, vlen))) req->cookies.push_back(cookie);
            return;
        }
        std::string key(k, klen);
        auto it = req->headers.find(key);
        if (it == req->headers.end()) {
            req->headers.insert(std::make_pair(std::move(key), std::string(v, vlen)));
        } else {
            it->second += ", ";
            it->second.append(v, vlen);
        }
    });
    auto type = req->headers.find("Content-Type");
    if (type != req->headers.end()) req->content_type = http_content_type_enum(type->second.c_str());
    size_t body_len = 0;
    const uint8_t* body = hv_http_request_body(in, &body_len);
    if (body && body_len) req->body.assign((const char*)body, body_len);
    importUrlParts(req, has_host);
    const char* path = hv_http_request_path(in, &len);
    req->path.assign(path ? path : "", len);
    importParams(in, req);
    // "1.2.3.4:5" or "[::1]:5"
    char addr[SOCKADDR_STRLEN] = {0};
    hv_http_request_client_addr(in, addr, sizeof(addr));
    const char* colon = strrchr(addr, ':');
    if (colon) {
        const char* ip = addr;
        const char* end = colon;
        if (*ip == '[' && end > ip + 1 && end[-1] == ']') {
            ++ip;
            --end;
        }
        req->client_addr.ip.assign(ip, end - ip);
        req->client_addr.port = portNumber(colon + 1);
    }
    const char* subject = hv_http_request_client_cert_subject(in, &len);
    if (subject) req->tls_client_subject.assign(subject, len);
    const uint8_t* der = hv_http_request_client_cert_der(in, &len);
    if (der) req->tls_client_der.assign((const char*)der, len);
}

/* The request's HttpContext, made on its first stage and shared by all the others. */
inline HttpContextPtr contextFor(HttpService* service, hv_http_request* in, hv_http_response* out,
                                 const hv_http_writer* writer) {
    HttpContextPtr* cached = static_cast<HttpContextPtr*>(hv_http_request_userdata(in));
    if (cached) {
        importParams(in, (*cached)->request.get());
        mergeResponse(out, (*cached)->response.get());
        return *cached;
    }
    HttpContextPtr ctx = freshContext();
    ctx->service = service;
    ctx->writer = std::make_shared<HttpResponseWriter>(writer, ctx->response);
    importRequest(in, ctx->request.get());
    // A first C++ stage late in the pipeline (a postprocessor alone) starts from what the
    // library answered: a static file's status and headers, an error page.
    mergeResponse(out, ctx->response.get());
    hv_http_request_set_userdata(in, new HttpContextPtr(ctx), deleteContext);
    return ctx;
}

inline int runHandler(const http_handler& h, const HttpContextPtr& ctx) {
    if (h.sync_handler) return h.sync_handler(ctx->request.get(), ctx->response.get());
    if (h.ctx_handler) return h.ctx_handler(ctx);
    if (h.async_handler) {
        http_async_handler fn = h.async_handler;
        HttpRequestPtr req = ctx->request;
        HttpResponseWriterPtr writer = ctx->writer;
        hv::async([fn, req, writer]() { fn(req, writer); });
        return HTTP_STATUS_NEXT;
    }
    if (h.state_handler) {
        // hv-rs reads the body before handlers run, so the states arrive back to back.
        h.state_handler(ctx, HP_HEADERS_COMPLETE, NULL, 0);
        if (!ctx->request->body.empty()) {
            h.state_handler(ctx, HP_BODY, ctx->request->body.data(), ctx->request->body.size());
        }
        return h.state_handler(ctx, HP_MESSAGE_COMPLETE, NULL, 0);
    }
    return HTTP_STATUS_NOT_IMPLEMENTED;
}

/* The C callback behind every C++ route and stage. An exception answers 500. */
inline int32_t invokeHandler(void* userdata, hv_http_request* req, hv_http_response* resp,
                             const hv_http_writer* writer) noexcept {
    HandlerBinding* b = static_cast<HandlerBinding*>(userdata);
    int ret = HTTP_STATUS_INTERNAL_SERVER_ERROR;
    bool done = false;
    guarded("an HTTP handler", [&] {
        HttpContextPtr ctx = contextFor(b->service, req, resp, writer);
        ret = runHandler(b->handler, ctx);
        if (b->header_stage && ret == HTTP_STATUS_OK) ret = HTTP_STATUS_NEXT;
        // An async handler owns the response from now on (on another thread).
        bool async = b->handler.async_handler && !b->handler.sync_handler && !b->handler.ctx_handler;
        if (!async) exportResponse(ctx->response.get(), resp);
        done = true;
    });
    if (!done) {
        hv_http_response_clear_headers(resp);
        hv_http_response_set_body(resp, NULL, 0);
        hv_http_response_set_status(resp, HTTP_STATUS_INTERNAL_SERVER_ERROR);
        ret = HTTP_STATUS_INTERNAL_SERVER_ERROR;
    }
    if (ret == HTTP_STATUS_CLOSE) ret = HTTP_STATUS_INTERNAL_SERVER_ERROR;
    return ret;
}

/* libhv's CORS middleware. */
inline int cors(HttpRequest* req, HttpResponse* resp) {
    std::string origin = req->GetHeader("Origin", "*");
    resp->headers["Access-Control-Allow-Origin"] = origin;
    if (origin != "*") resp->headers["Vary"] = "Origin";
    if (req->method == HTTP_OPTIONS) {
        resp->headers["Access-Control-Allow-Methods"] =
            req->GetHeader("Access-Control-Request-Method", "OPTIONS, HEAD, GET, POST, PUT, DELETE, PATCH");
        resp->headers["Access-Control-Allow-Headers"] =
            req->GetHeader("Access-Control-Request-Headers", "Content-Type");
        return HTTP_STATUS_NO_CONTENT;
    }
    return HTTP_STATUS_NEXT;
}

/* `*` in a host pattern stands for any text. */
inline bool globMatch(const std::string& pattern, const std::string& text) {
    size_t star = pattern.find('*');
    if (star == std::string::npos) return pattern == text;
    std::string prefix = pattern.substr(0, star), suffix = pattern.substr(star + 1);
    return text.size() >= prefix.size() + suffix.size() && text.compare(0, prefix.size(), prefix) == 0 &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace detail

/*
 * Routes and pipeline (libhv's HttpService). Handlers run on the connection's loop thread,
 * except async handlers, which run on the hv::async thread pool. The service must outlive the
 * server it is registered with.
 */
struct HttpService {
    /* handler chain (headerHandler is libhv 1.3.4's, run first) */
    http_handler        headerHandler;
    http_handler        preprocessor;
    http_handlers       middleware;
    http_handler        processor;
    http_handler        postprocessor;

    /* API handlers */
    std::string         base_url;
    http_path_handlers  pathHandlers;

    /* static files */
    http_handler        staticHandler;
    http_handler        largeFileHandler;
    std::string         document_root;
    std::string         home_page;
    std::string         error_page;
    std::map<std::string, std::string, std::greater<std::string>> staticDirs;
    std::string         index_of;
    http_handler        errorHandler;

    /* proxy */
    std::map<std::string, std::string, std::greater<std::string>> proxies;
    StringList          trustProxies;
    StringList          noProxies;
    int proxy_connect_timeout;
    int proxy_read_timeout;
    int proxy_write_timeout;

    /* options */
    int keepalive_timeout;
    int max_file_cache_size;
    int file_cache_stat_interval;
    int file_cache_expired_time;
    int limit_rate;
    unsigned enable_access_log      :1;
    unsigned enable_forward_proxy   :1;

    HttpService() {
        document_root = DEFAULT_DOCUMENT_ROOT;
        home_page = DEFAULT_HOME_PAGE;
        proxy_connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        proxy_read_timeout = 0;
        proxy_write_timeout = 0;
        keepalive_timeout = DEFAULT_KEEPALIVE_TIMEOUT;
        max_file_cache_size = MAX_FILE_CACHE_SIZE;
        file_cache_stat_interval = DEFAULT_FILE_CACHE_STAT_INTERVAL;
        file_cache_expired_time = DEFAULT_FILE_CACHE_EXPIRED_TIME;
        limit_rate = -1;
        enable_access_log = 1;
        enable_forward_proxy = 0;
    }

    HttpService(const HttpService&) = default;
    HttpService& operator=(const HttpService&) = default;

    ~HttpService() { detail::removeReloadListener(this); }

    /* Adds or replaces the handler of (path, method). */
    void AddRoute(const char* path, http_method method, const http_handler& handler) {
        std::shared_ptr<http_method_handlers>& handlers = pathHandlers[path];
        if (!handlers) handlers = std::make_shared<http_method_handlers>();
        bool replaced = false;
        for (auto& mh : *handlers) {
            if (mh.method == method) {
                mh.handler = handler;
                replaced = true;
                break;
            }
        }
        if (!replaced) handlers->push_back(http_method_handler(method, handler));
        publish();
    }

    /* Exact lookup (no patterns): 0, 404 or 405. */
    int GetRoute(const char* url, http_method method, http_handler** handler) {
        std::string path(url);
        if (!base_url.empty()) {
            if (path.compare(0, base_url.size(), base_url) != 0) return HTTP_STATUS_NOT_FOUND;
            path = path.substr(base_url.size());
        }
        path = path.substr(0, path.find('?'));
        auto it = pathHandlers.find(path);
        if (it == pathHandlers.end()) return HTTP_STATUS_NOT_FOUND;
        for (auto& mh : *it->second) {
            if (mh.method == method) {
                *handler = &mh.handler;
                return 0;
            }
        }
        return HTTP_STATUS_METHOD_NOT_ALLOWED;
    }

    void Static(const char* path, const char* dir) {
        std::string location(path), directory(dir);
        if (location.empty() || location[location.size() - 1] != '/') location += '/';
        while (directory.size() > 1 && directory[directory.size() - 1] == '/') directory.erase(directory.size() - 1);
        staticDirs[location] = directory;
        publish();
    }

    std::string GetStaticFilepath(const char* path) {
        std::string request_path(path);
        for (auto& kv : staticDirs) {
            if (request_path.compare(0, kv.first.size(), kv.first) == 0) {
                std::string filepath = kv.second + request_path.substr(kv.first.size() - 1);
                if (filepath[filepath.size() - 1] == '/') filepath += home_page;
                return filepath;
            }
        }
        return "";
    }

    void AllowCORS() { Use(detail::cors); }

    void EnableForwardProxy() {
        enable_forward_proxy = 1;
        publish();
    }
    void AddTrustProxy(const char* host) {
        trustProxies.push_back(host);
        publish();
    }
    void AddNoProxy(const char* host) {
        noProxies.push_back(host);
        publish();
    }
    bool IsTrustProxy(const char* host) {
        if (host == NULL || *host == '\0') return false;
        bool trusted = trustProxies.empty();
        for (auto& p : trustProxies) {
            if (detail::globMatch(p, host)) {
                trusted = true;
                break;
            }
        }
        for (auto& p : noProxies) {
            if (detail::globMatch(p, host)) return false;
        }
        return trusted;
    }

    void Proxy(const char* path, const char* url) {
        proxies[path] = url;
        publish();
    }
    std::string GetProxyUrl(const char* path) {
        std::string request_path(path);
        for (auto& kv : proxies) {
            if (request_path.compare(0, kv.first.size(), kv.first) == 0) {
                return kv.second + request_path.substr(kv.first.size());
            }
        }
        return "";
    }

    hv::StringList Paths() {
        hv::StringList paths;
        for (auto& kv : pathHandlers) paths.push_back(kv.first);
        return paths;
    }

    bool HasRoutes() const { return !pathHandlers.empty(); }

    template<typename Handler>
    void Use(Handler handlerFunc) {
        middleware.push_back(http_handler(handlerFunc));
        publish();
    }

    template<typename Handler>
    void Handle(const char* httpMethod, const char* relativePath, Handler handlerFunc) {
        AddRoute(relativePath, http_method_enum(httpMethod), http_handler(handlerFunc));
    }

    template<typename Handler>
    void HEAD(const char* relativePath, Handler handlerFunc) { Handle("HEAD", relativePath, handlerFunc); }
    template<typename Handler>
    void GET(const char* relativePath, Handler handlerFunc) { Handle("GET", relativePath, handlerFunc); }
    template<typename Handler>
    void POST(const char* relativePath, Handler handlerFunc) { Handle("POST", relativePath, handlerFunc); }
    template<typename Handler>
    void PUT(const char* relativePath, Handler handlerFunc) { Handle("PUT", relativePath, handlerFunc); }
    // Delete, not DELETE: DELETE is a macro on Windows.
    template<typename Handler>
    void Delete(const char* relativePath, Handler handlerFunc) { Handle("DELETE", relativePath, handlerFunc); }
    template<typename Handler>
    void PATCH(const char* relativePath, Handler handlerFunc) { Handle("PATCH", relativePath, handlerFunc); }
    template<typename Handler>
    void Any(const char* relativePath, Handler handlerFunc) {
        Handle("HEAD", relativePath, handlerFunc);
        Handle("GET", relativePath, handlerFunc);
        Handle("POST", relativePath, handlerFunc);
        Handle("PUT", relativePath, handlerFunc);
        Handle("DELETE", relativePath, handlerFunc);
        Handle("PATCH", relativePath, handlerFunc);
    }

    /* The library's form of this service (routes and stages, with copies of the handlers); the
     * caller frees it. */
    hv_http_service* toC() {
        hv_http_service* svc = hv_http_service_new();
        for (auto& ph : pathHandlers) {
            std::string path = base_url + ph.first;
            for (auto& mh : *ph.second) {
                hv_http_service_add_route(svc, http_method_str(mh.method), path.c_str(), detail::invokeHandler,
                                          binding(mh.handler, false), detail::deleteBinding);
            }
        }
        for (auto& kv : staticDirs) {
            hv_http_service_add_static(svc, kv.first.c_str(), kv.second.c_str());
        }
        // libhv serves document_root at "/" unless a static location already covers it.
        if (!document_root.empty() && staticDirs.find("/") == staticDirs.end()) {
            hv_http_service_add_static(svc, "/", document_root.c_str());
        }
        hv_http_service_set_static_options(svc, home_page.c_str(), index_of.c_str());
        for (auto& kv : proxies) hv_http_service_add_proxy(svc, kv.first.c_str(), kv.second.c_str());
        hv_http_service_set_forward_proxy(svc, enable_forward_proxy != 0);
        for (auto& host : trustProxies) hv_http_service_add_trust_proxy(svc, host.c_str());
        for (auto& host : noProxies) hv_http_service_add_no_proxy(svc, host.c_str());
        hv_http_service_set_proxy_timeouts(svc, proxy_connect_timeout, proxy_read_timeout);
        bool first_is_header = static_cast<bool>(headerHandler);
        if (first_is_header) addStage(svc, HV_HTTP_PREPROCESSOR, headerHandler, true);
        if (preprocessor) addStage(svc, first_is_header ? HV_HTTP_MIDDLEWARE : HV_HTTP_PREPROCESSOR, preprocessor, false);
        for (auto& m : middleware) addStage(svc, HV_HTTP_MIDDLEWARE, m, false);
        if (processor) addStage(svc, HV_HTTP_PROCESSOR, processor, false);
        if (postprocessor) addStage(svc, HV_HTTP_POSTPROCESSOR, postprocessor, false);
        hv_http_service_set_access_log(svc, enable_access_log != 0);
        if (errorHandler) addStage(svc, HV_HTTP_ERROR_HANDLER, errorHandler, false);
        return svc;
    }

    /*
     * hv-rs: a running server serves a copy of this service (toC). The methods above that change
     * it publish a fresh copy to every linked server, which the next request uses; fields
     * assigned directly are published with the next such call, by publish(), by hmain's
     * reload (SIGNAL_RELOAD) after its reload_fn, or by the next start.
     */
    std::weak_ptr<detail::ServiceLinkState> linkServer(hv_http_server* server) {
        std::weak_ptr<detail::ServiceLinkState> link = links_.add(server);
        // hmain's reload publishes the fields its reload_fn assigned (no lock of links_ held here).
        detail::addReloadListener(this, [this] { publish(); });
        return link;
    }

    void publish() {
        hv_http_service* svc = NULL;
        links_.each([this, &svc](hv_http_server* server) {
            // One copy for every linked server: hv_http_server_set_service copies it again.
            if (svc == NULL) svc = toC();
            hv_http_server_set_service(server, svc);
        });
        hv_http_service_free(svc);
    }

private:
    detail::ServiceLinks links_;

    detail::HandlerBinding* binding(const http_handler& h, bool header_stage) {
        detail::HandlerBinding* b = new detail::HandlerBinding;
        b->service = this;
        b->handler = h;
        b->header_stage = header_stage;
        return b;
    }

    void addStage(hv_http_service* svc, hv_http_stage stage, const http_handler& h, bool header_stage) {
        hv_http_service_set_stage(svc, stage, detail::invokeHandler, binding(h, header_stage), detail::deleteBinding);
    }
};

} // namespace hv

#endif // HV_HTTP_SERVICE_H_
