/*
 * The edges of the C ABI, one case per run:
 *
 *   boundary enums       out-of-range values where the header names an enum
 *   boundary log         a log handler that logs, on its own thread and on another one
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

int main(int argc, char **argv) {
    const char *c = argc > 1 ? argv[1] : "";
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(c, "enums") == 0) {
        rc = case_enums();
    } else if (strcmp(c, "log") == 0) {
        rc = case_log();
    } else {
        fprintf(stderr, "usage: %s enums|log\n", argv[0]);
        return 2;
    }
    printf("ok %s\n", c);
    return rc;
}
