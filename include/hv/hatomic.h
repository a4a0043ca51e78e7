#ifndef HV_ATOMIC_H_
#define HV_ATOMIC_H_

/*
 * hatomic.h - a tiny portable atomic layer.
 *
 *   hatomic_flag_t / HATOMIC_FLAG_INIT / hatomic_flag_test_and_set / _clear
 *   hatomic_t (a long) / HATOMIC_VAR_INIT / hatomic_add / _sub / _inc / _dec
 *
 * C++ maps onto <atomic>; C uses <stdatomic.h> when the compiler has it and
 * the GCC __sync builtins otherwise.
 */

#include "hplatform.h"

#ifdef __cplusplus

#include <atomic>

using std::atomic_flag;
using std::atomic_long;

#define ATOMIC_FLAG_TEST_AND_SET(p)     ((p)->test_and_set())
#define ATOMIC_FLAG_CLEAR(p)            ((p)->clear())

/* std::atomic's compound operators are atomic read-modify-writes. */
#define ATOMIC_ADD(p, n)    (*(p) += (n))
#define ATOMIC_SUB(p, n)    (*(p) -= (n))
#define ATOMIC_INC(p)       ((*(p))++)
#define ATOMIC_DEC(p)       ((*(p))--)

#elif HAVE_STDATOMIC_H

#include <stdatomic.h>

#define ATOMIC_FLAG_TEST_AND_SET    atomic_flag_test_and_set
#define ATOMIC_FLAG_CLEAR           atomic_flag_clear
#define ATOMIC_ADD                  atomic_fetch_add
#define ATOMIC_SUB                  atomic_fetch_sub
#define ATOMIC_INC(p)               ATOMIC_ADD(p, 1)
#define ATOMIC_DEC(p)               ATOMIC_SUB(p, 1)

#else /* C without <stdatomic.h>: volatile storage + __sync builtins */

typedef volatile bool               atomic_bool;
typedef volatile char               atomic_char;
typedef volatile unsigned char      atomic_uchar;
typedef volatile short              atomic_short;
typedef volatile unsigned short     atomic_ushort;
typedef volatile int                atomic_int;
typedef volatile unsigned int       atomic_uint;
typedef volatile long               atomic_long;
typedef volatile unsigned long      atomic_ulong;
typedef volatile long long          atomic_llong;
typedef volatile unsigned long long atomic_ullong;
typedef volatile size_t             atomic_size_t;

typedef struct atomic_flag { atomic_bool _Value; } atomic_flag;

/* Returns the previous state (true if the flag was already set). */
static inline bool atomic_flag_test_and_set(atomic_flag* p) {
    return __sync_lock_test_and_set(&p->_Value, 1) != 0;
}

static inline void atomic_flag_clear(atomic_flag* p) {
    __sync_lock_release(&p->_Value);
}

#define ATOMIC_FLAG_TEST_AND_SET    atomic_flag_test_and_set
#define ATOMIC_FLAG_CLEAR           atomic_flag_clear
#define ATOMIC_ADD                  __sync_fetch_and_add
#define ATOMIC_SUB                  __sync_fetch_and_sub
#define ATOMIC_INC(p)               ATOMIC_ADD(p, 1)
#define ATOMIC_DEC(p)               ATOMIC_SUB(p, 1)

#endif

#ifndef ATOMIC_FLAG_INIT
#define ATOMIC_FLAG_INIT        { 0 }
#endif

#ifndef ATOMIC_VAR_INIT
#define ATOMIC_VAR_INIT(value)  (value)
#endif

typedef atomic_flag                 hatomic_flag_t;
#define HATOMIC_FLAG_INIT           ATOMIC_FLAG_INIT
#define hatomic_flag_test_and_set   ATOMIC_FLAG_TEST_AND_SET
#define hatomic_flag_clear          ATOMIC_FLAG_CLEAR

typedef atomic_long                 hatomic_t;
#define HATOMIC_VAR_INIT            ATOMIC_VAR_INIT
#define hatomic_add                 ATOMIC_ADD
#define hatomic_sub                 ATOMIC_SUB
#define hatomic_inc                 ATOMIC_INC
#define hatomic_dec                 ATOMIC_DEC

#endif /* HV_ATOMIC_H_ */
