#ifndef HVRS_HTTP_H_
#define HVRS_HTTP_H_

/*
 * hv-rs glue (not a libhv header): copies HttpMessage objects to and from the C ABI's
 * hv_http_response, for the server headers and the HTTP client.
 */

#include <string.h>
#include <strings.h>

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

/* Copies a C++ response into the response a C handler fills. */
inline void exportResponse(HttpResponse* resp, hv_http_response* out) {
    hv_http_response_clear_headers(out);
    exportHead(resp,
        [out](int status) { hv_http_response_set_status(out, status); },
        [out](const char* k, const char* v) {
            if (hv_http_response_add_header(out, k, v) != HV_OK) hlogw("dropped invalid response header %s", k);
        });
    const void* data = NULL;
    size_t len = 0;
    responseBody(resp, &data, &len);
    hv_http_response_set_body(out, data, len);
}

/* The library's response as a later stage (postprocessor, error handler) must see it: the
 * status the pipeline settled on, the error page it generated. */
inline void importResponse(const hv_http_response* in, HttpResponse* resp) {
    resp->status_code = (http_status)hv_http_response_status(in);
    resp->headers.clear();
    resp->cookies.clear();
    resp->content_type = CONTENT_TYPE_NONE;
    size_t count = hv_http_response_header_count(in);
    for (size_t i = 0; i < count; ++i) {
        const char *k = NULL, *v = NULL;
        size_t klen = 0, vlen = 0;
        if (hv_http_response_header_at(in, i, &k, &klen, &v, &vlen)) {
            resp->headers[std::string(k, klen)] = std::string(v, vlen);
        }
    }
    size_t len = 0;
    const uint8_t* body = hv_http_response_body(in, &len);
    resp->body.assign(body ? (const char*)body : "", len);
}

} // namespace detail

} // namespace hv

#endif // HVRS_HTTP_H_
