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
    srv.set_unpack(Some(UnpackSetting::Delimiter {
        delimiter: b"\n".to_vec(),
        max: 16,
    }))
    .unwrap();
    let (tx, rx) = mpsc::channel();
    srv.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            if !ch.is_connected() {
                tx.send(ch.error()).unwrap();
            }
        })),
        Some(Box::new(move |_, data| {
            seen.lock().unwrap().push(data.to_vec())
        })),
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
    assert_eq!(
        *got.lock().unwrap(),
        vec![b"abc\n".to_vec(), b"def\n".to_vec()]
    );
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
    assert_eq!(
        third.read(&mut buf).unwrap_or(0),
        0,
        "third connection reads EOF"
    );
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
        assert!(
            chunk.iter().all(|b| *b == chunk[0]),
            "a write was interleaved"
        );
    }
}

/// A started client aimed at a port nobody listens on; each `onConnection` sends `event(ch)`.
fn client_to_dead_port<T: Send + 'static>(
    setting: ReconnectSetting,
    event: impl Fn(&Arc<hv::tcp::Channel>) -> T + Send + Sync + 'static,
) -> (TcpClient, mpsc::Receiver<T>) {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let cli = TcpClient::new(None);
    cli.createsocket(port, "127.0.0.1").unwrap();
    cli.set_reconnect(Some(setting));
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    cli.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            tx.lock().unwrap().send(event(ch)).unwrap()
        })),
        None,
        None,
    ));
    cli.start(true).unwrap();
    (cli, rx)
}

#[test]
fn client_reconnects_per_policy_then_gives_up() {
    let (cli, rx) = client_to_dead_port(
        ReconnectSetting {
            min_delay: 50,
            max_delay: 200,
            delay_policy: 2,
            max_retry_cnt: 3,
            ..Default::default()
        },
        |ch| (ch.is_connected(), ch.error()),
    );
    let mut events = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(3)) {
        events.push(e);
    }
    assert_eq!(events.len(), 4, "first attempt + 3 retries: {events:?}");
    assert!(events
        .iter()
        .all(|(up, err)| !up && *err == libc::ECONNREFUSED));
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
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        b"ping".to_vec()
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        b"closed".to_vec()
    );
    drop(cli);
    el.stop();
    t.join().unwrap();
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn fixed_and_length_field_framing_over_the_wire() {
    let settings = [
        (
            UnpackSetting::FixedLength {
                fixed_length: 4,
                max: 1024,
            },
            b"abcdefghijkl".to_vec(),
            vec![4, 4, 4],
        ),
        (
            UnpackSetting::LengthField {
                body_offset: 5,
                length_field_offset: 1,
                length_field_bytes: 4,
                length_adjustment: 0,
                coding: hv::tcp::unpack::LengthCoding::BigEndian,
                max: 1024,
            },
            b"\x01\x00\x00\x00\x03abc\x02\x00\x00\x00\x02de".to_vec(),
            vec![8, 7],
        ),
    ];
    for (setting, stream, lens) in settings {
        let got = Arc::new(Mutex::new(Vec::<usize>::new()));
        let seen = got.clone();
        let (_srv, port) = echo_server(1, |s| {
            s.set_unpack(Some(setting.clone())).unwrap();
            s.set_handlers(Handlers::new(
                None,
                Some(Box::new(move |_, d| seen.lock().unwrap().push(d.len()))),
                None,
            ));
        });
        let mut c = connect(port);
        for byte in &stream {
            c.write_all(&[*byte]).unwrap();
            c.flush().unwrap();
        }
        wait_for("all messages", || got.lock().unwrap().len() == lens.len());
        assert_eq!(*got.lock().unwrap(), lens);
    }
}

