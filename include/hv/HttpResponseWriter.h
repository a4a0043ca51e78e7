#ifndef HV_HTTP_RESPONSE_WRITER_H_
#define HV_HTTP_RESPONSE_WRITER_H_

#include <string>
#include <memory>

#include "hvrs.h"
#include "hlog.h"
#include "HttpMessage.h"
#include "EventLoop.h"
#include "hvrs_http.h"

namespace hv {


/*
 * Answers a request now or later, from any thread. Until the head is sent, WriteStatus,
 * WriteHeader and WriteBody only change `response`; EndHeaders (or the first chunk or event)
 * sends the head and later writes stream. End finishes, once. A writer that is destroyed
 * without End finishes the response with what it has.
 */
class HttpResponseWriter {
public:
    enum State {
        SEND_BEGIN = 0,
        SEND_HEADER,
        SEND_BODY,
        SEND_CHUNKED,
        SEND_CHUNKED_END,
        SEND_END,
    };

    HttpResponsePtr response;
    State state;
    State end;

    /* Takes its own reference to `writer`. */
    HttpResponseWriter(const hv_http_writer* writer, const HttpResponsePtr& resp)
        : response(resp), state(SEND_BEGIN), end(SEND_BEGIN), writer_(hv_http_writer_clone(writer)) {}

    /* A writer nobody ended answers what its response holds. */
    ~HttpResponseWriter() {
        if (end != SEND_END) {
            detail::guarded("HttpResponseWriter cleanup", [this] { End(); });
        }
        hv_http_writer_free(writer_);
    }

    int Begin() {
        state = end = SEND_BEGIN;
        return 0;
    }

    int WriteStatus(http_status status_code) {
        response->status_code = status_code;
        return 0;
    }

    int WriteHeader(const char* key, const char* value) {
        response->SetHeader(key, value);
        return 0;
    }

    template<typename T>
    int WriteHeader(const char* key, T num) {
        std::string value = hv::to_string(num);
        return WriteHeader(key, value.c_str());
    }

    int WriteCookie(const HttpCookie& cookie) {
        response->cookies.push_back(cookie);
        return 0;
    }

    /* Sends status and headers; the body follows as it is written. -1 once sent. */
    int EndHeaders(const char* key = NULL, const char* value = NULL) {
        if (state != SEND_BEGIN) return -1;
        if (key && value) response->SetHeader(key, value);
        const hv_http_writer* w = writer_;
        hv_http_writer_clear_headers(w);
        detail::exportHead(response.get(),
            [w](int status) { hv_http_writer_set_status(w, status); },
            [w](const char* k, const char* v) { hv_http_writer_add_header(w, k, v); });
        // A length the handler announced frames the streamed body instead of chunks.
        std::string length = response->GetHeader("Content-Length");
        if (!length.empty()) hv_http_writer_set_header(w, "Content-Length", length.c_str());
        if (!response->body.empty()) {
            hv_http_writer_write(w, response->body.data(), response->body.size());
            response->body.clear();
        }
        state = SEND_HEADER;
        return hv_http_writer_end_headers(w) == HV_OK ? 0 : -1;
    }

    template<typename T>
    int EndHeaders(const char* key, T num) {
        std::string value = hv::to_string(num);
        return EndHeaders(key, value.c_str());
    }

    int WriteChunked(const char* buf, int len = -1) {
        if (len == -1) len = buf ? (int)strlen(buf) : 0;
        if (len == 0) return EndChunked();
        if (state == SEND_BEGIN) EndHeaders();
        state = SEND_CHUNKED;
        return stream(buf, len);
    }

    int WriteChunked(const std::string& str) { return WriteChunked(str.c_str(), (int)str.size()); }

    int EndChunked() {
        state = SEND_CHUNKED_END;
        return End();
    }

    /* Before the head is sent the bytes are buffered into response->body. */
    int WriteBody(const char* buf, int len = -1) {
        if (len == -1) len = buf ? (int)strlen(buf) : 0;
        if (state == SEND_BEGIN) {
            response->body.append(buf, len);
            return len;
        }
        if (state == SEND_CHUNKED) return WriteChunked(buf, len);
        state = SEND_BODY;
        return stream(buf, len);
    }

    int WriteBody(const std::string& str) { return WriteBody(str.c_str(), (int)str.size()); }

    /* Sends `resp` whole (its body only, once the head is out); NULL answers 500. */
    int WriteResponse(HttpResponse* resp) {
        if (resp == NULL) {
            response->status_code = HTTP_STATUS_INTERNAL_SERVER_ERROR;
            return 0;
        }
        if (state == SEND_BEGIN) {
            if (resp != response.get()) *response = *resp;
            return End();
        }
        const void* data = NULL;
        size_t len = 0;
        detail::responseBody(resp, &data, &len);
        return stream((const char*)data, (int)len);
    }

    /* Server-sent events: the first call sends the head (text/event-stream). */
    int SSEvent(const std::string& data, const char* event = "message") {
        if (state == SEND_BEGIN) {
            response->SetHeader("Content-Type", "text/event-stream");
            response->content_type = TEXT_EVENT_STREAM;
            EndHeaders();
        }
        std::string msg;
        if (event) {
            msg += "event: ";
            msg += event;
            msg += "\n";
        }
        msg += "data: ";
        msg += data;
        msg += "\n\n";
        state = SEND_BODY;
        return stream(msg.data(), (int)msg.size());
    }

    /* Finishes the response; later calls return 0. -1 when the client is gone. */
    int End(const char* buf = NULL, int len = -1) {
        if (end == SEND_END) return 0;
        end = SEND_END;
        if (!isConnected()) return -1;
        if (len == -1) len = buf ? (int)strlen(buf) : 0;
        if (state == SEND_BEGIN) {
            if (len > 0) response->body.append(buf, len);
            hv_http_writer_clear_headers(writer_);
            detail::exportHead(response.get(),
                [this](int status) { hv_http_writer_set_status(writer_, status); },
                [this](const char* k, const char* v) { hv_http_writer_add_header(writer_, k, v); });
            const void* data = NULL;
            size_t size = 0;
            detail::responseBody(response.get(), &data, &size);
            hv_http_writer_write(writer_, data, size);
        } else if (len > 0) {
            stream(buf, len);
        }
        state = SEND_END;
        return hv_http_writer_end(writer_) == HV_OK ? 0 : -1;
    }

    int End(const std::string& str) { return End(str.c_str(), (int)str.size()); }

    bool isConnected() { return hv_http_writer_is_connected(writer_); }
    bool isWriteComplete() { return true; }
    size_t writeBufsize() { return 0; }

    /* Finishes the response (hv-rs answers what was written, then the client may reuse the
     * connection); returns 0. */
    int close(bool async = false) {
        (void)async;
        End();
        return 0;
    }

    const hv_http_writer* cWriter() const { return writer_; }

private:
    HttpResponseWriter(const HttpResponseWriter&);
    HttpResponseWriter& operator=(const HttpResponseWriter&);

    int stream(const char* buf, int len) {
        if (len <= 0) return 0;
        return hv_http_writer_write(writer_, buf, (size_t)len) == HV_OK ? len : -1;
    }

    const hv_http_writer* writer_;
};

} // namespace hv

typedef std::shared_ptr<hv::HttpResponseWriter> HttpResponseWriterPtr;

#endif // HV_HTTP_RESPONSE_WRITER_H_
