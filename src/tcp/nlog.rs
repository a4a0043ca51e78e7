//! libhv's network logger (`nlog.h`): TCP clients that connect to a port receive every log
//! line the program hands to `network_logger`.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::event_loop::EventLoop;
use crate::tcp::{Channel, TcpServer};
use crate::Result;

struct Listener {
    server: TcpServer,
    /// Handed out as the listen "io"; held here so that pointer stays valid for the process.
    _io: Arc<Channel>,
}

fn listeners() -> MutexGuard<'static, Vec<Arc<Listener>>> {
    static LISTENERS: Mutex<Vec<Arc<Listener>>> = Mutex::new(Vec::new());
    LISTENERS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Listens on `0.0.0.0:port` (0 picks a free port) with the connections on `event_loop`
/// itself, as libhv does; clients' input is ignored. Returns the listener's stand-in channel.
pub fn listen(event_loop: Arc<EventLoop>, port: u16) -> Result<Arc<Channel>> {
    let server = TcpServer::new(Some(event_loop.clone()));
    server.set_thread_num(0);
    let fd = server.createsocket(port, "0.0.0.0")?;
    server.start(false)?;
    let channel = Channel::listener(fd, server.local_addr(), event_loop);
    listeners().push(Arc::new(Listener {
        server,
        _io: channel.clone(),
    }));
    Ok(channel)
}

/// Queues `line` to every connected client of every listener; returns how many there were.
/// Safe from any thread, including from inside the logger's handler.
pub fn write(line: &[u8]) -> usize {
    let current: Vec<Arc<Listener>> = listeners().clone();
    current.iter().map(|l| l.server.broadcast(line)).sum()
}
