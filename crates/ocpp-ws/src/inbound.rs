//! What the CSMS sends, bounded and kept readable before tungstenite sees it.
//!
//! A [`Filtered`] stream sits between the socket (TLS or not) and tungstenite on the charge
//! point's side, and a sans-IO `FrameFilter` rewrites the websocket frames (RFC 6455 §5.2)
//! passing through it. It does two things tungstenite cannot be configured to do:
//!
//! - **Size.** A data message over the limit is cut at the limit: the frame that crosses it is
//!   shortened and marked final, the rest of its payload and every later fragment of the
//!   message are read and dropped without being kept. So a 1 GB frame costs no more memory
//!   than the limit, and the connection stays: the caller still answers the message
//!   ([`Event::TooLarge`](crate::Event::TooLarge)) from its start. tungstenite's own limits
//!   (`max_message_size`, `max_frame_size`) are set to the same bound as a second line; on
//!   their own they would close the connection without an answer.
//! - **Encoding.** tungstenite checks that a text message is UTF-8 and, when it is not, fails
//!   the connection (and tokio-tungstenite's stream ends after any error). OCPP-J needs the
//!   connection to stay and the message to be answered (libocpp answers `GenericError` to the
//!   id "-1"; EVerest's `test_invalid_encoding_in_payload`). So every text frame reaches
//!   tungstenite as a binary one, the filter notes what it was (`MessageInfo`), and the
//!   connection task checks the UTF-8 itself (`Filtered::next_message`).
//!
//! Until the HTTP response head of the upgrade has passed, bytes go through untouched; after a
//! response other than `101` they always do (the handshake fails anyway). Frames that break
//! the protocol (a continuation with no message, a new message inside a fragmented one,
//! reserved opcodes) go through untouched too, and tungstenite fails the connection as before.

use std::collections::VecDeque;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What one data message was, in the order the messages arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MessageInfo {
    /// A text message (opcode 1), now passed on as binary.
    pub text: bool,
    /// `Some(size)` when the message was cut at the limit: its size as far as the frame
    /// headers seen up to the cut tell (at least the limit plus one).
    pub oversized: Option<u64>,
}

/// The end of the HTTP response head.
const HEAD_END: &[u8] = b"\r\n\r\n";
/// The status line of a successful upgrade starts so (RFC 6455 §4.1: "HTTP/1.1 101").
const SWITCHING: &[u8] = b"HTTP/1.1 101";

#[derive(Debug)]
enum State {
    /// In the HTTP response head: how much of [`HEAD_END`] matched, and the status line's start.
    Http { matched: usize, status: Vec<u8> },
    /// Not a websocket after all: nothing is touched.
    Transparent,
    /// Collecting a frame header (at most 14 bytes).
    Header { bytes: [u8; 14], len: usize },
    /// In a payload: `remaining` bytes of it, of which the first `keep` are passed on.
    Payload { remaining: u64, keep: u64 },
}

/// The data message in progress (between its first frame and its final one).
#[derive(Debug)]
struct Progress {
    text: bool,
    bytes: u64,
    /// Cut at the limit: later fragments are dropped.
    cut: bool,
}

/// The sans-IO frame rewriter; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct FrameFilter {
    limit: u64,
    state: State,
    message: Option<Progress>,
    done: VecDeque<MessageInfo>,
}

impl FrameFilter {
    /// A filter for a connection whose HTTP upgrade response is still to come.
    pub fn new(limit: usize) -> FrameFilter {
        FrameFilter {
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
            state: State::Http {
                matched: 0,
                status: Vec::new(),
            },
            message: None,
            done: VecDeque::new(),
        }
    }

    /// What the next data message that leaves tungstenite was.
    pub fn next_message(&mut self) -> Option<MessageInfo> {
        self.done.pop_front()
    }

