//! `echo_load`: the bench's TCP echo load. Opens the connections, then each keeps one message in
//! flight for the given time: it writes the message and reads the echo back in full before it
//! writes again. One current-thread tokio runtime (the bench pins it to one core).
//!
//! ```text
//! echo_load <host:port> <connections> <message bytes> <seconds>
//! ```
//!
//! Prints `echoed <bytes> bytes in <seconds> s, <MB/s> MB/s` (MB = 10^6 bytes).

use std::error::Error;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// Echoes `size`-byte messages over `conn` until `deadline`; the bytes echoed back.
async fn echo(mut conn: TcpStream, size: usize, deadline: Instant) -> std::io::Result<u64> {
    let msg = vec![b'x'; size];
    let mut back = vec![0u8; size];
    let mut echoed = 0u64;
    while Instant::now() < deadline {
        conn.write_all(&msg).await?;
        conn.read_exact(&mut back).await?;
        echoed += size as u64;
    }
    Ok(echoed)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: echo_load <host:port> <connections> <message bytes> <seconds>".into());
    }
    let addr = args[1].clone();
    let conns: usize = args[2].parse()?;
    let size: usize = args[3].parse()?;
    let seconds: f64 = args[4].parse()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut streams = Vec::with_capacity(conns);
        for _ in 0..conns {
            let s = TcpStream::connect(&addr).await?;
            s.set_nodelay(true)?;
            streams.push(s);
        }
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(seconds);
        let mut tasks = JoinSet::new();
        for s in streams {
            tasks.spawn(echo(s, size, deadline));
        }
        let mut total = 0u64;
        while let Some(done) = tasks.join_next().await {
            total += done??;
        }
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "echoed {total} bytes in {elapsed:.3} s, {:.1} MB/s",
            total as f64 / elapsed / 1e6
        );
        Ok::<(), Box<dyn Error>>(())
    })
}
