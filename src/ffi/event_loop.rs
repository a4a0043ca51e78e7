//! Event loops, loop threads and loop pools.

use std::ffi::c_void;
use std::sync::Arc;

use super::boundary::attached_ptr;
use super::boundary::{
    arc_clone, arc_free, arc_handle, borrowed_handle, box_free, box_handle, task_closure,
    ForeignData,
};
use super::boundary::{hv_task_cb, hv_userdata_free};
use super::status::{hv_status, status_of};
use crate::event_loop::{EventLoop, LoadBalance, LoopPool, LoopThread, INVALID_TIMER_ID};

/// An event loop: one thread, reference counted (`hv_loop_clone` / `hv_loop_free`).
pub struct hv_loop {
    _private: [u8; 0],
}
castable!(hv_loop => EventLoop, arc);
/// A thread running one event loop. Owned by its creator; `hv_loop_thread_free` stops it.
pub struct hv_loop_thread {
    _private: [u8; 0],
}
castable!(hv_loop_thread => LoopThread, boxed);
/// A set of loop threads. Owned by its creator; `hv_loop_pool_free` stops them.
pub struct hv_loop_pool {
    _private: [u8; 0],
}
castable!(hv_loop_pool => LoopPool, boxed);

/// Runs on the timer's loop thread with the timer id.
pub type hv_timer_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, timer_id: u64)>;
/// Runs first on a new loop thread; a nonzero result stops that loop.
pub type hv_pre_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event_loop: *const hv_loop) -> i32>;
/// Runs on a loop thread after its loop has exited.
pub type hv_post_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event_loop: *const hv_loop)>;

/// libhv's `INVALID_TIMER_ID`.
pub const HV_INVALID_TIMER_ID: u64 = u64::MAX;

/// A new loop, not running. Free with `hv_loop_free`.
#[no_mangle]
pub extern "C" fn hv_loop_new() -> *const hv_loop {
    ffi_boundary! { arc_handle::<hv_loop>(EventLoop::new()) }
}

/// Another reference to `event_loop` (NULL gives NULL). Free it with `hv_loop_free`.
#[no_mangle]
pub extern "C" fn hv_loop_clone(event_loop: *const hv_loop) -> *const hv_loop {
    ffi_boundary! { arc_clone(event_loop).map_or(std::ptr::null(), arc_handle::<hv_loop>) }
}

/// Drops one reference. Does not stop a running loop.
#[no_mangle]
pub extern "C" fn hv_loop_free(event_loop: *const hv_loop) {
    ffi_boundary! { arc_free(event_loop) }
}

/// Runs the loop on the calling thread until `hv_loop_stop`. A loop runs once:
/// `HV_ERR_STATE` when it already ran or is running.
#[no_mangle]
pub extern "C" fn hv_loop_run(event_loop: *const hv_loop) -> hv_status {
    ffi_boundary! {
        let Some(el) = arc_clone(event_loop) else { return hv_status::HV_ERR_NULL_PARAMETER };
        status_of(el.run())
    }
}

/// Stops the loop from any thread; connections on it get their disconnect callbacks on the
/// loop thread before `hv_loop_run` returns. A loop stopped before it ran never runs.
#[no_mangle]
pub extern "C" fn hv_loop_stop(event_loop: *const hv_loop) {
    ffi_boundary! { try_ref!(event_loop, ()).stop() }
}

/// libhv's `Status` numbers: 2 initialized, 5 running, 7 stopping, 8 stopped (0 for NULL).
#[no_mangle]
pub extern "C" fn hv_loop_status(event_loop: *const hv_loop) -> i32 {
    ffi_boundary! { try_ref!(event_loop, 0).status() as i32 }
}

/// Kernel thread id of the loop thread (0 before it runs).
#[no_mangle]
pub extern "C" fn hv_loop_tid(event_loop: *const hv_loop) -> i64 {
    ffi_boundary! { try_ref!(event_loop, 0).tid() }
}

/// A process-unique number for the loop.
#[no_mangle]
pub extern "C" fn hv_loop_id(event_loop: *const hv_loop) -> u32 {
    ffi_boundary! { try_ref!(event_loop, 0).id() }
}

