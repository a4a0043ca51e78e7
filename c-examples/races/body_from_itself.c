/*
 * A handler that feeds the response body back into itself: the pointer from
 * hv_http_response_body passed to hv_http_response_append_body (which may reallocate the body
 * while reading it) and to hv_http_response_set_body (which replaces the bytes it reads).
 *
 *   body_from_itself
 *
 * Listens on 127.0.0.1 (a free port), prints "listening port <port>" and serves until stdin
 * closes. GET /self answers with:
 *   "0123456789" doubled 12 times by appending the whole body to itself (40960 bytes),
 *   then "3456" (a slice of the body) appended 200 times,
 *   then replaced by itself without its first and last 5 bytes, then by all of itself.
 * A response header set from a copy of another one's value is kept too.
 */
#include <stdio.h>
#include <string.h>

#include "hvrs.h"

static int self_copy(void *ud, hv_http_request *req, hv_http_response *resp, const hv_http_writer *w) {
    const uint8_t *body;
    const char *name, *value;
    size_t len = 0, name_len = 0, value_len = 0;
    char copy[64];
    int i;
    (void)ud; (void)req; (void)w;
    if (hv_http_response_set_body(resp, "0123456789", 10) != HV_OK) return 500;
    for (i = 0; i < 12; ++i) {
        body = hv_http_response_body(resp, &len);
        if (hv_http_response_append_body(resp, body, len) != HV_OK) return 500;
    }
    for (i = 0; i < 200; ++i) {
        body = hv_http_response_body(resp, &len);
        if (hv_http_response_append_body(resp, body + 3, 4) != HV_OK) return 500;
    }
    body = hv_http_response_body(resp, &len);
    if (hv_http_response_set_body(resp, body + 5, len - 10) != HV_OK) return 500;
    body = hv_http_response_body(resp, &len);
    if (hv_http_response_set_body(resp, body, len) != HV_OK) return 500;

    if (hv_http_response_set_header(resp, "X-Original", "kept value") != HV_OK) return 500;
    /* header_at strings are not NUL-terminated: copy one before setting it again. */
    for (i = 0; hv_http_response_header_at(resp, (size_t)i, &name, &name_len, &value, &value_len); ++i) {
        if (name_len == 10 && strncmp(name, "x-original", 10) == 0 && value_len < sizeof(copy)) {
            memcpy(copy, value, value_len);
            copy[value_len] = 0;
            if (hv_http_response_set_header(resp, "X-Original", copy) != HV_OK) return 500;
            if (hv_http_response_add_header(resp, "X-Copy", copy) != HV_OK) return 500;
            break;
        }
    }
    return 200;
}

int main(void) {
    char line[64];
    int port;
    hv_http_service *svc = hv_http_service_new();
    hv_http_server *srv = hv_http_server_new();
    hv_log_set_level(6);
    hv_http_service_add_route(svc, "GET", "/self", self_copy, NULL, NULL);
    hv_http_server_set_service(srv, svc);
    hv_http_service_free(svc);
    hv_http_server_set_host(srv, "127.0.0.1");
    if (hv_http_server_set_ports(srv, 0, 0) != HV_OK || hv_http_server_start(srv) != HV_OK) {
        fprintf(stderr, "cannot start the server\n");
        return 1;
    }
    port = hv_http_server_port(srv, 0);
    printf("listening port %d\n", port);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin)) {
    }
    hv_http_server_free(srv);
    printf("stopped\n");
    return 0;
}
