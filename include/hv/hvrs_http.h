#ifndef HVRS_HTTP_H_
#define HVRS_HTTP_H_

/*
 * hv-rs glue (not a libhv header): copies HttpMessage objects to and from the C ABI's
 * hv_http_response, for the server headers and the HTTP client.
 */

#include <string.h>
#include <strings.h>

#include <string>
#include <utility>
#include <vector>

#include "hvrs.h"
#include "hlog.h"
#include "HttpMessage.h"

namespace hv {

namespace detail {

/* Headers the wire layer owns: copying them from a C++ response would only contradict it. */
inline bool isWireHeader(const std::string& key) {
    return strcasecmp(key.c_str(), "Content-Length") == 0 || strcasecmp(key.c_str(), "Transfer-Encoding") == 0 ||
           strcasecmp(key.c_str(), "Connection") == 0 || strcasecmp(key.c_str(), "Date") == 0;
}

/* Status, headers (Content-Type filled in) and cookies of a C++ response, through `set`/`add`. */
template<class SetStatus, class AddHeader>
inline void exportHead(HttpResponse* resp, SetStatus setStatus, AddHeader addHeader) {
    resp->FillContentType();
    if (resp->status_code >= 100 && resp->status_code <= 999) setStatus((int)resp->status_code);
    for (auto& kv : resp->headers) {
        if (!isWireHeader(kv.first)) addHeader(kv.first.c_str(), kv.second.c_str());
    }
    for (auto& cookie : resp->cookies) {
        addHeader("Set-Cookie", cookie.dump().c_str());
    }
}

/* The body a C++ response would send: no-copy data, or body after structured content is dumped. */
inline void responseBody(HttpResponse* resp, const void** data, size_t* len) {
    if (resp->content && resp->content_length) {
        *data = resp->content;
        *len = resp->content_length;
        return;
    }
    resp->DumpBody();
    *data = resp->body.data();
    *len = resp->body.size();
}

/* Reports a C++ response to the library after a pipeline stage: its status, body and all its
 * headers, which the library merges with the ones it set itself (static file headers, Allow).
 * A copy is serialised, so the C++ response keeps its structured content and gains no
 * Content-Type header a later stage would have to fight (libhv fills those in only when the
 * response is finally sent). */
inline void exportResponse(const HttpResponse* source, hv_http_response* out) {
    HttpResponse copy(*source);
    HttpResponse* resp = &copy;
    std::vector<std::pair<std::string, std::string>> pairs;
    exportHead(resp,
        [out](int status) { hv_http_response_set_status(out, status); },
        [&pairs](const char* k, const char* v) { pairs.push_back(std::make_pair(std::string(k), std::string(v))); });
    std::vector<const char*> names, values;
    for (auto& kv : pairs) {
        names.push_back(kv.first.c_str());
        values.push_back(kv.second.c_str());
    }
    if (hv_http_response_report_stage_headers(out, names.data(), values.data(), names.size()) != HV_OK) {
        char why[256] = {0};
        hv_last_error(why, sizeof(why));
        hlogw("%s", why);
    }
    const void* data = NULL;
    size_t len = 0;
    responseBody(resp, &data, &len);
    hv_http_response_set_body(out, data, len);
}

/* Calls f(name, value) for every pair a `*_count` / `*_at` accessor pair of the C ABI reports
 * (request headers, request parameters, response headers). */
template<class Obj, class F>
inline void forEachPair(const Obj* in, size_t (*count)(const Obj*),
                        bool (*at)(const Obj*, size_t, const char**, size_t*, const char**, size_t*), F f) {
    size_t n = count(in);
    for (size_t i = 0; i < n; ++i) {
        const char *k = NULL, *v = NULL;
        size_t klen = 0, vlen = 0;
        if (at(in, i, &k, &klen, &v, &vlen)) f(std::string(k, klen), std::string(v, vlen));
    }
}

/* The library's response as a later stage (postprocessor, error handler) must see it: the
 * status the pipeline settled on, the error page it generated. */
inline void importResponse(const hv_http_response* in, HttpResponse* resp) {
    resp->status_code = (http_status)hv_http_response_status(in);
    resp->headers.clear();
    resp->cookies.clear();
    resp->content_type = CONTENT_TYPE_NONE;
    forEachPair(in, hv_http_response_header_count, hv_http_response_header_at,
                [resp](const std::string& k, const std::string& v) { resp->headers[k] = v; });
    size_t len = 0;
    const uint8_t* body = hv_http_response_body(in, &len);
    resp->body.assign(body ? (const char*)body : "", len);
}

/* Between pipeline stages the C++ response stays the source of truth (its structured json,
 * form and kv are dumped only at the end); it takes from the library what the pipeline decided
 * meanwhile: the status, the headers the library set itself (Allow, a static file's
 * Content-Type, ETag, Last-Modified, Accept-Ranges; the library tells them from those a stage
 * reported) and a body it generated (an error page) when the C++ response has none. */
inline void mergeResponse(const hv_http_response* in, HttpResponse* resp) {
    resp->status_code = (http_status)hv_http_response_status(in);
    size_t n = hv_http_response_header_count(in);
    for (size_t i = 0; i < n; ++i) {
        const char *k = NULL, *v = NULL;
        size_t klen = 0, vlen = 0;
        if (hv_http_response_header_is_staged(in, i) || !hv_http_response_header_at(in, i, &k, &klen, &v, &vlen)) continue;
        std::string key(k, klen);
        if (strcasecmp(key.c_str(), "Set-Cookie") != 0) resp->headers[key] = std::string(v, vlen);
    }
#ifndef WITHOUT_HTTP_CONTENT
    bool structured = !resp->json.empty() || !resp->form.empty() || !resp->kv.empty();
#else
    bool structured = false;
#endif
    if (resp->body.empty() && !structured) {
        size_t len = 0;
        const uint8_t* body = hv_http_response_body(in, &len);
        if (body && len) resp->body.assign((const char*)body, len);
    }
}

} // namespace detail

} // namespace hv

#endif // HVRS_HTTP_H_
