#ifndef HV_MAIN_H_
#define HV_MAIN_H_

/*
 * hmain.h - helpers for a program's main(): argument/environment capture,
 * getopt-like option parsing, pidfile handling, start/stop/reload
 * signalling and a master/worker process model.
 *
 * Header-only.  libhv keeps the process state in one global, g_main_ctx.
 * Here g_main_ctx is a macro for an object owned by an inline accessor:
 * all C++ translation units of a program share one object, while each C
 * translation unit has its own (see HVH_SHARED_INLINE in hexport.h).  A C
 * program should therefore call main_ctx_init()/parse_opt() and read
 * g_main_ctx / get_arg() from the same source file.
 *
 * main_ctx_init() routes the hv logger to <cwd>/logs/<program>.log, as libhv
 * does.
 */

#include "hexport.h"
#include "hplatform.h"
#include "hdef.h"
#include "hbase.h"
#include "herr.h"
#include "hproc.h"
#include "hthread.h"
#include "hlog.h"

#include <sys/wait.h>
#include <fcntl.h>
#include <stdint.h>

#ifdef __cplusplus
#include "hvrs_reload.h"
#define HVH_AFTER_RELOAD() hv::detail::runReloadListeners()
#else
#define HVH_AFTER_RELOAD() ((void)0)
#endif

BEGIN_EXTERN_C

typedef struct main_ctx_s {
    char    run_dir[MAX_PATH];
    char    program_name[MAX_PATH];

    char    confile[MAX_PATH];  /* <run_dir>/etc/<program>.conf */
    char    pidfile[MAX_PATH];  /* <run_dir>/logs/<program>.pid */
    char    logfile[MAX_PATH];  /* <run_dir>/logs/<program>.log */

    pid_t   pid;                /* this process */
    pid_t   oldpid;             /* pid recorded in pidfile if still alive, else -1 */

    /* command line */
    int     argc;
    int     arg_len;            /* bytes of all argv strings incl. NULs */
    char**  os_argv;
    char**  save_argv;
    char*   cmdline;            /* argv joined by spaces */
    /* parse_opt results */
    int     arg_kv_size;
    char**  arg_kv;             /* "key=value" strings, NULL-terminated */
    int     arg_list_size;
    char**  arg_list;           /* non-option arguments, NULL-terminated */

    /* environment */
    int     envc;
    int     env_len;
    char**  os_envp;
    char**  save_envp;

    /* signals */
    procedure_t     reload_fn;
    void*           reload_userdata;
    /* master / workers */
    int             worker_processes;
    int             worker_threads;
    procedure_t     worker_fn;
    void*           worker_userdata;
    proc_ctx_t*     proc_ctxs;
} main_ctx_t;

/* option_t::arg_type */
#define NO_ARGUMENT         0
#define REQUIRED_ARGUMENT   1
#define OPTIONAL_ARGUMENT   2

#define OPTION_PREFIX   '-'
#define OPTION_DELIM    '='
#define OPTION_ENABLE   "1"
#define OPTION_DISABLE  "0"

typedef struct option_s {
    char        short_opt;      /* 0 if none */
    const char* long_opt;
    int         arg_type;
    const char* description;
} option_t;

#define DEFAULT_WORKER_PROCESSES    4
#define MAXNUM_WORKER_PROCESSES     256

/* SIGTERM quits, SIGUSR1 asks for a configuration reload. */
#define SIGNAL_TERMINATE    SIGTERM
#define SIGNAL_RELOAD       SIGUSR1

/* <unistd.h> declares environ only for _GNU_SOURCE (glibc's __USE_GNU). */
#if !defined(__USE_GNU)
extern char** environ;
#endif

/* ---- the process context ---------------------------------------------- */

HVH_SHARED_INLINE main_ctx_t* hvh_main_ctx(void) {
    static main_ctx_t ctx;
    return &ctx;
}

#define g_main_ctx (*hvh_main_ctx())

static inline void hvh_free_str_array(char*** parray, int count) {
    int i;
    if (*parray == NULL) return;
    for (i = 0; i < count; ++i) {
        SAFE_FREE((*parray)[i]);
    }
    SAFE_FREE(*parray);
}

