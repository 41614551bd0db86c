use std::pin::Pin;
use std::task::{Context, Poll};

use futures::io::Cursor;

use super::*;
use crate::codec::{ErrorMessage, ResultCode, SuccessChunk, decode_response, encode_success_chunk};

/// Gives `bytes`, then never anything more (the stream stays open).
struct StallingReader {
    bytes: Vec<u8>,
}

impl AsyncRead for StallingReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.bytes.is_empty() {
            return Poll::Pending;
        }
        let n = buf.len().min(this.bytes.len());
        buf[..n].copy_from_slice(&this.bytes[..n]);
        this.bytes.drain(..n);
        Poll::Ready(Ok(n))
    }
}

fn limits() -> CodecLimits {
    CodecLimits {
        ttfb_timeout: Duration::from_secs(5),
        chunk_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(5),
    }
}

fn block_like_chunk(fill: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let ssz = vec![fill; 600];
    encode_success_chunk(
        Protocol::BlocksByRangeV2,
        Some([1, 2, 3, 4].into()),
        &ssz,
        &mut out,
    )
    .unwrap();
    out
}

fn received(response: RpcResponse) -> ReceivedResponse {
    match response {
        RpcResponse::Received(received) => received,
        other => panic!("expected a received response, got {other:?}"),
    }
}

fn rpc_error_of(error: &io::Error) -> &RpcError {
    RpcError::from_io(error).expect("our error inside")
}

#[tokio::test]
async fn a_list_response_is_read_until_eof() {
    let mut wire = block_like_chunk(1);
    wire.extend(block_like_chunk(2));
    let bytes = Counter::default();
    let response = read_response(
        Protocol::BlocksByRangeV2,
        &mut Cursor::new(wire.clone()),
        2,
        limits(),
        Some(bytes.clone()),
    )
    .await
    .unwrap();
    let response = received(response);
    assert_eq!(response.items.len(), 2);
    assert_eq!(response.items[1].ssz, vec![2; 600]);
    assert_eq!(response.wire_bytes, wire.len() as u64);
    assert_eq!(bytes.get(), wire.len() as u64, "every byte read is counted");
    // The same bytes with a limit of one chunk.
    let error = read_response(
        Protocol::BlocksByRangeV2,
        &mut Cursor::new(wire),
        1,
        limits(),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        rpc_error_of(&error),
        RpcError::Codec {
            source: CodecError::TooManyChunks { max: 1 },
            ..
        }
    ));
}

#[tokio::test]
async fn an_error_chunk_is_read_even_when_the_request_allows_no_item() {
    // The answer to a by-range request of `count` 0 (0 items allowed): its refusal.
    let mut wire = Vec::new();
    crate::codec::encode_error_chunk(
        ResultCode::InvalidRequest,
        &ErrorMessage::from("count is zero"),
        &mut wire,
    )
    .unwrap();
    let response = received(
        read_response(
            Protocol::BlocksByRangeV2,
            &mut Cursor::new(wire),
            0,
            limits(),
            None,
        )
        .await
        .unwrap(),
    );
    assert!(response.items.is_empty());
    assert_eq!(
        response.error.map(|e| e.code),
        Some(ResultCode::InvalidRequest)
    );
}

