/* A C server and client in one process over hvrs.h: exits 0 once "ping" was echoed back. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hvrs.h"

static volatile int echoed = 0;

static void server_message(void *ud, const hv_channel *ch, const uint8_t *data, size_t len) {
    (void)ud;
    hv_channel_write(ch, data, len);
}

static void client_connection(void *ud, const hv_channel *ch) {
    (void)ud;
    if (hv_channel_is_connected(ch)) hv_channel_write(ch, "ping", 4);
}

static void client_message(void *ud, const hv_channel *ch, const uint8_t *data, size_t len) {
    (void)ud;
    (void)ch;
    if (len == 4 && memcmp(data, "ping", 4) == 0) echoed = 1;
}

int main(void) {
    int i, fd;
    hv_tcp_server *srv = hv_tcp_server_new(NULL);
    hv_tcp_client *cli = hv_tcp_client_new(NULL);
    if (hv_tcp_server_createsocket(srv, 0, "127.0.0.1", &fd) != HV_OK) return 1;
    hv_tcp_server_set_thread_num(srv, 1);
    hv_tcp_server_set_callbacks(srv, NULL, server_message, NULL, NULL, NULL);
    hv_tcp_server_start(srv, true);
    hv_tcp_client_createsocket(cli, hv_tcp_server_port(srv), "127.0.0.1", &fd);
    hv_tcp_client_set_callbacks(cli, client_connection, client_message, NULL, NULL, NULL);
    hv_tcp_client_start(cli, true);
    for (i = 0; i < 1000 && !echoed; ++i) {
        struct timespec ten_ms = {0, 10000000};
        nanosleep(&ten_ms, NULL);
    }
    hv_tcp_client_free(cli);
    hv_tcp_server_free(srv);
    printf("echo %s\n", echoed ? "ok" : "missing");
    return echoed ? 0 : 1;
}