/* Release what main_ctx_init/parse_opt allocated (registered with atexit). */
static inline void main_ctx_free(void) {
    main_ctx_t* ctx = &g_main_ctx;
    if (ctx->save_argv) {
        SAFE_FREE(ctx->save_argv[0]); /* one block holds all strings */
        SAFE_FREE(ctx->save_argv);
    }
    SAFE_FREE(ctx->cmdline);
    if (ctx->save_envp) {
        SAFE_FREE(ctx->save_envp[0]);
        SAFE_FREE(ctx->save_envp);
    }
    hvh_free_str_array(&ctx->arg_kv, ctx->arg_kv_size);
    ctx->arg_kv_size = 0;
    hvh_free_str_array(&ctx->arg_list, ctx->arg_list_size);
    ctx->arg_list_size = 0;
}

/* Copy a NULL-terminated string vector into one block; returns the copy
 * (NULL-terminated) and stores count and total byte size. */
static inline char** hvh_copy_strv(char** src, int* pcount, int* pbytes) {
    char** copy = NULL;
    char* block = NULL;
    int count = 0;
    size_t bytes = 0;
    int i;
    while (src && src[count]) {
        bytes += strlen(src[count]) + 1;
        ++count;
    }
    SAFE_ALLOC(copy, (size_t)(count + 1) * sizeof(char*));
    if (bytes) {
        SAFE_ALLOC(block, bytes);
    }
    for (i = 0; i < count; ++i) {
        size_t n = strlen(src[i]) + 1;
        memcpy(block, src[i], n);
        copy[i] = block;
        block += n;
    }
    copy[count] = NULL;
    *pcount = count;
    *pbytes = (int)bytes;
    return copy;
}

static inline pid_t getpid_from_pidfile(void);

/* dst[MAX_PATH] = a + b + c + d (truncated if too long) */
static inline void hvh_path_join(char* dst, const char* a, const char* b,
                                 const char* c, const char* d) {
    hv_strncpy(dst, a, MAX_PATH);
    hv_strncat(dst, b, MAX_PATH);
    hv_strncat(dst, c, MAX_PATH);
    hv_strncat(dst, d, MAX_PATH);
}

/*
 * Record run_dir, program_name, default file names, argv and the
 * environment in g_main_ctx; create <run_dir>/logs and send the log there.
 * argc == 0 or argv == NULL uses the executable path as argv[0].
 */
static inline int main_ctx_init(int argc, char** argv) {
    main_ctx_t* ctx = &g_main_ctx;
    char logdir[MAX_PATH];
    int i;

    if (argc == 0 || argv == NULL) {
        SAFE_ALLOC(argv, 2 * sizeof(char*));
        SAFE_ALLOC(argv[0], MAX_PATH);
        get_executable_path(argv[0], MAX_PATH);
    }

    main_ctx_free(); /* allow a second call */

    if (getcwd(ctx->run_dir, sizeof(ctx->run_dir)) == NULL) {
        hv_strncpy(ctx->run_dir, ".", sizeof(ctx->run_dir));
    }
    hv_strncpy(ctx->program_name, hv_basename(argv[0]), sizeof(ctx->program_name));

    hv_strncpy(logdir, ctx->run_dir, sizeof(logdir));
    hv_strncat(logdir, "/logs", sizeof(logdir));
    hv_mkdir(logdir);
    hvh_path_join(ctx->confile, ctx->run_dir, "/etc/", ctx->program_name, ".conf");
    hvh_path_join(ctx->pidfile, ctx->run_dir, "/logs/", ctx->program_name, ".pid");
    hvh_path_join(ctx->logfile, ctx->run_dir, "/logs/", ctx->program_name, ".log");
    hlog_set_file(ctx->logfile);

    ctx->pid = getpid();
    ctx->oldpid = getpid_from_pidfile();
    if (ctx->oldpid <= 0 || (kill(ctx->oldpid, 0) == -1 && errno == ESRCH)) {
        ctx->oldpid = -1;
    }

    /* command line */
    ctx->os_argv = argv;
    ctx->save_argv = hvh_copy_strv(argv, &ctx->argc, &ctx->arg_len);
    SAFE_ALLOC(ctx->cmdline, ctx->arg_len > 0 ? (size_t)ctx->arg_len : 1);
    {
        char* w = ctx->cmdline;
        for (i = 0; i < ctx->argc; ++i) {
            size_t n = strlen(argv[i]);
            if (i > 0) *w++ = ' ';
            memcpy(w, argv[i], n);
            w += n;
        }
        *w = '\0';
    }

    /* environment */
    ctx->os_envp = environ;
    ctx->save_envp = hvh_copy_strv(environ, &ctx->envc, &ctx->env_len);

    ctx->reload_fn = NULL;
    ctx->reload_userdata = NULL;
    ctx->worker_processes = 0;
    ctx->worker_threads = 0;
    ctx->worker_fn = NULL;
    ctx->worker_userdata = NULL;
    ctx->proc_ctxs = NULL;

    atexit(main_ctx_free);
    return 0;
}