#[tokio::test(start_paused = true)]
async fn silence_times_out_after_the_ttfb_timeout_on_tokios_clock() {
    let started = Instant::now();
    let mut reader = StallingReader { bytes: Vec::new() };
    let error = read_response(Protocol::Ping, &mut reader, 1, limits(), None)
        .await
        .unwrap_err();
    assert!(matches!(
        rpc_error_of(&error),
        RpcError::FirstByteTimeout { .. }
    ));
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_stalled_chunk_times_out_after_the_chunk_timeout() {
    let started = Instant::now();
    let mut wire = block_like_chunk(1);
    let second = block_like_chunk(2);
    wire.extend_from_slice(&second[..10]);
    let mut reader = StallingReader { bytes: wire };
    let error = read_response(Protocol::BlocksByRangeV2, &mut reader, 4, limits(), None)
        .await
        .unwrap_err();
    assert!(matches!(
        rpc_error_of(&error),
        RpcError::ChunkTimeout { chunk: 1, .. }
    ));
    assert_eq!(started.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_single_chunk_response_does_not_wait_for_eof() {
    let mut wire = Vec::new();
    encode_success_chunk(Protocol::Ping, None, &9u64.to_le_bytes(), &mut wire).unwrap();
    let mut reader = StallingReader { bytes: wire };
    let response = received(
        read_response(Protocol::Ping, &mut reader, 1, limits(), None)
            .await
            .unwrap(),
    );
    assert_eq!(
        response.items,
        vec![SuccessChunk {
            context: None,
            ssz: 9u64.to_le_bytes().to_vec()
        }]
    );
}

#[tokio::test]
async fn bad_requests_become_invalid_and_metadata_requests_are_empty() {
    let request = read_request(
        Protocol::Ping,
        &mut Cursor::new(vec![0x08, 0xff, 0x06]),
        limits().request_timeout,
    )
    .await
    .unwrap();
    assert!(matches!(
        request,
        RpcRequest::Invalid {
            protocol: Protocol::Ping,
            ..
        }
    ));
    let request = read_request(
        Protocol::MetaDataV3,
        &mut Cursor::new(Vec::new()),
        limits().request_timeout,
    )
    .await
    .unwrap();
    assert_eq!(request, RpcRequest::MetaData);
    let mut wire = Vec::new();
    encode_request(Protocol::Ping, &3u64.to_le_bytes(), &mut wire).unwrap();
    let request = read_request(
        Protocol::Ping,
        &mut Cursor::new(wire),
        limits().request_timeout,
    )
    .await
    .unwrap();
    assert_eq!(request, RpcRequest::Ping(3));
}

#[tokio::test]
async fn a_streamed_response_is_written_chunk_by_chunk_and_ends_with_its_error() {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let bytes = Counter::default();
    let counted = bytes.clone();
    let writer = tokio::spawn(async move {
        let mut out = Cursor::new(Vec::new());
        write_response(
            Protocol::BlocksByRangeV2,
            &mut out,
            RpcResponse::Stream(rx),
            Some(counted),
        )
        .await
        .unwrap();
        out.into_inner()
    });
    for fill in 0..5u8 {
        let chunk = SuccessChunk {
            context: Some([1, 2, 3, 4].into()),
            ssz: vec![fill; 500],
        };
        tx.send(ResponseChunk::Success(chunk)).await.unwrap();
    }
    let error = crate::codec::ErrorChunk {
        code: ResultCode::ServerError,
        message: ErrorMessage::from("gone"),
    };
    tx.send(ResponseChunk::Error(error)).await.unwrap();
    drop(tx);
    let wire = writer.await.unwrap();
    let chunks = decode_response(Protocol::BlocksByRangeV2, &wire).unwrap();
    assert_eq!(chunks.len(), 6);
    assert!(matches!(&chunks[5], ResponseChunk::Error(e) if e.code == ResultCode::ServerError));
    assert_eq!(
        bytes.get(),
        wire.len() as u64,
        "every byte written is counted"
    );
}

/// Keeps every `poll_write` apart, as a muxer keeps its frames apart.
#[derive(Default)]
struct WriteRecorder {
    writes: Vec<Vec<u8>>,
}

impl AsyncWrite for WriteRecorder {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().writes.push(buf.to_vec());
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Lodestar 1.5.1 reads a chunk's body as whole muxer messages and refuses the chunk
/// ("too much bytes read") when the next chunk shares its message: chunks queued
/// together must still leave in separate writes.
#[tokio::test]
async fn queued_chunks_leave_in_separate_writes() {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    for fill in 0..4u8 {
        let chunk = SuccessChunk {
            context: Some([1, 2, 3, 4].into()),
            ssz: vec![fill; 700],
        };
        tx.send(ResponseChunk::Success(chunk)).await.unwrap();
    }
    drop(tx);
    let mut out = WriteRecorder::default();
    write_response(
        Protocol::BlocksByRangeV2,
        &mut out,
        RpcResponse::Stream(rx),
        None,
    )
    .await
    .unwrap();
    assert_eq!(out.writes.len(), 4, "one write per chunk");
    for (fill, write) in (0..4u8).zip(&out.writes) {
        let chunks = decode_response(Protocol::BlocksByRangeV2, write).unwrap();
        assert!(
            matches!(&chunks[..], [ResponseChunk::Success(c)] if c.ssz == vec![fill; 700]),
            "write {fill} holds exactly chunk {fill}"
        );
    }
}
