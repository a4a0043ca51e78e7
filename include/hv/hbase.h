#ifndef HV_BASE_H_
#define HV_BASE_H_

/*
 * hbase.h - allocation wrappers, C string helpers, file-system helpers,
 * random numbers, small parsers and a URL splitter.
 * Header-only: every function is static inline.
 */

#include "hexport.h"
#include "hplatform.h"
#include "hdef.h"

BEGIN_EXTERN_C

/* ======================== allocation ==================================== */

/*
 * Allocation statistics for HV_MEMCHECK.  libhv kept them in two globals of
 * the compiled library.  Here they live in a function-local static: one
 * pair per program for C++ code, one pair per translation unit for C code
 * (see HVH_SHARED_INLINE in hexport.h).  Allocations made inside the Rust
 * core are not counted.
 */
HVH_SHARED_INLINE long* hvh_mem_counters(void) {
    static long counters[2] = { 0, 0 }; /* [0] allocations, [1] frees */
    return counters;
}

static inline void hvh_mem_count(int which) {
    __atomic_add_fetch(&hvh_mem_counters()[which], 1, __ATOMIC_RELAXED);
}

static inline void* hvh_mem_or_die(void* p, const char* what) {
    if (p == NULL) {
        fprintf(stderr, "%s failed!\n", what);
        exit(-1);
    }
    return p;
}

/* malloc that never returns NULL (the process exits instead). */
static inline void* hv_malloc(size_t size) {
    hvh_mem_count(0);
    return hvh_mem_or_die(malloc(size ? size : 1), "malloc");
}

/* realloc that zero-fills the grown tail [oldsize, newsize). */
static inline void* hv_realloc(void* oldptr, size_t newsize, size_t oldsize) {
    void* p;
    hvh_mem_count(0);
    if (oldptr) hvh_mem_count(1);
    p = hvh_mem_or_die(realloc(oldptr, newsize ? newsize : 1), "realloc");
    if (newsize > oldsize) {
        memset((char*)p + oldsize, 0, newsize - oldsize);
    }
    return p;
}

static inline void* hv_calloc(size_t nmemb, size_t size) {
    hvh_mem_count(0);
    return hvh_mem_or_die(calloc(nmemb ? nmemb : 1, size ? size : 1), "calloc");
}

/* Zero-filled malloc. */
static inline void* hv_zalloc(size_t size) {
    hvh_mem_count(0);
    return hvh_mem_or_die(calloc(1, size ? size : 1), "malloc");
}

static inline void hv_free(void* ptr) {
    if (ptr) {
        free(ptr);
        hvh_mem_count(1);
    }
}

/* ptr = zero-filled block of `size` bytes (ptr may be any object pointer). */
#define HV_ALLOC(ptr, size) \
    do { \
        void* hvh_alloc_mem_ = hv_zalloc(size); \
        memcpy(&(ptr), &hvh_alloc_mem_, sizeof(void*)); \
        printd("alloc(%p, size=%llu)\tat [%s:%d:%s]\n", (void*)(ptr), \
               (unsigned long long)(size), __FILE__, __LINE__, __FUNCTION__); \
    } while (0)

/* ptr = zero-filled object of the pointed-to type. */
#define HV_ALLOC_SIZEOF(ptr)  HV_ALLOC(ptr, sizeof(*(ptr)))

/* Free and reset to NULL; NULL is ignored. */
#define HV_FREE(ptr) \
    do { \
        if (ptr) { \
            hv_free(ptr); \
            printd("free( %p )\tat [%s:%d:%s]\n", (void*)(ptr), \
                   __FILE__, __LINE__, __FUNCTION__); \
            (ptr) = NULL; \
        } \
    } while (0)

/*
 * Use a stack buffer when `size` fits in `stack_size`, the heap otherwise.
 * Both macros must be used in the same scope, the FREE one last.
 */
#define STACK_OR_HEAP_ALLOC(ptr, size, stack_size) \
    unsigned char hvh_stackbuf_[stack_size] = { 0 }; \
    if ((size_t)(size) > (size_t)(stack_size)) { \
        HV_ALLOC(ptr, size); \
    } else { \
        void* hvh_stack_mem_ = hvh_stackbuf_; \
        memcpy(&(ptr), &hvh_stack_mem_, sizeof(void*)); \
    }

