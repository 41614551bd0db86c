//! [`RpcCodec`]: libp2p's request-response `Codec` over our `ssz_snappy` codec.
//!
//! - **Requests** are written in one piece; the handler half-closes the stream after. An
//!   inbound request is read until it is complete (MetaData: until the requester
//!   half-closes) within [`CodecLimits::request_timeout`]; bytes that are not a valid
//!   request become [`RpcRequest::Invalid`], so the server can answer `InvalidRequest`
//!   instead of dropping the stream.
//! - **Responses** are read chunk by chunk with the incremental [`ResponseDecoder`]: the
//!   first byte must come within [`CodecLimits::ttfb_timeout`] and each chunk within
//!   [`CodecLimits::chunk_timeout`] of the previous one (tokio's clock). A list response
//!   ends at EOF; a single-chunk response or an error chunk ends the reading at once. The
//!   decoder refuses more chunks than the request allows (the request's `count`, roots or
//!   identifiers), which the codec remembers from `write_request`: libp2p uses one codec
//!   clone per stream for both calls.
//! - **Streamed responses** ([`RpcResponse::Stream`]) are written as their chunks arrive,
//!   a few chunks per write.
//! - **Bytes** of responses, written and read, are counted in the codec's
//!   [`NetMetrics`] as they cross the stream.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use consensus::config::ChainConfig;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::request_response;
use prometheus_client::metrics::counter::Counter;
use tokio::time::{Instant, timeout_at};

use super::RpcKind;
use super::error::RpcError;
use super::message::{ReceivedResponse, RpcRequest, RpcResponse};
use crate::codec::{
    CodecError, Protocol, RequestDecoder, ResponseChunk, ResponseDecoder, encode_error_chunk,
    encode_request, encode_success_chunk,
};
use crate::metrics::{Direction, NetMetrics};

/// How many bytes one read from the stream takes at most.
const READ_BUFFER_LEN: usize = 64 * 1024;

/// The timeouts the codec applies (see [`crate::NetConfig`] for their defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodecLimits {
    /// Time from sending a request to the first response byte.
    pub ttfb_timeout: Duration,
    /// Time for each response chunk, from the end of the previous one.
    pub chunk_timeout: Duration,
    /// Time for an inbound request to arrive whole.
    pub request_timeout: Duration,
}

/// libp2p's request-response codec for every eth2 req/resp protocol (one clone per
/// stream).
#[derive(Clone, Debug)]
pub struct RpcCodec {
    chain: Arc<ChainConfig>,
    limits: CodecLimits,
    /// The chunk limit of the response to the request written on this stream.
    max_chunks: u64,
    metrics: NetMetrics,
}

impl RpcCodec {
    /// A codec for `chain` (its blob limits bound responses) with `limits`.
    pub fn new(chain: Arc<ChainConfig>, limits: CodecLimits) -> RpcCodec {
        RpcCodec {
            chain,
            limits,
            max_chunks: u64::MAX,
            metrics: NetMetrics::default(),
        }
    }

    /// This codec counting response bytes in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: NetMetrics) -> RpcCodec {
        self.metrics = metrics;
        self
    }

    /// The counter of response bytes of `protocol` in `direction` (`None` for protocols
    /// this node does not speak).
    fn bytes_counter(&self, direction: Direction, protocol: Protocol) -> Option<Counter> {
        RpcKind::of_protocol(protocol).map(|kind| self.metrics.response_bytes(direction, kind))
    }
}

fn codec_error(protocol: Protocol) -> impl Fn(CodecError) -> io::Error {
    move |source| RpcError::Codec { protocol, source }.into_io()
}

impl request_response::Codec for RpcCodec {
    type Protocol = Protocol;
    type Request = RpcRequest;
    type Response = RpcResponse;

    fn read_request<T>(
        &mut self,
        protocol: &Protocol,
        io: &mut T,
    ) -> impl Future<Output = io::Result<RpcRequest>> + Send
    where
        T: AsyncRead + Unpin + Send,
    {
        read_request(*protocol, io, self.limits.request_timeout)
    }

    fn read_response<T>(
        &mut self,
        protocol: &Protocol,
        io: &mut T,
    ) -> impl Future<Output = io::Result<RpcResponse>> + Send
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = self.bytes_counter(Direction::Outbound, *protocol);
        read_response(*protocol, io, self.max_chunks, self.limits, bytes)
    }

    fn write_request<T>(
        &mut self,
        protocol: &Protocol,
        io: &mut T,
        request: RpcRequest,
    ) -> impl Future<Output = io::Result<()>> + Send
    where
        T: AsyncWrite + Unpin + Send,
    {
        let protocol = *protocol;
        self.max_chunks = request.max_response_chunks(&self.chain);
        let mut wire = Vec::new();
        let encoded = encode_request(protocol, &request.to_ssz(protocol), &mut wire)
            .map_err(codec_error(protocol));
        async move {
            encoded?;
            io.write_all(&wire).await?;
            io.flush().await
        }
    }

    fn write_response<T>(
        &mut self,
        protocol: &Protocol,
        io: &mut T,
        response: RpcResponse,
    ) -> impl Future<Output = io::Result<()>> + Send
    where
        T: AsyncWrite + Unpin + Send,
    {
        let bytes = self.bytes_counter(Direction::Inbound, *protocol);
        write_response(*protocol, io, response, bytes)
    }
}

