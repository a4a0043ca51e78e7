#ifndef HV_EXPORT_H_
#define HV_EXPORT_H_

/*
 * hexport.h - symbol visibility and C/C++ glue macros.
 *
 * In hv-rs every helper declared by the base headers is header-only
 * (static inline in the C headers, inline in the C++ ones); the only
 * compiled symbols come from the Rust library and are declared in hvrs.h.
 * HV_EXPORT is still provided because programs and other headers use it.
 */

/* HV_EXPORT: default visibility for symbols that are meant to be public. */
#if defined(HV_STATICLIB) || defined(HV_SOURCE)
#define HV_EXPORT
#elif defined(__GNUC__) || defined(__clang__)
#define HV_EXPORT __attribute__((visibility("default")))
#else
#define HV_EXPORT
#endif

/* HV_INLINE: how libhv spells a header-only C helper. */
#define HV_INLINE static inline

/*
 * HVH_SHARED_INLINE (hv-rs addition): used for the few helpers that own
 * process-wide state in libhv (allocation counters, g_main_ctx, ...).
 * C++ gets a plain `inline` function, whose function-local statics are
 * merged by the linker into one instance per program.  C has no such
 * mechanism without a compiled definition, so there the helper is
 * `static inline` and the state exists once per translation unit.
 */
#ifdef __cplusplus
#define HVH_SHARED_INLINE inline
#else
#define HVH_SHARED_INLINE static inline
#endif

/* HV_DEPRECATED */
#if defined(HV_NO_DEPRECATED)
#define HV_DEPRECATED
#elif defined(__GNUC__) || defined(__clang__)
#define HV_DEPRECATED __attribute__((deprecated))
#else
#define HV_DEPRECATED
#endif

/* HV_UNUSED: marks something that may legitimately stay unused. */
#if defined(__GNUC__) || defined(__clang__)
#define HV_UNUSED __attribute__((unused))
#else
#define HV_UNUSED
#endif

/* HVH_PRINTF_FMT (hv-rs addition): printf-style format checking. */
#if defined(__GNUC__) || defined(__clang__)
#define HVH_PRINTF_FMT(fmt_index, first_arg) \
    __attribute__((format(printf, fmt_index, first_arg)))
#else
#define HVH_PRINTF_FMT(fmt_index, first_arg)
#endif

#ifdef __cplusplus

#ifndef EXTERN_C
#define EXTERN_C extern "C"
#endif

#ifndef BEGIN_EXTERN_C
#define BEGIN_EXTERN_C extern "C" {
#endif

#ifndef END_EXTERN_C
#define END_EXTERN_C }
#endif

#ifndef BEGIN_NAMESPACE
#define BEGIN_NAMESPACE(ns) namespace ns {
#endif

#ifndef END_NAMESPACE
#define END_NAMESPACE(ns) }
#endif

#ifndef USING_NAMESPACE
#define USING_NAMESPACE(ns) using namespace ns;
#endif

/* Default arguments exist in C++ only; in C the `= x` part vanishes. */
#ifndef DEFAULT
#define DEFAULT(x) = x
#endif

#ifndef ENUM
#define ENUM(e) enum e
#endif

#ifndef STRUCT
#define STRUCT(s) struct s
#endif

#else /* C */

#define EXTERN_C extern
#define BEGIN_EXTERN_C
#define END_EXTERN_C

#define BEGIN_NAMESPACE(ns)
#define END_NAMESPACE(ns)
#define USING_NAMESPACE(ns)

#ifndef DEFAULT
#define DEFAULT(x)
#endif

/* In C, also make the tag usable as a plain type name. */
#ifndef ENUM
#define ENUM(e) \
    typedef enum e e; \
    enum e
#endif

#ifndef STRUCT
#define STRUCT(s) \
    typedef struct s s; \
    struct s
#endif

#endif /* __cplusplus */

#define BEGIN_NAMESPACE_HV BEGIN_NAMESPACE(hv)
#define END_NAMESPACE_HV END_NAMESPACE(hv)
#define USING_NAMESPACE_HV USING_NAMESPACE(hv)

#endif /* HV_EXPORT_H_ */