#[no_mangle]
pub extern "C" fn hv_loop_is_in_loop_thread(event_loop: *const hv_loop) -> bool {
    ffi_boundary! { try_ref!(event_loop, false).is_in_loop_thread() }
}

/// Connections currently placed on this loop.
#[no_mangle]
pub extern "C" fn hv_loop_connection_num(event_loop: *const hv_loop) -> u32 {
    ffi_boundary! { try_ref!(event_loop, 0).connection_num.load(std::sync::atomic::Ordering::Relaxed) }
}

/// The loop running on the calling thread, or NULL. Borrowed: valid while that loop runs;
/// `hv_loop_clone` it to keep it.
#[no_mangle]
pub extern "C" fn hv_loop_current() -> *const hv_loop {
    ffi_boundary! { EventLoop::current().map_or(std::ptr::null(), |el| borrowed_handle::<hv_loop>(&el)) }
}

fn post(
    event_loop: *const hv_loop,
    cb: hv_task_cb,
    userdata: *mut c_void,
    free: hv_userdata_free,
    inline_ok: bool,
) -> hv_status {
    let data = ForeignData::new(userdata, free);
    let el = try_ref!(event_loop);
    let Some(cb) = cb else {
        return hv_status::HV_ERR_NULL_PARAMETER;
    };
    let task = Box::new(task_closure(cb, data));
    if inline_ok {
        el.run_in_loop(task);
    } else {
        el.queue_in_loop(task);
    }
    hv_status::HV_OK
}

/// Runs `cb(userdata)` now if called on the running loop's thread, else queues it (FIFO).
/// `userdata_free` runs after `cb`, or when the loop stops before running it.
#[no_mangle]
pub extern "C" fn hv_loop_run_in_loop(
    event_loop: *const hv_loop,
    cb: hv_task_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! { post(event_loop, cb, userdata, userdata_free, true) }
}

/// Queues `cb(userdata)` to run on the loop thread after everything queued before it.
#[no_mangle]
pub extern "C" fn hv_loop_queue_in_loop(
    event_loop: *const hv_loop,
    cb: hv_task_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! { post(event_loop, cb, userdata, userdata_free, false) }
}

/// Starts a timer from any thread: `cb(userdata, id)` runs on the loop thread after
/// `timeout_ms`, `repeat` times (`0xFFFFFFFF` = forever). Returns the id, or
/// `HV_INVALID_TIMER_ID` for a NULL loop/callback or a zero timeout. `userdata_free` runs when
/// the timer is finished, killed, or its loop stops.
#[no_mangle]
pub extern "C" fn hv_loop_set_timer(
    event_loop: *const hv_loop,
    timeout_ms: u32,
    repeat: u32,
    cb: hv_timer_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> u64 {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let Some(el) = arc_clone(event_loop) else { return INVALID_TIMER_ID };
        let Some(cb) = cb else { return INVALID_TIMER_ID };
        el.set_timer(timeout_ms, repeat, Box::new(move |id| {
            // SAFETY: the caller registered `cb` for this userdata.
            unsafe { cb(data.ptr, id) }
        }))
    }
}

/// Cancels a timer from any thread; unknown ids are ignored.
#[no_mangle]
pub extern "C" fn hv_loop_kill_timer(event_loop: *const hv_loop, timer_id: u64) {
    ffi_boundary! { try_ref!(event_loop, ()).kill_timer(timer_id) }
}

/// Restarts a timer's countdown from now (with a new timeout when `timeout_ms > 0`).
#[no_mangle]
pub extern "C" fn hv_loop_reset_timer(event_loop: *const hv_loop, timer_id: u64, timeout_ms: u32) {
    ffi_boundary! { try_ref!(event_loop, ()).reset_timer(timer_id, timeout_ms) }
}

