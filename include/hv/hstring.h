#ifndef HV_STRING_H_
#define HV_STRING_H_

/*
 * hstring.h (C++) - std::string helpers in namespace hv.  Header-only.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hexport.h"
#include "hplatform.h"
#include "hmap.h"

#define SPACE_CHARS     " \t\r\n"
#define PAIR_CHARS      "{}[]()<>\"\"\'\'``"

namespace hv {

/*
 * Shared empty objects.  libhv defines them once in its compiled library;
 * here each translation unit holds a reference to one object owned by an
 * inline accessor, so `hv::empty_string` still names a single object.
 */
inline std::string& hvh_empty_string_object() {
    static std::string s;
    return s;
}

inline std::map<std::string, std::string>& hvh_empty_map_object() {
    static std::map<std::string, std::string> m;
    return m;
}

HV_UNUSED static std::string& empty_string = hvh_empty_string_object();
HV_UNUSED static std::map<std::string, std::string>& empty_map = hvh_empty_map_object();

typedef std::vector<std::string> StringList;

/* Case-insensitive ordering: std::map<std::string, V, hv::StringCaseLess>. */
class StringCaseLess : public std::less<std::string> {
public:
    bool operator()(const std::string& lhs, const std::string& rhs) const {
        return strcasecmp(lhs.c_str(), rhs.c_str()) < 0;
    }
};

/* Anything streamable -> text (also for toolchains lacking std::to_string). */
template<typename T>
inline std::string to_string(const T& t) {
    std::ostringstream oss;
    oss << t;
    return oss.str();
}

/* Text -> T via operator>>. */
template<typename T>
inline T from_string(const std::string& str) {
    T t = T();
    std::istringstream iss(str);
    iss >> t;
    return t;
}

template<typename T>
inline void print(const T& t) {
    std::cout << t;
}

template<typename T>
inline void println(const T& t) {
    std::cout << t << std::endl;
}

/* In-place ASCII case conversion / reversal; each returns str. */
inline std::string& toupper(std::string& str) {
    for (std::string::size_type i = 0; i < str.size(); ++i) {
        char c = str[i];
        if (c >= 'a' && c <= 'z') str[i] = (char)(c - 'a' + 'A');
    }
    return str;
}

inline std::string& tolower(std::string& str) {
    for (std::string::size_type i = 0; i < str.size(); ++i) {
        char c = str[i];
        if (c >= 'A' && c <= 'Z') str[i] = (char)(c - 'A' + 'a');
    }
    return str;
}

inline std::string& reverse(std::string& str) {
    std::reverse(str.begin(), str.end());
    return str;
}

inline bool startswith(const std::string& str, const std::string& start) {
    return str.size() >= start.size() && str.compare(0, start.size(), start) == 0;
}

inline bool endswith(const std::string& str, const std::string& end) {
    return str.size() >= end.size() &&
           str.compare(str.size() - end.size(), end.size(), end) == 0;
}

inline bool contains(const std::string& str, const std::string& sub) {
    return str.find(sub) != std::string::npos;
}

/* printf into a std::string. */
HVH_PRINTF_FMT(1, 2)
inline std::string asprintf(const char* fmt, ...) {
    va_list ap;
    va_list ap2;
    int n;
    std::string out;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        std::vector<char> buf((size_t)n + 1);
        vsnprintf(&buf[0], buf.size(), fmt, ap2);
        out.assign(&buf[0], (size_t)n);
    }
    va_end(ap2);
    return out;
}

/* "x,y,z" -> {"x","y","z"}.  Always yields at least one element; empty
 * fields are kept ("a,,b" -> {"a","","b"}). */
inline StringList split(const std::string& str, char delim = ',') {
    StringList parts;
    std::string::size_type from = 0;
    for (;;) {
        std::string::size_type at = str.find(delim, from);
        if (at == std::string::npos) {
            parts.push_back(str.substr(from));
            break;
        }
        parts.push_back(str.substr(from, at - from));
        from = at + 1;
    }
    return parts;
}

/* "k1=v1&k2=v2" -> {k1:v1, k2:v2}.  Pairs with an empty key or value are
 * skipped; only the first k_v of a pair separates key from value. */
