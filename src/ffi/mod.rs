//! The C ABI: the only module with `extern "C"`. `include/hv/hvrs.h` is generated from it.
//!
//! Conventions (the contract's §5): every function is a panic boundary; pointers are checked and
//! NULL gives `HV_ERR_NULL_PARAMETER` (or NULL / -1 / false / 0); `_free(NULL)` does nothing;
//! callbacks take `(fn, userdata, userdata_free)` and each says on which thread it runs.
//! Callbacks must not unwind: a C++ exception escaping into Rust aborts the process, so the C++
//! headers catch everything in `noexcept` trampolines.

#![allow(non_camel_case_types)]
// These functions are called from C, where the pointer contract is stated in each doc comment
// and checked for NULL; marking them `unsafe` would change nothing for C callers.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

#[macro_use]
mod boundary;
mod channel;
mod event_loop;
mod http;
mod http_client;
mod http_conn;
mod http_parser;
mod log;
mod nlog;
mod status;
mod tcp_client;
mod tcp_server;
mod types;

pub use boundary::{hv_task_cb, hv_userdata_free, hv_userdata_visitor};
pub use channel::*;
pub use event_loop::*;
pub use http::*;
pub use http_client::*;
pub use http_conn::*;
pub use http_parser::*;
pub use log::*;
pub use nlog::*;
pub use status::*;
pub use tcp_client::*;
pub use tcp_server::*;
pub use types::*;