async fn read_request<T>(
    protocol: Protocol,
    io: &mut T,
    timeout: Duration,
) -> io::Result<RpcRequest>
where
    T: AsyncRead + Unpin + Send,
{
    let deadline = Instant::now() + timeout;
    let mut decoder = RequestDecoder::new(protocol);
    let mut buf = BytesMut::new();
    let mut scratch = vec![0_u8; 4096];
    let decoded = loop {
        match decoder.decode(&mut buf) {
            Ok(Some(ssz)) => break Ok(ssz),
            Ok(None) => {}
            Err(error) => break Err(error),
        }
        let n = timeout_at(deadline, io.read(&mut scratch))
            .await
            .map_err(|_| {
                RpcError::RequestTimeout {
                    protocol,
                    after: timeout,
                }
                .into_io()
            })??;
        if n == 0 {
            break decoder
                .decode_eof(&mut buf)
                .and_then(|ssz| ssz.ok_or(CodecError::TruncatedHeader));
        }
        buf.extend_from_slice(scratch.get(..n).unwrap_or_default());
    };
    Ok(
        match decoded.and_then(|ssz| RpcRequest::from_ssz(protocol, &ssz)) {
            Ok(request) => request,
            Err(error) => RpcRequest::Invalid { protocol, error },
        },
    )
}

async fn read_response<T>(
    protocol: Protocol,
    io: &mut T,
    max_chunks: u64,
    limits: CodecLimits,
    bytes: Option<Counter>,
) -> io::Result<RpcResponse>
where
    T: AsyncRead + Unpin + Send,
{
    let mut decoder = ResponseDecoder::new(protocol).with_max_chunks(max_chunks);
    let mut buf = BytesMut::new();
    let mut scratch = vec![0_u8; READ_BUFFER_LEN];
    let mut response = ReceivedResponse {
        protocol,
        items: Vec::new(),
        error: None,
        wire_bytes: 0,
    };
    let mut deadline = Instant::now() + limits.ttfb_timeout;
    let mut first_byte_seen = false;
    let push = |chunk, response: &mut ReceivedResponse| match chunk {
        ResponseChunk::Success(item) => response.items.push(item),
        ResponseChunk::Error(error) => response.error = Some(error),
    };
    loop {
        while let Some(chunk) = decoder.decode(&mut buf).map_err(codec_error(protocol))? {
            push(chunk, &mut response);
            deadline = Instant::now() + limits.chunk_timeout;
        }
        if decoder.is_finished() {
            break;
        }
        let n = match timeout_at(deadline, io.read(&mut scratch)).await {
            Ok(read) => read?,
            Err(_) if first_byte_seen => {
                return Err(RpcError::ChunkTimeout {
                    protocol,
                    chunk: decoder.chunks(),
                    after: limits.chunk_timeout,
                }
                .into_io());
            }
            Err(_) => {
                return Err(RpcError::FirstByteTimeout {
                    protocol,
                    after: limits.ttfb_timeout,
                }
                .into_io());
            }
        };
        if n == 0 {
            while let Some(chunk) = decoder
                .decode_eof(&mut buf)
                .map_err(codec_error(protocol))?
            {
                push(chunk, &mut response);
            }
            break;
        }
        if !first_byte_seen {
            first_byte_seen = true;
            deadline = Instant::now() + limits.chunk_timeout;
        }
        response.wire_bytes = response.wire_bytes.saturating_add(n as u64);
        count_bytes(bytes.as_ref(), n);
        buf.extend_from_slice(scratch.get(..n).unwrap_or_default());
    }
    Ok(RpcResponse::Received(response))
}

fn encode_response(
    protocol: Protocol,
    response: &RpcResponse,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    match response {
        RpcResponse::Status(status) => {
            encode_success_chunk(protocol, None, &status.to_ssz(protocol), out)
        }
        RpcResponse::MetaData(metadata) => {
            encode_success_chunk(protocol, None, &metadata.to_ssz(protocol), out)
        }
        RpcResponse::Ping(seq) => encode_success_chunk(protocol, None, &seq.to_le_bytes(), out),
        RpcResponse::Error(code, message) => encode_error_chunk(*code, message, out),
        RpcResponse::Empty | RpcResponse::Stream(_) => Ok(()),
        RpcResponse::Received(received) => {
            for item in &received.items {
                encode_success_chunk(protocol, item.context, &item.ssz, out)?;
            }
            match &received.error {
                Some(error) => encode_error_chunk(error.code, &error.message, out),
                None => Ok(()),
            }
        }
    }
}

fn count_bytes(counter: Option<&Counter>, n: usize) {
    if let Some(counter) = counter {
        counter.inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }
}

async fn write_response<T>(
    protocol: Protocol,
    io: &mut T,
    response: RpcResponse,
    bytes: Option<Counter>,
) -> io::Result<()>
where
    T: AsyncWrite + Unpin + Send,
{
    let mut out = Vec::new();
    let RpcResponse::Stream(mut chunks) = response else {
        encode_response(protocol, &response, &mut out).map_err(codec_error(protocol))?;
        io.write_all(&out).await?;
        count_bytes(bytes.as_ref(), out.len());
        return io.flush().await;
    };
    // One write per chunk: a muxer turns each write into its own frames, and some peers
    // read a chunk's body as whole muxer messages (Lodestar 1.5.1 counts every byte of a
    // message towards the chunk it is reading, and refuses a chunk "too long" when the
    // next chunk shares its message). Only the end of the response is flushed.
    while let Some(chunk) = chunks.recv().await {
        chunk
            .encode(protocol, &mut out)
            .map_err(codec_error(protocol))?;
        io.write_all(&out).await?;
        count_bytes(bytes.as_ref(), out.len());
        out.clear();
    }
    io.flush().await
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
