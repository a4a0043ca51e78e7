/*
 * An HTTP/HTTPS server in plain C over hvrs.h: routes with parameters, a body echo, a pipeline
 * stage, and a handler that answers later from another thread.
 *
 *   http_server <port> [<https_port> cert.pem key.pem]
 *   Listens on 127.0.0.1 (port 0: a free one), prints "listening http=<port> https=<port>",
 *   and runs until stdin closes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvrs.h"

static int ping(void *ud, hv_http_request *req, hv_http_response *resp, const hv_http_writer *w) {
    (void)ud; (void)req; (void)w;
    hv_http_response_set_header(resp, "Content-Type", "text/plain");
    hv_http_response_set_body(resp, "pong", 4);
    return 200;
}

static int user(void *ud, hv_http_request *req, hv_http_response *resp, const hv_http_writer *w) {
    char body[128];
    size_t len = 0;
    const char *id = hv_http_request_param(req, "id", &len);
    int n = snprintf(body, sizeof(body), "user %.*s", (int)len, id ? id : "");
    (void)ud; (void)w;
    hv_http_response_set_body(resp, body, (size_t)n);
    return 200;
}

static int echo(void *ud, hv_http_request *req, hv_http_response *resp, const hv_http_writer *w) {
    size_t len = 0, type_len = 0;
    const uint8_t *body = hv_http_request_body(req, &len);
    const char *type = hv_http_request_header(req, "Content-Type", &type_len);
    char type_buf[128];
    (void)ud; (void)w;
    if (type && type_len < sizeof(type_buf)) {
        memcpy(type_buf, type, type_len);
        type_buf[type_len] = 0;
        hv_http_response_set_header(resp, "Content-Type", type_buf);
    }
    hv_http_response_set_body(resp, body, len);
    return 200;
}

static void *answer_later(void *arg) {
    const hv_http_writer *w = (const hv_http_writer *)arg;
    hv_http_writer_set_status(w, 202);
    hv_http_writer_set_header(w, "Content-Type", "text/plain");
    hv_http_writer_write(w, "accepted later", 14);
    hv_http_writer_end(w);
    hv_http_writer_free(w);
    return NULL;
}

static int later(void *ud, hv_http_request *req, hv_http_response *resp, const hv_http_writer *w) {
    pthread_t t;
    const hv_http_writer *mine = hv_http_writer_clone(w);
    (void)ud; (void)req; (void)resp;
    if (pthread_create(&t, NULL, answer_later, (void *)mine) != 0) {
        hv_http_writer_free(mine);
        return 500;
    }
    pthread_detach(t);
    return HV_HTTP_NEXT;
}

static int stamp(void *ud, hv_http_request *req, hv_http_response *resp, const hv_http_writer *w) {
    (void)req; (void)w;
    hv_http_response_set_header(resp, "X-Stage", (const char *)ud);
    return HV_HTTP_NEXT;
}

int main(int argc, char **argv) {
    char line[64];
    hv_http_service *svc = hv_http_service_new();
    hv_http_server *srv = hv_http_server_new();
    hv_status st;

    hv_http_service_add_route(svc, "GET", "/ping", ping, NULL, NULL);
    hv_http_service_add_route(svc, "GET", "/user/{id}", user, NULL, NULL);
    hv_http_service_add_route(svc, "POST", "/echo", echo, NULL, NULL);
    hv_http_service_add_route(svc, "GET", "/later", later, NULL, NULL);
    hv_http_service_set_stage(svc, HV_HTTP_PREPROCESSOR, stamp, "pre", NULL);

    hv_http_server_set_host(srv, "127.0.0.1");
    hv_http_server_set_thread_num(srv, 2);
    hv_http_server_set_ports(srv, argc > 1 ? atoi(argv[1]) : 0, argc > 4 ? atoi(argv[2]) : 0);
    if (argc > 4) {
        hv_tls_options tls;
        memset(&tls, 0, sizeof(tls));
        tls.crt_file = argv[3];
        tls.key_file = argv[4];
        if ((st = hv_http_server_set_tls(srv, &tls)) != HV_OK) {
            fprintf(stderr, "tls: %s\n", hv_status_str(st));
            return 1;
        }
    }
    hv_http_server_set_service(srv, svc);
    hv_http_service_free(svc); /* the server keeps its own copy */
    if ((st = hv_http_server_start(srv)) != HV_OK) {
        fprintf(stderr, "start: %s\n", hv_status_str(st));
        return 1;
    }
    printf("listening http=%d https=%d\n", hv_http_server_port(srv, false), hv_http_server_port(srv, true));
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
    }
    hv_http_server_free(srv);
    printf("stopped\n");
    return 0;
}
