#ifndef HV_HTTP_CONTENT_H_
#define HV_HTTP_CONTENT_H_

/*
 * http_content.h (C++) - structured HTTP bodies, header-only:
 *   - query strings / application/x-www-form-urlencoded  (hv::QueryParams)
 *   - multipart/form-data                                 (hv::MultiPart)
 *   - application/json                                    (hv::Json)
 *
 * Defining WITHOUT_HTTP_CONTENT leaves only the query-string helpers (no
 * JSON, no multipart), as in libhv.  It must then be defined identically
 * in every translation unit of a program, since it changes HttpMessage.
 */

#include <string.h>

#include <string>
#include <type_traits>

#include "hexport.h"
#include "hbase.h"
#include "hstring.h"
#include "hurl.h"

#ifndef WITHOUT_HTTP_CONTENT
#include "json.hpp"
#include "hfile.h"
#include "httpdef.h"
#endif

namespace hv {

/* ========================= query strings ================================ */

typedef hv::KeyValue QueryParams;

/* {a:"x y", b:"1"} -> "a=x%20y&b=1" (keys and values percent-encoded,
 * pairs in map order). */
inline std::string dump_query_params(const QueryParams& query_params) {
    std::string out;
    for (QueryParams::const_iterator it = query_params.begin(); it != query_params.end(); ++it) {
        if (!out.empty()) out += '&';
        out += HUrl::escape(it->first);
        out += '=';
        out += HUrl::escape(it->second);
    }
    return out;
}

/*
 * Adds the pairs of a query string to query_params.  Anything up to and
 * including the first '?' is skipped, so a whole URL may be passed.  Pairs
 * are separated by '&'; the first '=' of a pair separates key and value (a
 * pair without '=' has an empty value); both are percent-decoded with '+'
 * meaning space.  Pairs with an empty key are ignored.
 * Returns 0 if query_params holds at least one entry afterwards, else -1.
 */
inline int parse_query_params(const char* query_string, QueryParams& query_params) {
    if (query_string == NULL) {
        return query_params.empty() ? -1 : 0;
    }
    const char* question = strchr(query_string, '?');
    const char* p = question ? question + 1 : query_string;
    for (;;) {
        const char* end = strchr(p, '&');
        if (end == NULL) end = p + strlen(p);
        const char* eq = (const char*)memchr(p, '=', (size_t)(end - p));
        const char* key_end = eq ? eq : end;
        if (key_end != p) {
            std::string key(p, key_end);
            std::string value = eq ? std::string(eq + 1, end) : std::string();
            query_params[HUrl::unescape(key)] = HUrl::unescape(value);
        }
        if (*end == '\0') break;
        p = end + 1;
    }
    return query_params.empty() ? -1 : 0;
}

#ifndef WITHOUT_HTTP_CONTENT

/* ========================= multipart/form-data ========================== */

/*
 * One part of a multipart/form-data body:
 *
 *   --<boundary>\r\n
 *   Content-Disposition: form-data; name="<name>"[; filename="<filename>"]\r\n
 *   [Content-Type: <type of filename's suffix>\r\n]
 *   \r\n
 *   <content>\r\n
 *   ...
 *   --<boundary>--\r\n
 *
 * When a part to be sent has a filename but no content, dump_multipart
 * reads the content from that (local) file.
 */
struct FormData {
    std::string     filename;
    std::string     content;
    /* hv-rs addition: true for parts produced by parse_multipart.  Their
     * filename comes from the peer, so dump_multipart never opens it. */
    bool            hvh_received;

    FormData(const char* content = NULL, const char* filename = NULL) : hvh_received(false) {
        if (content) this->content = content;
        if (filename) this->filename = filename;
    }

