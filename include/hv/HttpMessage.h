#ifndef HV_HTTP_MESSAGE_H_
#define HV_HTTP_MESSAGE_H_

/*
 * HttpMessage.h (C++) - HTTP requests and responses as plain C++ objects:
 * HttpCookie, HttpMessage, HttpRequest, HttpResponse.  Header-only.
 *
 * A message is made of a start line (method + path, or status code),
 * headers, cookies and a body.  The body can be given as raw bytes
 * (`body`, or `content` + `content_length` for data that is not copied)
 * or as structured content (`json`, `form`, `kv`) that is serialised into
 * `body` on demand according to `content_type`, and parsed back from it
 * lazily by the getters.
 *
 * This header is pure data: it knows nothing about sockets or about the
 * hv-rs C ABI.
 */

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hexport.h"
#include "hbase.h"
#include "htime.h"
#include "hstring.h"
#include "hfile.h"
#include "hpath.h"
#include "hurl.h"

#include "httpdef.h"
#include "http_content.h"

/* ========================= HttpCookie =================================== */

/*
 * One cookie, as sent in a Set-Cookie header (or a Cookie header):
 *   sid=abc; Domain=.example.com; Path=/; Max-Age=86400; Secure; HttpOnly
 */
struct HttpCookie {
    std::string name;
    std::string value;
    std::string domain;
    std::string path;
    std::string expires;
    int         max_age;
    bool        secure;
    bool        httponly;
    enum SameSite {
        Default,
        Strict,
        Lax,
        None
    } samesite;
    enum Priority {
        NotSet,
        Low,
        Medium,
        High,
    } priority;
    /* Every name=value pair that is not an attribute (a Cookie header may
     * carry several cookies: "a=1; b=2"). */
    hv::KeyValue kv;

    HttpCookie() {
        init();
    }

    /* Attributes back to their defaults (strings untouched). */
    void init() {
        max_age = 0;
        secure = false;
        httponly = false;
        samesite = Default;
        priority = NotSet;
    }

    /* Everything back to an empty cookie. */
    void reset() {
        init();
        name.clear();
        value.clear();
        domain.clear();
        path.clear();
        expires.clear();
        kv.clear();
    }

    /*
     * Reads a "k=v; Attr=x; Flag" list.  Domain, Path, Expires, Max-Age,
     * SameSite and Priority (any case) are attributes, Secure and HttpOnly
     * flags; every other k=v goes into kv, and the first of them also
     * becomes name/value.  Returns true if a name was found.
     */
    bool parse(const std::string& str) {
        reset();
        hv::StringList items = hv::split(str, ';');
        for (size_t i = 0; i < items.size(); ++i) {
            const std::string& item = items[i];
            std::string::size_type eq = item.find('=');
            if (eq == std::string::npos) {
                std::string flag = hv::trim(item);
                if (strcasecmp(flag.c_str(), "Secure") == 0) {
                    secure = true;
                } else if (strcasecmp(flag.c_str(), "HttpOnly") == 0) {
                    httponly = true;
                }
                /* anything else (including empty items) is ignored */
                continue;
            }
            std::string key = hv::trim(item.substr(0, eq));
            std::string val = hv::trim(item.substr(eq + 1));
            if (key.empty()) continue;
            const char* k = key.c_str();
            if (strcasecmp(k, "Domain") == 0) {
                domain = val;
            } else if (strcasecmp(k, "Path") == 0) {
                path = val;
            } else if (strcasecmp(k, "Expires") == 0) {
                expires = val;
            } else if (strcasecmp(k, "Max-Age") == 0) {
                max_age = (int)strtol(val.c_str(), NULL, 10);
            } else if (strcasecmp(k, "SameSite") == 0) {
                if (strcasecmp(val.c_str(), "Strict") == 0) samesite = Strict;
                else if (strcasecmp(val.c_str(), "Lax") == 0) samesite = Lax;
                else if (strcasecmp(val.c_str(), "None") == 0) samesite = None;
                else samesite = Default;
            } else if (strcasecmp(k, "Priority") == 0) {
                if (strcasecmp(val.c_str(), "Low") == 0) priority = Low;
                else if (strcasecmp(val.c_str(), "Medium") == 0) priority = Medium;
                else if (strcasecmp(val.c_str(), "High") == 0) priority = High;
                else priority = NotSet;
            } else {
                if (name.empty()) {
                    name = key;
                    value = val;
                }
                kv[key] = val;
            }
        }
        return !name.empty();
    }

    /* name=value, the other kv pairs, then the attributes:
     * "sid=abc; Path=/; Max-Age=10; HttpOnly".  Max-Age (when > 0) is
     * written instead of Expires. */
    std::string dump() const {
        std::string out;
        if (!name.empty()) {
            out += name;
            out += '=';
            out += value;
        }
        for (hv::KeyValue::const_iterator it = kv.begin(); it != kv.end(); ++it) {
            if (it->first == name) continue;
            if (!out.empty()) out += "; ";
            out += it->first;
            out += '=';
            out += it->second;
        }
        if (!domain.empty()) {
            out += "; Domain=";
            out += domain;
        }
        if (!path.empty()) {
            out += "; Path=";
            out += path;
        }
        if (max_age > 0) {
            out += "; Max-Age=";
            out += hv::to_string(max_age);
        } else if (!expires.empty()) {
            out += "; Expires=";
            out += expires;
        }
        switch (samesite) {
        case Strict: out += "; SameSite=Strict"; break;
        case Lax:    out += "; SameSite=Lax";    break;
        case None:   out += "; SameSite=None";   break;
        default:     break;
        }
        switch (priority) {
        case Low:    out += "; Priority=Low";    break;
        case Medium: out += "; Priority=Medium"; break;
        case High:   out += "; Priority=High";   break;
        default:     break;
        }
        if (secure) out += "; Secure";
        if (httponly) out += "; HttpOnly";
        return out;
    }
};