/* ---- parsed arguments --------------------------------------------------- */

static inline const char* hvh_lookup_kv(char** kvs, const char* key) {
    size_t klen;
    int i;
    if (kvs == NULL || key == NULL) return NULL;
    klen = strlen(key);
    for (i = 0; kvs[i]; ++i) {
        if (strncmp(kvs[i], key, klen) == 0 && kvs[i][klen] == '=') {
            return kvs[i] + klen + 1;
        }
    }
    return NULL;
}

/* Value of an option seen by parse_opt/parse_opt_long ("1" for flags). */
static inline const char* get_arg(const char* key) {
    return hvh_lookup_kv(g_main_ctx.arg_kv, key);
}

/* Value of an environment variable captured by main_ctx_init. */
static inline const char* get_env(const char* key) {
    return hvh_lookup_kv(g_main_ctx.save_envp, key);
}

/* Start a fresh result set able to hold kv_cap options and list_cap
 * plain arguments (both arrays stay NULL-terminated). */
static inline void hvh_reset_parsed_args(size_t kv_cap, size_t list_cap) {
    main_ctx_t* ctx = &g_main_ctx;
    hvh_free_str_array(&ctx->arg_kv, ctx->arg_kv_size);
    hvh_free_str_array(&ctx->arg_list, ctx->arg_list_size);
    ctx->arg_kv_size = 0;
    ctx->arg_list_size = 0;
    SAFE_ALLOC(ctx->arg_kv, (kv_cap + 1) * sizeof(char*));
    SAFE_ALLOC(ctx->arg_list, (list_cap + 1) * sizeof(char*));
}

/* key_len / val_len <= 0 mean "use strlen". */
static inline void hvh_save_arg_kv(const char* key, int key_len, const char* val, int val_len) {
    char* kv = NULL;
    size_t kl = key_len > 0 ? (size_t)key_len : strlen(key);
    size_t vl = val_len > 0 ? (size_t)val_len : strlen(val);
    SAFE_ALLOC(kv, kl + vl + 2);
    memcpy(kv, key, kl);
    kv[kl] = OPTION_DELIM;
    memcpy(kv + kl + 1, val, vl);
    kv[kl + 1 + vl] = '\0';
    g_main_ctx.arg_kv[g_main_ctx.arg_kv_size++] = kv;
}

static inline void hvh_save_arg_list(const char* arg) {
    char* copy = NULL;
    size_t n = strlen(arg) + 1;
    SAFE_ALLOC(copy, n);
    memcpy(copy, arg, n);
    g_main_ctx.arg_list[g_main_ctx.arg_list_size++] = copy;
}

#define HVH_OPT_UNKNOWN (-1)

/* Look c up in a getopt-style spec ("hvp:" = flags h, v; p takes a value). */
static inline int hvh_short_opt_type(char c, const char* spec) {
    const char* hit;
    if (spec == NULL || c == '\0') return HVH_OPT_UNKNOWN;
    hit = strchr(spec, c);
    if (hit == NULL) return HVH_OPT_UNKNOWN;
    return hit[1] == ':' ? REQUIRED_ARGUMENT : NO_ARGUMENT;
}

/*
 * Short options only, getopt-style spec ("hvp:"):
 *   ls -a -l / ls -al / watch -n 10 ls / watch -n10 ls
 * Results go to get_arg("x") and g_main_ctx.arg_list.
 * Returns 0, -20 for an unknown option, -30 for a missing value.
 */
