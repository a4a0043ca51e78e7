//! Errors of the core, as values with context.

use std::io;

/// libhv's error number for "over limit" (`ERR_OVER_LIMIT`), reported by `Channel::error()`.
pub const ERR_OVER_LIMIT: i32 = 1022;
/// libhv's error number for an invalid unpack setting (`ERR_INVALID_PARAM`).
pub const ERR_INVALID_PARAM: i32 = 1011;
/// libhv's error number for a TLS context that could not be built (`ERR_NEW_SSL_CTX`).
pub const ERR_NEW_SSL_CTX: i32 = 1041;
/// libhv's error number for a failed TLS handshake (`ERR_SSL_HANDSHAKE`).
pub const ERR_SSL_HANDSHAKE: i32 = 1043;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot resolve {host:?}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    #[error("wrong state: {0}")]
    State(&'static str),
    #[error("connection is closed")]
    Closed,
    #[error("over limit: {0}")]
    OverLimit(String),
    #[error("bad PROXY protocol header: {0}")]
    ProxyHeader(String),
    #[error("{name}={value:?}: {reason}")]
    Config {
        name: String,
        value: String,
        reason: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The negative errno a libhv caller expects for this error (`createsocket` returns it).
    pub fn negative_errno(&self) -> i32 {
        match self {
            Error::Io { source, .. } => -source.raw_os_error().unwrap_or(libc::EIO),
            Error::Resolve { .. } => -libc::EADDRNOTAVAIL,
            Error::InvalidArgument(_) | Error::Config { .. } => -libc::EINVAL,
            _ => -libc::EIO,
        }
    }
}