/* Header names compare without regard to case; a key keeps the spelling
 * of its first insertion. */
typedef std::map<std::string, std::string, hv::StringCaseLess>  http_headers;
typedef std::vector<HttpCookie>                                 http_cookies;
typedef std::string                                             http_body;

/*
 * Shared empty objects.  libhv defines them in its compiled library; here
 * each one is owned by an inline function and every translation unit
 * holds a reference to it, so DefaultHeaders / NoBody / NoCookie still
 * name one object per program.
 */
inline http_headers& hvh_default_headers_object() {
    static http_headers headers;
    return headers;
}

inline http_body& hvh_no_body_object() {
    static http_body body;
    return body;
}

inline HttpCookie& hvh_no_cookie_object() {
    static HttpCookie cookie;
    return cookie;
}

HV_UNUSED static http_headers& DefaultHeaders = hvh_default_headers_object();
HV_UNUSED static http_body&    NoBody         = hvh_no_body_object();
HV_UNUSED static HttpCookie&   NoCookie       = hvh_no_cookie_object();

namespace hv {
namespace hvh_detail {

/* Home of HttpMessage::s_date: a static data member of a class template
 * may be defined in a header, so there is one s_date per program. */
template<typename Tag>
struct HttpMessageStatics {
    static char s_date[32];
};

template<typename Tag>
char HttpMessageStatics<Tag>::s_date[32] = {0};

/* Copy of str where CR and LF become the two characters "\r" / "\n", so
 * a header line can never be split (CVE-2023-26148). */
inline void append_header_text(std::string& out, const std::string& str) {
    if (str.find_first_of("\r\n") == std::string::npos) {
        out += str;
        return;
    }
    for (size_t i = 0; i < str.size(); ++i) {
        if (str[i] == '\r') {
            out += "\\r";
        } else if (str[i] == '\n') {
            out += "\\n";
        } else {
            out += str[i];
        }
    }
}

/* The boundary parameter of a multipart Content-Type value, without
 * quotes ("" if there is none). */
inline std::string multipart_boundary(const std::string& content_type) {
    const char* found = strstr(content_type.c_str(), "boundary=");
    if (found == NULL) return std::string();
    std::string boundary(found + 9);
    std::string::size_type semi = boundary.find(';');
    if (semi != std::string::npos) boundary.erase(semi);
    return hv::trim_pairs(hv::trim(boundary, " \t"), "\"\"''");
}

/* host, or [host] when it is a bare IPv6 address. */
inline std::string bracket_host(const std::string& host) {
    if (host.find(':') != std::string::npos && (host.empty() || host[0] != '[')) {
        return "[" + host + "]";
    }
    return host;
}

inline std::string host_port(const std::string& host, int port) {
    return bracket_host(host) + ":" + hv::to_string(port);
}

inline std::string base64_encode(const std::string& in) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = ((unsigned)(unsigned char)in[i] << 16) |
                     ((unsigned)(unsigned char)in[i + 1] << 8) |
                     (unsigned)(unsigned char)in[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    size_t rest = in.size() - i;
    if (rest > 0) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16;
        if (rest == 2) v |= (unsigned)(unsigned char)in[i + 1] << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

/* Decimal text -> integer without overflow (saturates). */
inline int64_t parse_int64(const std::string& str) {
    return (int64_t)strtoll(str.c_str(), NULL, 10);
}

inline double parse_double(const std::string& str) {
    return strtod(str.c_str(), NULL);
}

/* double -> int64_t without undefined behaviour: out-of-range values
 * saturate. */
inline int64_t clamp_to_int64(double d) {
    if (d != d) return 0;
    if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
    if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return (int64_t)d;
}

/* Last path component of a file name sent by a peer, or "" if it has
 * none that may be used as a file name. */
inline std::string safe_file_name(const std::string& filename) {
    std::string::size_type sep = filename.find_last_of("/\\");
    std::string base = sep == std::string::npos ? filename : filename.substr(sep + 1);
    if (base == "." || base == "..") return std::string();
    return base;
}

} /* namespace hvh_detail */
} /* namespace hv */

/* ========================= HttpMessage ================================== */

class HttpMessage : public hv::hvh_detail::HttpMessageStatics<void> {
public:
    /* (inherited) static char s_date[32]: the Date header value used by
     * HttpResponse::Dump when it is not empty. */

    int                 type;       /* HTTP_REQUEST, HTTP_RESPONSE or HTTP_BOTH */
    unsigned short      http_major;
    unsigned short      http_minor;

    http_headers        headers;
    http_cookies        cookies;
    http_body           body;

    /* Called by a parser as the message arrives. */
    std::function<void(HttpMessage*, http_parser_state state, const char* data, size_t size)> http_cb;

    /* Body bytes that are not copied (see Data()); NULL means `body`. */
    void*               content;
    size_t              content_length;
    http_content_type   content_type;

#ifndef WITHOUT_HTTP_CONTENT
    hv::Json            json;       /* APPLICATION_JSON */
    hv::MultiPart       form;       /* MULTIPART_FORM_DATA */
    hv::KeyValue        kv;         /* APPLICATION_URLENCODED */