/// Attaches `userdata` to the loop (the C++ headers keep their `EventLoop` object here).
/// `userdata_free` runs when the loop finishes running, or with `hv_loop_clear_userdata` (after
/// a `hv_loop_visit_userdata` call visiting it then, on that thread).
/// `HV_ERR_STATE` (and `userdata_free` at once) if something is attached already or the loop
/// has finished.
#[no_mangle]
pub extern "C" fn hv_loop_set_userdata(
    event_loop: *const hv_loop,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let el = try_ref!(event_loop);
        if el.set_attachment(Box::new(data)) {
            hv_status::HV_OK
        } else {
            hv_status::HV_ERR_STATE
        }
    }
}

/// The attached userdata, or NULL.
#[no_mangle]
pub extern "C" fn hv_loop_userdata(event_loop: *const hv_loop) -> *mut c_void {
    ffi_boundary! { try_ref!(event_loop, std::ptr::null_mut()).with_attachment(attached_ptr) }
}

/// Receives the attached userdata (or NULL) while it cannot be freed.
pub type hv_userdata_visitor =
    Option<unsafe extern "C" fn(ctx: *mut c_void, userdata: *mut c_void)>;

/// Calls `visit(ctx, userdata)` on the calling thread with the attached userdata (or NULL).
/// No lock is held during the call, so `visit` may call any function (the `hv_loop_*userdata`
/// ones included), yet the userdata stays valid until `visit` returns: if it is detached
/// meanwhile, its `userdata_free` runs on this thread once `visit` has returned.
#[no_mangle]
pub extern "C" fn hv_loop_visit_userdata(
    event_loop: *const hv_loop,
    visit: hv_userdata_visitor,
    ctx: *mut c_void,
) {
    ffi_boundary! {
        let el = try_ref!(event_loop, ());
        let Some(visit) = visit else { return };
        let held = el.with_attachment(|a| a.and_then(|a| a.downcast_ref::<Arc<ForeignData>>()).cloned());
        let userdata = held.as_ref().map_or(std::ptr::null_mut(), |d| d.ptr);
        // SAFETY: the caller's visitor, called with its own context pointer; `held` keeps the
        // userdata from being freed until the call returns.
        unsafe { visit(ctx, userdata) };
        drop(held);
    }
}

/// Detaches `userdata` (and runs its free function) if it is the one attached.
#[no_mangle]
pub extern "C" fn hv_loop_clear_userdata(
    event_loop: *const hv_loop,
    userdata: *mut c_void,
) -> bool {
    ffi_boundary! {
        let el = try_ref!(event_loop, false);
        el.take_attachment_if(|a| a.downcast_ref::<Arc<ForeignData>>().is_some_and(|d| d.ptr == userdata)).is_some()
    }
}

/// A loop thread around `event_loop` (a new reference is taken) or, with NULL, a new loop.
#[no_mangle]
pub extern "C" fn hv_loop_thread_new(event_loop: *const hv_loop) -> *mut hv_loop_thread {
    ffi_boundary! { box_handle::<hv_loop_thread>(LoopThread::new(arc_clone(event_loop))) }
}

/// Borrowed: valid as long as the thread object.
#[no_mangle]
pub extern "C" fn hv_loop_thread_loop(thread: *const hv_loop_thread) -> *const hv_loop {
    ffi_boundary! { borrowed_handle::<hv_loop>(try_ref!(thread, std::ptr::null()).event_loop()) }
}

/// Starts the thread. `pre` runs first on the loop (nonzero stops it), `post` after the loop
/// exits, both on the new thread. With `wait`, returns once the loop runs.
#[no_mangle]
pub extern "C" fn hv_loop_thread_start(
    thread: *const hv_loop_thread,
    wait: bool,
    pre: hv_pre_cb,
    post: hv_post_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let t = try_ref!(thread);
        let (pre_hook, post_hook) = hooks(t.event_loop(), pre, post, data);
        status_of(t.start(wait, pre_hook, post_hook))
    }
}

type Hooks = (
    Option<crate::event_loop::PreHook>,
    Option<crate::event_loop::PostHook>,
);

