/*
 * The edges of the C ABI, one case per run:
 *
 *   boundary enums       out-of-range values where the header names an enum
 *   boundary log         a log handler that logs, on its own thread and on another one
 *   boundary tcp         finalizers of replaced TCP server and client callbacks call back in
 *   boundary http        finalizers of replaced HTTP stages, routes, services and hooks call back in
 *   boundary loop        finalizers of timers and loop userdata, and a visitor, call back in
 *
 * Each case prints "ok <case>" at the end; a callback or finalizer run under a library lock
 * that it needs again would hang instead.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hlog.h"
#include "hvrs.h"

/* ---- enums ---------------------------------------------------------------------------------- */

static int freed;

static void count_free(void *userdata) {
    (void)userdata;
    freed++;
}

static int32_t answer_200(void *userdata, hv_http_request *req, hv_http_response *resp,
                          const hv_http_writer *writer) {
    (void)userdata;
    (void)req;
    (void)resp;
    (void)writer;
    return 200;
}

static int case_enums(void) {
    char msg[128];
    hv_http_service *svc = hv_http_service_new();
    /* What a C caller can write: any number converts to an enum type. */
    hv_http_stage bogus = (hv_http_stage)99;
    hv_status st;

    printf("status 7012: %s\n", hv_status_str(7012));
    printf("status max: %s\n", hv_status_str(0xFFFFFFFFu));
    printf("status closed: %s\n", hv_status_str(HV_ERR_CLOSED));
    st = hv_http_service_set_stage(svc, bogus, answer_200, NULL, count_free);
    hv_last_error(msg, sizeof(msg));
    printf("stage 99: %s (%s) freed=%d\n", st == HV_ERR_INVALID_ARGUMENT ? "invalid" : "accepted",
           msg, freed);
    st = hv_http_service_set_stage(svc, -1, answer_200, NULL, count_free);
    printf("stage -1: %s freed=%d\n", st == HV_ERR_INVALID_ARGUMENT ? "invalid" : "accepted",
           freed);
    st = hv_http_service_set_stage(svc, HV_HTTP_POSTPROCESSOR, answer_200, NULL, NULL);
    printf("stage postprocessor: %s\n", hv_status_str(st));
    hv_http_service_free(svc);
    return 0;
}

/* ---- log ------------------------------------------------------------------------------------ */

static void *log_from_thread(void *arg) {
    (void)arg;
    hlogw("from another thread");
    return NULL;
}

static void log_handler(int level, const char *buf, int len) {
    (void)level;
    printf("handler got: %.*s", len, buf);
    /* buf is a C string, as libhv's handlers get. */
    if (strstr(buf, "outer")) {
        pthread_t t;
        /* Same thread: the line cannot reach this handler again, so it goes to stderr. */
        hlogw("inner from the handler");
        /* Another thread logging while this handler runs reaches the handler. */
        pthread_create(&t, NULL, log_from_thread, NULL);
        pthread_join(t, NULL);
    }
}

static int case_log(void) {
    /* The test reads stdout only: let the stderr fallback show there too. */
    dup2(STDOUT_FILENO, STDERR_FILENO);
    hlog_set_handler(log_handler);
    hlogw("outer line");
    hlog_set_handler(NULL);
    printf("log returned\n");
    return 0;
}

/* ---- tcp ------------------------------------------------------------------------------------ */

static void on_connection(void *userdata, const hv_channel *ch) {
    (void)userdata;
    (void)ch;
}

static void server_callbacks_freed(void *userdata) {
    hv_tcp_server *srv = (hv_tcp_server *)userdata;
    hv_tcp_server_set_max_connections(srv, 100);
    hv_tcp_server_set_callbacks(srv, NULL, NULL, NULL, NULL, NULL);
    printf("server finalizer called back (port: %d)\n", hv_tcp_server_port(srv));
}

static void client_callbacks_freed(void *userdata) {
    hv_tcp_client *cli = (hv_tcp_client *)userdata;
    hv_tcp_client_set_connect_timeout(cli, 1000);
    hv_tcp_client_set_callbacks(cli, NULL, NULL, NULL, NULL, NULL);
    printf("client finalizer called back (connected: %d)\n", hv_tcp_client_is_connected(cli));
}

static int case_tcp(void) {
    hv_tcp_server *srv = hv_tcp_server_new(NULL);
    hv_tcp_client *cli = hv_tcp_client_new(NULL);

    /* A callback keeps the userdata: the finalizer runs when the callbacks are replaced. */
    hv_tcp_server_set_callbacks(srv, on_connection, NULL, NULL, srv, server_callbacks_freed);
    hv_tcp_server_set_callbacks(srv, NULL, NULL, NULL, NULL, NULL);
    printf("server callbacks replaced\n");
    hv_tcp_client_set_callbacks(cli, on_connection, NULL, NULL, cli, client_callbacks_freed);
    hv_tcp_client_set_callbacks(cli, NULL, NULL, NULL, NULL, NULL);
    printf("client callbacks replaced\n");
    hv_tcp_client_free(cli);
    hv_tcp_server_free(srv);
    return 0;
}

/* ---- http ----------------------------------------------------------------------------------- */

struct http_objects {
    hv_http_server *srv;
    hv_http_service *svc;
};

static void stage_freed(void *userdata) {
    hv_http_service_set_access_log((hv_http_service *)userdata, false);
    printf("stage finalizer called back\n");
}

