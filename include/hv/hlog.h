#ifndef HV_LOG_H_
#define HV_LOG_H_

/*
 * hlog.h - libhv's logging macros on top of the hv-rs logger.
 *
 * The logger itself (level filter, time stamp + level prefix, output file,
 * rotation, fsync, custom handler) lives in the Rust core and is reached
 * through the hv_log_* functions declared in hvrs.h.  This header only
 * formats the message text (printf-style, in the caller's thread) and hands
 * the result to hv_log_write().  Logging is thread-safe.
 *
 * There is a single, process-wide logger: `hlog` / hv_default_logger().
 * The logger_xxx(logger, ...) functions accept that handle for source
 * compatibility and always act on the default logger.
 */

#include "hconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexport.h"
#include "hvrs.h"

#define DIR_SEPARATOR       '/'
#define DIR_SEPARATOR_STR   "/"

#ifdef __cplusplus
extern "C" {
#endif

/* Part of a path after the last '/'. */
static inline const char* hvh_log_basename(const char* path) {
    const char* slash = strrchr(path, DIR_SEPARATOR);
    return slash ? slash + 1 : path;
}

/* Name of the current source file without its directory. */
#ifndef __FILENAME__
#define __FILENAME__ hvh_log_basename(__FILE__)
#endif

/* ANSI terminal colours */
#define CLR_CLR         "\033[0m"       /* reset */
#define CLR_BLACK       "\033[30m"
#define CLR_RED         "\033[31m"
#define CLR_GREEN       "\033[32m"
#define CLR_YELLOW      "\033[33m"
#define CLR_BLUE        "\033[34m"
#define CLR_PURPLE      "\033[35m"
#define CLR_SKYBLUE     "\033[36m"
#define CLR_WHITE       "\033[37m"

/* background + white (or black) text */
#define CLR_BLK_WHT     "\033[40;37m"
#define CLR_RED_WHT     "\033[41;37m"
#define CLR_GREEN_WHT   "\033[42;37m"
#define CLR_YELLOW_WHT  "\033[43;37m"
#define CLR_BLUE_WHT    "\033[44;37m"
#define CLR_PURPLE_WHT  "\033[45;37m"
#define CLR_SKYBLUE_WHT "\033[46;37m"
#define CLR_WHT_BLK     "\033[47;30m"

/* ENTRY(level, 5-character label, colour) for every printable level. */
#define LOG_LEVEL_MAP(ENTRY) \
    ENTRY(LOG_LEVEL_DEBUG, "DEBUG", CLR_WHITE) \
    ENTRY(LOG_LEVEL_INFO,  "INFO ", CLR_GREEN) \
    ENTRY(LOG_LEVEL_WARN,  "WARN ", CLR_YELLOW) \
    ENTRY(LOG_LEVEL_ERROR, "ERROR", CLR_RED) \
    ENTRY(LOG_LEVEL_FATAL, "FATAL", CLR_RED_WHT)

typedef enum {
    LOG_LEVEL_VERBOSE = 0,
    LOG_LEVEL_DEBUG   = 1,
    LOG_LEVEL_INFO    = 2,
    LOG_LEVEL_WARN    = 3,
    LOG_LEVEL_ERROR   = 4,
    LOG_LEVEL_FATAL   = 5,
    LOG_LEVEL_SILENT  = 6
} log_level_e;

#define DEFAULT_LOG_FILE            "libhv"
#define DEFAULT_LOG_LEVEL           LOG_LEVEL_INFO
#define DEFAULT_LOG_FORMAT          "%y-%m-%d %H:%M:%S.%z %L %s"
#define DEFAULT_LOG_REMAIN_DAYS     1
#define DEFAULT_LOG_MAX_BUFSIZE     (1 << 14)   /* 16 KiB per message */
#define DEFAULT_LOG_MAX_FILESIZE    (1 << 24)   /* 16 MiB per file */

/* A log sink: receives one complete, formatted line. */
typedef void (*logger_handler)(int loglevel, const char* buf, int len);

/* ---- message formatting ------------------------------------------------ */

/* Format and submit one message; nothing is formatted when `level` is
 * filtered out.  Returns the message length, or -10 when filtered. */
HVH_PRINTF_FMT(2, 0)
static inline int hvh_log_vprint(int level, const char* fmt, va_list ap) {
    char line[DEFAULT_LOG_MAX_BUFSIZE];
    int n;
    if (level < hv_log_get_level()) {
        return -10;
    }
    n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0) {
        return n;
    }
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1; /* truncated */
    }
    hv_log_write(level, line, (size_t)n);
    return n;
}

