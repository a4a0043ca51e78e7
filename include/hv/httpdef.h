#ifndef HV_HTTP_DEF_H_
#define HV_HTTP_DEF_H_

/*
 * httpdef.h - HTTP enumerations (status codes, methods, content types,
 * parser states) and the lookups between them and their text forms.
 *
 * Works from C99 and C++11.  libhv compiles the lookups into its library;
 * here they are static inline functions with C language linkage, so the
 * header adds no symbol to a program.
 *
 * The X-macro tables (HTTP_STATUS_MAP, HTTP_METHOD_MAP, MIME_TYPE_*_MAP,
 * HTTP_CONTENT_TYPE_MAP) are public: a program may expand them with its
 * own XX.  Their last-but-one / last arguments are bare tokens, meant to be
 * turned into strings with the # operator.
 */

#include <stddef.h>
#include <string.h>

#include "hexport.h"

#define DEFAULT_HTTP_PORT       80
#define DEFAULT_HTTPS_PORT      443

enum http_version { HTTP_V1 = 1, HTTP_V2 = 2 };
enum http_session_type { HTTP_CLIENT, HTTP_SERVER };
enum http_parser_type { HTTP_REQUEST, HTTP_RESPONSE, HTTP_BOTH };

/* Progress of a message through the parser (passed to http_cb and to
 * state handlers). */
enum http_parser_state {
    HP_START_REQ_OR_RES,    /* 0 */
    HP_MESSAGE_BEGIN,       /* 1 */
    HP_URL,                 /* 2 */
    HP_STATUS,              /* 3 */
    HP_HEADER_FIELD,        /* 4 */
    HP_HEADER_VALUE,        /* 5 */
    HP_HEADERS_COMPLETE,    /* 6 */
    HP_CHUNK_HEADER,        /* 7 */
    HP_BODY,                /* 8 */
    HP_CHUNK_COMPLETE,      /* 9 */
    HP_MESSAGE_COMPLETE,    /* 10 */
    HP_ERROR                /* 11 */
};

/* ------------------------------------------------------------------------
 * Status codes: XX(code, NAME, Reason Phrase)
 * ---------------------------------------------------------------------- */