#define STACK_OR_HEAP_FREE(ptr) \
    if ((unsigned char*)(ptr) != hvh_stackbuf_) { \
        HV_FREE(ptr); \
    }

#define HV_DEFAULT_STACKBUF_SIZE    1024
#define HV_STACK_ALLOC(ptr, size)   STACK_OR_HEAP_ALLOC(ptr, size, HV_DEFAULT_STACKBUF_SIZE)
#define HV_STACK_FREE(ptr)          STACK_OR_HEAP_FREE(ptr)

static inline long hv_alloc_cnt(void) {
    return __atomic_load_n(&hvh_mem_counters()[0], __ATOMIC_RELAXED);
}

static inline long hv_free_cnt(void) {
    return __atomic_load_n(&hvh_mem_counters()[1], __ATOMIC_RELAXED);
}

static inline void hv_memcheck(void) {
    printf("Memcheck => alloc:%ld free:%ld\n", hv_alloc_cnt(), hv_free_cnt());
}

/* Print the allocation statistics when the process exits. */
#define HV_MEMCHECK    atexit(hv_memcheck);

/* ======================== strings ======================================= */

/* In-place ASCII upper-casing; returns str. */
static inline char* hv_strupper(char* str) {
    char* p;
    for (p = str; *p; ++p) {
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    }
    return str;
}

/* In-place ASCII lower-casing; returns str. */
static inline char* hv_strlower(char* str) {
    char* p;
    for (p = str; *p; ++p) {
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    }
    return str;
}

/* In-place reversal; returns str (NULL stays NULL). */
static inline char* hv_strreverse(char* str) {
    size_t i, j;
    if (str == NULL) return NULL;
    j = strlen(str);
    for (i = 0; j > i + 1; ++i) {
        char t;
        --j;
        t = str[i];
        str[i] = str[j];
        str[j] = t;
    }
    return str;
}

static inline bool hv_strstartswith(const char* str, const char* start) {
    assert(str != NULL && start != NULL);
    return strncmp(str, start, strlen(start)) == 0;
}

static inline bool hv_strendswith(const char* str, const char* end) {
    size_t n, m;
    assert(str != NULL && end != NULL);
    n = strlen(str);
    m = strlen(end);
    return n >= m && memcmp(str + n - m, end, m) == 0;
}

static inline bool hv_strcontains(const char* str, const char* sub) {
    assert(str != NULL && sub != NULL);
    return strstr(str, sub) != NULL;
}

/*
 * Minimal wildcard match: the pattern may contain one '*', which must be
 * followed only by a literal suffix ("abc*", "*.txt", "a*z").  Everything
 * before the '*' must match literally.
 */
static inline bool hv_wildcard_match(const char* str, const char* pattern) {
    assert(str != NULL && pattern != NULL);
    while (*str && *pattern) {
        if (*pattern == '*') {
            return hv_strendswith(str, pattern + 1);
        }
        if (*str != *pattern) {
            return false;
        }
        ++str;
        ++pattern;
    }
    return *str == '\0' && *pattern == '\0';
}

/*
 * Copy at most n-1 characters and always NUL-terminate (n is the size of
 * dest, like strlcpy); returns dest.
 */
static inline char* hv_strncpy(char* dest, const char* src, size_t n) {
    size_t i = 0;
    assert(dest != NULL && src != NULL);
    if (n == 0) return dest;
    while (i + 1 < n && src[i] != '\0') {
        dest[i] = src[i];
        ++i;
    }
    dest[i] = '\0';
    return dest;
}

/*
 * Append src so that dest (of total size n) stays NUL-terminated, like
 * strlcat; returns dest.
 */
static inline char* hv_strncat(char* dest, const char* src, size_t n) {
    size_t used;
    assert(dest != NULL && src != NULL);
    used = strlen(dest);
    if (used + 1 >= n) return dest;
    hv_strncpy(dest + used, src, n - used);
    return dest;
}