    /*
     * A value of the body, by key: JSON object member, form part or
     * urlencoded pair, according to ContentType().  The body is parsed on
     * first use.  Strings, numbers and booleans convert into one another.
     * T may be bool, int, int64_t, float or double.
     */
    template<typename T>
    T Get(const char* key, T defvalue = 0);

    std::string GetString(const char* key, const std::string& defvalue = "");
    bool GetBool(const char* key, bool defvalue = 0);
    int64_t GetInt(const char* key, int64_t defvalue = 0);
    double GetFloat(const char* key, double defvalue = 0);

    /* Sets a value of the structured content matching ContentType();
     * does nothing when the content type is none of JSON, multipart or
     * urlencoded. */
    template<typename T>
    void Set(const char* key, const T& value) {
        switch (ContentType()) {
        case APPLICATION_JSON:
            json[key] = value;
            break;
        case MULTIPART_FORM_DATA:
            form[key] = hv::FormData(value);
            break;
        case APPLICATION_URLENCODED:
            kv[key] = hv::to_string(value);
            break;
        default:
            break;
        }
    }

    /*
     * Body = t as pretty JSON (2-space indent), Content-Type JSON.
     * t is anything hv::Json can be built from: nullptr, bool, numbers,
     * strings, std::map / std::vector of those, hv::Json itself.
     * Returns 200.
     */
    template<typename T>
    int Json(const T& t) {
        content_type = APPLICATION_JSON;
        hv::Json value(t);
        body = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
        return 200;
    }

    const hv::Json& GetJson() {
        if (json.empty() && ContentType() == APPLICATION_JSON) {
            ParseBody();
        }
        return json;
    }

    /* multipart/form-data */
    template<typename T>
    void SetFormData(const char* name, const T& t) {
        form[name] = hv::FormData(t);
    }

    void SetFormFile(const char* name, const char* filepath) {
        form[name] = hv::FormData(NULL, filepath);
    }

    int FormFile(const char* name, const char* filepath) {
        content_type = MULTIPART_FORM_DATA;
        form[name] = hv::FormData(NULL, filepath);
        return 200;
    }

    const hv::MultiPart& GetForm() {
        if (form.empty() && ContentType() == MULTIPART_FORM_DATA) {
            ParseBody();
        }
        return form;
    }

    std::string GetFormData(const char* name, const std::string& defvalue = hv::empty_string) {
        GetForm();
        hv::MultiPart::const_iterator it = form.find(name);
        return it == form.end() ? defvalue : it->second.content;
    }

    /*
     * Writes the content of form part `name` to `path`, or, when path is
     * a directory, to path/<file name sent with the part> (only its last
     * component is used).  Returns 200, 400 (not multipart, no such part,
     * empty part, unusable file name) or 500 (cannot create the file).
     */
    int SaveFormFile(const char* name, const char* path) {
        if (ContentType() != MULTIPART_FORM_DATA) {
            return HTTP_STATUS_BAD_REQUEST;
        }
        if (form.empty()) {
            ParseBody();
            if (form.empty()) return HTTP_STATUS_BAD_REQUEST;
        }
        hv::MultiPart::const_iterator it = form.find(name);
        if (it == form.end() || it->second.content.empty()) {
            return HTTP_STATUS_BAD_REQUEST;
        }
        const hv::FormData& part = it->second;
        std::string filepath(path);
        if (HPath::isdir(path)) {
            std::string file_name = hv::hvh_detail::safe_file_name(part.filename);
            if (file_name.empty()) return HTTP_STATUS_BAD_REQUEST;
            filepath = HPath::join(filepath, file_name);
        }
        HFile file;
        if (file.open(filepath.c_str(), "wb") != 0) {
            return HTTP_STATUS_INTERNAL_SERVER_ERROR;
        }
        file.write(part.content.data(), part.content.size());
        return 200;
    }

    /* application/x-www-form-urlencoded */
    template<typename T>
    void SetUrlEncoded(const char* key, const T& t) {
        kv[key] = hv::to_string(t);
    }

    const hv::KeyValue& GetUrlEncoded() {
        if (kv.empty() && ContentType() == APPLICATION_URLENCODED) {
            ParseBody();
        }
        return kv;
    }

    std::string GetUrlEncoded(const char* key, const std::string& defvalue = hv::empty_string) {
        GetUrlEncoded();
        hv::KeyValue::const_iterator it = kv.find(key);
        return it == kv.end() ? defvalue : it->second;
    }
#endif /* WITHOUT_HTTP_CONTENT */

    HttpMessage() {
        type = HTTP_BOTH;
        Init();
    }

    virtual ~HttpMessage() {}

    void Init() {
        http_major = 1;
        http_minor = 1;
        content = NULL;
        content_length = 0;
        content_type = CONTENT_TYPE_NONE;
    }

    virtual void Reset() {
        Init();
        headers.clear();
        cookies.clear();
        body.clear();
#ifndef WITHOUT_HTTP_CONTENT
        json.clear();
        form.clear();
        kv.clear();
#endif
    }