#define HTTP_STATUS_MAP(XX) \
    XX(100, CONTINUE, Continue) \
    XX(101, SWITCHING_PROTOCOLS, Switching Protocols) \
    XX(102, PROCESSING, Processing) \
    XX(200, OK, OK) \
    XX(201, CREATED, Created) \
    XX(202, ACCEPTED, Accepted) \
    XX(203, NON_AUTHORITATIVE_INFORMATION, Non-Authoritative Information) \
    XX(204, NO_CONTENT, No Content) \
    XX(205, RESET_CONTENT, Reset Content) \
    XX(206, PARTIAL_CONTENT, Partial Content) \
    XX(207, MULTI_STATUS, Multi-Status) \
    XX(208, ALREADY_REPORTED, Already Reported) \
    XX(226, IM_USED, IM Used) \
    XX(300, MULTIPLE_CHOICES, Multiple Choices) \
    XX(301, MOVED_PERMANENTLY, Moved Permanently) \
    XX(302, FOUND, Found) \
    XX(303, SEE_OTHER, See Other) \
    XX(304, NOT_MODIFIED, Not Modified) \
    XX(305, USE_PROXY, Use Proxy) \
    XX(307, TEMPORARY_REDIRECT, Temporary Redirect) \
    XX(308, PERMANENT_REDIRECT, Permanent Redirect) \
    XX(400, BAD_REQUEST, Bad Request) \
    XX(401, UNAUTHORIZED, Unauthorized) \
    XX(402, PAYMENT_REQUIRED, Payment Required) \
    XX(403, FORBIDDEN, Forbidden) \
    XX(404, NOT_FOUND, Not Found) \
    XX(405, METHOD_NOT_ALLOWED, Method Not Allowed) \
    XX(406, NOT_ACCEPTABLE, Not Acceptable) \
    XX(407, PROXY_AUTHENTICATION_REQUIRED, Proxy Authentication Required) \
    XX(408, REQUEST_TIMEOUT, Request Timeout) \
    XX(409, CONFLICT, Conflict) \
    XX(410, GONE, Gone) \
    XX(411, LENGTH_REQUIRED, Length Required) \
    XX(412, PRECONDITION_FAILED, Precondition Failed) \
    XX(413, PAYLOAD_TOO_LARGE, Payload Too Large) \
    XX(414, URI_TOO_LONG, URI Too Long) \
    XX(415, UNSUPPORTED_MEDIA_TYPE, Unsupported Media Type) \
    XX(416, RANGE_NOT_SATISFIABLE, Range Not Satisfiable) \
    XX(417, EXPECTATION_FAILED, Expectation Failed) \
    XX(421, MISDIRECTED_REQUEST, Misdirected Request) \
    XX(422, UNPROCESSABLE_ENTITY, Unprocessable Entity) \
    XX(423, LOCKED, Locked) \
    XX(424, FAILED_DEPENDENCY, Failed Dependency) \
    XX(426, UPGRADE_REQUIRED, Upgrade Required) \
    XX(428, PRECONDITION_REQUIRED, Precondition Required) \
    XX(429, TOO_MANY_REQUESTS, Too Many Requests) \
    XX(431, REQUEST_HEADER_FIELDS_TOO_LARGE, Request Header Fields Too Large) \
    XX(451, UNAVAILABLE_FOR_LEGAL_REASONS, Unavailable For Legal Reasons) \
    XX(500, INTERNAL_SERVER_ERROR, Internal Server Error) \
    XX(501, NOT_IMPLEMENTED, Not Implemented) \
    XX(502, BAD_GATEWAY, Bad Gateway) \
    XX(503, SERVICE_UNAVAILABLE, Service Unavailable) \
    XX(504, GATEWAY_TIMEOUT, Gateway Timeout) \
    XX(505, HTTP_VERSION_NOT_SUPPORTED, HTTP Version Not Supported) \
    XX(506, VARIANT_ALSO_NEGOTIATES, Variant Also Negotiates) \
    XX(507, INSUFFICIENT_STORAGE, Insufficient Storage) \
    XX(508, LOOP_DETECTED, Loop Detected) \
    XX(510, NOT_EXTENDED, Not Extended) \
    XX(511, NETWORK_AUTHENTICATION_REQUIRED, Network Authentication Required) \

enum http_status {
#define HVH_STATUS_ENUMERATOR(code, name, reason) HTTP_STATUS_##name = code,
    HTTP_STATUS_MAP(HVH_STATUS_ENUMERATOR)
#undef HVH_STATUS_ENUMERATOR
    HTTP_CUSTOM_STATUS      /* 512: first value outside the table */
};

#define HTTP_STATUS_IS_REDIRECT(status) \
    ((status) == HTTP_STATUS_MOVED_PERMANENTLY || \
     (status) == HTTP_STATUS_FOUND || \
     (status) == HTTP_STATUS_SEE_OTHER || \
     (status) == HTTP_STATUS_TEMPORARY_REDIRECT || \
     (status) == HTTP_STATUS_PERMANENT_REDIRECT)

/* ------------------------------------------------------------------------
 * Methods: XX(number, NAME, TOKEN) - numbered like nodejs http_parser.
 * ---------------------------------------------------------------------- */
