/*
 * A TCP (or TLS) client in plain C over hvrs.h: connects, sends each message, prints what comes
 * back, and exits once every byte has been echoed (or the connection failed / closed).
 *
 *   tcp_client <host> <port> [--tls-verify ca.pem] [--tls] message...
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvrs.h"

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    size_t expected;
    size_t received;
    int done;
    int error;
    char **messages;
    int nmessages;
} state_t;

static void finish(state_t *s, int error) {
    pthread_mutex_lock(&s->mutex);
    if (!s->done) {
        s->done = 1;
        s->error = error;
    }
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mutex);
}

static void on_connection(void *userdata, const hv_channel *ch) {
    state_t *s = (state_t *)userdata;
    int i;
    if (hv_channel_is_connected(ch)) {
        printf("connected\n");
        for (i = 0; i < s->nmessages; ++i) {
            hv_channel_write(ch, s->messages[i], strlen(s->messages[i]));
        }
    } else {
        printf("disconnected error=%d\n", hv_channel_error(ch));
        finish(s, hv_channel_error(ch) ? hv_channel_error(ch) : -1);
    }
    fflush(stdout);
}

static void on_message(void *userdata, const hv_channel *ch, const uint8_t *data, size_t len) {
    state_t *s = (state_t *)userdata;
    (void)ch;
    printf("< %.*s\n", (int)len, (const char *)data);
    fflush(stdout);
    s->received += len;
    if (s->received >= s->expected) finish(s, 0);
}

int main(int argc, char **argv) {
    state_t s;
    hv_tcp_client *cli;
    hv_tls_options tls;
    int i, use_tls = 0, fd = -1;
    hv_status st;

    if (argc < 3) {
        fprintf(stderr, "usage: %s host port [--tls | --tls-verify ca.pem] message...\n", argv[0]);
        return 2;
    }
    memset(&s, 0, sizeof(s));
    memset(&tls, 0, sizeof(tls));
    pthread_mutex_init(&s.mutex, NULL);
    pthread_cond_init(&s.cond, NULL);
    for (i = 3; i < argc; ++i) {
        if (strcmp(argv[i], "--tls") == 0) {
            use_tls = 1;
        } else if (strcmp(argv[i], "--tls-verify") == 0 && i + 1 < argc) {
            use_tls = 1;
            tls.verify_peer = 1;
            tls.ca_file = argv[++i];
        } else {
            break;
        }
    }
    s.messages = argv + i;
    s.nmessages = argc - i;
    for (; i < argc; ++i) s.expected += strlen(argv[i]);

    cli = hv_tcp_client_new(NULL);
    st = hv_tcp_client_createsocket(cli, atoi(argv[2]), argv[1], &fd);
    if (st != HV_OK) {
        fprintf(stderr, "createsocket: %s\n", hv_status_str(st));
        return 1;
    }
    hv_tcp_client_set_connect_timeout(cli, 3000);
    if (use_tls && (st = hv_tcp_client_set_tls(cli, &tls)) != HV_OK) {
        fprintf(stderr, "tls: %s\n", hv_status_str(st));
        return 1;
    }
    hv_tcp_client_set_callbacks(cli, on_connection, on_message, NULL, &s, NULL);
    hv_tcp_client_start(cli, true);

    pthread_mutex_lock(&s.mutex);
    while (!s.done) pthread_cond_wait(&s.cond, &s.mutex);
    pthread_mutex_unlock(&s.mutex);
    hv_tcp_client_free(cli);
    printf("exit %d\n", s.error);
    return s.error == 0 ? 0 : 1;
}
