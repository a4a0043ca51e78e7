/*
 * A TCP (or TLS) server in plain C whose clients hang up while it writes to them.
 *
 *   hangup_tcp_server [--tls cert.pem key.pem] [--sigpipe-default]
 *
 * "ping" is answered with "pong"; any other message with 4 MiB. With --sigpipe-default the
 * program puts SIGPIPE back to its default action once the server runs, so a write that raised
 * it would kill the process. Prints "listening on port N" and serves until stdin closes.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvrs.h"

#define ANSWER_BYTES (4 * 1024 * 1024)

static char answer[ANSWER_BYTES];

static void on_message(void *userdata, const hv_channel *ch, const uint8_t *data, size_t len) {
    (void)userdata;
    if (len >= 4 && memcmp(data, "ping", 4) == 0) {
        hv_channel_write(ch, "pong", 4);
    } else {
        hv_channel_write(ch, answer, sizeof(answer));
    }
}

int main(int argc, char **argv) {
    hv_tcp_server *srv;
    hv_tls_options tls;
    int i, use_tls = 0, sigpipe_default = 0, fd = -1;
    char line[64];

    memset(answer, 'z', sizeof(answer));
    memset(&tls, 0, sizeof(tls));
    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--tls") == 0 && i + 2 < argc) {
            use_tls = 1;
            tls.crt_file = argv[++i];
            tls.key_file = argv[++i];
        } else if (strcmp(argv[i], "--sigpipe-default") == 0) {
            sigpipe_default = 1;
        }
    }

    srv = hv_tcp_server_new(NULL);
    if (hv_tcp_server_createsocket(srv, 0, "127.0.0.1", &fd) != HV_OK) return 1;
    hv_tcp_server_set_thread_num(srv, 1);
    if (use_tls && hv_tcp_server_set_tls(srv, &tls) != HV_OK) return 1;
    hv_tcp_server_set_callbacks(srv, NULL, on_message, NULL, NULL, NULL);
    if (hv_tcp_server_start(srv, true) != HV_OK) return 1;
    if (sigpipe_default) signal(SIGPIPE, SIG_DFL);

    printf("listening on port %d\n", hv_tcp_server_port(srv));
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
    }
    hv_tcp_server_free(srv);
    printf("stopped\n");
    return 0;
}