    /*
     * content_type <-> Content-Type header.  An existing header decides
     * content_type.  Otherwise a type is inferred when none is set (json,
     * form, kv, then any body -> text/plain) and the header is written.
     * A multipart header gets the default boundary if it has none.
     */
    void FillContentType() {
        http_headers::iterator it = headers.find("Content-Type");
        if (it != headers.end()) {
            content_type = http_content_type_enum(it->second.c_str());
        } else {
#ifndef WITHOUT_HTTP_CONTENT
            if (content_type == CONTENT_TYPE_NONE) {
                if (json.size() != 0) {
                    content_type = APPLICATION_JSON;
                } else if (form.size() != 0) {
                    content_type = MULTIPART_FORM_DATA;
                } else if (kv.size() != 0) {
                    content_type = APPLICATION_URLENCODED;
                } else if (body.size() != 0) {
                    content_type = TEXT_PLAIN;
                }
            }
#endif
            /* only a type with a known MIME string can be written */
            const char* mime = http_content_type_str(content_type);
            if (content_type != CONTENT_TYPE_NONE && strcmp(mime, "<unknown>") != 0) {
                it = headers.insert(http_headers::value_type("Content-Type", mime)).first;
            }
        }
#ifndef WITHOUT_HTTP_CONTENT
        if (content_type == MULTIPART_FORM_DATA && it != headers.end() &&
            it->second.find("boundary=") == std::string::npos) {
            it->second += "; boundary=";
            it->second += DEFAULT_MULTIPART_BOUNDARY;
        }
#endif
    }

    /* Whether a Content-Length: 0 header is wanted when the body is
     * empty: yes for responses, except 1xx, 204 and 304 (HttpResponse
     * overrides this); no for requests. */
    virtual bool NeedContentLength() {
        return type == HTTP_RESPONSE;
    }

    /*
     * content_length <-> Content-Length header.  The header value wins;
     * otherwise structured content is dumped into body and its size is
     * used.  A missing header is added unless the message is chunked or an
     * event stream, or the length is 0 and NeedContentLength() says no.
     */
    void FillContentLength() {
        http_headers::iterator it = headers.find("Content-Length");
        if (it != headers.end()) {
            int64_t n = hv::hvh_detail::parse_int64(it->second);
            content_length = n > 0 ? (size_t)n : 0;
        }
        if (content_length == 0) {
            DumpBody();
            content_length = body.size();
        }
        if (it == headers.end() && !IsChunked() && content_type != TEXT_EVENT_STREAM) {
            if (content_length != 0 || NeedContentLength()) {
                headers["Content-Length"] = hv::to_string(content_length);
            }
        }
    }

    /* Transfer-Encoding: chunked (any case). */
    bool IsChunked() {
        http_headers::const_iterator it = headers.find("Transfer-Encoding");
        return it != headers.end() && strcasecmp(it->second.c_str(), "chunked") == 0;
    }

    /* Connection: close -> false; keep-alive / upgrade / anything else ->
     * true; no Connection header -> false for HTTP/1.0 only. */
    bool IsKeepAlive() {
        http_headers::const_iterator it = headers.find("Connection");
        if (it != headers.end()) {
            return strcasecmp(it->second.c_str(), "close") != 0;
        }
        return !(http_major == 1 && http_minor == 0);
    }

    bool IsUpgrade() {
        return headers.find("Upgrade") != headers.end();
    }

    void SetHeader(const char* key, const std::string& value) {
        headers[key] = value;
    }

    std::string GetHeader(const char* key, const std::string& defvalue = hv::empty_string) {
        http_headers::const_iterator it = headers.find(key);
        return it == headers.end() ? defvalue : it->second;
    }

    void AddCookie(const HttpCookie& cookie) {
        cookies.push_back(cookie);
    }

    /* The cookie called `name`.  A cookie that only has it among its kv
     * pairs is renamed to it (name/value updated) and returned.  NoCookie
     * if there is none. */
    const HttpCookie& GetCookie(const std::string& name) {
        for (http_cookies::iterator it = cookies.begin(); it != cookies.end(); ++it) {
            if (it->name == name) return *it;
            hv::KeyValue::const_iterator found = it->kv.find(name);
            if (found != it->kv.end()) {
                it->name = name;
                it->value = found->second;
                return *it;
            }
        }
        return hvh_no_cookie_object();
    }

    void SetBody(const std::string& body) {
        this->body = body;
    }

    const std::string& Body() {
        return this->body;
    }

    /* "Key: Value\r\n" for every header (after filling Content-Type and
     * Content-Length), in map order, then one Cookie: (request) or
     * Set-Cookie: (response) line per cookie. */
    void DumpHeaders(std::string& str) {
        FillContentType();
        FillContentLength();
        for (http_headers::const_iterator it = headers.begin(); it != headers.end(); ++it) {
            /* HTTP/2 pseudo-headers (":path", ...) are not HTTP/1 lines */
            if (!it->first.empty() && it->first[0] == ':') continue;
            hv::hvh_detail::append_header_text(str, it->first);
            str += ": ";
            hv::hvh_detail::append_header_text(str, it->second);
            str += "\r\n";
        }
        const char* field = type == HTTP_RESPONSE ? "Set-Cookie: " : "Cookie: ";
        for (http_cookies::const_iterator it = cookies.begin(); it != cookies.end(); ++it) {
            str += field;
            hv::hvh_detail::append_header_text(str, it->dump());
            str += "\r\n";
        }
    }

    /* Structured content -> body, unless body is already set. */
    void DumpBody() {
        if (!body.empty()) return;
        FillContentType();
#ifndef WITHOUT_HTTP_CONTENT
        switch (content_type) {
        case APPLICATION_JSON:
            body = hv::dump_json(json, 2);
            break;
        case MULTIPART_FORM_DATA: {
            http_headers::const_iterator it = headers.find("Content-Type");
            if (it == headers.end()) return;
            std::string boundary = hv::hvh_detail::multipart_boundary(it->second);
            if (boundary.empty()) return;
            body = hv::dump_multipart(form, boundary.c_str());
            break;
        }
        case APPLICATION_URLENCODED:
            body = hv::dump_query_params(kv);
            break;
        default:
            break;
        }
#endif
    }

