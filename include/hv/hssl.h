#ifndef HV_SSL_H_
#define HV_SSL_H_

/*
 * TLS settings with libhv's names. In hv-rs TLS is rustls inside the library: the options are
 * handed to the C ABI (hv_tls_options) and no OpenSSL object is ever exposed.
 */

#include "hexport.h"

typedef void* hssl_ctx_t;
typedef void* hssl_t;

enum {
    HSSL_SERVER = 0,
    HSSL_CLIENT = 1
};

enum {
    HSSL_OK = 0,
    HSSL_ERROR = -1,
    HSSL_WANT_READ = -2,
    HSSL_WANT_WRITE = -3,
    HSSL_WOULD_BLOCK = -4
};

typedef struct {
    const char* crt_file;   /* PEM certificate chain for this side */
    const char* key_file;   /* PEM private key */
    const char* ca_file;    /* PEM trust anchors */
    const char* ca_path;    /* directory of PEM trust anchors */
    short       verify_peer;
    short       endpoint;   /* HSSL_SERVER or HSSL_CLIENT */
} hssl_ctx_opt_t;

typedef hssl_ctx_opt_t hssl_ctx_init_param_t;

#define HV_WITH_SSL 1

/* The TLS implementation behind this build. */
static inline const char* hssl_backend(void) {
    return "rustls";
}

#endif /* HV_SSL_H_ */