#[test]
fn callbacks_run_in_order_on_one_worker_thread() {
    let events = Arc::new(Mutex::new(Vec::<(String, i64)>::new()));
    let (e1, e2) = (events.clone(), events.clone());
    let (srv, port) = echo_server(2, |s| {
        s.set_handlers(Handlers::new(
            Some(Box::new(move |ch| {
                let what = if ch.is_connected() { "up" } else { "down" };
                e1.lock()
                    .unwrap()
                    .push((what.into(), hv::event_loop::gettid()));
            })),
            Some(Box::new(move |ch, d| {
                e2.lock()
                    .unwrap()
                    .push(("msg".into(), hv::event_loop::gettid()));
                ch.write(d).unwrap();
            })),
            None,
        ));
    });
    let main_tid = hv::event_loop::gettid();
    let acceptor_tid = srv.acceptor_loop().tid();
    let mut c = connect(port);
    c.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    c.read_exact(&mut b).unwrap();
    drop(c);
    wait_for("disconnect", || events.lock().unwrap().len() == 3);
    let ev = events.lock().unwrap().clone();
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, vec!["up", "msg", "down"]);
    assert!(ev
        .iter()
        .all(|(_, t)| *t == ev[0].1 && *t != main_tid && *t != acceptor_tid));
}

#[test]
fn heartbeat_repeats_on_the_loop_until_close() {
    let beats = Arc::new(AtomicUsize::new(0));
    let counter = beats.clone();
    let (srv, port) = echo_server(1, |s| {
        s.set_handlers(Handlers::new(
            Some(Box::new(move |ch| {
                if ch.is_connected() {
                    let (counter, el) = (counter.clone(), ch.event_loop().clone());
                    ch.set_heartbeat(
                        20,
                        Some(Box::new(move || {
                            assert!(el.is_in_loop_thread());
                            counter.fetch_add(1, Ordering::SeqCst);
                        })),
                    );
                }
            })),
            None,
            None,
        ));
    });
    let c = connect(port);
    wait_for("three heartbeats", || beats.load(Ordering::SeqCst) >= 3);
    drop(c);
    wait_for("disconnect", || srv.connection_num() == 0);
    let after_close = beats.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        beats.load(Ordering::SeqCst),
        after_close,
        "heartbeat stops with the connection"
    );
}

#[test]
fn close_stop_and_drop_from_other_threads() {
    let (srv, port) = echo_server(2, |_| {});
    let mut clients: Vec<TcpStream> = (0..4).map(|_| connect(port)).collect();
    wait_for("4 connections", || srv.connection_num() == 4);
    let mut channels = Vec::new();
    srv.foreach_channel(|ch| channels.push(ch.clone()));

    // close from another thread: writes fail at once, the peer sees EOF
    let ch = channels[0].clone();
    std::thread::spawn(move || {
        ch.close();
        assert!(!ch.is_connected());
        assert!(ch.write(b"late").is_err());
    })
    .join()
    .unwrap();
    wait_for("3 connections", || srv.connection_num() == 3);

    // stop from another thread, while other threads write
    let srv = Arc::new(srv);
    let writers: Vec<_> = channels[1..]
        .iter()
        .cloned()
        .map(|ch| {
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    if ch.write(b"data").is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    let stopper = srv.clone();
    std::thread::spawn(move || stopper.stop(true))
        .join()
        .unwrap();
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(srv.connection_num(), 0);
    for c in &mut clients {
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
    }
    assert!(channels
        .iter()
        .all(|ch| !ch.is_opened() && ch.write(b"x").is_err()));
    assert!(
        srv.start(true).is_err(),
        "a stopped server cannot start again"
    );
    // drop from yet another thread
    std::thread::spawn(move || drop(srv)).join().unwrap();
}

#[test]
fn client_send_from_threads_and_write_buffer_limit() {
    let got = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = got.clone();
    let (_srv, port) = echo_server(1, |s| {
        s.set_handlers(Handlers::new(
            None,
            Some(Box::new(move |_, d| {
                sink.lock().unwrap().extend_from_slice(d)
            })),
            None,
        ));
    });
    let cli = Arc::new(TcpClient::new(None));
    cli.createsocket(port, "127.0.0.1").unwrap();
    let (tx, rx) = mpsc::channel();
    cli.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            if ch.is_connected() {
                tx.send(ch.clone()).unwrap();
            }
        })),
        None,
        None,
    ));
    assert!(cli.send(b"early").is_err(), "send before connect fails");
    cli.start(true).unwrap();
    let ch = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let cli = cli.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    cli.send(b"0123456789").unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    wait_for("4000 bytes", || got.lock().unwrap().len() == 4000);
    assert!(got.lock().unwrap().chunks(10).all(|c| c == b"0123456789"));

    ch.set_max_write_bufsize(1024);
    assert!(
        ch.write(&[0u8; 4096]).is_err(),
        "over the write buffer limit"
    );
    wait_for("close", || !ch.is_opened());
    assert_eq!(ch.error(), 1022);
}