static inline int parse_opt(int argc, char** argv, const char* options) {
    size_t chars = 0, count = 0;
    int i;
    if (argc < 1 || argv == NULL) return 0;
    for (i = 1; argv[i]; ++i) {
        chars += strlen(argv[i]);
        ++count;
    }
    hvh_reset_parsed_args(chars, count);

    for (i = 1; argv[i]; ++i) {
        const char* p = argv[i];
        if (*p != OPTION_PREFIX) {
            hvh_save_arg_list(argv[i]);
            continue;
        }
        while (*++p) {
            int type = hvh_short_opt_type(*p, options);
            if (type == HVH_OPT_UNKNOWN) {
                printf("Invalid option '%c'\n", *p);
                return -20;
            }
            if (type == NO_ARGUMENT) {
                hvh_save_arg_kv(p, 1, OPTION_ENABLE, 0);
                continue;
            }
            /* the value is the rest of this word, or the next word */
            if (p[1] != '\0') {
                hvh_save_arg_kv(p, 1, p + 1, 0);
            } else if (argv[i + 1] != NULL) {
                hvh_save_arg_kv(p, 1, argv[++i], 0);
            } else {
                printf("Option '%c' requires param\n", *p);
                return -30;
            }
            break;
        }
    }
    return 0;
}

static inline const option_t* hvh_find_option(const char* name, const option_t* opts, int size) {
    size_t n;
    int i;
    if (name == NULL || opts == NULL) return NULL;
    n = strlen(name);
    if (n == 0) return NULL;
    for (i = 0; i < size; ++i) {
        if (n == 1) {
            if (opts[i].short_opt == name[0]) return &opts[i];
        } else if (opts[i].long_opt && strcmp(opts[i].long_opt, name) == 0) {
            return &opts[i];
        }
    }
    return NULL;
}

#define HVH_MAX_OPTION_LEN  32

/*
 * Short and long options described by an option_t table:
 *   -p 80, -p80, -p=80, --port 80, --port=80, -h, --help
 * A value is stored under the short name when there is one, otherwise
 * under the long name.  A bare word that names an option (e.g. "start")
 * counts as that option; any other bare word goes to arg_list.
 * Returns 0, -10 for an invalid/unknown option, -20 for a missing value.
 */
static inline int parse_opt_long(int argc, char** argv, const option_t* long_options, int size) {
    char name[HVH_MAX_OPTION_LEN + 1];
    size_t count = 0;
    int i;
    if (argc < 1 || argv == NULL) return 0;
    for (i = 1; argv[i]; ++i) ++count;
    hvh_reset_parsed_args(count, count);

    for (i = 1; argv[i]; ++i) {
        const char* arg = argv[i];
        const char* delim;
        const option_t* opt;
        const char* value;
        int dashes = 0;
        size_t arg_len;

        while (dashes < 2 && *arg == OPTION_PREFIX) {
            ++arg;
            ++dashes;
        }
        arg_len = strlen(arg);
        delim = strchr(arg, OPTION_DELIM);
        if (delim) {
            size_t n = (size_t)(delim - arg);
            if (n == 0 || delim == arg + arg_len - 1 || n > HVH_MAX_OPTION_LEN) {
                printf("Invalid option '%s'\n", argv[i]);
                return -10;
            }
            memcpy(name, arg, n);
            name[n] = '\0';
        } else if (dashes == 1) {
            name[0] = arg[0];
            name[1] = '\0';
        } else {
            hv_strncpy(name, arg, sizeof(name));
        }

        opt = hvh_find_option(name, long_options, size);
        if (opt == NULL) {
            if (delim == NULL && dashes == 0) {
                hvh_save_arg_list(arg);
                continue;
            }
            printf("Invalid option: '%s'\n", argv[i]);
            return -10;
        }

        if (opt->arg_type == NO_ARGUMENT) {
            value = OPTION_ENABLE;
        } else if (delim) {
            value = delim + 1;                  /* --port=80 */
        } else if (dashes == 1 && arg[1] != '\0') {
            value = arg + 1;                    /* -p80 */
        } else if (argv[i + 1] != NULL) {
            value = argv[++i];                  /* --port 80 */
        } else if (opt->arg_type == REQUIRED_ARGUMENT) {
            printf("Option '%s' requires parameter\n", name);
            return -20;
        } else {
            value = OPTION_ENABLE;              /* optional value omitted */
        }

        if (opt->short_opt != 0) {
            hvh_save_arg_kv(&opt->short_opt, 1, value, 0);
        } else if (opt->long_opt) {
            hvh_save_arg_kv(opt->long_opt, 0, value, 0);
        }
    }
    return 0;
}