#define HTTP_METHOD_MAP(XX) \
    XX(0,  DELETE,      DELETE) \
    XX(1,  GET,         GET) \
    XX(2,  HEAD,        HEAD) \
    XX(3,  POST,        POST) \
    XX(4,  PUT,         PUT) \
    XX(5,  CONNECT,     CONNECT) \
    XX(6,  OPTIONS,     OPTIONS) \
    XX(7,  TRACE,       TRACE) \
    XX(8,  COPY,        COPY) \
    XX(9,  LOCK,        LOCK) \
    XX(10, MKCOL,       MKCOL) \
    XX(11, MOVE,        MOVE) \
    XX(12, PROPFIND,    PROPFIND) \
    XX(13, PROPPATCH,   PROPPATCH) \
    XX(14, SEARCH,      SEARCH) \
    XX(15, UNLOCK,      UNLOCK) \
    XX(16, BIND,        BIND) \
    XX(17, REBIND,      REBIND) \
    XX(18, UNBIND,      UNBIND) \
    XX(19, ACL,         ACL) \
    XX(20, REPORT,      REPORT) \
    XX(21, MKACTIVITY,  MKACTIVITY) \
    XX(22, CHECKOUT,    CHECKOUT) \
    XX(23, MERGE,       MERGE) \
    XX(24, MSEARCH,     M-SEARCH) \
    XX(25, NOTIFY,      NOTIFY) \
    XX(26, SUBSCRIBE,   SUBSCRIBE) \
    XX(27, UNSUBSCRIBE, UNSUBSCRIBE) \
    XX(28, PATCH,       PATCH) \
    XX(29, PURGE,       PURGE) \
    XX(30, MKCALENDAR,  MKCALENDAR) \
    XX(31, LINK,        LINK) \
    XX(32, UNLINK,      UNLINK) \
    XX(33, SOURCE,      SOURCE) \

enum http_method {
#define HVH_METHOD_ENUMERATOR(num, name, token) HTTP_##name = num,
    HTTP_METHOD_MAP(HVH_METHOD_ENUMERATOR)
#undef HVH_METHOD_ENUMERATOR
    HTTP_CUSTOM_METHOD      /* 34: anything not in the table */
};

/* ------------------------------------------------------------------------
 * Content types: XX(ENUM_NAME, mime/type, suffix), grouped by top-level
 * type.  Each group is numbered from its CONTENT_TYPE_<GROUP> base + 1.
 * Only one file suffix is known per type.
 * ---------------------------------------------------------------------- */
#define MIME_TYPE_TEXT_MAP(XX) \
    XX(TEXT_PLAIN,          text/plain,         txt) \
    XX(TEXT_HTML,           text/html,          html) \
    XX(TEXT_CSS,            text/css,           css) \
    XX(TEXT_CSV,            text/csv,           csv) \
    XX(TEXT_MARKDOWN,       text/markdown,      md) \
    XX(TEXT_EVENT_STREAM,   text/event-stream,  sse) \

#define MIME_TYPE_APPLICATION_MAP(XX) \
    XX(APPLICATION_JAVASCRIPT,   application/javascript,            js) \
    XX(APPLICATION_JSON,         application/json,                  json) \
    XX(APPLICATION_XML,          application/xml,                   xml) \
    XX(APPLICATION_URLENCODED,   application/x-www-form-urlencoded, kv) \
    XX(APPLICATION_OCTET_STREAM, application/octet-stream,          bin) \
    XX(APPLICATION_ZIP,          application/zip,                   zip) \
    XX(APPLICATION_GZIP,         application/gzip,                  gzip) \
    XX(APPLICATION_7Z,           application/x-7z-compressed,       7z) \
    XX(APPLICATION_RAR,          application/x-rar-compressed,      rar) \
    XX(APPLICATION_PDF,          application/pdf,                   pdf) \
    XX(APPLICATION_RTF,          application/rtf,                   rtf) \
    XX(APPLICATION_GRPC,         application/grpc,                  grpc) \
    XX(APPLICATION_WASM,         application/wasm,                  wasm) \
    XX(APPLICATION_JAR,          application/java-archive,          jar) \
    XX(APPLICATION_XHTML,        application/xhtml+xml,             xhtml) \
    XX(APPLICATION_ATOM,         application/atom+xml,              atom) \
    XX(APPLICATION_RSS,          application/rss+xml,               rss) \
    XX(APPLICATION_WORD,         application/msword,                doc) \
    XX(APPLICATION_EXCEL,        application/vnd.ms-excel,          xls) \
    XX(APPLICATION_PPT,          application/vnd.ms-powerpoint,     ppt) \
    XX(APPLICATION_EOT,          application/vnd.ms-fontobject,     eot) \
    XX(APPLICATION_M3U8,         application/vnd.apple.mpegurl,     m3u8) \
    XX(APPLICATION_DOCX, application/vnd.openxmlformats-officedocument.wordprocessingml.document, docx) \
    XX(APPLICATION_XLSX, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, xlsx) \
    XX(APPLICATION_PPTX, application/vnd.openxmlformats-officedocument.presentationml.presentation, pptx) \

