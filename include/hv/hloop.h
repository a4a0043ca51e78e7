#ifndef HV_LOOP_H_
#define HV_LOOP_H_

/*
 * libhv's event types, constants, unpack and reconnect settings. The hloop_* / hio_* C API is
 * not provided yet; C programs use the hv_* functions of hvrs.h, C++ programs the evpp classes.
 */

#include "hexport.h"
#include "hplatform.h"
#include "hdef.h"
#include "hssl.h"
#include "hvrs.h"

/* An event loop and a connection, as the C ABI knows them. */
typedef struct hv_loop hloop_t;
typedef struct hv_channel hio_t;

#define HIO_DEFAULT_CONNECT_TIMEOUT     10000   /* ms */
#define HIO_DEFAULT_CLOSE_TIMEOUT       60000   /* ms */
#define HIO_DEFAULT_KEEPALIVE_TIMEOUT   75000   /* ms */
#define HIO_DEFAULT_HEARTBEAT_INTERVAL  10000   /* ms */

#define HV_READ  0x0001
#define HV_WRITE 0x0004
#define HV_RDWR  (HV_READ | HV_WRITE)

typedef enum {
    LB_RoundRobin,
    LB_Random,
    LB_LeastConnections,
    LB_IpHash,
    LB_UrlHash
} load_balance_e;

/* unpack: split a TCP stream into messages */
typedef enum {
    UNPACK_MODE_NONE        = 0,
    UNPACK_BY_FIXED_LENGTH  = 1,
    UNPACK_BY_DELIMITER     = 2,
    UNPACK_BY_LENGTH_FIELD  = 3
} unpack_mode_e;

#define DEFAULT_PACKAGE_MAX_LENGTH  (1 << 21)   /* 2 MiB */
#define PACKAGE_MAX_DELIMITER_BYTES 8

typedef enum {
    ENCODE_BY_VARINT        = 17,
    ENCODE_BY_LITTEL_ENDIAN = 1234,   /* libhv 1.3.3's spelling */
    ENCODE_BY_LITTLE_ENDIAN = 1234,
    ENCODE_BY_BIG_ENDIAN    = 4321
} unpack_coding_e;

typedef struct unpack_setting_s {
    unpack_mode_e   mode;
    unsigned int    package_max_length;
    union {
        struct {
            unsigned int    fixed_length;
        };
        struct {
            unsigned char   delimiter[PACKAGE_MAX_DELIMITER_BYTES];
            unsigned short  delimiter_bytes;
        };
        /* package = head (body_offset bytes, holding the length field) + body */
        struct {
            unsigned short  body_offset;
            unsigned short  length_field_offset;
            unsigned short  length_field_bytes;
            short           length_adjustment;
            unpack_coding_e length_field_coding;
        };
    };
#ifdef __cplusplus
    /* The C++ default: a 5-byte head of 1 flag byte and a 4-byte big-endian length. */
    unpack_setting_s() {
        mode = UNPACK_BY_LENGTH_FIELD;
        package_max_length = DEFAULT_PACKAGE_MAX_LENGTH;
        body_offset = 5;
        length_field_offset = 1;
        length_field_bytes = 4;
        length_field_coding = ENCODE_BY_BIG_ENDIAN;
        length_adjustment = 0;
    }
#endif
} unpack_setting_t;

/* The C ABI's flat form of an unpack setting. */
static inline hv_unpack_setting hv_unpack_setting_from(const unpack_setting_t* s) {
    hv_unpack_setting out;
    memset(&out, 0, sizeof(out));
    out.mode = (int32_t)s->mode;
    out.package_max_length = s->package_max_length;
    switch (s->mode) {
    case UNPACK_BY_FIXED_LENGTH:
        out.fixed_length = s->fixed_length;
        break;
    case UNPACK_BY_DELIMITER:
        memcpy(out.delimiter, s->delimiter, sizeof(out.delimiter));
        out.delimiter_bytes = s->delimiter_bytes;
        break;
    case UNPACK_BY_LENGTH_FIELD:
        out.body_offset = s->body_offset;
        out.length_field_offset = s->length_field_offset;
        out.length_field_bytes = s->length_field_bytes;
        out.length_adjustment = s->length_adjustment;
        out.length_field_coding = (int32_t)s->length_field_coding;
        break;
    default:
        break;
    }
    return out;
}