/* snprintf at out+off that tolerates off beyond size; returns the new
 * (untruncated) offset. */
HVH_PRINTF_FMT(4, 5)
static inline int hvh_append(char* out, int size, int off, const char* fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    if (out != NULL && off >= 0 && off < size) {
        n = vsnprintf(out + off, (size_t)(size - off), fmt, ap);
    } else {
        n = vsnprintf(NULL, 0, fmt, ap);
    }
    va_end(ap);
    return n < 0 ? off : off + n;
}

/*
 * Usage text for an option table:
 *   Usage: prog [hvp:]
 *   Options:
 *     -h|--help           description
 *     -p|--port <value>   description
 *        --conf [value]   description
 * Returns the length of the full text (which may exceed out_size).
 */
static inline int dump_opt_long(const option_t* long_options, int opt_size, char* out_str, int out_size) {
    char shorts[256];
    size_t ns = 0;
    int widest = 0;
    int off = 0;
    int i;

    for (i = 0; i < opt_size; ++i) {
        const char* lo = long_options[i].long_opt ? long_options[i].long_opt : "";
        int takes_value = long_options[i].arg_type != NO_ARGUMENT;
        int width = (int)strlen(lo) + (takes_value ? 17 : 9);
        if (long_options[i].short_opt != 0 && ns + 2 < sizeof(shorts)) {
            shorts[ns++] = long_options[i].short_opt;
            if (takes_value) shorts[ns++] = ':';
        }
        if (width > widest) widest = width;
    }
    shorts[ns] = '\0';

    if (out_str && out_size > 0) out_str[0] = '\0';
    if (g_main_ctx.program_name[0]) {
        off = hvh_append(out_str, out_size, off, "Usage: %s [%s]\n", g_main_ctx.program_name, shorts);
    }
    off = hvh_append(out_str, out_size, off, "Options:\n");
    for (i = 0; i < opt_size; ++i) {
        const option_t* o = &long_options[i];
        const char* lo = o->long_opt ? o->long_opt : "";
        int takes_value = o->arg_type != NO_ARGUMENT;
        int width = (int)strlen(lo) + (takes_value ? 17 : 9);
        char prefix[4] = { ' ', ' ', ' ', '\0' };
        if (o->short_opt != 0) {
            prefix[0] = '-';
            prefix[1] = o->short_opt;
            prefix[2] = '|';
        }
        off = hvh_append(out_str, out_size, off, "  %s--%s%s  %*s%s\n",
                         prefix, lo,
                         o->arg_type == REQUIRED_ARGUMENT ? " <value>" :
                         o->arg_type == OPTIONAL_ARGUMENT ? " [value]" : "",
                         widest - width, "",
                         o->description ? o->description : "");
    }
    return off;
}

/* ---- process title ------------------------------------------------------ */

#if !HAVE_SETPROCTITLE
/*
 * Overwrite the argv area seen by ps(1) with a formatted title.  Only the
 * space originally taken by the argv strings is used (the environment
 * block is left alone), so long titles are cut.
 */
HVH_PRINTF_FMT(1, 2)
static inline void setproctitle(const char* fmt, ...) {
    main_ctx_t* ctx = &g_main_ctx;
    char title[256];
    size_t room;
    va_list ap;
    int i;
    char* area;

    memset(title, 0, sizeof(title));
    va_start(ap, fmt);
    vsnprintf(title, sizeof(title), fmt, ap);
    va_end(ap);

    if (ctx->os_argv == NULL || ctx->os_argv[0] == NULL) return;
    area = ctx->os_argv[0];
    /* the usable area is the run of argv strings laid out back to back */
    room = strlen(area) + 1;
    for (i = 1; i < ctx->argc && ctx->os_argv[i] == area + room; ++i) {
        room += strlen(ctx->os_argv[i]) + 1;
    }
    memset(area, 0, room);
    memcpy(area, title, MIN(room - 1, strlen(title)));
}
#endif

/* ---- pidfile ------------------------------------------------------------ */

