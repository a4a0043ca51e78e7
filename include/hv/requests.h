#ifndef HV_REQUESTS_H_
#define HV_REQUESTS_H_

/*
 * Python-requests-like helpers (libhv's requests.h):
 *   auto resp = requests::get("http://127.0.0.1:8080/ping");
 *   if (resp) printf("%d %s\n", resp->status_code, resp->body.c_str());
 * A NULL response means the request failed (connect, TLS, timeout).
 */

#include <stdio.h>
#include <stdlib.h>

#include <functional>
#include <memory>
#include <string>

#include "HttpClient.h"

namespace requests {

typedef HttpRequestPtr          Request;
typedef HttpResponsePtr         Response;
typedef HttpResponseCallback    ResponseCallback;

inline Response request(Request req) {
    Response resp = std::make_shared<HttpResponse>();
    return http_client_send(req.get(), resp.get()) == 0 ? resp : NULL;
}

inline Response request(http_method method, const char* url, const http_body& body = NoBody,
                        const http_headers& headers = DefaultHeaders) {
    Request req = std::make_shared<HttpRequest>();
    req->method = method;
    req->url = url;
    if (&body != &NoBody) req->body = body;
    if (&headers != &DefaultHeaders) req->headers = headers;
    return request(req);
}

inline Response head(const char* url, const http_headers& headers = DefaultHeaders) {
    return request(HTTP_HEAD, url, NoBody, headers);
}

inline Response get(const char* url, const http_headers& headers = DefaultHeaders) {
    return request(HTTP_GET, url, NoBody, headers);
}

inline Response post(const char* url, const http_body& body = NoBody, const http_headers& headers = DefaultHeaders) {
    return request(HTTP_POST, url, body, headers);
}

inline Response put(const char* url, const http_body& body = NoBody, const http_headers& headers = DefaultHeaders) {
    return request(HTTP_PUT, url, body, headers);
}

inline Response patch(const char* url, const http_body& body = NoBody, const http_headers& headers = DefaultHeaders) {
    return request(HTTP_PATCH, url, body, headers);
}

// Delete, not DELETE: DELETE is a macro on Windows.
inline Response Delete(const char* url, const http_headers& headers = DefaultHeaders) {
    return request(HTTP_DELETE, url, NoBody, headers);
}

/* resp_cb runs on the library's client thread, with NULL when the request failed. */
inline int async(Request req, ResponseCallback resp_cb) {
    return http_client_send_async(req, std::move(resp_cb));
}

inline Response uploadFile(const char* url, const char* filepath, http_method method = HTTP_POST,
                           const http_headers& headers = DefaultHeaders) {
    Request req = std::make_shared<HttpRequest>();
    req->method = method;
    req->url = url;
    req->timeout = 600;
    if (req->File(filepath) != 200) return NULL;
    if (&headers != &DefaultHeaders) req->headers = headers;
    return request(req);
}

#ifndef WITHOUT_HTTP_CONTENT
inline Response uploadFormFile(const char* url, const char* name, const char* filepath,
                               std::map<std::string, std::string>& params = hv::empty_map,
                               http_method method = HTTP_POST, const http_headers& headers = DefaultHeaders) {
    Request req = std::make_shared<HttpRequest>();
    req->method = method;
    req->url = url;
    req->timeout = 600;
    req->content_type = MULTIPART_FORM_DATA;
    req->SetFormFile(name, filepath);
    for (auto& param : params) req->SetFormData(param.first.c_str(), param.second);
    if (&headers != &DefaultHeaders) req->headers = headers;
    return request(req);
}
#endif

typedef std::function<void(size_t sended_bytes, size_t total_bytes)>    upload_progress_cb;
typedef std::function<void(size_t received_bytes, size_t total_bytes)>  download_progress_cb;

namespace detail {

inline void onUploadProgress(void* userdata, uint64_t sent, uint64_t total) noexcept {
    hv::detail::guarded("an upload progress_cb", [&] {
        (*static_cast<upload_progress_cb*>(userdata))((size_t)sent, (size_t)total);
    });
}

inline void deleteUploadProgress(void* userdata) noexcept {
    delete static_cast<upload_progress_cb*>(userdata);
}

} // namespace detail

/* Sends the file as the body, read piece by piece as the connection takes it (Content-Length
 * is its size), so a file of any size holds one piece in memory. progress_cb runs on the
 * library's client thread while this call blocks. NULL when the file cannot be read or the
 * request fails. */
inline Response uploadLargeFile(const char* url, const char* filepath, upload_progress_cb progress_cb = NULL,
                                http_method method = HTTP_POST, const http_headers& headers = DefaultHeaders) {
    Request req = std::make_shared<HttpRequest>();
    req->method = method;
    req->url = url;
    req->timeout = 3600;
    if (&headers != &DefaultHeaders) req->headers = headers;
    hv_http_client_request* creq = hv::detail::toClientRequest(req.get());
    if (creq == NULL) return NULL;
    upload_progress_cb* cb = progress_cb ? new upload_progress_cb(std::move(progress_cb)) : NULL;
    // The library owns cb from here, also when it refuses the file.
    hv_status st = hv_http_client_request_set_body_file(creq, filepath, cb ? detail::onUploadProgress : NULL, cb,
                                                        cb ? detail::deleteUploadProgress : NULL);
    hv_http_response* out = NULL;
    if (st == HV_OK) st = hv_http_client_send(creq, &out);
    hv_http_client_request_free(creq);
    if (st != HV_OK) return NULL;
    Response resp = std::make_shared<HttpResponse>();
    hv::detail::fromClientResponse(out, resp.get());
    hv_http_response_free(out);
    return resp;
}

/* Streams a GET's body into filepath (through filepath + ".download", renamed when complete).
 * Returns the file's size, or 0 when the answer is not a complete 200 (nothing is left behind).
 * progress_cb runs on the library's client thread while this call blocks. */
inline size_t downloadFile(const char* url, const char* filepath, download_progress_cb progress_cb = NULL) {
    std::string partial = std::string(filepath) + ".download";
    FILE* fp = fopen(partial.c_str(), "wb");
    if (fp == NULL) return 0;
    Request req = std::make_shared<HttpRequest>();
    req->method = HTTP_GET;
    req->url = url;
    req->timeout = 3600;
    size_t content_length = 0, received = 0;
    bool write_failed = false;
    req->http_cb = [&](HttpMessage* msg, http_parser_state state, const char* data, size_t size) {
        if (state == HP_HEADERS_COMPLETE) {
            content_length = (size_t)strtoull(msg->GetHeader("Content-Length").c_str(), NULL, 10);
        } else if (state == HP_BODY && size > 0) {
            if (fwrite(data, 1, size, fp) != size) write_failed = true;
            received += size;
            if (progress_cb) progress_cb(received, content_length);
        }
    };
    Response resp = request(req);
    bool complete = fclose(fp) == 0 && !write_failed && resp && resp->status_code == 200 &&
                    (content_length == 0 || received == content_length);
    if (!complete || rename(partial.c_str(), filepath) != 0) {
        remove(partial.c_str());
        return 0;
    }
    return hv_filesize(filepath);
}

} // namespace requests

#endif // HV_REQUESTS_H_
