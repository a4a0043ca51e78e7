#ifndef HV_URL_H_
#define HV_URL_H_

/*
 * hurl.h (C++) - URL percent-encoding and the HUrl parser/builder.
 */

#include <string>

#include "hexport.h"
#include "hdef.h"
#include "hbase.h"

class HUrl {
public:
    /* Percent-encode every byte except A-Z a-z 0-9 - _ . ~ and the bytes
     * listed in unescaped_chars.  Hex digits are upper case. */
    static std::string escape(const std::string& str, const char* unescaped_chars = "") {
        static const char hexdigits[] = "0123456789ABCDEF";
        std::string out;
        out.reserve(str.size());
        for (std::string::size_type i = 0; i < str.size() && str[i] != '\0'; ++i) {
            unsigned char c = (unsigned char)str[i];
            bool keep = IS_ALPHANUM(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
                        (unescaped_chars && strchr(unescaped_chars, (char)c) != NULL);
            if (keep) {
                out += (char)c;
            } else {
                out += '%';
                out += hexdigits[c >> 4];
                out += hexdigits[c & 0x0F];
            }
        }
        return out;
    }

    /* Decode %XX sequences and turn '+' into a space. */
    static std::string unescape(const std::string& str) {
        std::string out;
        out.reserve(str.size());
        const char* p = str.c_str();
        while (*p) {
            if (p[0] == '%' && IS_HEX(p[1]) && IS_HEX(p[2])) {
                out += (char)((hexValue(p[1]) << 4) | hexValue(p[2]));
                p += 3;
            } else {
                out += (*p == '+') ? ' ' : *p;
                ++p;
            }
        }
        return out;
    }

    HUrl() : port(0) {}
    ~HUrl() {}

    void reset() {
        url.clear();
        scheme.clear();
        username.clear();
        password.clear();
        host.clear();
        port = 0;
        path.clear();
        query.clear();
        fragment.clear();
    }

    /* Split url into the fields below (see hv_parse_url); an empty path
     * becomes "/".  Returns false if the URL cannot be parsed. */
    bool parse(const std::string& url) {
        reset();
        this->url = url;
        hurl_t parts;
        if (hv_parse_url(&parts, url.c_str()) != 0) {
            return false;
        }
        scheme = field(parts, HV_URL_SCHEME);
        username = field(parts, HV_URL_USERNAME);
        if (!username.empty()) {
            password = field(parts, HV_URL_PASSWORD);
        }
        host = field(parts, HV_URL_HOST);
        port = parts.port;
        path = field(parts, HV_URL_PATH);
        if (path.empty()) path = "/";
        query = field(parts, HV_URL_QUERY);
        fragment = field(parts, HV_URL_FRAGMENT);
        return true;
    }

    /* Rebuild url from the fields; the port is written unless it is 80 or
     * 443. */
    const std::string& dump() {
        url.clear();
        if (!scheme.empty()) {
            url += scheme;
            url += "://";
        }
        if (!username.empty()) {
            url += username;
            if (!password.empty()) {
                url += ':';
                url += password;
            }
            url += '@';
        }
        if (!host.empty()) {
            url += host;
            if (port != 80 && port != 443) {
                char num[16];
                snprintf(num, sizeof(num), ":%d", port);
                url += num;
            }
        }
        url += path;
        if (!query.empty()) {
            url += '?';
            url += query;
        }
        if (!fragment.empty()) {
            url += '#';
            url += fragment;
        }
        return url;
    }

    std::string url;
    std::string scheme;
    std::string username;
    std::string password;
    std::string host;
    int         port;
    std::string path;
    std::string query;
    std::string fragment;

private:
    static int hexValue(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return c - 'A' + 10;
    }

    std::string field(const hurl_t& parts, int which) const {
        if (parts.fields[which].len == 0) return std::string();
        return url.substr(parts.fields[which].off, parts.fields[which].len);
    }
};

namespace hv {

/* Escape a whole URL, keeping its structural characters. */
inline std::string escapeURL(const std::string& url) {
    return HUrl::escape(url, ":/@?=&#+");
}

/* Replace < > & " ' with their HTML entities. */
inline std::string escapeHTML(const std::string& str) {
    std::string out;
    out.reserve(str.size());
    for (std::string::size_type i = 0; i < str.size() && str[i] != '\0'; ++i) {
        switch (str[i]) {
        case '<':  out += "&lt;";   break;
        case '>':  out += "&gt;";   break;
        case '&':  out += "&amp;";  break;
        case '"':  out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:   out += str[i];   break;
        }
    }
    return out;
}

} /* namespace hv */

#endif /* HV_URL_H_ */