/* Read the pid stored in g_main_ctx.pidfile; -1 if unavailable. */
static inline pid_t getpid_from_pidfile(void) {
    FILE* fp = fopen(g_main_ctx.pidfile, "r");
    int pid = -1;
    if (fp == NULL) {
        return -1;
    }
    if (fscanf(fp, "%d", &pid) != 1) {
        pid = -1;
    }
    fclose(fp);
    return (pid_t)pid;
}

static inline void delete_pidfile(void) {
    hlogi("delete_pidfile('%s') pid=%d", g_main_ctx.pidfile, (int)g_main_ctx.pid);
    remove(g_main_ctx.pidfile);
}

/* Write our pid to g_main_ctx.pidfile; it is removed again at exit. */
static inline int create_pidfile(void) {
    FILE* fp = fopen(g_main_ctx.pidfile, "w");
    if (fp == NULL) {
        hloge("fopen('%s') error: %d", g_main_ctx.pidfile, errno);
        return -1;
    }
    g_main_ctx.pid = getpid();
    fprintf(fp, "%d\n", (int)g_main_ctx.pid);
    fclose(fp);
    hlogi("create_pidfile('%s') pid=%d", g_main_ctx.pidfile, (int)g_main_ctx.pid);
    atexit(delete_pidfile);
    return 0;
}

/* ---- signals ------------------------------------------------------------ */

/*
 * hv-rs: SIGNAL_RELOAD is handled on a thread of this process, woken through a pipe, not in
 * the signal handler: libhv runs reload_fn inside the handler, where the lock or malloc it
 * interrupted on any thread (a worker loop's included) can deadlock it. After reload_fn, every
 * C++ HttpService serving a running server is published again, so fields reload_fn assigned
 * directly (document_root, home_page, ...) answer the next request.
 */
/* The reload thread's pipe and the process it belongs to: a forked worker holds its parent's
 * until it starts its own thread, and must not wake the parent's. */
typedef struct hvh_reload_pipe_s {
    volatile sig_atomic_t read_fd;
    volatile sig_atomic_t write_fd;
    volatile sig_atomic_t owner;
} hvh_reload_pipe_t;

HVH_SHARED_INLINE hvh_reload_pipe_t* hvh_reload_pipe(void) {
    static hvh_reload_pipe_t rp = {-1, -1, 0};
    return &rp;
}

static inline void hvh_reload_now(void) {
    main_ctx_t* ctx = &g_main_ctx;
    int i;
    if (ctx->reload_fn) {
        ctx->reload_fn(ctx->reload_userdata);
        if (getpid_from_pidfile() == getpid()) {
            for (i = 0; i < ctx->worker_processes; ++i) {
                if (ctx->proc_ctxs[i].pid <= 0) break;
                kill(ctx->proc_ctxs[i].pid, SIGNAL_RELOAD);
            }
        }
    }
    HVH_AFTER_RELOAD();
}

static inline HTHREAD_ROUTINE(hvh_reload_thread) {
    int fd = (int)(intptr_t)userdata;
    char c;
    for (;;) {
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        hlogi("pid=%d recv signo=%d", (int)getpid(), SIGNAL_RELOAD);
        hvh_reload_now();
    }
    return NULL;
}

/* Starts this process's reload thread (again after a fork: the parent's thread is not in the
 * child). The parent's pipe is left open, unused: closing it could race a handler about to
 * write to it. Without a pipe, reloads run in the handler. */
static inline void hvh_reload_thread_start(void) {
    hvh_reload_pipe_t* rp = hvh_reload_pipe();
    int p[2];
    if (pipe(p) != 0) return;
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    /* A burst of signals while a reload runs must never block the handler. */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    rp->write_fd = -1;
    rp->owner = (sig_atomic_t)getpid();
    rp->read_fd = p[0];
    rp->write_fd = p[1];
    hthread_create(hvh_reload_thread, (void*)(intptr_t)p[0]);
}

/*
 * SIGINT / SIGNAL_TERMINATE: SIGKILL all workers, then exit(0).
 * SIGCHLD: reap workers; a worker is restarted unless it has crashed three
 *          times within an hour; the master exits when no worker is left.
 * SIGNAL_RELOAD: call reload_fn; the master forwards the signal to workers.
 */