    /* Appends the body bytes (no-copy content, or body after DumpBody()). */
    void DumpBody(std::string& str) {
        DumpBody();
        if (content != NULL) {
            if (content_length != 0) str.append((const char*)content, content_length);
        } else {
            str += body;
        }
    }

    /* body -> structured content, by content type.  Returns 0 on success
     * or for types without structure, -1 for an empty body or a parse
     * error. */
    int ParseBody() {
        if (body.empty()) return -1;
        FillContentType();
#ifndef WITHOUT_HTTP_CONTENT
        switch (content_type) {
        case APPLICATION_JSON: {
            std::string errmsg;
            return hv::parse_json(body.c_str(), json, errmsg);
        }
        case MULTIPART_FORM_DATA: {
            http_headers::const_iterator it = headers.find("Content-Type");
            if (it == headers.end()) return -1;
            std::string boundary = hv::hvh_detail::multipart_boundary(it->second);
            if (boundary.empty()) return -1;
            return hv::parse_multipart(body, form, boundary.c_str());
        }
        case APPLICATION_URLENCODED:
            return hv::parse_query_params(body.c_str(), kv);
        default:
            return 0;
        }
#else
        return 0;
#endif
    }

    /* Headers (optional), blank line, body (optional). */
    virtual std::string Dump(bool is_dump_headers, bool is_dump_body) {
        std::string str;
        if (is_dump_headers) DumpHeaders(str);
        str += "\r\n";
        if (is_dump_body) DumpBody(str);
        return str;
    }

    /* The bytes to send: the no-copy content if set, else body (NULL if
     * both are empty).  Also sets content_length in the body case. */
    void* Content() {
        if (content == NULL && !body.empty()) {
            content_length = body.size();
            return (void*)body.data();
        }
        return content;
    }

    size_t ContentLength() {
        if (content_length == 0) {
            FillContentLength();
        }
        return content_length;
    }

    /* May add a Content-Type header (see FillContentType). */
    http_content_type ContentType() {
        if (content_type == CONTENT_TYPE_NONE) {
            FillContentType();
        }
        return content_type;
    }

    void SetContentType(http_content_type type) {
        content_type = type;
    }

    void SetContentType(const char* type) {
        content_type = http_content_type_enum(type);
    }

    /* By file suffix; application/octet-stream when unknown. */
    void SetContentTypeByFilename(const char* filepath) {
        if (filepath != NULL) {
            content_type = http_content_type_enum_by_suffix(hv_suffixname(filepath));
        }
        if (content_type == CONTENT_TYPE_NONE || content_type == CONTENT_TYPE_UNDEFINED) {
            content_type = APPLICATION_OCTET_STREAM;
        }
    }

    /* text/plain body.  Returns 200. */
    int String(const std::string& str) {
        content_type = TEXT_PLAIN;
        body = str;
        return 200;
    }

    /* application/octet-stream body.  nocopy: only the pointer is kept
     * (the caller keeps the bytes alive until the message is sent);
     * otherwise the bytes are appended to body.  Returns 200. */
    int Data(void* data, int len, bool nocopy = true) {
        content_type = APPLICATION_OCTET_STREAM;
        if (len < 0 || data == NULL) len = 0;
        if (nocopy) {
            content = data;
            content_length = (size_t)len;
        } else {
            body.append((const char*)data, (size_t)len);
            content_length = body.size();
        }
        return 200;
    }

    /* Body = the file's bytes, content type from its suffix.  Returns 200,
     * or 404 if it cannot be read. */
    int File(const char* filepath) {
        if (filepath == NULL || HPath::isdir(filepath)) {
            return HTTP_STATUS_NOT_FOUND;
        }
        HFile file;
        if (file.open(filepath, "rb") != 0) {
            return HTTP_STATUS_NOT_FOUND;
        }
        SetContentTypeByFilename(filepath);
        body.clear();
        file.readall(body);
        return 200;
    }

    /* Writes body to a file.  Returns 200, or 404 if it cannot be
     * created. */
    int SaveFile(const char* filepath) {
        HFile file;
        if (filepath == NULL || file.open(filepath, "wb") != 0) {
            return HTTP_STATUS_NOT_FOUND;
        }
        file.write(body.data(), body.size());
        return 200;
    }
};

#ifndef WITHOUT_HTTP_CONTENT

/* Get<T> exists for the types below only (as in libhv). */
template<typename T>
inline T HttpMessage::Get(const char* key, T defvalue) {
    static_assert(sizeof(T) == 0,
        "HttpMessage::Get<T>: T must be bool, int, int64_t, float or double");
    (void)key;
    return defvalue;
}

template<>
inline int64_t HttpMessage::Get<int64_t>(const char* key, int64_t defvalue) {
    if (ContentType() != APPLICATION_JSON) {
        std::string str = GetString(key);
        return str.empty() ? defvalue : hv::hvh_detail::parse_int64(str);
    }
    if (json.empty()) ParseBody();
    if (!json.is_object()) return defvalue;
    hv::Json::const_iterator it = json.find(key);
    if (it == json.end()) return defvalue;
    const hv::Json& value = *it;
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_number()) return hv::hvh_detail::clamp_to_int64(value.get<double>());
    if (value.is_string()) return hv::hvh_detail::parse_int64(value.get<std::string>());
    if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
    return defvalue;
}

template<>
inline int HttpMessage::Get<int>(const char* key, int defvalue) {
    return (int)Get<int64_t>(key, defvalue);
}

