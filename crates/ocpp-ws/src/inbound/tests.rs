//! The frame filter: text on as binary, messages cut at the limit, everything else untouched.

use super::*;

const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";

/// An unmasked frame as a server sends it.
fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(
        &mut out,
        if fin { 0x80 } else { 0 },
        opcode,
        &[],
        payload.len() as u64,
    );
    out.extend_from_slice(payload);
    out
}

/// Runs `input` through a filter after the upgrade response, in pieces of `chunk` bytes.
fn run(limit: usize, input: &[u8], chunk: usize) -> (Vec<u8>, Vec<MessageInfo>) {
    let mut filter = FrameFilter::new(limit);
    let mut out = Vec::new();
    let mut all = RESPONSE.to_vec();
    all.extend_from_slice(input);
    for piece in all.chunks(chunk) {
        filter.process(piece, &mut out);
    }
    assert_eq!(&out[..RESPONSE.len()], RESPONSE, "the head goes through");
    let infos = std::iter::from_fn(|| filter.next_message()).collect();
    (out[RESPONSE.len()..].to_vec(), infos)
}

fn text() -> MessageInfo {
    MessageInfo {
        text: true,
        oversized: None,
    }
}

#[test]
fn text_goes_on_as_binary_and_is_noted() {
    for chunk in [1, 3, 1000] {
        let input = [frame(true, 1, b"[2,\"a\"]"), frame(true, 2, b"\xd8\x00")].concat();
        let (out, infos) = run(100, &input, chunk);
        assert_eq!(
            out,
            [frame(true, 2, b"[2,\"a\"]"), frame(true, 2, b"\xd8\x00")].concat()
        );
        let binary = MessageInfo {
            text: false,
            oversized: None,
        };
        assert_eq!(infos, [text(), binary], "chunk {chunk}");
    }
}

#[test]
fn control_frames_and_fragments_within_the_limit_pass() {
    let input = [
        frame(false, 1, b"[2,"),
        frame(true, 9, b"ping"),
        frame(true, 0, b"\"a\"]"),
        frame(true, 8, &[0x03, 0xe8]),
    ]
    .concat();
    let (out, infos) = run(7, &input, 2);
    let expected = [
        frame(false, 2, b"[2,"),
        frame(true, 9, b"ping"),
        frame(true, 0, b"\"a\"]"),
        frame(true, 8, &[0x03, 0xe8]),
    ]
    .concat();
    assert_eq!(out, expected);
    assert_eq!(infos, [text()]);
}

#[test]
fn a_huge_frame_is_cut_at_the_limit_and_the_rest_dropped() {
    let mut filter = FrameFilter::new(10);
    let mut out = Vec::new();
    filter.process(RESPONSE, &mut out);
    out.clear();
    // A frame announcing 1 GiB, fed in 64 KiB pieces: nothing past the limit is kept.
    let size: u64 = 1 << 30;
    let mut header = Vec::new();
    write_header(&mut header, 0x80, 1, &[], size);
    filter.process(&header, &mut out);
    let piece = vec![b'x'; 64 * 1024];
    let mut fed = 0u64;
    while fed < size {
        let n = piece.len().min((size - fed) as usize);
        filter.process(&piece[..n], &mut out);
        fed += n as u64;
        assert!(out.len() <= 12, "{} bytes kept", out.len());
    }
    assert_eq!(out, frame(true, 2, b"xxxxxxxxxx"));
    assert_eq!(
        filter.next_message(),
        Some(MessageInfo {
            text: true,
            oversized: Some(size)
        })
    );
    // The next message is whole again.
    out.clear();
    filter.process(&frame(true, 1, b"[]"), &mut out);
    assert_eq!(out, frame(true, 2, b"[]"));
    assert_eq!(filter.next_message(), Some(text()));
}

#[test]
fn a_fragmented_message_is_cut_where_it_crosses_the_limit() {
    let input = [
        frame(false, 1, b"12345"),
        frame(false, 0, b"6789abc"), // crosses 8: cut to "678", marked final
        frame(true, 10, b"pong"),    // control frames still pass
        frame(false, 0, b"dropped"),
        frame(true, 0, b"dropped too"),
        frame(true, 1, b"next"),
    ]
    .concat();
    for chunk in [1, 5, 4096] {
        let (out, infos) = run(8, &input, chunk);
        let expected = [
            frame(false, 2, b"12345"),
            frame(true, 0, b"678"),
            frame(true, 10, b"pong"),
            frame(true, 2, b"next"),
        ]
        .concat();
        assert_eq!(out, expected, "chunk {chunk}");
        let cut = MessageInfo {
            text: true,
            oversized: Some(12),
        };
        assert_eq!(infos, [cut, text()], "chunk {chunk}");
    }
}