static inline void signal_handler(int signo) {
    main_ctx_t* ctx = &g_main_ctx;
    int i;
    if (signo == SIGNAL_RELOAD && hvh_reload_pipe()->write_fd >= 0) {
        /* getpid(2) and write(2) are async-signal-safe; the reload thread does the rest. A
         * worker not yet running its own thread drops the signal (it has just read its
         * settings) rather than wake its parent's. */
        hvh_reload_pipe_t* rp = hvh_reload_pipe();
        int fd = rp->write_fd;
        if (rp->owner == (sig_atomic_t)getpid()) {
            int saved = errno;
            char c = 'r';
            ssize_t n = write(fd, &c, 1);
            (void)n;
            errno = saved;
        }
        return;
    }
    hlogi("pid=%d recv signo=%d", (int)getpid(), signo);
    switch (signo) {
    case SIGINT:
    case SIGNAL_TERMINATE:
        hlogi("%s", "killall processes");
        signal(SIGCHLD, SIG_IGN);
        for (i = 0; i < ctx->worker_processes; ++i) {
            if (ctx->proc_ctxs[i].pid <= 0) break;
            kill(ctx->proc_ctxs[i].pid, SIGKILL);
            ctx->proc_ctxs[i].pid = -1;
        }
        exit(0);
        break;
    case SIGCHLD: {
        pid_t pid;
        int status = 0;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            hlogw("proc stop/waiting, pid=%d status=%d", (int)pid, status);
            for (i = 0; i < ctx->worker_processes; ++i) {
                proc_ctx_t* worker = &ctx->proc_ctxs[i];
                time_t alive;
                int j, any_alive = 0;
                if (worker->pid != pid) continue;
                worker->pid = -1;
                alive = time(NULL) - worker->start_time;
                if (worker->spawn_cnt < 3 || alive > 3600) {
                    hproc_spawn(worker);
                    break;
                }
                hloge("proc crash, pid=%d spawn_cnt=%d run_time=%us",
                      (int)pid, worker->spawn_cnt, (unsigned int)alive);
                for (j = 0; j < ctx->worker_processes; ++j) {
                    if (ctx->proc_ctxs[j].pid > 0) {
                        any_alive = 1;
                        break;
                    }
                }
                if (!any_alive) {
                    hlogw("%s", "No alive worker process, exit master process!");
                    exit(0);
                }
                break;
            }
        }
        break;
    }
    case SIGNAL_RELOAD:
        hvh_reload_now();
        break;
    default:
        break;
    }
}

/* Install signal_handler for SIGINT, SIGCHLD, SIGNAL_TERMINATE and
 * SIGNAL_RELOAD; reload_fn is called on SIGNAL_RELOAD. */
static inline int signal_init(procedure_t reload_fn DEFAULT(NULL), void* reload_userdata DEFAULT(NULL)) {
    g_main_ctx.reload_fn = reload_fn;
    g_main_ctx.reload_userdata = reload_userdata;
    if (hvh_reload_pipe()->write_fd < 0) hvh_reload_thread_start();
    signal(SIGINT, signal_handler);
    signal(SIGCHLD, signal_handler);
    signal(SIGNAL_TERMINATE, signal_handler);
    signal(SIGNAL_RELOAD, signal_handler);
    return 0;
}

/*
 * Service control by word, using g_main_ctx.oldpid (call main_ctx_init
 * first): "start", "stop", "restart", "status", "reload".
 * "stop", "status", "reload" and unknown words exit the process; "start"
 * exits if another instance runs; otherwise the caller continues.
 */
