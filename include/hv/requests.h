#ifndef HV_REQUESTS_H_
#define HV_REQUESTS_H_

/*
 * Python-requests-like helpers (libhv's requests.h):
 *   auto resp = requests::get("http://127.0.0.1:8080/ping");
 *   if (resp) printf("%d %s\n", resp->status_code, resp->body.c_str());
 * A NULL response means the request failed (connect, TLS, timeout).
 */

#include <memory>

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

} // namespace requests

#endif // HV_REQUESTS_H_
