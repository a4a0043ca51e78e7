#ifndef HV_AXIOS_H_
#define HV_AXIOS_H_

/*
 * axios.h (C++) - HTTP requests described as JSON, in the style of JavaScript's axios, on the
 * requests.h client.
 *
 *   auto resp = axios::axios(R"({"method": "POST", "url": "http://127.0.0.1:8080/echo",
 *                                "params": {"page": "1"}, "headers": {"X-Id": "7"},
 *                                "body": {"app_id": "123"}, "timeout": 10})");
 *   axios::axios(str, [](const HttpResponsePtr& resp) { ... });   // async
 *
 * Fields: "url"; "params" (query parameters); "headers"; "body" or "data" (an object or
 * array is sent as JSON, a string as is); "method" (default POST when there is a body,
 * else GET); "timeout" (seconds). Malformed JSON throws nlohmann::json::exception, as in
 * libhv; a failed request gives NULL (sync) or a NULL response to the callback (async).
 */

#include "json.hpp"
#include "requests.h"

using nlohmann::json;
using requests::Request;
using requests::Response;
using requests::ResponseCallback;

namespace axios {

inline Request newRequestFromJson(const json& jreq) {
    Request req = std::make_shared<HttpRequest>();
    if (jreq.contains("url")) {
        req->url = jreq["url"].get<std::string>();
    }
    if (jreq.contains("params")) {
        for (json::const_iterator it = jreq["params"].begin(); it != jreq["params"].end(); ++it) {
            req->query_params[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
        }
    }
    if (jreq.contains("headers")) {
        for (json::const_iterator it = jreq["headers"].begin(); it != jreq["headers"].end(); ++it) {
            req->headers[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
        }
    }
    const char* body_key = jreq.contains("body") ? "body" : (jreq.contains("data") ? "data" : NULL);
    if (body_key) {
        const json& jbody = jreq[body_key];
        if (jbody.is_object() || jbody.is_array()) {
            req->json = jbody;
        } else if (jbody.is_string()) {
            req->body = jbody.get<std::string>();
        }
    }
    if (jreq.contains("method")) {
        req->method = http_method_enum(jreq["method"].get<std::string>().c_str());
    } else {
        req->method = body_key ? HTTP_POST : HTTP_GET;
    }
    if (jreq.contains("timeout")) {
        req->timeout = jreq["timeout"].get<uint16_t>();
    }
    return req;
}

inline Request newRequestFromJsonString(const char* req_str) {
    return newRequestFromJson(json::parse(req_str));
}

/* Sync. A method other than GET, and a non-NULL url, override the JSON's. */
inline Response axios(const json& jreq, http_method method = HTTP_GET, const char* url = nullptr) {
    Request req = newRequestFromJson(jreq);
    if (method != HTTP_GET) req->method = method;
    if (url) req->url = url;
    return requests::request(req);
}

inline Response axios(const char* req_str, http_method method = HTTP_GET, const char* url = nullptr) {
    if (req_str == nullptr) {
        return url ? requests::request(method, url) : Response();
    }
    return axios(json::parse(req_str), method, url);
}

inline Response head(const char* url, const json& jreq) { return axios(jreq, HTTP_HEAD, url); }
inline Response head(const char* url, const char* req_str = nullptr) { return axios(req_str, HTTP_HEAD, url); }
inline Response get(const char* url, const json& jreq) { return axios(jreq, HTTP_GET, url); }
inline Response get(const char* url, const char* req_str = nullptr) { return axios(req_str, HTTP_GET, url); }
inline Response post(const char* url, const json& jreq) { return axios(jreq, HTTP_POST, url); }
inline Response post(const char* url, const char* req_str = nullptr) { return axios(req_str, HTTP_POST, url); }
inline Response put(const char* url, const json& jreq) { return axios(jreq, HTTP_PUT, url); }
inline Response put(const char* url, const char* req_str = nullptr) { return axios(req_str, HTTP_PUT, url); }
inline Response patch(const char* url, const json& jreq) { return axios(jreq, HTTP_PATCH, url); }
inline Response patch(const char* url, const char* req_str = nullptr) { return axios(req_str, HTTP_PATCH, url); }
inline Response Delete(const char* url, const json& jreq) { return axios(jreq, HTTP_DELETE, url); }
inline Response Delete(const char* url, const char* req_str = nullptr) { return axios(req_str, HTTP_DELETE, url); }

/* Async: resp_cb gets the answer (NULL on failure) on the client thread. 0, or an error code. */
inline int axios(const json& jreq, ResponseCallback resp_cb) {
    return requests::async(newRequestFromJson(jreq), std::move(resp_cb));
}

inline int axios(const char* req_str, ResponseCallback resp_cb) {
    return axios(json::parse(req_str), std::move(resp_cb));
}

} // namespace axios

#endif // HV_AXIOS_H_