static inline void signal_handle(const char* sig) {
    main_ctx_t* ctx = &g_main_ctx;
    if (strcmp(sig, "start") == 0) {
        if (ctx->oldpid > 0) {
            printf("%s is already running, pid=%d\n", ctx->program_name, (int)ctx->oldpid);
            exit(0);
        }
    } else if (strcmp(sig, "stop") == 0) {
        if (ctx->oldpid > 0) {
            kill(ctx->oldpid, SIGNAL_TERMINATE);
            printf("%s stop/waiting\n", ctx->program_name);
        } else {
            printf("%s is already stopped\n", ctx->program_name);
        }
        exit(0);
    } else if (strcmp(sig, "restart") == 0) {
        if (ctx->oldpid > 0) {
            kill(ctx->oldpid, SIGNAL_TERMINATE);
            printf("%s stop/waiting\n", ctx->program_name);
            hv_sleep(1);
        }
    } else if (strcmp(sig, "status") == 0) {
        if (ctx->oldpid > 0) {
            printf("%s start/running, pid=%d\n", ctx->program_name, (int)ctx->oldpid);
        } else {
            printf("%s stop/waiting\n", ctx->program_name);
        }
        exit(0);
    } else if (strcmp(sig, "reload") == 0) {
        if (ctx->oldpid > 0) {
            printf("reload confile [%s]\n", ctx->confile);
            kill(ctx->oldpid, SIGNAL_RELOAD);
        }
        hv_sleep(1);
        exit(0);
    } else {
        printf("Invalid signal: '%s'\n", sig);
        exit(0);
    }
    printf("%s start/running\n", ctx->program_name);
}

/* ---- master / workers --------------------------------------------------- */

static inline void* hvh_worker_thread(void* userdata) {
    (void)userdata;
    hlogi("worker_thread pid=%ld tid=%ld", hv_getpid(), hv_gettid());
    if (g_main_ctx.worker_fn) {
        g_main_ctx.worker_fn(g_main_ctx.worker_userdata);
    }
    return NULL;
}

static inline void hvh_worker_init(void* userdata) {
    (void)userdata;
#if !HAVE_SETPROCTITLE
    setproctitle("%s: worker process", g_main_ctx.program_name);
#endif
    if (hvh_reload_pipe()->write_fd >= 0) hvh_reload_thread_start();
    signal(SIGNAL_RELOAD, signal_handler);
}

/* Body of a worker process: worker_threads threads run worker_fn. */
static inline void hvh_worker_proc(void* userdata) {
    int i;
    (void)userdata;
    for (i = 1; i < g_main_ctx.worker_threads; ++i) {
        hthread_create(hvh_worker_thread, NULL);
    }
    hvh_worker_thread(NULL);
}

/*
 * Run worker_fn(worker_userdata) on worker_threads threads (at least one)
 * in each of worker_processes forked worker processes.  With
 * worker_processes == 0 the threads run in this process.  With wait, the
 * call does not return (master) or returns when the calling thread's
 * worker_fn returns (single process).  Returns 0, or ERR_OVER_LIMIT if
 * workers were already started.
 */
static inline int master_workers_run(procedure_t worker_fn,
                                     void* worker_userdata DEFAULT(NULL),
                                     int worker_processes DEFAULT(DEFAULT_WORKER_PROCESSES),
                                     int worker_threads DEFAULT(0),
                                     bool wait_workers DEFAULT(true)) {
    main_ctx_t* ctx = &g_main_ctx;
    int i;
    if (worker_threads == 0) worker_threads = 1;

    ctx->worker_threads = worker_threads;
    ctx->worker_fn = worker_fn;
    ctx->worker_userdata = worker_userdata;

    if (worker_processes == 0) {
        int spawned = wait_workers ? 1 : 0;
        for (i = spawned; i < worker_threads; ++i) {
            hthread_create(hvh_worker_thread, NULL);
        }
        if (wait_workers) {
            hvh_worker_thread(NULL);
        }
        return 0;
    }

    if (ctx->worker_processes != 0) {
        return ERR_OVER_LIMIT;
    }
#if !HAVE_SETPROCTITLE
    setproctitle("%s: master process", ctx->program_name);
#endif
    signal(SIGNAL_RELOAD, signal_handler);
    ctx->worker_processes = worker_processes;
    SAFE_ALLOC(ctx->proc_ctxs, (size_t)worker_processes * sizeof(proc_ctx_t));
    for (i = 0; i < worker_processes; ++i) {
        proc_ctx_t* worker = &ctx->proc_ctxs[i];
        worker->init = hvh_worker_init;
        worker->proc = hvh_worker_proc;
        hproc_spawn(worker);
        hlogi("workers[%d] start/running, pid=%d", i, (int)worker->pid);
    }
    ctx->pid = getpid();
    hlogi("master start/running, pid=%d", (int)ctx->pid);
    if (wait_workers) {
        for (;;) hv_sleep(1);
    }
    return 0;
}

END_EXTERN_C

#endif /* HV_MAIN_H_ */
