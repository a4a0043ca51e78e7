//! The TCP server's knobs (`hv_tcp_server_set_option`, `hv::TcpServer::setOption`, `HV_TCP_`
//! variables): see `crate::knobs`.

use std::time::Duration;

use crate::knobs::{knob, millis, off_or_count, switch, Knob, Knobs};

/// What a `TcpServer` enforces on its clients.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TcpOptions {
    pub handshake_timeout: Duration,
    pub per_ip_connections: u32,
    pub proxy_protocol: bool,
}

/// Every `TcpServer` knob, in the order the README lists them.
pub const TCP_KNOBS: &[Knob<TcpOptions>] = &[
    knob!(
        "tcp_handshake_timeout_ms",
        "10000",
        "TcpServer: a TLS handshake, or a PROXY header, must finish (counted against the connection caps); then close",
        handshake_timeout,
        millis
    ),
    knob!(
        "tcp_per_ip_connections",
        "off",
        "TcpServer: open connections from one client address; beyond it closed at accept, before TLS",
        per_ip_connections,
        off_or_count
    ),
    knob!(
        "tcp_proxy_protocol",
        "off",
        "TcpServer: on: every connection starts with a PROXY v1 or v2 header naming the client (else closed)",
        proxy_protocol,
        switch
    ),
];

impl Knobs for TcpOptions {
    const TABLE: &'static [Knob<Self>] = TCP_KNOBS;
}
