//! TCP: libhv's `TcpServer`, `TcpClient` and `SocketChannel`, with framing and reconnect.

mod accept_backoff;
mod channel;
mod client;
pub mod nlog;
mod nosigpipe;
pub mod options;
mod per_ip;
#[doc(hidden)]
pub mod proxy_header;
mod reconnect;
mod server;
mod stream;
pub mod unpack;

pub(crate) use accept_backoff::AcceptBackoff;
pub use channel::{Channel, ChannelStatus, ConnectionFn, DataFn, Handlers, HeartbeatFn};
pub use client::TcpClient;
pub(crate) use nosigpipe::NoSigpipeStream;
pub use options::{TcpOptions, TCP_KNOBS};
pub(crate) use per_ip::client_key;
pub use per_ip::{ConnectionSlot, PerIpConnections};
pub(crate) use proxy_header::proxied_client;
pub use reconnect::ReconnectSetting;
pub(crate) use server::listen;
pub use server::TcpServer;
