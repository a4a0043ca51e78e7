#ifndef HV_HTTP_PARSER_H_
#define HV_HTTP_PARSER_H_

/*
 * HttpParser.h (C++) - libhv's HttpParser: turns bytes into an HttpRequest / HttpResponse and
 * back, for programs that do their own I/O.
 *
 *   client: SubmitRequest(req) -> GetSendData (send it) -> InitResponse(resp)
 *           -> FeedRecvData(received) while WantRecv()
 *   server: InitRequest(req) -> FeedRecvData(received) while WantRecv()
 *           -> SubmitResponse(resp) -> GetSendData (send it)
 *
 * HTTP/1.x only, as libhv without nghttp2: New(type, HTTP_V2) returns NULL. The parsing is the
 * library's (hv_http_parser in hvrs.h): strict framing, heads up to 64 KiB and 100 fields.
 * FeedRecvData returns the bytes used; once a message is complete the rest of the buffer is
 * not used (it starts the next message). FeedRecvData(NULL, 0) tells the parser the peer
 * closed (IsEof() does that), which completes a response whose body runs to EOF.
 * If the parsed message has an http_cb, it gets HP_HEADERS_COMPLETE, each HP_BODY piece
 * (instead of appending to body) and HP_MESSAGE_COMPLETE.
 */

#include <stdio.h>

#include <memory>
#include <string>

#include "hexport.h"
#include "hvrs.h"
#include "httpdef.h"
#include "HttpMessage.h"

class HttpParser {
public:
    http_version        version;
    http_session_type   type;

    /* A parser for the client side (parses responses) or the server side (parses requests). */
    static HttpParser* New(http_session_type type = HTTP_CLIENT, http_version version = HTTP_V1);
    virtual ~HttpParser() {}

    /* The message given to SubmitRequest/SubmitResponse, serialized once; 0 when none. */
    virtual int GetSendData(char** data, size_t* len) = 0;
    virtual int FeedRecvData(const char* data, size_t len) = 0;

    /* An http_parser_state value. */
    virtual int GetState() = 0;
    virtual bool WantRecv() = 0;
    virtual bool WantSend() = 0;
    /* The message given to InitRequest/InitResponse is complete. */
    virtual bool IsComplete() = 0;
    virtual bool IsEof() { return false; }

    virtual int SubmitRequest(HttpRequest* req) = 0;
    virtual int InitResponse(HttpResponse* res) = 0;
    virtual int InitRequest(HttpRequest* req) = 0;
    virtual int SubmitResponse(HttpResponse* res) = 0;

    /* 0, or nonzero once the message was rejected; StrError says why. */
    virtual int GetError() = 0;
    virtual const char* StrError(int error) = 0;
};

typedef std::shared_ptr<HttpParser> HttpParserPtr;

namespace hv {
namespace detail {

class Http1Parser : public HttpParser {
public:
    explicit Http1Parser(http_session_type session)
        : parser_(hv_http_parser_new(session == HTTP_SERVER)), submitted_(NULL), parsed_(NULL),
          head_done_(false), complete_done_(false) {}

    ~Http1Parser() { hv_http_parser_free(parser_); }

    Http1Parser(const Http1Parser&) = delete;
    Http1Parser& operator=(const Http1Parser&) = delete;

    int GetSendData(char** data, size_t* len) override {
        if (submitted_ == NULL) {
            *data = NULL;
            *len = 0;
            return 0;
        }
        sendbuf_ = submitted_->Dump(true, true);
        submitted_ = NULL;
        *data = &sendbuf_[0];
        *len = sendbuf_.size();
        return (int)sendbuf_.size();
    }

    int FeedRecvData(const char* data, size_t len) override {
        if (parsed_ == NULL) return -1;
        int used = 0;
        if (data == NULL && len == 0) {
            if (hv_http_parser_finish(parser_) != HV_OK) return -1;
        } else {
            long long n = (long long)hv_http_parser_feed(parser_, data, len);
            if (n < 0) return -1;
            used = (int)n;
        }
        deliver();
        return used;
    }

    int GetState() override { return hv_http_parser_state(parser_); }
    bool WantRecv() override { return GetState() != HP_MESSAGE_COMPLETE; }
    bool WantSend() override { return GetState() == HP_MESSAGE_COMPLETE; }
    bool IsComplete() override { return GetState() == HP_MESSAGE_COMPLETE; }

    bool IsEof() override {
        FeedRecvData(NULL, 0);
        return IsComplete();
    }