static void route_freed(void *userdata) {
    hv_http_service_add_trust_proxy((hv_http_service *)userdata, "example.com");
    printf("route finalizer called back\n");
}

static void service_freed(void *userdata) {
    struct http_objects *o = (struct http_objects *)userdata;
    hv_http_server_set_thread_num(o->srv, 1);
    hv_http_service_set_access_log(o->svc, true);
    printf("service finalizer called back\n");
}

static void hooks_freed(void *userdata) {
    hv_http_server_set_keepalive_timeout((hv_http_server *)userdata, 1000);
    printf("hooks finalizer called back\n");
}

static int case_http(void) {
    struct http_objects o;
    hv_http_service *old = hv_http_service_new();

    o.srv = hv_http_server_new();
    o.svc = hv_http_service_new();
    hv_http_service_set_stage(o.svc, HV_HTTP_PREPROCESSOR, answer_200, o.svc, stage_freed);
    hv_http_service_set_stage(o.svc, HV_HTTP_PREPROCESSOR, answer_200, NULL, NULL);
    hv_http_service_add_route(o.svc, "GET", "/x", answer_200, o.svc, route_freed);
    hv_http_service_add_route(o.svc, "GET", "/x", answer_200, NULL, NULL);

    hv_http_service_add_route(old, "GET", "/old", answer_200, &o, service_freed);
    hv_http_server_set_service(o.srv, old);
    hv_http_service_free(old);
    /* The server holds the last copy of the old route: replacing the service frees it. */
    hv_http_server_set_service(o.srv, o.svc);

    hv_http_server_set_worker_hooks(o.srv, NULL, NULL, o.srv, hooks_freed);
    hv_http_server_set_worker_hooks(o.srv, NULL, NULL, NULL, NULL);
    hv_http_server_free(o.srv);
    hv_http_service_free(o.svc);
    return 0;
}

/* ---- loop ----------------------------------------------------------------------------------- */

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static const hv_loop *the_loop;
static volatile int finished_timer_freed;

static void tick(void *userdata, uint64_t id) {
    (void)userdata;
    (void)id;
}

static void live_timer_freed(void *userdata) {
    (void)userdata;
    hv_loop_kill_timer(the_loop, 12345);
    hv_loop_reset_timer(the_loop, 12345, 10);
    printf("live timer finalizer called back at stop\n");
}

static void finished_timer_freed_cb(void *userdata) {
    (void)userdata;
    hv_loop_set_timer(the_loop, 60000, 1, tick, NULL, live_timer_freed);
    printf("finished timer finalizer called back\n");
    finished_timer_freed = 1;
}

static void killed_timer_freed(void *userdata) {
    (void)userdata;
    hv_loop_kill_timer(the_loop, 12345);
    hv_loop_set_timer(the_loop, 10, 1, tick, NULL, finished_timer_freed_cb);
    printf("killed timer finalizer called back\n");
}

static void note_userdata(void *ctx, void *userdata) {
    *(void **)ctx = userdata;
}

/* What is attached to the loop now (read through a visit, as any thread may). */
static void *loop_userdata(const hv_loop *loop) {
    void *attached = NULL;
    hv_loop_visit_userdata(loop, note_userdata, &attached);
    return attached;
}

static void loop_userdata_freed(void *userdata) {
    printf("loop userdata finalizer called back (attached: %s)\n",
           loop_userdata((const hv_loop *)userdata) ? "yes" : "no");
}

static void refused_userdata_freed(void *userdata) {
    printf("refused userdata finalizer called back (attached: %s)\n",
           loop_userdata((const hv_loop *)userdata) ? "yes" : "no");
}

static void visit(void *ctx, void *userdata) {
    printf("visitor called back (same: %s)\n",
           loop_userdata((const hv_loop *)ctx) == userdata ? "yes" : "no");
}

static int case_loop(void) {
    hv_loop_thread *t = hv_loop_thread_new(NULL);
    uint64_t id;
    int i;

    hv_loop_thread_start(t, true, NULL, NULL, NULL, NULL);
    the_loop = hv_loop_thread_loop(t);
    id = hv_loop_set_timer(the_loop, 60000, 1, tick, NULL, killed_timer_freed);
    hv_loop_kill_timer(the_loop, id);
    for (i = 0; i < 1000 && !finished_timer_freed; i++) sleep_ms(10);

    hv_loop_set_userdata(the_loop, (void *)the_loop, loop_userdata_freed);
    if (hv_loop_set_userdata(the_loop, (void *)the_loop, refused_userdata_freed) != HV_ERR_STATE) {
        printf("second userdata accepted\n");
    }
    hv_loop_visit_userdata(the_loop, visit, (void *)the_loop);
    hv_loop_thread_stop(t, true);
    printf("loop stopped\n");
    hv_loop_thread_free(t);
    return 0;
}

int main(int argc, char **argv) {
    const char *c = argc > 1 ? argv[1] : "";
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(c, "enums") == 0) {
        rc = case_enums();
    } else if (strcmp(c, "log") == 0) {
        rc = case_log();
    } else if (strcmp(c, "tcp") == 0) {
        rc = case_tcp();
    } else if (strcmp(c, "http") == 0) {
        rc = case_http();
    } else if (strcmp(c, "loop") == 0) {
        rc = case_loop();
    } else {
        fprintf(stderr, "usage: %s enums|log|tcp|http|loop\n", argv[0]);
        return 2;
    }
    printf("ok %s\n", c);
    return rc;
}