#if !HAVE_STRLCPY
#define strlcpy hv_strncpy
#endif

#if !HAVE_STRLCAT
#define strlcat hv_strncat
#endif

/* First occurrence of c within the first n characters of s. */
static inline char* hv_strnchr(const char* s, char c, size_t n) {
    size_t i;
    assert(s != NULL);
    for (i = 0; i < n && s[i] != '\0'; ++i) {
        if (s[i] == c) return (char*)(s + i);
    }
    return NULL;
}

/* Last occurrence of c within the first n characters of s. */
static inline char* hv_strnrchr(const char* s, char c, size_t n) {
    const char* last = NULL;
    size_t i;
    assert(s != NULL);
    for (i = 0; i < n && s[i] != '\0'; ++i) {
        if (s[i] == c) last = s + i;
    }
    return (char*)last;
}

#define hv_strrchr_dot(str) strrchr(str, '.')

/* Position of the last '/' in filepath, or NULL. */
static inline char* hv_strrchr_dir(const char* filepath) {
    return (char*)strrchr(filepath, '/');
}

/* "/a/b/c.txt" -> "c.txt" (pointer into filepath). */
static inline const char* hv_basename(const char* filepath) {
    const char* slash = hv_strrchr_dir(filepath);
    return slash ? slash + 1 : filepath;
}

/* "c.tar.gz" -> "gz"; "" when there is no dot. */
static inline const char* hv_suffixname(const char* filename) {
    const char* dot = hv_strrchr_dot(filename);
    return dot ? dot + 1 : "";
}

/* ======================== file system =================================== */

/* mkdir -p.  Returns 0, EEXIST if dir already exists, EPERM on failure. */
static inline int hv_mkdir_p(const char* dir) {
    char path[MAX_PATH];
    char* p;
    if (access(dir, F_OK) == 0) {
        return EEXIST;
    }
    hv_strncpy(path, dir, sizeof(path));
    for (p = path + 1; *p; ++p) {
        if (*p == '/') {
            *p = '\0';
            hv_mkdir(path); /* intermediate components may already exist */
            *p = '/';
        }
    }
    return hv_mkdir(path) == 0 ? 0 : EPERM;
}

/*
 * rmdir -p: remove dir, then each parent named in the path until one of
 * them cannot be removed.  Returns 0, ENOENT if dir does not exist, EPERM
 * if dir itself cannot be removed.
 */
static inline int hv_rmdir_p(const char* dir) {
    char path[MAX_PATH];
    char* slash;
    if (access(dir, F_OK) != 0) {
        return ENOENT;
    }
    if (rmdir(dir) != 0) {
        return EPERM;
    }
    hv_strncpy(path, dir, sizeof(path));
    while ((slash = strrchr(path, '/')) != NULL) {
        *slash = '\0';
        if (path[0] == '\0' || rmdir(path) != 0) break;
    }
    return 0;
}

static inline bool hv_exists(const char* path) {
    return access(path, F_OK) == 0;
}

