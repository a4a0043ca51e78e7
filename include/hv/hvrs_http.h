#ifndef HVRS_HTTP_H_
#define HVRS_HTTP_H_

/*
 * hv-rs glue (not a libhv header): copies HttpMessage objects to and from the C ABI's
 * hv_http_response, for the server headers and the HTTP client.
 */

#include <string.h>
#include <strings.h>

#include <exception>
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

/* NUL-terminated header names and values for hv_http_response_report_stage_headers, borrowed
 * from the response: the first ones in place, the rest in a vector. */
class HeaderPointers {
public:
    HeaderPointers() : n_(0) {}
    void add(const char* name, const char* value) {
        if (n_ < kInline) {
            names_[n_] = name;
            values_[n_] = value;
        } else {
            if (moreNames_.empty()) {
                moreNames_.assign(names_, names_ + kInline);
                moreValues_.assign(values_, values_ + kInline);
            }
            moreNames_.push_back(name);
            moreValues_.push_back(value);
        }
        ++n_;
    }
    const char* const* names() const { return n_ > kInline ? moreNames_.data() : names_; }
    const char* const* values() const { return n_ > kInline ? moreValues_.data() : values_; }
    size_t size() const { return n_; }

private:
    enum { kInline = 16 };
    const char* names_[kInline];
    const char* values_[kInline];
    std::vector<const char*> moreNames_, moreValues_;
    size_t n_;
};

/* Whether reporting `resp` needs a serialised copy: structured content still to dump into an
 * empty body, or a multipart type whose boundary FillContentType would add. */
inline bool reportNeedsCopy(const HttpResponse* resp) {
    if (resp->content_type == MULTIPART_FORM_DATA) return true;
#ifndef WITHOUT_HTTP_CONTENT
    if (!resp->json.empty() || !resp->form.empty() || !resp->kv.empty()) return true;
#endif
    http_headers::const_iterator it = resp->headers.find("Content-Type");
    return it != resp->headers.end() && http_content_type_enum(it->second.c_str()) == MULTIPART_FORM_DATA;
}

/* The Content-Type FillContentType would add to a response that needs no copy (NULL: none). */
inline const char* impliedContentType(const HttpResponse* resp) {
    if (resp->headers.find("Content-Type") != resp->headers.end()) return NULL;
    http_content_type type = resp->content_type;
    if (type == CONTENT_TYPE_NONE && !resp->body.empty()) type = TEXT_PLAIN;
    if (type == CONTENT_TYPE_NONE) return NULL;
    const char* mime = http_content_type_str(type);
    return strcmp(mime, "<unknown>") == 0 ? NULL : mime;
}

/* Reports a C++ response to the library after a pipeline stage: its status, body and all its
 * headers, which the library merges with the ones it set itself (static file headers, Allow).
 * The C++ response is left as it is: it keeps its structured content and gains no
 * Content-Type header a later stage would have to fight (libhv fills those in only when the
 * response is finally sent). The common response (a body string, no structured content) is
 * reported straight from its fields; the others through a serialised copy. */
inline void reportFields(const HttpResponse* source, hv_http_response* out);

inline void exportResponse(const HttpResponse* source, hv_http_response* out) {
    if (!reportNeedsCopy(source)) return reportFields(source, out);
    HttpResponse copy(*source);
    copy.FillContentType();
    copy.DumpBody();
    reportFields(&copy, out);
}

/* Status, headers and body as the fields hold them (Content-Type implied as libhv would fill
 * it in for a body without one). */
inline void reportFields(const HttpResponse* source, hv_http_response* out) {
    if (source->status_code >= 100 && source->status_code <= 999) {
        hv_http_response_set_status(out, (int)source->status_code);
    }
    HeaderPointers headers;
    const char* type = impliedContentType(source);
    if (type) headers.add("Content-Type", type);
    for (http_headers::const_iterator it = source->headers.begin(); it != source->headers.end(); ++it) {
        if (!isWireHeader(it->first)) headers.add(it->first.c_str(), it->second.c_str());
    }
    std::vector<std::string> cookies;
    if (!source->cookies.empty()) {
        cookies.reserve(source->cookies.size());
        for (size_t i = 0; i < source->cookies.size(); ++i) {
            cookies.push_back(source->cookies[i].dump());
            headers.add("Set-Cookie", cookies.back().c_str());
        }
    }
    if (hv_http_response_report_stage_headers(out, headers.names(), headers.values(), headers.size()) != HV_OK) {
        char why[256] = {0};
        hv_last_error(why, sizeof(why));
        hlogw("%s", why);
    }
    if (source->content && source->content_length) {
        hv_http_response_set_body(out, source->content, source->content_length);
    } else {
        hv_http_response_set_body(out, source->body.data(), source->body.size());
    }
}

/* Calls f(name, name_len, value, value_len, staged) for every pair a `*_for_each_*` function of
 * the C ABI reports (request headers, request parameters, response headers), in one walk. An
 * exception f throws stops the walk and is rethrown here, out of the library's call. */
template<class Obj, class F>
inline void forEachPair(const Obj* in, size_t (*each)(const Obj*, hv_http_pair_cb, void*), F f) {
    struct Visit {
        F* f;
        std::exception_ptr error;
        static void call(void* userdata, const char* k, size_t klen, const char* v, size_t vlen, bool staged) noexcept {
            Visit* visit = static_cast<Visit*>(userdata);
            if (visit->error) return;
            try {
                (*visit->f)(k, klen, v, vlen, staged);
            } catch (...) {
                visit->error = std::current_exception();
            }
        }
    };
    Visit visit = {&f, std::exception_ptr()};
    each(in, &Visit::call, &visit);
    if (visit.error) std::rethrow_exception(visit.error);
}

/* The library's response as a later stage (postprocessor, error handler) must see it: the
 * status the pipeline settled on, the error page it generated. */
inline void importResponse(const hv_http_response* in, HttpResponse* resp) {
    resp->status_code = (http_status)hv_http_response_status(in);
    resp->headers.clear();
    resp->cookies.clear();
    resp->content_type = CONTENT_TYPE_NONE;
    forEachPair(in, hv_http_response_for_each_header,
                [resp](const char* k, size_t klen, const char* v, size_t vlen, bool) {
        resp->headers[std::string(k, klen)] = std::string(v, vlen);
    });
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
    forEachPair(in, hv_http_response_for_each_header,
                [resp](const char* k, size_t klen, const char* v, size_t vlen, bool staged) {
        if (staged || (klen == 10 && strncasecmp(k, "Set-Cookie", 10) == 0)) return;
        resp->headers[std::string(k, klen)] = std::string(v, vlen);
    });
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