inline hv::KeyValue splitKV(const std::string& str, char kv_kv = '&', char k_v = '=') {
    hv::KeyValue kvs;
    std::string key, value;
    bool in_value = false;
    for (std::string::size_type i = 0; i <= str.size(); ++i) {
        bool at_end = (i == str.size());
        char c = at_end ? '\0' : str[i];
        if (at_end || c == kv_kv) {
            if (!key.empty() && !value.empty()) {
                kvs[key] = value;
            }
            key.clear();
            value.clear();
            in_value = false;
        } else if (c == k_v && !in_value) {
            in_value = true;
        } else if (in_value) {
            value += c;
        } else {
            key += c;
        }
    }
    return kvs;
}

/* Strip any of `chars` from both ends / the left / the right. */
inline std::string trim(const std::string& str, const char* chars = SPACE_CHARS) {
    std::string::size_type first = str.find_first_not_of(chars);
    if (first == std::string::npos) return std::string();
    std::string::size_type last = str.find_last_not_of(chars);
    return str.substr(first, last - first + 1);
}

inline std::string ltrim(const std::string& str, const char* chars = SPACE_CHARS) {
    std::string::size_type first = str.find_first_not_of(chars);
    if (first == std::string::npos) return std::string();
    return str.substr(first);
}

inline std::string rtrim(const std::string& str, const char* chars = SPACE_CHARS) {
    std::string::size_type last = str.find_last_not_of(chars);
    if (last == std::string::npos) return std::string();
    return str.substr(0, last + 1);
}

/* Remove one enclosing pair: pairs is a list of (open, close) characters,
 * e.g. "[]" or PAIR_CHARS.  "[abc]" -> "abc". */
inline std::string trim_pairs(const std::string& str, const char* pairs = PAIR_CHARS) {
    if (str.empty() || pairs == NULL) return str;
    const char first = str[0];
    const char last = str[str.size() - 1];
    for (const char* p = pairs; p[0] != '\0' && p[1] != '\0'; p += 2) {
        if (first == p[0] && last == p[1]) {
            return str.size() >= 2 ? str.substr(1, str.size() - 2) : std::string();
        }
    }
    return str;
}

/* Replace the first occurrence of find. */
inline std::string replace(const std::string& str, const std::string& find, const std::string& rep) {
    std::string out(str);
    std::string::size_type at = out.find(find);
    if (at != std::string::npos) {
        out.replace(at, find.size(), rep);
    }
    return out;
}

/* Replace every (non-overlapping) occurrence of find. */
inline std::string replaceAll(const std::string& str, const std::string& find, const std::string& rep) {
    if (find.empty()) return str;
    std::string out;
    std::string::size_type from = 0;
    for (;;) {
        std::string::size_type at = str.find(find, from);
        if (at == std::string::npos) break;
        out.append(str, from, at - from);
        out += rep;
        from = at + find.size();
    }
    out.append(str, from, std::string::npos);
    return out;
}

/* "ip:port" / "[ipv6]:port" endpoint. */
struct NetAddr {
    std::string     ip;
    int             port;

    NetAddr() : port(0) {}
    NetAddr(const std::string& _ip, int _port) : ip(_ip), port(_port) {}
    NetAddr(const std::string& ipport) : port(0) { from_string(ipport); }

    /* "1.2.3.4:80", "[::1]:80", "1.2.3.4" (port 0) or "80" (ip unchanged). */
    void from_string(const std::string& ipport) {
        std::string::size_type colon = ipport.find_last_of(':');
        if (colon != std::string::npos) {
            ip = trim_pairs(ipport.substr(0, colon), "[]");
            port = atoi(ipport.c_str() + colon + 1);
        } else if (ipport.find('.') != std::string::npos) {
            ip = ipport;
            port = 0;
        } else {
            port = atoi(ipport.c_str());
        }
    }

    std::string to_string() {
        if (ip.find(':') != std::string::npos) {
            return hv::asprintf("[%s]:%d", ip.c_str(), port);
        }
        return hv::asprintf("%s:%d", ip.c_str(), port);
    }
};

} /* namespace hv */

#endif /* HV_STRING_H_ */