template<>
inline double HttpMessage::Get<double>(const char* key, double defvalue) {
    if (ContentType() != APPLICATION_JSON) {
        std::string str = GetString(key);
        return str.empty() ? defvalue : hv::hvh_detail::parse_double(str);
    }
    if (json.empty()) ParseBody();
    if (!json.is_object()) return defvalue;
    hv::Json::const_iterator it = json.find(key);
    if (it == json.end()) return defvalue;
    const hv::Json& value = *it;
    if (value.is_number()) return value.get<double>();
    if (value.is_string()) return hv::hvh_detail::parse_double(value.get<std::string>());
    return defvalue;
}

template<>
inline float HttpMessage::Get<float>(const char* key, float defvalue) {
    double d = Get<double>(key, defvalue);
    if (d > FLT_MAX) return std::numeric_limits<float>::infinity();
    if (d < -FLT_MAX) return -std::numeric_limits<float>::infinity();
    return (float)d;
}

template<>
inline bool HttpMessage::Get<bool>(const char* key, bool defvalue) {
    if (ContentType() != APPLICATION_JSON) {
        std::string str = GetString(key);
        return str.empty() ? defvalue : hv_getboolean(str.c_str());
    }
    if (json.empty()) ParseBody();
    if (!json.is_object()) return defvalue;
    hv::Json::const_iterator it = json.find(key);
    if (it == json.end()) return defvalue;
    const hv::Json& value = *it;
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_string()) return hv_getboolean(value.get<std::string>().c_str());
    if (value.is_number()) return value.get<double>() != 0;
    return defvalue;
}

/* Never reads query parameters. */
inline std::string HttpMessage::GetString(const char* key, const std::string& defvalue) {
    switch (ContentType()) {
    case APPLICATION_JSON: {
        if (json.empty()) ParseBody();
        if (!json.is_object()) return defvalue;
        hv::Json::const_iterator it = json.find(key);
        if (it == json.end()) return defvalue;
        const hv::Json& value = *it;
        if (value.is_string()) return value.get<std::string>();
        if (value.is_number()) return value.dump();
        if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
        return defvalue;
    }
    case MULTIPART_FORM_DATA: {
        if (form.empty()) ParseBody();
        hv::MultiPart::const_iterator it = form.find(key);
        return it == form.end() ? defvalue : it->second.content;
    }
    case APPLICATION_URLENCODED: {
        if (kv.empty()) ParseBody();
        hv::KeyValue::const_iterator it = kv.find(key);
        return it == kv.end() ? defvalue : it->second;
    }
    default:
        return defvalue;
    }
}

inline bool HttpMessage::GetBool(const char* key, bool defvalue) {
    return Get<bool>(key, defvalue);
}

inline int64_t HttpMessage::GetInt(const char* key, int64_t defvalue) {
    return Get<int64_t>(key, defvalue);
}

inline double HttpMessage::GetFloat(const char* key, double defvalue) {
    return Get<double>(key, defvalue);
}

#endif /* WITHOUT_HTTP_CONTENT */

/* ========================= HttpRequest ================================== */

#define DEFAULT_HTTP_USER_AGENT "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/63.0.3239.132 Safari/537.36"
#define DEFAULT_HTTP_TIMEOUT            60      /* s */
#define DEFAULT_HTTP_CONNECT_TIMEOUT    10      /* s */
#define DEFAULT_HTTP_FAIL_RETRY_COUNT   1
#define DEFAULT_HTTP_FAIL_RETRY_DELAY   1000    /* ms */

class HttpRequest : public HttpMessage {
public:
    http_method         method;
    /* scheme:[//[user[:password]@]host[:port]][/path][?query][#fragment] */
    std::string         url;
    /* the parts of url (see ParseUrl / DumpUrl) */
    std::string         scheme;
    std::string         host;
    int                 port;
    std::string         path;       /* path, query and fragment */
    hv::QueryParams     query_params;
    /* the peer, for requests received by a server */
    hv::NetAddr         client_addr;
    /* client options */
    uint16_t            timeout;            /* s */
    uint16_t            connect_timeout;    /* s */
    uint32_t            retry_count;
    uint32_t            retry_delay;        /* ms */
    unsigned            redirect : 1;
    unsigned            proxy    : 1;
    unsigned            cancel   : 1;
    /* hv-rs, for requests received over TLS with verify_peer: the client certificate's
     * subject ("CN=alice, O=Example") and DER bytes, as the handshake verified them */
    std::string         tls_client_subject;
    std::string         tls_client_der;

    HttpRequest() : HttpMessage() {
        type = HTTP_REQUEST;
        Init();
    }

    /* hv-rs: tag of the constructor for a request a server received, which starts without
     * the client defaults (User-Agent, Accept) its headers would replace anyway. */
    struct Received {};
    explicit HttpRequest(Received) : HttpMessage() {
        type = HTTP_REQUEST;
        InitFields();
    }

    /* hv-rs: back to the state of a newly received request (Received), for reuse. */
    void ResetReceived() {
        HttpMessage::Reset();
        http_cb = nullptr;
        InitFields();
        url.clear();
        query_params.clear();
        client_addr = hv::NetAddr();
        tls_client_subject.clear();
        tls_client_der.clear();
    }

