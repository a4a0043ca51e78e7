/*
 * A TCP (or TLS) echo server in plain C over hvrs.h.
 *
 *   tcp_echo_server <port> [threads] [--tls cert.pem key.pem] [--delimiter STR] [--max N]
 *
 * Port 0 picks a free port; the server prints "listening on port N" and runs until stdin closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvrs.h"

static void on_connection(void *userdata, const hv_channel *ch) {
    char peer[64];
    (void)userdata;
    hv_channel_peeraddr(ch, peer, sizeof(peer));
    if (hv_channel_is_connected(ch)) {
        printf("connected %s id=%u\n", peer, hv_channel_id(ch));
    } else {
        printf("disconnected %s id=%u error=%d\n", peer, hv_channel_id(ch), hv_channel_error(ch));
    }
    fflush(stdout);
}

static void on_message(void *userdata, const hv_channel *ch, const uint8_t *data, size_t len) {
    (void)userdata;
    hv_channel_write(ch, data, len);
}

/* Reports the failed step and frees the server: every exit path releases what it made. */
static int fail(hv_tcp_server *srv, const char *what, hv_status st) {
    char msg[256];
    hv_last_error(msg, sizeof(msg));
    fprintf(stderr, "%s: %s (%s)\n", what, hv_status_str(st), msg);
    hv_tcp_server_free(srv);
    return 1;
}

int main(int argc, char **argv) {
    hv_tcp_server *srv;
    hv_status st;
    hv_unpack_setting unpack;
    hv_tls_options tls;
    int use_tls = 0, use_unpack = 0, i, fd = -1, threads = 1;
    char line[256];

    if (argc < 2) {
        fprintf(stderr, "usage: %s port [threads] [--tls cert key] [--delimiter STR] [--max N]\n", argv[0]);
        return 2;
    }
    memset(&unpack, 0, sizeof(unpack));
    memset(&tls, 0, sizeof(tls));
    for (i = 2; i < argc; ++i) {
        if (strcmp(argv[i], "--tls") == 0 && i + 2 < argc) {
            use_tls = 1;
            tls.crt_file = argv[++i];
            tls.key_file = argv[++i];
        } else if (strcmp(argv[i], "--delimiter") == 0 && i + 1 < argc) {
            use_unpack = 1;
            unpack.mode = HV_UNPACK_BY_DELIMITER;
            strncpy((char *)unpack.delimiter, argv[++i], sizeof(unpack.delimiter));
        } else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            unpack.package_max_length = (uint32_t)atoi(argv[++i]);
        } else {
            threads = atoi(argv[i]);
        }
    }

    srv = hv_tcp_server_new(NULL);
    st = hv_tcp_server_createsocket(srv, atoi(argv[1]), "127.0.0.1", &fd);
    if (st != HV_OK) return fail(srv, "createsocket", st);
    hv_tcp_server_set_thread_num(srv, threads);
    if (use_tls && (st = hv_tcp_server_set_tls(srv, &tls)) != HV_OK) return fail(srv, "tls", st);
    if (use_unpack && (st = hv_tcp_server_set_unpack(srv, &unpack)) != HV_OK) {
        return fail(srv, "unpack", st);
    }
    hv_tcp_server_set_callbacks(srv, on_connection, on_message, NULL, NULL, NULL);
    if ((st = hv_tcp_server_start(srv, true)) != HV_OK) return fail(srv, "start", st);

    printf("listening on port %d fd=%d\n", hv_tcp_server_port(srv), fd);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strncmp(line, "count", 5) == 0) {
            printf("connections %zu\n", hv_tcp_server_connection_num(srv));
            fflush(stdout);
        }
    }
    hv_tcp_server_free(srv);
    printf("stopped\n");
    return 0;
}