    int SubmitRequest(HttpRequest* req) override {
        submitted_ = req;
        if (req) hv_http_parser_set_skip_body(parser_, req->method == HTTP_HEAD);
        return 0;
    }

    int InitResponse(HttpResponse* res) override {
        res->Reset();
        start(res, false);
        return 0;
    }

    int InitRequest(HttpRequest* req) override {
        req->Reset();
        start(req, true);
        return 0;
    }

    int SubmitResponse(HttpResponse* res) override {
        submitted_ = res;
        return 0;
    }

    int GetError() override { return GetState() == HP_ERROR ? 1 : 0; }

    const char* StrError(int error) override {
        if (error == 0) return "success";
        size_t n = hv_http_parser_error(parser_, NULL, 0);
        errmsg_.assign(n + 1, '\0');
        hv_http_parser_error(parser_, &errmsg_[0], errmsg_.size());
        errmsg_.resize(n);
        return errmsg_.c_str();
    }

private:
    void start(HttpMessage* msg, bool request) {
        parsed_ = msg;
        head_done_ = false;
        complete_done_ = false;
        hv_http_parser_reset(parser_, request);
    }

    /* Moves what the library parsed into the message. */
    void deliver() {
        int state = GetState();
        if (!head_done_ && state >= HP_HEADERS_COMPLETE && state != HP_ERROR) {
            head_done_ = true;
            fillHead();
            if (parsed_->http_cb) parsed_->http_cb(parsed_, HP_HEADERS_COMPLETE, NULL, 0);
        }
        size_t n = 0;
        const char* body = hv_http_parser_body(parser_, &n);
        if (n > 0) {
            if (parsed_->http_cb) {
                parsed_->http_cb(parsed_, HP_BODY, body, n);
            } else {
                parsed_->body.append(body, n);
            }
            hv_http_parser_clear_body(parser_);
        }
        if (!complete_done_ && state == HP_MESSAGE_COMPLETE) {
            complete_done_ = true;
            if (parsed_->http_cb) parsed_->http_cb(parsed_, HP_MESSAGE_COMPLETE, NULL, 0);
        }
    }

    void fillHead() {
        parsed_->http_major = 1;
        parsed_->http_minor = (unsigned short)hv_http_parser_http_minor(parser_);
        if (parsed_->type == HTTP_REQUEST) {
            HttpRequest* req = static_cast<HttpRequest*>(parsed_);
            req->method = http_method_enum(hv_http_parser_method(parser_));
            req->url = hv_http_parser_url(parser_);
        } else {
            HttpResponse* res = static_cast<HttpResponse*>(parsed_);
            res->status_code = (http_status)hv_http_parser_status_code(parser_);
        }
        size_t count = hv_http_parser_header_count(parser_);
        for (size_t i = 0; i < count; ++i) {
            const char* name = NULL;
            const char* value = NULL;
            size_t name_len = 0, value_len = 0;
            if (!hv_http_parser_header(parser_, i, &name, &name_len, &value, &value_len)) continue;
            std::string key(name, name_len);
            std::string val(value, value_len);
            if (stricmp(key.c_str(), "Set-Cookie") == 0 || stricmp(key.c_str(), "Cookie") == 0) {
                HttpCookie cookie;
                if (cookie.parse(val)) {
                    parsed_->cookies.push_back(cookie);
                    continue;
                }
            }
            parsed_->headers[key] = val;
        }
        http_headers::iterator it = parsed_->headers.find("Content-Type");
        if (it != parsed_->headers.end()) parsed_->content_type = http_content_type_enum(it->second.c_str());
        it = parsed_->headers.find("Content-Length");
        if (it != parsed_->headers.end()) parsed_->content_length = (size_t)atoll(it->second.c_str());
    }

    hv_http_parser*     parser_;
    HttpMessage*        submitted_;
    HttpMessage*        parsed_;
    bool                head_done_;
    bool                complete_done_;
    std::string         sendbuf_;
    std::string         errmsg_;
};

} // namespace detail
} // namespace hv

inline HttpParser* HttpParser::New(http_session_type type, http_version version) {
    if (version != HTTP_V1) {
        fprintf(stderr, "HttpParser: only HTTP/1.x is provided\n");
        return NULL;
    }
    HttpParser* hp = new hv::detail::Http1Parser(type);
    hp->version = version;
    hp->type = type;
    return hp;
}

#endif // HV_HTTP_PARSER_H_
