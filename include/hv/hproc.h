#ifndef HV_PROC_H_
#define HV_PROC_H_

/*
 * hproc.h - run a (init, proc, exit) callback triple in a child process.
 */

#include "hplatform.h"

typedef struct proc_ctx_s {
    pid_t           pid;
    time_t          start_time;
    int             spawn_cnt;
    procedure_t     init;
    void*           init_userdata;
    procedure_t     proc;
    void*           proc_userdata;
    procedure_t     exit;
    void*           exit_userdata;
} proc_ctx_t;

/* Call init, proc and exit in that order, skipping the NULL ones. */
static inline void hproc_run(proc_ctx_t* ctx) {
    if (ctx->init) ctx->init(ctx->init_userdata);
    if (ctx->proc) ctx->proc(ctx->proc_userdata);
    if (ctx->exit) ctx->exit(ctx->exit_userdata);
}

/*
 * fork() a child that runs hproc_run(ctx) and then exits with status 0.
 * In the parent, records the child's pid in ctx->pid and returns it;
 * returns -1 if fork fails.
 */
static inline int hproc_spawn(proc_ctx_t* ctx) {
    pid_t child;
    ctx->spawn_cnt += 1;
    ctx->start_time = time(NULL);
    child = fork();
    if (child < 0) {
        perror("fork");
        return -1;
    }
    if (child == 0) {
        ctx->pid = getpid();
        hproc_run(ctx);
        exit(0);
    }
    ctx->pid = child;
    return (int)child;
}

#endif /* HV_PROC_H_ */