    /* Defaults, including the User-Agent and Accept headers. */
    void Init() {
        headers["User-Agent"] = DEFAULT_HTTP_USER_AGENT;
        headers["Accept"] = "*/*";
        InitFields();
    }

private:
    void InitFields() {
        method = HTTP_GET;
        scheme = "http";
        host = "127.0.0.1";
        port = DEFAULT_HTTP_PORT;
        path = "/";
        timeout = DEFAULT_HTTP_TIMEOUT;
        connect_timeout = DEFAULT_HTTP_CONNECT_TIMEOUT;
        retry_count = DEFAULT_HTTP_FAIL_RETRY_COUNT;
        retry_delay = DEFAULT_HTTP_FAIL_RETRY_DELAY;
        redirect = 1;
        proxy = 0;
        cancel = 0;
    }

public:

    virtual void Reset() {
        HttpMessage::Reset();
        Init();
        url.clear();
        query_params.clear();
        tls_client_subject.clear();
        tls_client_der.clear();
    }

    /* hv-rs: the verified client certificate's subject; empty without one. */
    const std::string& client_cert_subject() const { return tls_client_subject; }
    /* hv-rs: the verified client certificate (DER); empty without one. */
    const std::string& client_cert_der() const { return tls_client_der; }

    /* Request line ("GET /path HTTP/1.1", the absolute url through a
     * proxy), headers and body.  Calls ParseUrl() first. */
    virtual std::string Dump(bool is_dump_headers = true, bool is_dump_body = false) {
        ParseUrl();
        std::string str;
        str.reserve(path.size() + 512);
        str += http_method_str(method);
        str += ' ';
        str += proxy ? url : path;
        str += " HTTP/";
        str += hv::to_string((int)http_major);
        str += '.';
        str += hv::to_string((int)http_minor);
        str += "\r\n";
        if (is_dump_headers) DumpHeaders(str);
        str += "\r\n";
        if (is_dump_body) DumpBody(str);
        return str;
    }

    void SetMethod(const char* method) {
        this->method = http_method_enum(method);
    }

    const char* Method() {
        return http_method_str(method);
    }

    bool IsHttps() {
        return strncmp(scheme.c_str(), "https", 5) == 0 ||
               strncmp(url.c_str(), "https://", 8) == 0;
    }

    void SetUrl(const char* url) {
        this->url = url ? url : "";
    }

    const std::string& Url() {
        return url;
    }

    /*
     * Makes url absolute: scheme://host[:port] taken from the fields (or
     * the Host header), then url if it is a path, else path.  Then, if
     * url has no '?', appends query_params as a query string.
     */
    void DumpUrl() {
        bool complete = !url.empty() && url[0] != '/' && url.find("://") != std::string::npos;
        if (!complete) {
            std::string abs = scheme + "://";
            if (!url.empty() && url[0] != '/') {
                abs += url;     /* url starts with the host */
            } else if (port == 0 || port == DEFAULT_HTTP_PORT || port == DEFAULT_HTTPS_PORT) {
                http_headers::const_iterator h = headers.find("Host");
                abs += h != headers.end() ? h->second : hv::hvh_detail::bracket_host(host);
            } else {
                abs += hv::hvh_detail::host_port(host, port);
            }
            if (!url.empty() && url[0] == '/') {
                abs += url;
            } else if (path.size() > 1 && path[0] == '/') {
                abs += path;
            } else if (url.empty()) {
                abs += '/';
            }
            url = abs;
        }
        if (url.find('?') == std::string::npos && !query_params.empty()) {
            url += '?';
            url += hv::dump_query_params(query_params);
        }
    }

    /*
     * DumpUrl(), then splits url back into scheme, host and port (left
     * alone for a proxied request), adds a Host header if missing, sets
     * path to everything from the path on (query and fragment included)
     * and merges the query into query_params.
     */
    void ParseUrl() {
        DumpUrl();
        hurl_t parts;
        if (hv_parse_url(&parts, url.c_str()) != 0) return;
        std::string scheme_ = url.substr(parts.fields[HV_URL_SCHEME].off, parts.fields[HV_URL_SCHEME].len);
        std::string host_ = host;
        if (parts.fields[HV_URL_HOST].len > 0) {
            host_ = url.substr(parts.fields[HV_URL_HOST].off, parts.fields[HV_URL_HOST].len);
        }
        int port_ = parts.port;
        if (port_ == 0) {
            port_ = scheme_ == "https" ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
        }
        if (!proxy) {
            scheme = scheme_;
            host = host_;
            port = port_;
        }
        FillHost(host_.c_str(), port_);
        if (parts.fields[HV_URL_PATH].len > 0) {
            path = url.substr(parts.fields[HV_URL_PATH].off);
        }
        if (parts.fields[HV_URL_QUERY].len > 0) {
            hv::parse_query_params(url.c_str() + parts.fields[HV_URL_QUERY].off, query_params);
        }
    }

    /* path with query and fragment */
    std::string FullPath() {
        return path;
    }

    /* path without query and fragment, percent-decoded ('+' -> space) */
    std::string Path() {
        std::string::size_type end = path.find_first_of("?#");
        return HUrl::unescape(end == std::string::npos ? path : path.substr(0, end));
    }

    template<typename T>
    void SetParam(const char* key, const T& t) {
        query_params[key] = hv::to_string(t);
    }

    /* A query parameter (route parameters are stored there too). */
    std::string GetParam(const char* key, const std::string& defvalue = hv::empty_string) {
        hv::QueryParams::const_iterator it = query_params.find(key);
        return it == query_params.end() ? defvalue : it->second;
    }

    /* The Host header, else the host field. */
    std::string Host() {
        http_headers::const_iterator it = headers.find("Host");
        return it == headers.end() ? host : it->second;
    }

