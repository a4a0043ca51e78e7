/*
 * The edges of the C ABI, one case per run:
 *
 *   boundary enums       out-of-range values where the header names an enum
 *
 * Each case prints "ok <case>" at the end.
 */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv) {
    const char *c = argc > 1 ? argv[1] : "";
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(c, "enums") == 0) {
        rc = case_enums();
    } else {
        fprintf(stderr, "usage: %s enums\n", argv[0]);
        return 2;
    }
    printf("ok %s\n", c);
    return rc;
}
