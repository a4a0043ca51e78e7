//! HTTP: libhv's `HttpService` and `HttpServer` on hyper (HTTP/1.1, HTTP/2), HTTPS by rustls.

pub mod access_log;
pub mod client;
pub mod conn;
mod guard;
mod h2_idle;
mod head;
pub mod message;
pub mod options;
mod park;
pub mod parser;
pub mod policy;
pub mod proxy;
mod quiet;
pub mod router;
mod server;
pub mod service;
mod signals;
pub mod static_files;
pub mod upload;
pub mod writer;

pub use access_log::{AccessLogFn, AccessRecord};
pub use message::{Request, Response, STATUS_NEXT};
pub use options::{ServerOptions, KNOBS};
pub use server::{HttpServer, WorkerHook};
pub use service::{Exchange, Handler, Service};
pub use writer::Writer;