    /* Adds "Host: host[:port]" unless there is one (no port for 80, 443
     * and 0; an IPv6 address is bracketed). */
    void FillHost(const char* host, int port = DEFAULT_HTTP_PORT) {
        if (headers.find("Host") != headers.end()) return;
        std::string h(host ? host : "");
        if (port == 0 || port == DEFAULT_HTTP_PORT || port == DEFAULT_HTTPS_PORT) {
            headers["Host"] = hv::hvh_detail::bracket_host(h);
        } else {
            headers["Host"] = hv::hvh_detail::host_port(h, port);
        }
    }

    void SetHost(const char* host, int port = DEFAULT_HTTP_PORT) {
        this->host = host ? host : "";
        this->port = port;
        FillHost(host, port);
    }

    void SetProxy(const char* host, int port) {
        this->scheme = "http";
        this->host = host ? host : "";
        this->port = port;
        proxy = 1;
    }

    bool IsProxy() {
        return proxy;
    }

    void SetAuth(const std::string& auth) {
        SetHeader("Authorization", auth);
    }

    void SetBasicAuth(const std::string& username, const std::string& password) {
        SetAuth("Basic " + hv::hvh_detail::base64_encode(username + ":" + password));
    }

    void SetBearerTokenAuth(const std::string& token) {
        SetAuth("Bearer " + token);
    }

    void SetTimeout(int sec) {
        timeout = (uint16_t)sec;
    }

    void SetConnectTimeout(int sec) {
        connect_timeout = (uint16_t)sec;
    }

    void AllowRedirect(bool on = true) {
        redirect = on;
    }

    /* Retries are used by the asynchronous client only. */
    void SetRetry(int count = DEFAULT_HTTP_FAIL_RETRY_COUNT,
                  int delay = DEFAULT_HTTP_FAIL_RETRY_DELAY) {
        retry_count = (uint32_t)count;
        retry_delay = (uint32_t)delay;
    }

    void Cancel() {
        cancel = 1;
    }

    bool IsCanceled() {
        return cancel == 1;
    }

    /* Range: bytes=from-to */
    void SetRange(long from = 0, long to = -1) {
        SetHeader("Range", hv::asprintf("bytes=%ld-%ld", from, to));
    }

    /* Reads "Range: bytes=from-to"; a missing number reads as 0.  False
     * (and 0, 0) if there is no Range header. */
    bool GetRange(long& from, long& to) {
        from = to = 0;
        http_headers::const_iterator it = headers.find("Range");
        if (it == headers.end()) return false;
        if (sscanf(it->second.c_str(), "bytes=%ld-%ld", &from, &to) < 1) {
            from = to = 0;
        }
        return true;
    }
};

/* ========================= HttpResponse ================================= */

class HttpResponse : public HttpMessage {
public:
    http_status status_code;

    const char* status_message() {
        return http_status_str(status_code);
    }

    HttpResponse() : HttpMessage() {
        type = HTTP_RESPONSE;
        Init();
    }

    void Init() {
        status_code = HTTP_STATUS_OK;
    }

    virtual void Reset() {
        HttpMessage::Reset();
        Init();
    }

    /* Status line, headers (with a Date header: s_date, or now) and
     * body. */
    virtual std::string Dump(bool is_dump_headers = true, bool is_dump_body = false) {
        std::string str;
        str.reserve(512);
        str += "HTTP/";
        str += hv::to_string((int)http_major);
        str += '.';
        str += hv::to_string((int)http_minor);
        str += ' ';
        str += hv::to_string((int)status_code);
        str += ' ';
        str += http_status_str(status_code);
        str += "\r\n";
        if (is_dump_headers) {
            size_t cached = strnlen(s_date, sizeof(s_date));
            if (cached != 0) {
                headers["Date"] = std::string(s_date, cached);
            } else {
                char buf[GMTIME_FMT_BUFLEN];
                headers["Date"] = gmtime_fmt(time(NULL), buf);
            }
            DumpHeaders(str);
        }
        str += "\r\n";
        if (is_dump_body) DumpBody(str);
        return str;
    }

    /* Content-Range: bytes from-to/total */
    void SetRange(long from, long to, long total) {
        SetHeader("Content-Range", hv::asprintf("bytes %ld-%ld/%ld", from, to, total));
    }

    /* Reads "Content-Range: bytes from-to/total"; missing numbers read as
     * 0.  False (and zeros) if there is no such header. */
    bool GetRange(long& from, long& to, long& total) {
        from = to = total = 0;
        http_headers::const_iterator it = headers.find("Content-Range");
        if (it == headers.end()) return false;
        if (sscanf(it->second.c_str(), "bytes %ld-%ld/%ld", &from, &to, &total) < 1) {
            from = to = total = 0;
        }
        return true;
    }

    /* No Content-Length for 1xx, 204 and 304 responses. */
    virtual bool NeedContentLength() {
        if (type != HTTP_RESPONSE) return false;
        int code = (int)status_code;
        return !(code / 100 == 1 || code == HTTP_STATUS_NO_CONTENT ||
                 code == HTTP_STATUS_NOT_MODIFIED);
    }

    /* Sets the status and the Location header; returns the status. */
    int Redirect(const std::string& location, http_status status = HTTP_STATUS_FOUND) {
        status_code = status;
        SetHeader("Location", location);
        return status_code;
    }
};

typedef std::shared_ptr<HttpRequest>                HttpRequestPtr;
typedef std::shared_ptr<HttpResponse>               HttpResponsePtr;
typedef std::function<void(const HttpResponsePtr&)> HttpResponseCallback;

#endif /* HV_HTTP_MESSAGE_H_ */