fn pem_pair(
    dir: &std::path::Path,
    tag: &str,
    names: &[&str],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let ck =
        rcgen::generate_simple_self_signed(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
    let (crt, key) = (
        dir.join(format!("{tag}.crt")),
        dir.join(format!("{tag}.key")),
    );
    std::fs::write(&crt, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    (crt, key)
}

#[test]
fn mutual_tls_requires_a_trusted_client_certificate() {
    use hv::tls::{client_config, server_config, TlsOptions};
    let dir = std::env::temp_dir().join(format!("hv-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (server_crt, server_key) = pem_pair(&dir, "server", &["localhost"]);
    let (client_crt, client_key) = pem_pair(&dir, "client", &["client"]);

    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let (_srv, port) = echo_server(1, |s| {
        let tls = server_config(&TlsOptions {
            crt_file: Some(server_crt.clone()),
            key_file: Some(server_key.clone()),
            ca_file: Some(client_crt.clone()),
            verify_peer: true,
            ..Default::default()
        })
        .unwrap();
        s.set_tls(Some(tls));
        s.set_handlers(Handlers::new(
            Some(Box::new(move |ch| {
                if ch.is_connected() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })),
            Some(Box::new(|ch, d| {
                ch.write(d).unwrap();
            })),
            None,
        ));
    });

    let run_client = |with_cert: bool| -> Vec<u8> {
        let cli = TcpClient::new(None);
        cli.createsocket(port, "localhost").unwrap();
        let opts = TlsOptions {
            ca_file: Some(server_crt.clone()),
            verify_peer: true,
            crt_file: with_cert.then(|| client_crt.clone()),
            key_file: with_cert.then(|| client_key.clone()),
            ..Default::default()
        };
        cli.set_tls(Some(client_config(&opts).unwrap()));
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        cli.set_handlers(Handlers::new(
            Some(Box::new(move |ch| {
                if ch.is_connected() {
                    let _ = ch.write(b"mtls");
                } else {
                    let _ = tx.send(Vec::new());
                }
            })),
            Some(Box::new(move |_, d| {
                let _ = tx2.send(d.to_vec());
            })),
            None,
        ));
        cli.start(true).unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap()
    };
    assert_eq!(run_client(true), b"mtls".to_vec());
    assert_eq!(
        run_client(false),
        Vec::<u8>::new(),
        "no client certificate: closed, nothing echoed"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn reconnect_attempts_wait_at_least_their_delays() {
    let (_cli, rx) = client_to_dead_port(
        ReconnectSetting {
            min_delay: 40,
            max_delay: 100,
            delay_policy: 1,
            max_retry_cnt: 3,
            ..Default::default()
        },
        |_| Instant::now(),
    );
    let times: Vec<Instant> = (0..4)
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, delay) in gaps.iter().zip([40u64, 80, 100]) {
        assert!(
            *gap >= Duration::from_millis(delay),
            "linear policy: {gaps:?}"
        );
    }
}

#[test]
fn write_complete_runs_on_the_loop_thread_even_for_writes_from_main() {
    let tids = Arc::new(Mutex::new(Vec::<i64>::new()));
    let seen = tids.clone();
    let (srv, port) = echo_server(1, |s| {
        s.set_handlers(Handlers::new(
            None,
            None,
            Some(Box::new(move |_, d| {
                seen.lock().unwrap().push(if d.is_empty() {
                    0
                } else {
                    hv::event_loop::gettid()
                })
            })),
        ));
    });
    let mut c = connect(port);
    wait_for("connection", || srv.connection_num() == 1);
    assert_eq!(
        srv.broadcast(b"hello"),
        1,
        "write accepts every byte at once"
    );
    let mut buf = [0u8; 5];
    c.read_exact(&mut buf).unwrap();
    wait_for("write complete", || !tids.lock().unwrap().is_empty());
    let worker = srv.worker_loop(0).unwrap().tid();
    assert!(tids.lock().unwrap().iter().all(|t| *t == worker));
}

#[test]
fn closesocket_cancels_a_pending_reconnect() {
    let (cli, rx) = client_to_dead_port(
        ReconnectSetting {
            min_delay: 300,
            max_delay: 300,
            ..Default::default()
        },
        |_| (),
    );
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    cli.closesocket();
    assert!(
        rx.recv_timeout(Duration::from_millis(700)).is_err(),
        "no attempt after closesocket"
    );
    assert!(cli.reconnect_setting().is_none());
}

#[test]
fn accepted_and_client_sockets_have_nodelay() {
    let (srv, port) = echo_server(1, |_| {});
    let _c = connect(port);
    wait_for("connection", || srv.connection_num() == 1);
    let mut fd = -1;
    srv.foreach_channel(|ch| fd = ch.fd());
    let mut on: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: fd is the live socket of the connection; `on`/`len` are valid out-parameters.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            &mut on as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    assert_eq!((rc, on != 0), (0, true));
}

#[test]
fn connection_num_inside_foreach_channel() {
    let (srv, port) = echo_server(1, |_| {});
    let _a = connect(port);
    let _b = connect(port);
    wait_for("2 connections", || srv.connection_num() == 2);
    let mut seen = Vec::new();
    let n = srv.foreach_channel(|ch| seen.push((ch.id(), srv.connection_num())));
    assert_eq!(n, 2);
    assert!(seen.iter().all(|(_, num)| *num == 2));
}

#[test]
fn writes_from_on_message_reach_the_peer_whole_and_in_order() {
    // The first small write goes to the socket at once; the large one fills the socket and is
    // queued in part; the writes after it must queue behind it.
    let big: Vec<u8> = (0..(4usize << 20)).map(|i| (i % 251) as u8).collect();
    let sent = big.clone();
    let (srv, port) = echo_server(1, move |s| {
        s.set_handlers(Handlers::new(
            None,
            Some(Box::new(move |ch, data| {
                ch.write(b"<").unwrap();
                ch.write(&sent).unwrap();
                ch.write(data).unwrap();
                ch.write(b">").unwrap();
            })),
            None,
        ));
    });
    let mut c = connect(port);
    c.write_all(b"x").unwrap();
    let mut got = vec![0u8; big.len() + 3];
    c.read_exact(&mut got).unwrap();
    assert_eq!(got[0], b'<');
    assert!(
        got[1..=big.len()] == big[..],
        "the large write arrived intact"
    );
    assert_eq!(&got[big.len() + 1..], b"x>");
    srv.stop(true);
}

#[test]
fn write_complete_hears_writes_made_from_on_message() {
    let wrote = Arc::new(Mutex::new(Vec::<u8>::new()));
    let seen = wrote.clone();
    let (srv, port) = echo_server(1, |s| {
        s.set_handlers(Handlers::new(
            None,
            Some(Box::new(|ch, data| {
                ch.write(data).unwrap();
            })),
            Some(Box::new(move |_, d| {
                seen.lock().unwrap().extend_from_slice(d)
            })),
        ));
    });
    let mut c = connect(port);
    c.write_all(b"hello").unwrap();
    let mut buf = [0u8; 5];
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    wait_for("write complete", || {
        wrote.lock().unwrap().as_slice() == b"hello"
    });
    srv.stop(true);
}