/* reconnect */
#define DEFAULT_RECONNECT_MIN_DELAY     1000    /* ms */
#define DEFAULT_RECONNECT_MAX_DELAY     60000   /* ms */
#define DEFAULT_RECONNECT_DELAY_POLICY  2       /* exponential */
#define DEFAULT_RECONNECT_MAX_RETRY_CNT INFINITE

typedef struct reconn_setting_s {
    uint32_t min_delay;
    uint32_t max_delay;
    uint32_t cur_delay;
    /* 0: fixed min_delay; 1: linear, +min_delay; n >= 2: exponential, *n */
    uint32_t delay_policy;
    uint32_t max_retry_cnt;
    uint32_t cur_retry_cnt;
#ifdef __cplusplus
    reconn_setting_s() {
        min_delay = DEFAULT_RECONNECT_MIN_DELAY;
        max_delay = DEFAULT_RECONNECT_MAX_DELAY;
        cur_delay = 0;
        delay_policy = DEFAULT_RECONNECT_DELAY_POLICY;
        max_retry_cnt = DEFAULT_RECONNECT_MAX_RETRY_CNT;
        cur_retry_cnt = 0;
    }
#endif
} reconn_setting_t;

static inline void reconn_setting_init(reconn_setting_t* reconn) {
    reconn->min_delay = DEFAULT_RECONNECT_MIN_DELAY;
    reconn->max_delay = DEFAULT_RECONNECT_MAX_DELAY;
    reconn->cur_delay = 0;
    reconn->delay_policy = DEFAULT_RECONNECT_DELAY_POLICY;
    reconn->max_retry_cnt = DEFAULT_RECONNECT_MAX_RETRY_CNT;
    reconn->cur_retry_cnt = 0;
}

static inline void reconn_setting_reset(reconn_setting_t* reconn) {
    reconn->cur_delay = 0;
    reconn->cur_retry_cnt = 0;
}

/* Counts one more retry; max_retry_cnt = N allows N retries (libhv 1.3.4's count). */
static inline bool reconn_setting_can_retry(reconn_setting_t* reconn) {
    ++reconn->cur_retry_cnt;
    return reconn->max_retry_cnt == INFINITE ||
           reconn->cur_retry_cnt <= reconn->max_retry_cnt;
}

static inline uint32_t reconn_setting_calc_delay(reconn_setting_t* reconn) {
    uint32_t next;
    if (reconn->delay_policy == 0) {
        next = reconn->min_delay;
    } else if (reconn->delay_policy == 1) {
        next = reconn->cur_delay + reconn->min_delay;
    } else {
        next = reconn->cur_delay * reconn->delay_policy;
    }
    if (next < reconn->min_delay) next = reconn->min_delay;
    if (next > reconn->max_delay) next = reconn->max_delay;
    reconn->cur_delay = next;
    return next;
}

/* The C ABI's form of a reconnect setting (same fields, same order). */
static inline hv_reconn_setting hv_reconn_setting_from(const reconn_setting_t* r) {
    hv_reconn_setting out;
    out.min_delay = r->min_delay;
    out.max_delay = r->max_delay;
    out.cur_delay = r->cur_delay;
    out.delay_policy = r->delay_policy;
    out.max_retry_cnt = r->max_retry_cnt;
    out.cur_retry_cnt = r->cur_retry_cnt;
    return out;
}

/* The C ABI's form of TLS options. */
static inline hv_tls_options hv_tls_options_from(const hssl_ctx_opt_t* o) {
    hv_tls_options out;
    out.crt_file = o->crt_file;
    out.key_file = o->key_file;
    out.ca_file = o->ca_file;
    out.ca_path = o->ca_path;
    out.verify_peer = o->verify_peer;
    return out;
}

#endif /* HV_LOOP_H_ */