#define MIME_TYPE_MULTIPART_MAP(XX) \
    XX(MULTIPART_FORM_DATA,  multipart/form-data,  mp) \

#define MIME_TYPE_IMAGE_MAP(XX) \
    XX(IMAGE_JPEG,  image/jpeg,     jpg) \
    XX(IMAGE_PNG,   image/png,      png) \
    XX(IMAGE_GIF,   image/gif,      gif) \
    XX(IMAGE_ICO,   image/x-icon,   ico) \
    XX(IMAGE_BMP,   image/x-ms-bmp, bmp) \
    XX(IMAGE_SVG,   image/svg+xml,  svg) \
    XX(IMAGE_TIFF,  image/tiff,     tiff) \
    XX(IMAGE_WEBP,  image/webp,     webp) \

#define MIME_TYPE_VIDEO_MAP(XX) \
    XX(VIDEO_MP4,   video/mp4,          mp4) \
    XX(VIDEO_FLV,   video/x-flv,        flv) \
    XX(VIDEO_M4V,   video/x-m4v,        m4v) \
    XX(VIDEO_MNG,   video/x-mng,        mng) \
    XX(VIDEO_TS,    video/mp2t,         ts) \
    XX(VIDEO_MPEG,  video/mpeg,         mpeg) \
    XX(VIDEO_WEBM,  video/webm,         webm) \
    XX(VIDEO_MOV,   video/quicktime,    mov) \
    XX(VIDEO_3GPP,  video/3gpp,         3gpp) \
    XX(VIDEO_AVI,   video/x-msvideo,    avi) \
    XX(VIDEO_WMV,   video/x-ms-wmv,     wmv) \
    XX(VIDEO_ASF,   video/x-ms-asf,     asf) \

#define MIME_TYPE_AUDIO_MAP(XX) \
    XX(AUDIO_MP3,   audio/mpeg,     mp3) \
    XX(AUDIO_OGG,   audio/ogg,      ogg) \
    XX(AUDIO_M4A,   audio/x-m4a,    m4a) \
    XX(AUDIO_AAC,   audio/aac,      aac) \
    XX(AUDIO_PCMA,  audio/PCMA,     pcma) \
    XX(AUDIO_OPUS,  audio/opus,     opus) \

#define MIME_TYPE_FONT_MAP(XX) \
    XX(FONT_TTF,    font/ttf,   ttf) \
    XX(FONT_OTF,    font/otf,   otf) \
    XX(FONT_WOFF,   font/woff,  woff) \
    XX(FONT_WOFF2,  font/woff2, woff2) \

#define HTTP_CONTENT_TYPE_MAP(XX) \
    MIME_TYPE_TEXT_MAP(XX) \
    MIME_TYPE_APPLICATION_MAP(XX) \
    MIME_TYPE_MULTIPART_MAP(XX) \
    MIME_TYPE_IMAGE_MAP(XX) \
    MIME_TYPE_VIDEO_MAP(XX) \
    MIME_TYPE_AUDIO_MAP(XX) \
    MIME_TYPE_FONT_MAP(XX) \