#[test]
fn masked_frames_keep_their_mask_when_cut() {
    let mut input = vec![0x81, 0x80 | 5, 1, 2, 3, 4];
    input.extend_from_slice(b"abcde");
    let (out, _) = run(3, &input, 1);
    assert_eq!(out, [0x82, 0x80 | 3, 1, 2, 3, 4, b'a', b'b', b'c']);
}

#[test]
fn lengths_use_the_shortest_form() {
    let mut out = Vec::new();
    write_header(&mut out, 0x80, 2, &[], 125);
    write_header(&mut out, 0x80, 2, &[], 126);
    write_header(&mut out, 0x80, 2, &[], 70_000);
    assert_eq!(
        out,
        [
            vec![0x82, 125],
            vec![0x82, 126, 0, 126],
            vec![0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]
        ]
        .concat()
    );
    assert_eq!(payload_len(&out[2..6]), 126);
    assert_eq!(payload_len(&out[6..]), 70_000);
}

#[test]
fn nothing_is_touched_after_a_refused_upgrade() {
    let mut filter = FrameFilter::new(1);
    let mut out = Vec::new();
    let body = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\n\r\nA\x81\x7f";
    filter.process(body, &mut out);
    assert_eq!(out, body);
    assert_eq!(filter.next_message(), None);
}

#[test]
fn protocol_errors_are_left_to_tungstenite() {
    // A continuation without a message and a reserved opcode go through as they are.
    let input = [frame(true, 0, b"x"), frame(true, 3, b"y")].concat();
    let (out, infos) = run(100, &input, 1);
    assert_eq!(out, input);
    assert!(infos.is_empty());
}

/// Reads `input` (after the upgrade response) through a [`Filtered`] stream, `read_size` bytes
/// at most per read as a slow reader asks for them: what comes out, and the capacity of the
/// stream's own buffer once everything was handed on.
fn read_filtered(limit: usize, input: Vec<u8>, read_size: usize) -> (Vec<u8>, usize) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (mut peer, ours) = tokio::io::duplex(64 * 1024);
        let writer = tokio::spawn(async move {
            peer.write_all(RESPONSE).await.unwrap();
            peer.write_all(&input).await.unwrap();
        });
        let mut filtered = Filtered::new(ours, limit);
        let mut out = Vec::new();
        let mut buf = vec![0u8; read_size];
        loop {
            let n = filtered.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        writer.await.unwrap();
        assert_eq!(&out[..RESPONSE.len()], RESPONSE, "the head goes through");
        (out[RESPONSE.len()..].to_vec(), filtered.out.capacity())
    })
}

#[test]
fn the_stream_keeps_no_large_buffer_after_a_burst() {
    // Frames of 3 KiB read 100 bytes at a time: what one socket read brings waits in the
    // stream's buffer, which is freed once handed on.
    let payload = vec![b'a'; 3 * 1024];
    let input: Vec<u8> = (0..20).flat_map(|_| frame(true, 1, &payload)).collect();
    let (out, kept) = read_filtered(1 << 20, input, 100);
    let expected: Vec<u8> = (0..20).flat_map(|_| frame(true, 2, &payload)).collect();
    assert_eq!(out, expected);
    assert!(kept <= OUT_KEPT, "{kept} bytes kept");
}

#[test]
fn the_stream_cuts_a_60_mb_frame_at_the_limit_and_keeps_no_large_buffer() {
    let size = 60 * 1024 * 1024;
    let mut input = Vec::with_capacity(size + 32);
    write_header(&mut input, 0x80, 1, &[], size as u64);
    input.resize(input.len() + size, b'x');
    input.extend_from_slice(&frame(true, 1, b"[]"));
    let (out, kept) = read_filtered(64 * 1024, input, 8 * 1024);
    let cut = vec![b'x'; 64 * 1024];
    assert_eq!(out, [frame(true, 2, &cut), frame(true, 2, b"[]")].concat());
    assert!(kept <= OUT_KEPT, "{kept} bytes kept");
}