    /// Rewrites `input` (bytes read from the socket) onto `out`.
    pub fn process(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            match &mut self.state {
                State::Transparent => {
                    out.extend_from_slice(input);
                    return;
                }
                State::Http { matched, status } => {
                    let byte = input[0];
                    input = &input[1..];
                    out.push(byte);
                    if status.len() < SWITCHING.len() {
                        status.push(byte);
                    }
                    *matched = match byte {
                        b'\r' if *matched == 2 => 3,
                        b'\r' => 1,
                        b'\n' if *matched == 1 || *matched == 3 => *matched + 1,
                        _ => 0,
                    };
                    if *matched == HEAD_END.len() {
                        self.state = if status.as_slice() == SWITCHING {
                            header_state()
                        } else {
                            State::Transparent
                        };
                    }
                }
                State::Header { bytes, len } => {
                    bytes[*len] = input[0];
                    *len += 1;
                    input = &input[1..];
                    if *len == header_len(&bytes[..*len]) {
                        let header = *bytes;
                        let len = *len;
                        self.on_header(&header[..len], out);
                    }
                }
                State::Payload { remaining, keep } => {
                    let take = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    let kept = usize::try_from(*keep).unwrap_or(usize::MAX).min(take);
                    out.extend_from_slice(&input[..kept]);
                    input = &input[take..];
                    *remaining -= take as u64;
                    *keep -= kept as u64;
                    if *remaining == 0 {
                        self.state = header_state();
                    }
                }
            }
        }
    }

    /// A complete frame header: pass it on, changed or not, and go on with its payload.
    fn on_header(&mut self, header: &[u8], out: &mut Vec<u8>) {
        let fin = header[0] & 0x80 != 0;
        let opcode = header[0] & 0x0f;
        let masked = header[1] & 0x80 != 0;
        let payload_len = payload_len(header);
        let mask = if masked {
            &header[header.len() - 4..]
        } else {
            &[][..]
        };
        let start_of = match (opcode, &self.message) {
            (1 | 2, None) => Some(opcode == 1),
            (0, Some(_)) => None,
            // Control frames, reserved opcodes and fragments out of place: untouched.
            _ => return self.pass(header, payload_len, out),
        };
        if let Some(text) = start_of {
            self.message = Some(Progress {
                text,
                bytes: 0,
                cut: false,
            });
        }
        let Some(progress) = self.message.as_mut() else {
            return self.pass(header, payload_len, out);
        };
        if progress.cut {
            // A later fragment of a message already cut: dropped whole, header and payload.
            if fin {
                self.message = None;
            }
            self.state = payload_state(payload_len, 0);
            return;
        }
        // Text goes on as binary (opcode 2); continuations stay continuations.
        let out_opcode = if opcode == 0 { 0 } else { 2 };
        let total = progress.bytes.saturating_add(payload_len);
        if total <= self.limit {
            progress.bytes = total;
            let info = MessageInfo {
                text: progress.text,
                oversized: None,
            };
            write_header(out, header[0] & 0xf0, out_opcode, mask, payload_len);
            if fin {
                self.message = None;
                self.done.push_back(info);
            }
            self.state = payload_state(payload_len, payload_len);
            return;
        }
        let keep = self.limit - progress.bytes;
        progress.bytes = self.limit;
        progress.cut = true;
        let info = MessageInfo {
            text: progress.text,
            oversized: Some(total),
        };
        tracing::warn!(
            size = total,
            limit = self.limit,
            "message from the CSMS over the size limit: cut, the rest is read and dropped"
        );
        write_header(out, (header[0] & 0x70) | 0x80, out_opcode, mask, keep);
        if fin {
            self.message = None;
        }
        self.done.push_back(info);
        self.state = payload_state(payload_len, keep);
    }

    fn pass(&mut self, header: &[u8], payload_len: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(header);
        self.state = payload_state(payload_len, payload_len);
    }
}

fn header_state() -> State {
    State::Header {
        bytes: [0; 14],
        len: 0,
    }
}

fn payload_state(remaining: u64, keep: u64) -> State {
    if remaining == 0 {
        header_state()
    } else {
        State::Payload { remaining, keep }
    }
}

/// How long the header whose first bytes are `bytes` is (2 until the second byte is known).
fn header_len(bytes: &[u8]) -> usize {
    let Some(&second) = bytes.get(1) else {
        return 2;
    };
    let extended = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    2 + extended + mask
}

/// The payload length a complete header declares.
fn payload_len(header: &[u8]) -> u64 {
    match header[1] & 0x7f {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&header[2..10]);
            u64::from_be_bytes(be)
        }
        short => u64::from(short),
    }
}

/// Writes a header: `flags` (FIN and RSV bits), `opcode`, the mask key if any, `len` in its
/// shortest form.
fn write_header(out: &mut Vec<u8>, flags: u8, opcode: u8, mask: &[u8], len: u64) {
    out.push((flags & 0xf0) | opcode);
    let mask_bit = if mask.is_empty() { 0 } else { 0x80 };
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(mask_bit | 126);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(mask);
}

/// How much is read from the socket at a time: tungstenite's own read size
/// ([`crate::connect::READ_BUFFER`]), so one read of ours serves one of its reads.
const READ_CHUNK: usize = crate::connect::READ_BUFFER;

/// The capacity of the filtered bytes' buffer kept once it is handed on: larger, it is freed
/// (it grew for a burst of frames or a large one, up to a [`READ_CHUNK`] and a header).
const OUT_KEPT: usize = 1024;

/// A byte stream whose incoming websocket frames go through a `FrameFilter` (module docs).
#[derive(Debug)]
pub struct Filtered<S> {
    inner: S,
    filter: FrameFilter,
    /// Filtered bytes not yet handed to the reader.
    out: Vec<u8>,
    out_pos: usize,
}

impl<S> Filtered<S> {
    /// `inner`, filtered with `limit` as the largest data message passed on.
    pub(crate) fn new(inner: S, limit: usize) -> Filtered<S> {
        Filtered {
            inner,
            filter: FrameFilter::new(limit),
            out: Vec::new(),
            out_pos: 0,
        }
    }

    /// What the next data message tungstenite yields was (see the [module docs](self)).
    pub(crate) fn next_message(&mut self) -> Option<MessageInfo> {
        self.filter.next_message()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Filtered<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.out_pos < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.out_pos);
                buf.put_slice(&this.out[this.out_pos..this.out_pos + n]);
                this.out_pos += n;
                if this.out_pos == this.out.len() {
                    this.out_pos = 0;
                    if this.out.capacity() > OUT_KEPT {
                        // After a large read: an idle connection keeps no more than a frame
                        // of the usual size.
                        this.out = Vec::new();
                    } else {
                        this.out.clear();
                    }
                }
                return Poll::Ready(Ok(()));
            }
            // Read on the stack and filtered onto `out` at once: a connection keeps no read
            // buffer of its own besides tungstenite's (thousands of them in a fleet).
            let mut storage = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut read = ReadBuf::uninit(&mut storage);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                return Poll::Ready(Ok(())); // end of stream
            }
            // A payload being dropped gives nothing to hand on: read on.
            this.filter.process(read.filled(), &mut this.out);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Filtered<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