/* Older spelling, still used by many programs. */
#define X_WWW_FORM_URLENCODED   APPLICATION_URLENCODED

enum http_content_type {
#define HVH_CONTENT_TYPE_ENUMERATOR(name, mime, suffix) name,
    CONTENT_TYPE_NONE           = 0,

    CONTENT_TYPE_TEXT           = 100,
    MIME_TYPE_TEXT_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_APPLICATION    = 200,
    MIME_TYPE_APPLICATION_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_MULTIPART      = 300,
    MIME_TYPE_MULTIPART_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_IMAGE          = 400,
    MIME_TYPE_IMAGE_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_VIDEO          = 500,
    MIME_TYPE_VIDEO_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_AUDIO          = 600,
    MIME_TYPE_AUDIO_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_FONT           = 700,
    MIME_TYPE_FONT_MAP(HVH_CONTENT_TYPE_ENUMERATOR)

    CONTENT_TYPE_UNDEFINED      = 1000
#undef HVH_CONTENT_TYPE_ENUMERATOR
};

/* ------------------------------------------------------------------------
 * Lookups.  Every function accepts NULL strings and never returns NULL.
 * ---------------------------------------------------------------------- */

BEGIN_EXTERN_C

/* One row of the generated lookup tables. */
typedef struct hvh_http_code_name_s {
    int         code;
    const char* text;
} hvh_http_code_name_t;

typedef struct hvh_http_mime_row_s {
    enum http_content_type  type;
    const char*             mime;
    const char*             suffix;
} hvh_http_mime_row_t;

static inline const hvh_http_code_name_t* hvh_http_status_table(size_t* count) {
    static const hvh_http_code_name_t rows[] = {
#define HVH_STATUS_ROW(code, name, reason) { code, #reason },
        HTTP_STATUS_MAP(HVH_STATUS_ROW)
#undef HVH_STATUS_ROW
    };
    *count = sizeof(rows) / sizeof(rows[0]);
    return rows;
}

static inline const hvh_http_code_name_t* hvh_http_method_table(size_t* count) {
    static const hvh_http_code_name_t rows[] = {
#define HVH_METHOD_ROW(num, name, token) { num, #token },
        HTTP_METHOD_MAP(HVH_METHOD_ROW)
#undef HVH_METHOD_ROW
    };
    *count = sizeof(rows) / sizeof(rows[0]);
    return rows;
}

static inline const hvh_http_mime_row_t* hvh_http_mime_table(size_t* count) {
    static const hvh_http_mime_row_t rows[] = {
#define HVH_MIME_ROW(name, mime, suffix) { name, #mime, #suffix },
        HTTP_CONTENT_TYPE_MAP(HVH_MIME_ROW)
#undef HVH_MIME_ROW
    };
    *count = sizeof(rows) / sizeof(rows[0]);
    return rows;
}

/* Reason phrase of a status ("Not Found"), or "<unknown>". */
static inline const char* http_status_str(enum http_status status) {
    size_t n = 0, i;
    const hvh_http_code_name_t* rows = hvh_http_status_table(&n);
    for (i = 0; i < n; ++i) {
        if (rows[i].code == (int)status) return rows[i].text;
    }
    return "<unknown>";
}

/* Request-line token of a method ("GET", "M-SEARCH"), or "<unknown>". */
static inline const char* http_method_str(enum http_method method) {
    size_t n = 0, i;
    const hvh_http_code_name_t* rows = hvh_http_method_table(&n);
    for (i = 0; i < n; ++i) {
        if (rows[i].code == (int)method) return rows[i].text;
    }
    return "<unknown>";
}

/* MIME string of a content type ("application/json"), or "<unknown>". */
static inline const char* http_content_type_str(enum http_content_type type) {
    size_t n = 0, i;
    const hvh_http_mime_row_t* rows = hvh_http_mime_table(&n);
    for (i = 0; i < n; ++i) {
        if (rows[i].type == type) return rows[i].mime;
    }
    return "<unknown>";
}

