//! TCP: libhv's `TcpServer`, `TcpClient` and `SocketChannel`, with framing and reconnect.

mod channel;
mod client;
pub mod nlog;
mod nosigpipe;
mod reconnect;
mod server;
mod stream;
pub mod unpack;

pub use channel::{Channel, ChannelStatus, ConnectionFn, DataFn, Handlers, HeartbeatFn};
pub use client::TcpClient;
pub(crate) use nosigpipe::NoSigpipeStream;
pub use reconnect::ReconnectSetting;
pub(crate) use server::listen;
pub use server::TcpServer;
