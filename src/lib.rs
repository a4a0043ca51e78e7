//! hv-rs: libhv's network API on tokio and rustls.
//!
//! The Rust core (`event_loop`, `tcp`, `tls`, `log`) knows nothing of C; `ffi` is the only
//! module that exports `extern "C"` functions, and the C++ headers in `include/hv/` wrap it.

pub mod addr_text;
pub mod error;
pub mod event_loop;
pub mod ffi;
pub mod heap_trim;
pub mod http;
pub mod knobs;
pub mod log;
pub mod log_throttle;
pub mod tcp;
pub mod tls;

pub use error::{Error, Result};