    /* A number (or anything hv::to_string accepts) as the content.  Not
     * used for FormData itself or types derived from it (FormFile). */
    template<typename T, typename = typename std::enable_if<
        !std::is_base_of<FormData, typename std::decay<T>::type>::value>::type>
    FormData(T num) : content(hv::to_string(num)), hvh_received(false) {}
};

/* A part whose content is read from a local file when it is sent. */
struct FormFile : public FormData {
    FormFile(const char* filename = NULL) : FormData(NULL, filename) {}
};

/* part name -> part */
typedef HV_MAP<std::string, FormData> MultiPart;

#define DEFAULT_MULTIPART_BOUNDARY  "----WebKitFormBoundary7MA4YWxkTrZu0gW"

/* Serialises mp with the given boundary ("" for an empty mp).  Parts that
 * name a local file and have no content get the file's content (mp is
 * updated); a Content-Type line is added when the file suffix is known. */
inline std::string dump_multipart(MultiPart& mp, const char* boundary = DEFAULT_MULTIPART_BOUNDARY) {
    std::string out;
    if (mp.empty()) return out;
    if (boundary == NULL) boundary = DEFAULT_MULTIPART_BOUNDARY;
    for (MultiPart::iterator it = mp.begin(); it != mp.end(); ++it) {
        FormData& part = it->second;
        out += "--";
        out += boundary;
        out += "\r\nContent-Disposition: form-data; name=\"";
        out += it->first;
        out += '"';
        if (!part.filename.empty()) {
            if (part.content.empty() && !part.hvh_received) {
                HFile file;
                if (file.open(part.filename.c_str(), "rb") == 0) {
                    file.readall(part.content);
                }
            }
            const char* base = hv_basename(part.filename.c_str());
            out += "; filename=\"";
            out += base;
            out += '"';
            const char* dot = strrchr(base, '.');
            if (dot) {
                const char* mime = http_content_type_str_by_suffix(dot + 1);
                if (*mime != '\0') {
                    out += "\r\nContent-Type: ";
                    out += mime;
                }
            }
        }
        out += "\r\n\r\n";
        out += part.content;
        out += "\r\n";
    }
    out += "--";
    out += boundary;
    out += "--\r\n";
    return out;
}

namespace hvh_detail {

/* Picks name= and filename= out of a Content-Disposition value. */
inline void multipart_disposition(const std::string& value, std::string& name, std::string& filename) {
    StringList params = split(value, ';');
    for (size_t i = 0; i < params.size(); ++i) {
        std::string param = trim(params[i], " \t");
        std::string::size_type eq = param.find('=');
        if (eq == std::string::npos) continue;
        std::string key = trim(param.substr(0, eq), " \t");
        std::string val = trim_pairs(trim(param.substr(eq + 1), " \t"), "\"\"''");
        if (strcasecmp(key.c_str(), "name") == 0) {
            name = val;
        } else if (strcasecmp(key.c_str(), "filename") == 0) {
            filename = val;
        }
    }
}

} /* namespace hvh_detail */

/*
 * Adds the named parts of a multipart/form-data body to mp (parts without
 * a name are skipped).  The body must start with "--<boundary>\r\n".
 * Returns 0 if the body is well-formed - a body that simply stops early is
 * accepted, keeping the parts completed so far - and -1 on a syntax error
 * (parts completed before the error stay in mp).
 */
inline int parse_multipart(const std::string& str, MultiPart& mp, const char* boundary) {
    if (boundary == NULL) return -1;
    const std::string delimiter = std::string("--") + boundary;
    const std::string::size_type size = str.size();

    /* The opening delimiter (a prefix of it is an early stop). */
    if (size < delimiter.size()) {
        return delimiter.compare(0, size, str) == 0 ? 0 : -1;
    }
    if (str.compare(0, delimiter.size(), delimiter) != 0) return -1;
    std::string::size_type pos = delimiter.size();

    for (;;) {
        /* After a delimiter: "--" ends the body, CRLF starts a part. */
        if (pos >= size) return 0;
        if (str[pos] == '-') {
            if (pos + 1 >= size) return 0;
            return str[pos + 1] == '-' ? 0 : -1;
        }
        if (str[pos] != '\r') return -1;
        if (pos + 1 >= size) return 0;
        if (str[pos + 1] != '\n') return -1;
        pos += 2;

        /* Part headers, up to an empty line. */
        std::string name, filename;
        for (;;) {
            if (pos >= size) return 0;
            if (str[pos] == '\r') {
                if (pos + 1 >= size) return 0;
                if (str[pos + 1] != '\n') return -1;
                pos += 2;
                break;
            }
            std::string::size_type colon = pos;
            while (colon < size && str[colon] != ':') {
                char c = str[colon];
                bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!token) return -1;
                ++colon;
            }
            if (colon >= size) return 0;
            if (colon == pos) return -1;
            std::string::size_type eol = str.find("\r\n", colon + 1);
            if (eol == std::string::npos) return 0;
            std::string field = str.substr(pos, colon - pos);
            std::string value = trim(str.substr(colon + 1, eol - colon - 1), " \t");
            if (strcasecmp(field.c_str(), "Content-Disposition") == 0) {
                hvh_detail::multipart_disposition(value, name, filename);
            }
            pos = eol + 2;
        }

        /* Part content, up to CRLF + delimiter. */
        const std::string closing = std::string("\r\n") + delimiter;
        std::string::size_type stop = str.find(closing, pos);
        if (stop == std::string::npos) return 0;
        if (!name.empty()) {
            FormData part;
            part.content = str.substr(pos, stop - pos);
            part.filename = filename;
            part.hvh_received = true;
            mp[name] = part;
        }
        pos = stop + closing.size();
    }
}

/* ========================= JSON ========================================= */

using Json = nlohmann::json;

/* Serialises json ("" for null, {} and []).  indent < 0: compact.
 * Invalid UTF-8 in strings is replaced by U+FFFD instead of throwing. */
inline std::string dump_json(const hv::Json& json, int indent = -1) {
    if (json.empty()) return std::string();
    return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

/* Parses str into json.  Returns 0, or -1 with errmsg set on a syntax
 * error (json is then unchanged); a document that is just `null` also
 * gives -1. */
inline int parse_json(const char* str, hv::Json& json, std::string& errmsg) {
    if (str == NULL) {
        errmsg = "parse_json: NULL input";
        return -1;
    }
    try {
        json = nlohmann::json::parse(str);
    } catch (const nlohmann::json::exception& e) {
        errmsg = e.what();
        return -1;
    }
    return (json.is_discarded() || json.is_null()) ? -1 : 0;
}

#endif /* WITHOUT_HTTP_CONTENT */

} /* namespace hv */

#endif /* HV_HTTP_CONTENT_H_ */
