//! This machine's floors: what the benchmarks' exchanges cost with nothing in them but the
//! kernel (issue 20's goals are absolute figures; these say how far below them the machine
//! itself allows any station to go).
//!
//! - [`round_trips`]: a CALL's text sent over TCP on 127.0.0.1 and a CALLRESULT's text sent
//!   back, one at a time, between two threads with blocking sockets and TCP_NODELAY: no
//!   websocket framing, no JSON, no logs, no runtime. What the answering thread's CPU costs per
//!   round trip (user + system, from `/proc/thread-self/stat`) is the least a station's CPU per
//!   round trip can be here; its rate the most round trips per second.
//! - With `sync_to`, the caller also writes 4 KiB to a file there and `fdatasync`s it after
//!   each answer, before the next CALL: the offline queue's drain with one durable delete per
//!   answered message (docs/core/delivery-guarantees.md) and nothing else.
//!
//! A blocking read sleeps and wakes once per message as the station's epoll wait does; a C
//! program doing the same with epoll measured alike on this machine (docs/performance.md,
//! "The machine's floors").

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// What the station is sent in the station benchmark, and what it answers.
const CALL: &[u8] = br#"[2,"g1","GetConfiguration",{"key":["HeartbeatInterval"]}]"#;
const ANSWER: &[u8] =
    br#"[3,"g1",{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"86400"}]}]"#;
/// Exchanges before the timed ones.
const WARM_UP: usize = 1_000;
/// The size of one synced write (one SQLite page).
const PAGE: usize = 4096;
/// Pages the synced writes cycle through (a WAL's frames are rewritten in place the same way).
const PAGES: u64 = 64;

/// The floor's figures.
pub struct Floor {
    /// Timed round trips per second, as the caller saw them.
    pub rate: f64,
    /// The answering thread's CPU time per timed round trip.
    pub answer_cpu: Duration,
}

/// `count` timed round trips (after [`WARM_UP`]); with `sync_to`, one 4 KiB write and
/// `fdatasync` in a file in that folder after each answer.
pub fn round_trips(count: usize, sync_to: Option<&Path>) -> Floor {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the floor");
    let address = listener.local_addr().expect("its address");
    let answering = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("the caller connects");
        socket.set_nodelay(true).expect("TCP_NODELAY");
        let mut buffer = [0u8; 256];
        let mut cpu_before = Duration::ZERO;
        for n in 0..WARM_UP + count {
            if n == WARM_UP {
                cpu_before = thread_cpu();
            }
            socket
                .read_exact(&mut buffer[..CALL.len()])
                .expect("the CALL");
            socket.write_all(ANSWER).expect("the answer sent");
        }
        thread_cpu() - cpu_before
    });
    let mut socket = TcpStream::connect(address).expect("the floor's connection");
    socket.set_nodelay(true).expect("TCP_NODELAY");
    let file = sync_to.map(|dir| File::create(dir.join("floor.page")).expect("the floor's file"));
    let page = [0x5au8; PAGE];
    let mut buffer = [0u8; 256];
    let mut started = Instant::now();
    for n in 0..WARM_UP + count {
        if n == WARM_UP {
            started = Instant::now();
        }
        socket.write_all(CALL).expect("the CALL sent");
        socket
            .read_exact(&mut buffer[..ANSWER.len()])
            .expect("the answer");
        if let Some(file) = &file {
            let offset = (n as u64 % PAGES) * PAGE as u64;
            file.write_all_at(&page, offset).expect("the page written");
            file.sync_data().expect("fdatasync");
        }
    }
    let elapsed = started.elapsed();
    let answer_cpu = answering.join().expect("the answering thread");
    Floor {
        rate: count as f64 / elapsed.as_secs_f64(),
        answer_cpu: answer_cpu / count as u32,
    }
}

/// The calling thread's CPU time, user + system.
fn thread_cpu() -> Duration {
    super::cpu_time("/proc/thread-self/stat")
}
