#ifndef HV_NLOG_H_
#define HV_NLOG_H_

/*
 * nlog.h - the network logger: TCP clients connected to a port receive every
 * log line, e.g. with `nc 127.0.0.1 10514`.
 *
 *   hlog_set_handler(network_logger);
 *   nlog_listen(loop, DEFAULT_LOG_PORT);   // clients are served on loop
 *
 * Header-only over the C ABI (hv_nlog_listen / hv_nlog_write in hvrs.h).
 * The hio_t* nlog_listen returns stands for the listening socket: NULL means
 * failure; hv_channel_fd() and hv_channel_localaddr() report the listening fd
 * and address; it is borrowed (never free it) and closing it does nothing.
 */

#include "hexport.h"
#include "hloop.h"

#define DEFAULT_LOG_PORT    10514

BEGIN_EXTERN_C

/* A log handler (hlog_set_handler) that sends each line to every client. */
HV_INLINE void network_logger(int loglevel, const char* buf, int len) {
    (void)loglevel;
    if (buf != NULL && len > 0) hv_nlog_write(buf, (size_t)len);
}

/* Listens on 0.0.0.0:port (0 picks a free port); clients are served on loop. */
HV_INLINE hio_t* nlog_listen(hloop_t* loop, int port) {
    return (hio_t*)hv_nlog_listen(loop, port);
}

END_EXTERN_C

#endif /* HV_NLOG_H_ */