/* Exact (case-sensitive) reason phrase -> status; HTTP_CUSTOM_STATUS if
 * the phrase is unknown or NULL. */
static inline enum http_status http_status_enum(const char* str) {
    size_t n = 0, i;
    const hvh_http_code_name_t* rows = hvh_http_status_table(&n);
    if (str == NULL) return HTTP_CUSTOM_STATUS;
    for (i = 0; i < n; ++i) {
        if (strcmp(rows[i].text, str) == 0) return (enum http_status)rows[i].code;
    }
    return HTTP_CUSTOM_STATUS;
}

/* Exact (case-sensitive: "get" is not GET) method token -> method;
 * HTTP_CUSTOM_METHOD if unknown or NULL. */
static inline enum http_method http_method_enum(const char* str) {
    size_t n = 0, i;
    const hvh_http_code_name_t* rows = hvh_http_method_table(&n);
    if (str == NULL) return HTTP_CUSTOM_METHOD;
    for (i = 0; i < n; ++i) {
        if (strcmp(rows[i].text, str) == 0) return (enum http_method)rows[i].code;
    }
    return HTTP_CUSTOM_METHOD;
}

/*
 * Content-Type header value -> content type.  The value only has to start
 * with a known MIME string, so parameters are ignored:
 * "application/json; charset=utf-8" -> APPLICATION_JSON.  When several
 * MIME strings are prefixes of the value the longest one wins
 * ("font/woff2" -> FONT_WOFF2).  NULL or "" -> CONTENT_TYPE_NONE, no
 * match -> CONTENT_TYPE_UNDEFINED.
 */
static inline enum http_content_type http_content_type_enum(const char* str) {
    size_t n = 0, i, best_len = 0;
    enum http_content_type best = CONTENT_TYPE_UNDEFINED;
    const hvh_http_mime_row_t* rows = hvh_http_mime_table(&n);
    if (str == NULL || *str == '\0') return CONTENT_TYPE_NONE;
    for (i = 0; i < n; ++i) {
        size_t len = strlen(rows[i].mime);
        if (len > best_len && strncmp(str, rows[i].mime, len) == 0) {
            best = rows[i].type;
            best_len = len;
        }
    }
    return best;
}

/* File suffix of a content type ("json"), or "<unknown>". */
static inline const char* http_content_type_suffix(enum http_content_type type) {
    size_t n = 0, i;
    const hvh_http_mime_row_t* rows = hvh_http_mime_table(&n);
    for (i = 0; i < n; ++i) {
        if (rows[i].type == type) return rows[i].suffix;
    }
    return "<unknown>";
}

/* Exact (case-sensitive) file suffix, without the dot -> MIME string;
 * "" if unknown, NULL or empty. */
static inline const char* http_content_type_str_by_suffix(const char* suffix) {
    size_t n = 0, i;
    const hvh_http_mime_row_t* rows = hvh_http_mime_table(&n);
    if (suffix == NULL || *suffix == '\0') return "";
    for (i = 0; i < n; ++i) {
        if (strcmp(rows[i].suffix, suffix) == 0) return rows[i].mime;
    }
    return "";
}

/* Exact (case-sensitive) file suffix -> content type; CONTENT_TYPE_NONE
 * for NULL or "", CONTENT_TYPE_UNDEFINED if unknown. */
static inline enum http_content_type http_content_type_enum_by_suffix(const char* suffix) {
    size_t n = 0, i;
    const hvh_http_mime_row_t* rows = hvh_http_mime_table(&n);
    if (suffix == NULL || *suffix == '\0') return CONTENT_TYPE_NONE;
    for (i = 0; i < n; ++i) {
        if (strcmp(rows[i].suffix, suffix) == 0) return rows[i].type;
    }
    return CONTENT_TYPE_UNDEFINED;
}

END_EXTERN_C

#endif /* HV_HTTP_DEF_H_ */