HVH_PRINTF_FMT(2, 3)
static inline int hvh_log_print(int level, const char* fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = hvh_log_vprint(level, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- ready-made sinks for hlog_set_handler() --------------------------- */

static inline void stdout_logger(int loglevel, const char* buf, int len) {
    (void)loglevel;
    if (len > 0) fwrite(buf, 1, (size_t)len, stdout);
}

static inline void stderr_logger(int loglevel, const char* buf, int len) {
    (void)loglevel;
    if (len > 0) fwrite(buf, 1, (size_t)len, stderr);
}

/*
 * The library's own file sink.  hlog_set_handler(file_logger) restores the
 * built-in sink (the file chosen with hlog_set_file, stderr by default).
 * Called directly, it can only write to stderr.
 */
static inline void file_logger(int loglevel, const char* buf, int len) {
    stderr_logger(loglevel, buf, len);
}

/* ---- the default logger ------------------------------------------------- */

typedef struct logger_s logger_t;

/* Opaque handle of the one process-wide logger (never NULL). */
static inline logger_t* hv_default_logger(void) {
    static char handle_storage;
    return (logger_t*)(void*)&handle_storage;
}

/* Flushes pending output; the logger itself stays usable. */
static inline void hv_destroy_default_logger(void) {
    hv_log_fsync();
}

static inline void logger_set_handler(logger_t* logger, logger_handler fn) {
    (void)logger;
    hv_log_set_handler(fn == file_logger ? (logger_handler)NULL : fn);
}

static inline void logger_set_level(logger_t* logger, int level) {
    (void)logger;
    hv_log_set_level(level);
}

/* "VERBOSE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" or "SILENT";
 * anything else selects DEFAULT_LOG_LEVEL. */
static inline void logger_set_level_by_str(logger_t* logger, const char* level) {
    (void)logger;
    if (level == NULL || hv_log_set_level_by_str(level) != 0) {
        hv_log_set_level(DEFAULT_LOG_LEVEL);
    }
}

/* The line layout is fixed by the hv-rs logger; accepted and ignored. */
static inline void logger_set_format(logger_t* logger, const char* format) {
    (void)logger;
    (void)format;
}

/* Messages are formatted into a DEFAULT_LOG_MAX_BUFSIZE stack buffer;
 * accepted and ignored. */
static inline void logger_set_max_bufsize(logger_t* logger, unsigned int bufsize) {
    (void)logger;
    (void)bufsize;
}

/* The hv-rs logger does not colour its output; accepted and ignored. */
static inline void logger_enable_color(logger_t* logger, int on) {
    (void)logger;
    (void)on;
}

HVH_PRINTF_FMT(3, 4)
static inline int logger_print(logger_t* logger, int level, const char* fmt, ...) {
    va_list ap;
    int n;
    (void)logger;
    va_start(ap, fmt);
    n = hvh_log_vprint(level, fmt, ap);
    va_end(ap);
    return n;
}

/* Log to `filepath` instead of stderr (NULL: back to stderr). */
static inline void logger_set_file(logger_t* logger, const char* filepath) {
    (void)logger;
    (void)hv_log_set_file(filepath);
}

static inline void logger_set_max_filesize(logger_t* logger, unsigned long long filesize) {
    (void)logger;
    hv_log_set_max_filesize(filesize);
}

/* "16", "16M", "16MB", "512K", "1G": a bare number means MiB. */
static inline void logger_set_max_filesize_by_str(logger_t* logger, const char* filesize) {
    int num;
    size_t len;
    char unit;
    unsigned long long bytes;
    (void)logger;
    if (filesize == NULL) return;
    num = atoi(filesize);
    if (num <= 0) return;
    len = strlen(filesize);
    unit = filesize[len - 1];
    if (unit == 'B' && len >= 2) {
        unit = filesize[len - 2];
    }
    bytes = (unsigned long long)num;
    switch (unit) {
    case 'K': bytes <<= 10; break;
    case 'G': bytes <<= 30; break;
    default:  bytes <<= 20; break; /* 'M' or no unit */
    }
    hv_log_set_max_filesize(bytes);
}

static inline void logger_set_remain_days(logger_t* logger, int days) {
    (void)logger;
    hv_log_set_remain_days(days);
}

static inline void logger_enable_fsync(logger_t* logger, int on) {
    (void)logger;
    hv_log_enable_fsync(on);
}

static inline void logger_fsync(logger_t* logger) {
    (void)logger;
    hv_log_fsync();
}

/* ---- hlog_xxx: the default logger ------------------------------------- */
#define hlog                            hv_default_logger()
#define hlog_destory()                  hv_destroy_default_logger()
#define hlog_disable()                  logger_set_level(hlog, LOG_LEVEL_SILENT)
#define hlog_set_file(filepath)         logger_set_file(hlog, filepath)
#define hlog_set_level(level)           logger_set_level(hlog, level)
#define hlog_set_level_by_str(level)    logger_set_level_by_str(hlog, level)
#define hlog_set_handler(fn)            logger_set_handler(hlog, fn)
#define hlog_set_format(format)         logger_set_format(hlog, format)
#define hlog_set_max_filesize(filesize) logger_set_max_filesize(hlog, filesize)
#define hlog_set_max_filesize_by_str(filesize) logger_set_max_filesize_by_str(hlog, filesize)
#define hlog_set_remain_days(days)      logger_set_remain_days(hlog, days)
#define hlog_enable_fsync()             logger_enable_fsync(hlog, 1)
#define hlog_disable_fsync()            logger_enable_fsync(hlog, 0)
#define hlog_fsync()                    logger_fsync(hlog)

/* printf-style logging; " [file:line:function]" is appended to each message. */
#define hlogd(fmt, ...) hvh_log_print(LOG_LEVEL_DEBUG, fmt " [%s:%d:%s]", ## __VA_ARGS__, __FILENAME__, __LINE__, __func__)
#define hlogi(fmt, ...) hvh_log_print(LOG_LEVEL_INFO,  fmt " [%s:%d:%s]", ## __VA_ARGS__, __FILENAME__, __LINE__, __func__)
#define hlogw(fmt, ...) hvh_log_print(LOG_LEVEL_WARN,  fmt " [%s:%d:%s]", ## __VA_ARGS__, __FILENAME__, __LINE__, __func__)
#define hloge(fmt, ...) hvh_log_print(LOG_LEVEL_ERROR, fmt " [%s:%d:%s]", ## __VA_ARGS__, __FILENAME__, __LINE__, __func__)
#define hlogf(fmt, ...) hvh_log_print(LOG_LEVEL_FATAL, fmt " [%s:%d:%s]", ## __VA_ARGS__, __FILENAME__, __LINE__, __func__)

/* Short aliases, unless the program already has its own LOGx macros. */
#if !defined(LOGD) && !defined(LOGI) && !defined(LOGW) && !defined(LOGE) && !defined(LOGF)
#define LOGD    hlogd
#define LOGI    hlogi
#define LOGW    hlogw
#define LOGE    hloge
#define LOGF    hlogf
#endif

#ifdef __cplusplus
}
#endif

#endif /* HV_LOG_H_ */