fn hooks(el: &Arc<EventLoop>, pre: hv_pre_cb, post: hv_post_cb, data: Arc<ForeignData>) -> Hooks {
    let pre_hook = pre.map(|f| {
        let (el, data) = (el.clone(), data.clone());
        Box::new(move || {
            // SAFETY: the caller registered `f` for this userdata; the loop outlives the call.
            unsafe { f(data.ptr, borrowed_handle::<hv_loop>(&el)) }
        }) as crate::event_loop::PreHook
    });
    let post_hook = post.map(|f| {
        let el = el.clone();
        Box::new(move || {
            // SAFETY: as above.
            unsafe { f(data.ptr, borrowed_handle::<hv_loop>(&el)) }
        }) as crate::event_loop::PostHook
    });
    (pre_hook, post_hook)
}

/// Stops the loop; with `wait`, joins the thread (never from the loop thread itself).
#[no_mangle]
pub extern "C" fn hv_loop_thread_stop(thread: *const hv_loop_thread, wait: bool) {
    ffi_boundary! { try_ref!(thread, ()).stop(wait) }
}

#[no_mangle]
pub extern "C" fn hv_loop_thread_join(thread: *const hv_loop_thread) {
    ffi_boundary! { try_ref!(thread, ()).join() }
}

/// Stops and joins the thread, then frees it.
#[no_mangle]
pub extern "C" fn hv_loop_thread_free(thread: *mut hv_loop_thread) {
    ffi_boundary! { box_free(thread) }
}

/// `thread_num` loop threads, not started.
#[no_mangle]
pub extern "C" fn hv_loop_pool_new(thread_num: i32) -> *mut hv_loop_pool {
    ffi_boundary! { box_handle::<hv_loop_pool>(LoopPool::new(thread_num.max(0) as usize)) }
}

/// Starts every thread, running `pre`/`post` on each as `hv_loop_thread_start` does.
#[no_mangle]
pub extern "C" fn hv_loop_pool_start(
    pool: *const hv_loop_pool,
    wait: bool,
    pre: hv_pre_cb,
    post: hv_post_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let p = try_ref!(pool);
        status_of(p.start_with(wait, |el| hooks(el, pre, post, data.clone())))
    }
}

#[no_mangle]
pub extern "C" fn hv_loop_pool_stop(pool: *const hv_loop_pool, wait: bool) {
    ffi_boundary! { try_ref!(pool, ()).stop(wait) }
}

#[no_mangle]
pub extern "C" fn hv_loop_pool_join(pool: *const hv_loop_pool) {
    ffi_boundary! { try_ref!(pool, ()).join() }
}

#[no_mangle]
pub extern "C" fn hv_loop_pool_thread_num(pool: *const hv_loop_pool) -> i32 {
    ffi_boundary! { try_ref!(pool, 0).thread_num() as i32 }
}

/// Loop `idx`, or NULL when out of range. Borrowed: valid as long as the pool.
#[no_mangle]
pub extern "C" fn hv_loop_pool_loop(pool: *const hv_loop_pool, idx: i32) -> *const hv_loop {
    ffi_boundary! {
        let p = try_ref!(pool, std::ptr::null());
        usize::try_from(idx).ok().and_then(|i| p.get(i)).map_or(std::ptr::null(), borrowed_handle::<hv_loop>)
    }
}

/// The next loop by `load_balance` (0 round robin, 1 random, 2 least connections); NULL if the
/// pool is empty. Borrowed, as `hv_loop_pool_loop`.
#[no_mangle]
pub extern "C" fn hv_loop_pool_next_loop(
    pool: *const hv_loop_pool,
    load_balance: i32,
) -> *const hv_loop {
    ffi_boundary! {
        let p = try_ref!(pool, std::ptr::null());
        let lb = LoadBalance::from_raw(load_balance).unwrap_or(LoadBalance::RoundRobin);
        p.next_loop(lb).map_or(std::ptr::null(), borrowed_handle::<hv_loop>)
    }
}

/// Stops and joins every thread, then frees the pool.
#[no_mangle]
pub extern "C" fn hv_loop_pool_free(pool: *mut hv_loop_pool) {
    ffi_boundary! { box_free(pool) }
}
