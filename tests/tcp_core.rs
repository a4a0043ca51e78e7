//! The Rust core's TCP server and client over real loopback sockets.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use hv::event_loop::EventLoop;
use hv::tcp::unpack::UnpackSetting;
use hv::tcp::{Handlers, ReconnectSetting, TcpClient, TcpServer};

fn echo_server(threads: usize, configure: impl FnOnce(&TcpServer)) -> (TcpServer, u16) {
    let srv = TcpServer::new(None);
    srv.createsocket(0, "127.0.0.1").unwrap();
    srv.set_thread_num(threads);
    srv.set_handlers(Handlers::new(
        None,
        Some(Box::new(|ch, data| {
            ch.write(data).unwrap();
        })),
        None,
    ));
    configure(&srv);
    srv.start(true).unwrap();
    let port = srv.local_addr().unwrap().port();
    (srv, port)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

#[test]
fn echo_round_trip_on_each_thread_count() {
    for threads in [0, 1, 2] {
        let (srv, port) = echo_server(threads, |_| {});
        let mut c = connect(port);
        c.write_all(b"hello").unwrap();
        let mut buf = [0u8; 5];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hello");
        srv.stop(true);
    }
}

#[test]
fn delimiter_framing_over_the_wire_and_oversize_closes() {
    let got = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let seen = got.clone();
    let srv = TcpServer::new(None);
    srv.createsocket(0, "127.0.0.1").unwrap();
    srv.set_thread_num(1);
    srv.set_unpack(Some(UnpackSetting::Delimiter { delimiter: b"\n".to_vec(), max: 16 }))
        .unwrap();
    let (tx, rx) = mpsc::channel();
    srv.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            if !ch.is_connected() {
                tx.send(ch.error()).unwrap();
            }
        })),
        Some(Box::new(move |_, data| seen.lock().unwrap().push(data.to_vec()))),
        None,
    ));
    srv.start(true).unwrap();
    let port = srv.local_addr().unwrap().port();
    let mut c = connect(port);
    for piece in [&b"ab"[..], b"c\nde", b"f\n", b"0123456789abcdefX"] {
        c.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 1022);
    assert_eq!(*got.lock().unwrap(), vec![b"abc\n".to_vec(), b"def\n".to_vec()]);
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    assert!(rest.is_empty());
}

#[test]
fn max_connections_refuses_at_accept() {
    let connected = Arc::new(AtomicUsize::new(0));
    let counter = connected.clone();
    let (srv, port) = echo_server(1, |s| {
        s.set_max_connections(2);
        s.set_handlers(Handlers::new(
            Some(Box::new(move |ch| {
                if ch.is_connected() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })),
            None,
            None,
        ));
    });
    let _a = connect(port);
    let _b = connect(port);
    let deadline = Instant::now() + Duration::from_secs(5);
    while srv.connection_num() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut third = connect(port);
    let mut buf = [0u8; 1];
    assert_eq!(third.read(&mut buf).unwrap_or(0), 0, "third connection reads EOF");
    assert_eq!(connected.load(Ordering::SeqCst), 2);
    assert_eq!(srv.connection_num(), 2);
}

#[test]
fn four_threads_writing_at_once_keep_each_write_intact() {
    let (srv, port) = echo_server(1, |s| {
        s.set_handlers(Handlers::default());
    });
    let mut c = connect(port);
    let deadline = Instant::now() + Duration::from_secs(5);
    while srv.connection_num() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let ch = {
        let mut found = None;
        srv.foreach_channel(|ch| found = Some(ch.clone()));
        found.unwrap()
    };
    const WRITES: usize = 200;
    const LEN: usize = 1000;
    let writers: Vec<_> = (0..4u8)
        .map(|t| {
            let ch = ch.clone();
            std::thread::spawn(move || {
                for _ in 0..WRITES {
                    ch.write(&[b'a' + t; LEN]).unwrap();
                }
            })
        })
        .collect();
    let mut all = vec![0u8; 4 * WRITES * LEN];
    c.read_exact(&mut all).unwrap();
    for w in writers {
        w.join().unwrap();
    }
    for chunk in all.chunks(LEN) {
        assert!(chunk.iter().all(|b| *b == chunk[0]), "a write was interleaved");
    }
}

#[test]
fn client_reconnects_per_policy_then_gives_up() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let cli = TcpClient::new(None);
    cli.createsocket(port, "127.0.0.1").unwrap();
    cli.set_reconnect(Some(ReconnectSetting {
        min_delay: 50,
        max_delay: 200,
        delay_policy: 2,
        max_retry_cnt: 3,
        ..Default::default()
    }));
    let (tx, rx) = mpsc::channel();
    cli.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            tx.send((ch.is_connected(), ch.error())).unwrap();
        })),
        None,
        None,
    ));
    cli.start(true).unwrap();
    let mut events = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(3)) {
        events.push(e);
    }
    assert_eq!(events.len(), 4, "first attempt + 3 retries: {events:?}");
    assert!(events.iter().all(|(up, err)| !up && *err == libc::ECONNREFUSED));
    let state = cli.reconnect_setting().unwrap();
    assert_eq!((state.cur_retry_cnt, state.cur_delay), (4, 200));
}

#[test]
fn client_on_external_loop_echoes_and_keepalive_closes_idle() {
    let (_srv, port) = echo_server(1, |s| {
        s.set_handlers(Handlers::new(
            Some(Box::new(|ch| {
                if ch.is_connected() {
                    ch.set_keepalive_timeout(300);
                }
            })),
            Some(Box::new(|ch, d| {
                ch.write(d).unwrap();
            })),
            None,
        ));
    });
    let el = EventLoop::new();
    let runner = el.clone();
    let t = std::thread::spawn(move || runner.run().unwrap());
    let cli = TcpClient::new(Some(el.clone()));
    cli.createsocket(port, "127.0.0.1").unwrap();
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    cli.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            if ch.is_connected() {
                ch.write(b"ping").unwrap();
            } else {
                tx.send(b"closed".to_vec()).unwrap();
            }
        })),
        Some(Box::new(move |_, d| tx2.send(d.to_vec()).unwrap())),
        None,
    ));
    cli.start(true).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), b"ping".to_vec());
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), b"closed".to_vec());
    drop(cli);
    el.stop();
    t.join().unwrap();
}
