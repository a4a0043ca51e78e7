/*
 * The network logger as libhv's examples use it: hlog's lines go to network_logger, and TCP
 * clients of nlog_listen's port receive them.
 *
 *   nlog [port]
 *
 * Port 0 (the default) picks a free port; the program prints "nlog listening on port N", then
 * logs each line read from stdin with hlogi (and prints "logged") until stdin closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hlog.h"
#include "nlog.h"

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    hv_loop_thread *thread = hv_loop_thread_new(NULL);
    hloop_t *loop;
    hio_t *listenio;
    char addr[64];
    char line[512];
    const char *colon;

    if (hv_loop_thread_start(thread, true, NULL, NULL, NULL, NULL) != HV_OK) return 1;
    loop = (hloop_t *)hv_loop_thread_loop(thread);

    if (nlog_listen(NULL, port) != NULL || nlog_listen(loop, 70000) != NULL) {
        printf("bad arguments were accepted\n");
        return 1;
    }
    listenio = nlog_listen(loop, port);
    if (listenio == NULL) {
        hv_last_error(line, sizeof(line));
        printf("nlog_listen failed: %s\n", line);
        return 1;
    }
    if (hv_channel_fd(listenio) < 0 || hv_channel_is_connected(listenio) ||
        hv_channel_write(listenio, "x", 1) >= 0) {
        printf("the listen io does not look like a listener\n");
        return 1;
    }
    hv_channel_close(listenio); /* does nothing: the listener goes on */
    hv_channel_localaddr(listenio, addr, sizeof(addr));
    colon = strrchr(addr, ':');
    if (colon == NULL) return 1;

    hlog_set_level(LOG_LEVEL_DEBUG);
    hlog_set_handler(network_logger);
    network_logger(LOG_LEVEL_INFO, NULL, 5); /* ignored */
    printf("nlog listening on port %s\n", colon + 1);
    fflush(stdout);

    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        hlogi("%s", line);
        printf("logged\n");
        fflush(stdout);
    }
    hv_loop_thread_free(thread);
    return 0;
}
