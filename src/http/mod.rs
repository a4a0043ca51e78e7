//! HTTP: libhv's `HttpService` and `HttpServer` on hyper (HTTP/1.1, HTTP/2), HTTPS by rustls.

pub mod client;
mod guard;
mod h2_idle;
mod head;
pub mod message;
pub mod options;
pub mod parser;
pub mod proxy;
pub mod router;
mod server;
pub mod service;
pub mod static_files;
pub mod writer;

pub use message::{Request, Response, STATUS_NEXT};
pub use options::{ServerOptions, KNOBS};
pub use server::{HttpServer, WorkerHook};
pub use service::{Exchange, Handler, Service};
pub use writer::Writer;