static inline bool hv_isdir(const char* path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static inline bool hv_isfile(const char* path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static inline bool hv_islink(const char* path) {
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Size in bytes, 0 if the file cannot be stat'ed. */
static inline size_t hv_filesize(const char* filepath) {
    struct stat st;
    if (stat(filepath, &st) != 0) return 0;
    return (size_t)st.st_size;
}

/* Absolute path of the running executable (NUL-terminated); NULL on error. */
static inline char* get_executable_path(char* buf, int size) {
    ssize_t n;
    if (buf == NULL || size <= 0) return NULL;
    n = readlink("/proc/self/exe", buf, (size_t)size - 1);
    if (n < 0) {
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Directory part of the executable path. */
static inline char* get_executable_dir(char* buf, int size) {
    char path[MAX_PATH];
    char* slash;
    memset(path, 0, sizeof(path));
    if (get_executable_path(path, sizeof(path)) == NULL) return buf;
    slash = hv_strrchr_dir(path);
    if (slash) {
        *slash = '\0';
        if (size > 0) hv_strncpy(buf, path, (size_t)size);
    }
    return buf;
}

/* File-name part of the executable path. */
static inline char* get_executable_file(char* buf, int size) {
    char path[MAX_PATH];
    char* slash;
    memset(path, 0, sizeof(path));
    if (get_executable_path(path, sizeof(path)) == NULL) return buf;
    slash = hv_strrchr_dir(path);
    if (slash && size > 0) {
        hv_strncpy(buf, slash + 1, (size_t)size);
    }
    return buf;
}

/* Current working directory. */
static inline char* get_run_dir(char* buf, int size) {
    return getcwd(buf, (size_t)size);
}

/* ======================== random ======================================== */

/* splitmix64 over a lazily seeded, atomically advanced counter. */
HVH_SHARED_INLINE unsigned long long hvh_rand_next(void) {
    static unsigned long long state = 0;
    unsigned long long z;
    if (__atomic_load_n(&state, __ATOMIC_RELAXED) == 0) {
        unsigned long long expected = 0;
        unsigned long long seed = (unsigned long long)time(NULL) ^
                                  ((unsigned long long)getpid() << 32) ^
                                  (unsigned long long)(size_t)&state;
        __atomic_compare_exchange_n(&state, &expected, seed | 1ULL, 0,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
    z = __atomic_add_fetch(&state, 0x9E3779B97F4A7C15ULL, __ATOMIC_RELAXED);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [min, max], both ends included.  Thread-safe.
 * Returns min when max <= min. */
static inline int hv_rand(int min, int max) {
    unsigned long long span;
    if (max <= min) return min;
    span = (unsigned long long)((long long)max - (long long)min) + 1ULL;
    return (int)((long long)min + (long long)(hvh_rand_next() % span));
}

/* len random characters from [A-Za-z0-9] plus a NUL; buf needs len+1 bytes. */
static inline char* hv_random_string(char* buf, int len) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    int i;
    for (i = 0; i < len; ++i) {
        buf[i] = alphabet[hv_rand(0, (int)sizeof(alphabet) - 2)];
    }
    buf[i < 0 ? 0 : i] = '\0';
    return buf;
}

/* ======================== parsers ======================================= */

/* "1", "y", "Y", "on", "yes", "true", "enable" (case-insensitive) -> true */
static inline bool hv_getboolean(const char* str) {
    if (str == NULL || *str == '\0') return false;
    if (str[1] == '\0') {
        return str[0] == '1' || str[0] == 'y' || str[0] == 'Y';
    }
    return strcasecmp(str, "on") == 0 || strcasecmp(str, "yes") == 0 ||
           strcasecmp(str, "true") == 0 || strcasecmp(str, "enable") == 0;
}

/* "1T2G3M4K5B" -> bytes.  Each number is scaled by the unit letter that
 * follows it (K/M/G/T, any case); other letters count as plain bytes. */
static inline size_t hv_parse_size(const char* str) {
    size_t total = 0, num = 0;
    const char* p;
    for (p = str; *p; ++p) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            num = num * 10 + (size_t)(c - '0');
            continue;
        }
        switch (c) {
        case 'K': case 'k': num <<= 10; break;
        case 'M': case 'm': num <<= 20; break;
        case 'G': case 'g': num <<= 30; break;
        case 'T': case 't': num = (size_t)((unsigned long long)num << 40); break;
        default: break;
        }
        total += num;
        num = 0;
    }
    return total + num;
}

/* "1w2d3h4m5s" -> seconds.  A trailing number without unit is seconds. */
static inline time_t hv_parse_time(const char* str) {
    time_t total = 0, num = 0;
    const char* p;
    for (p = str; *p; ++p) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            num = num * 10 + (c - '0');
            continue;
        }
        switch (c) {
        case 'm': num *= 60; break;
        case 'h': num *= 3600; break;
        case 'd': num *= 86400; break;
        case 'w': num *= 604800; break;
        default: break; /* 's' and anything else: seconds */
        }
        total += num;
        num = 0;
    }
    return total + num;
}

/* ======================== URL =========================================== */

/* scheme:[//[user[:password]@]host[:port]][/path][?query][#fragment] */
typedef enum {
    HV_URL_SCHEME,
    HV_URL_USERNAME,
    HV_URL_PASSWORD,
    HV_URL_HOST,
    HV_URL_PORT,
    HV_URL_PATH,
    HV_URL_QUERY,
    HV_URL_FRAGMENT,
    HV_URL_FIELD_NUM,
} hurl_field_e;

typedef struct hurl_s {
    struct {
        unsigned short off;
        unsigned short len;
    } fields[HV_URL_FIELD_NUM];
    unsigned short port;
} hurl_t;

static inline void hvh_url_set(hurl_t* u, int field, const char* base,
                               const char* from, const char* to) {
    u->fields[field].off = (unsigned short)(from - base);
    u->fields[field].len = (unsigned short)(to - from);
}

/*
 * Split a URL into (offset, length) fields of strURL.
 * The authority ends at the first '/'.  Without an explicit port, port is
 * 443 for "https://" URLs and 80 otherwise.  Returns 0, -1 for NULL
 * arguments, -2 for URLs longer than 65535 bytes.
 */
static inline int hv_parse_url(hurl_t* stURL, const char* strURL) {
    const char *base, *end, *cur, *stop, *host, *host_end, *at, *colon;
    if (stURL == NULL || strURL == NULL) return -1;
    memset(stURL, 0, sizeof(*stURL));
    base = strURL;
    end = base + strlen(base);
    if (end - base > 65535) return -2;

    /* scheme:// */
    cur = base;
    stop = strstr(cur, "://");
    if (stop) {
        hvh_url_set(stURL, HV_URL_SCHEME, base, cur, stop);
        cur = stop + 3;
    }

    /* authority: [user[:password]@]host[:port] */
    stop = strchr(cur, '/');
    if (stop == NULL) stop = end;
    host = cur;
    at = hv_strnchr(cur, '@', (size_t)(stop - cur));
    if (at) {
        const char* user_end = hv_strnchr(cur, ':', (size_t)(at - cur));
        if (user_end) {
            hvh_url_set(stURL, HV_URL_PASSWORD, base, user_end + 1, at);
        } else {
            user_end = at;
        }
        hvh_url_set(stURL, HV_URL_USERNAME, base, cur, user_end);
        host = at + 1;
    }
    host_end = host;
    if (*host == '[') {
        const char* bracket = hv_strnchr(host, ']', (size_t)(stop - host));
        if (bracket) {
            hvh_url_set(stURL, HV_URL_HOST, base, host + 1, bracket);
            host_end = bracket;
        }
    }
    colon = hv_strnchr(host_end, ':', (size_t)(stop - host_end));
    if (colon) {
        const char* d;
        hvh_url_set(stURL, HV_URL_PORT, base, colon + 1, stop);
        for (d = colon + 1; d < stop && *d >= '0' && *d <= '9'; ++d) {
            stURL->port = (unsigned short)(stURL->port * 10 + (*d - '0'));
        }
    } else {
        colon = stop;
        stURL->port = 80;
        if (stURL->fields[HV_URL_SCHEME].len > 0 && strncmp(base, "https://", 8) == 0) {
            stURL->port = 443;
        }
    }
    if (stURL->fields[HV_URL_HOST].len == 0) {
        hvh_url_set(stURL, HV_URL_HOST, base, host, colon);
    }
    if (stop == end) return 0;

    /* /path */
    cur = stop;
    stop = strchr(cur, '?');
    if (stop == NULL) stop = end;
    hvh_url_set(stURL, HV_URL_PATH, base, cur, stop);
    if (stop == end) return 0;

    /* ?query */
    cur = stop + 1;
    stop = strchr(cur, '#');
    if (stop == NULL) stop = end;
    hvh_url_set(stURL, HV_URL_QUERY, base, cur, stop);
    if (stop == end) return 0;

    /* #fragment */
    hvh_url_set(stURL, HV_URL_FRAGMENT, base, stop + 1, end);
    return 0;
}

END_EXTERN_C

#endif /* HV_BASE_H_ */
