//! Response chunks: `result ‖ context (0 or 4 bytes) ‖ varint(len(ssz)) ‖ snappy_frames(ssz)`.
//!
//! Context bytes (the fork digest of the item's epoch) come only on success chunks of
//! protocols that define them. An error chunk carries an [`ErrorMessage`] and ends the
//! response; the chunks before it stay valid. Each chunk's payload is a fresh snappy
//! stream, and the next chunk's result byte follows the byte that completes it.

use bytes::{Buf, BytesMut};
use consensus::primitives::ForkDigest;

use super::error::CodecError;
use super::payload::{PayloadDecoder, encode_payload};
use super::protocol::{MAX_ERROR_MESSAGE_SIZE, Protocol, ResponseKind, SszBounds};
use super::result::{ErrorMessage, ResultCode};

/// Length of the context bytes.
const CONTEXT_LEN: usize = 4;

/// One decoded response chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseChunk {
    /// A response item.
    Success(SuccessChunk),
    /// An error that ends the response.
    Error(ErrorChunk),
}

/// A success chunk: the item's SSZ and, for protocols with them, its context bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuccessChunk {
    /// The fork digest of the item's epoch (`None` for protocols without context bytes).
    pub context: Option<ForkDigest>,
    /// The item's SSZ bytes, within the protocol's response bounds.
    pub ssz: Vec<u8>,
}

/// An error chunk: a non-zero result code and its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorChunk {
    /// The result code (never success).
    pub code: ResultCode,
    /// The message (possibly empty).
    pub message: ErrorMessage,
}

impl ResponseChunk {
    /// Appends the chunk, encoded for `protocol`, to `out`.
    ///
    /// # Errors
    ///
    /// As [`encode_success_chunk`] and [`encode_error_chunk`].
    pub fn encode(&self, protocol: Protocol, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match self {
            ResponseChunk::Success(chunk) => {
                encode_success_chunk(protocol, chunk.context, &chunk.ssz, out)
            }
            ResponseChunk::Error(chunk) => encode_error_chunk(chunk.code, &chunk.message, out),
        }
    }
}

/// Appends a success chunk of `protocol` carrying `ssz` to `out`.
///
/// # Errors
///
/// [`CodecError::EncodeContextMismatch`] when `context` is given to a protocol without
/// context bytes or missing for one with them; [`CodecError::UnencodableLength`] when
/// `ssz` is outside the protocol's response bounds. `out` is then unchanged.
pub fn encode_success_chunk(
    protocol: Protocol,
    context: Option<ForkDigest>,
    ssz: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    let needed = protocol.has_context_bytes();
    if context.is_some() != needed {
        return Err(CodecError::EncodeContextMismatch { protocol, needed });
    }
    let bounds = protocol.response_bounds();
    if !bounds.contains(ssz.len() as u64) {
        return Err(CodecError::UnencodableLength {
            len: ssz.len(),
            min: bounds.min,
            max: bounds.max,
            multiple_of: bounds.multiple_of,
        });
    }
    out.push(ResultCode::Success.as_u8());
    if let Some(digest) = context {
        out.extend_from_slice(digest.as_slice());
    }
    encode_payload(ssz, out);
    Ok(())
}

/// Appends an error chunk to `out`.
///
/// # Errors
///
/// [`CodecError::EncodeSuccessAsError`] for the success code, and
/// [`CodecError::UnencodableLength`] for an empty message (a zero length prefix is
/// never sent: Nimbus rejects it). `out` is then unchanged.
pub fn encode_error_chunk(
    code: ResultCode,
    message: &ErrorMessage,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    if code.is_success() {
        return Err(CodecError::EncodeSuccessAsError);
    }
    if message.is_empty() {
        return Err(CodecError::UnencodableLength {
            len: 0,
            min: 1,
            max: MAX_ERROR_MESSAGE_SIZE,
            multiple_of: 1,
        });
    }
    out.push(code.as_u8());
    encode_payload(message.as_bytes(), out);
    Ok(())
}

/// Decodes a complete response stream (everything until the responder closed it).
///
/// # Errors
///
/// The first decoding [`CodecError`]: a malformed chunk, bytes after the last allowed
/// chunk, or no chunk at all for a single-chunk protocol.
pub fn decode_response(protocol: Protocol, wire: &[u8]) -> Result<Vec<ResponseChunk>, CodecError> {
    let mut buf = BytesMut::from(wire);
    let mut decoder = ResponseDecoder::new(protocol);
    let mut chunks = Vec::new();
    while let Some(chunk) = decoder.decode_eof(&mut buf)? {
        chunks.push(chunk);
    }
    Ok(chunks)
}

/// Incremental decoder of the chunks of one response stream.
pub struct ResponseDecoder {
    protocol: Protocol,
    state: State,
    payload: PayloadDecoder,
    chunks: u64,
    max_chunks: u64,
}

/// Where the decoder is within the stream.
#[derive(Clone, Copy, Debug)]
enum State {
    /// Before a chunk's result byte.
    ResultByte,
    /// After a success result byte, before the 4 context bytes.
    Context,
    /// Inside a chunk's payload.
    Payload {
        code: ResultCode,
        context: Option<ForkDigest>,
    },
    /// After the last chunk the response may have.
    Finished,
}

impl ResponseDecoder {
    /// A decoder for a response of `protocol`, with no limit on the number of chunks of
    /// a list response (see [`ResponseDecoder::with_max_chunks`]).
    pub fn new(protocol: Protocol) -> ResponseDecoder {
        ResponseDecoder {
            protocol,
            state: State::ResultByte,
            payload: PayloadDecoder::new(protocol.response_bounds()),
            chunks: 0,
            max_chunks: u64::MAX,
        }
    }

    /// Fails with [`CodecError::TooManyChunks`] when a success chunk starts after `max`
    /// chunks (e.g. the `count` of a by-range request times the items per slot); an
    /// error chunk, which ends the response, is read after any number.
    #[must_use]
    pub fn with_max_chunks(mut self, max: u64) -> ResponseDecoder {
        self.max_chunks = max;
        self
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// How many chunks were returned so far.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// Whether the response cannot have more chunks (after an error chunk, or after the
    /// chunk of a single-chunk protocol).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// Takes bytes from `buf`: `Ok(Some(chunk))` for each complete chunk, `Ok(None)`
    /// when more bytes are needed. Call again after a chunk: `buf` may hold the next.
    ///
    /// # Errors
    ///
    /// Any decoding [`CodecError`]; [`CodecError::TrailingBytes`] for bytes after the last
    /// chunk the response may have; [`CodecError::TooManyChunks`].
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ResponseChunk>, CodecError> {
        loop {
            match self.state {
                State::Finished if buf.is_empty() => return Ok(None),
                State::Finished => return Err(CodecError::TrailingBytes { count: buf.len() }),
                State::ResultByte => {
                    let Some(&byte) = buf.first() else {
                        return Ok(None);
                    };
                    let code = ResultCode::from_u8(byte);
                    // Only items count against the limit: an error chunk ends the
                    // response, so the refusal of a request that allows no item (a
                    // `count` of 0) still reads as the refusal it is.
                    if code.is_success() && self.chunks >= self.max_chunks {
                        return Err(CodecError::TooManyChunks {
                            max: self.max_chunks,
                        });
                    }
                    buf.advance(1);
                    self.state = if !code.is_success() {
                        self.start_payload(code, None, SszBounds::error_message())
                    } else if self.protocol.has_context_bytes() {
                        State::Context
                    } else {
                        self.start_payload(code, None, self.protocol.response_bounds())
                    };
                }
                State::Context => {
                    let Some(&[a, b, c, d]) = buf.get(..CONTEXT_LEN) else {
                        return Ok(None);
                    };
                    buf.advance(CONTEXT_LEN);
                    let digest = ForkDigest::from([a, b, c, d]);
                    self.state = self.start_payload(
                        ResultCode::Success,
                        Some(digest),
                        self.protocol.response_bounds(),
                    );
                }
                State::Payload { code, context } => {
                    let Some(ssz) = self.payload.decode(buf)? else {
                        return Ok(None);
                    };
                    return Ok(Some(self.finish_chunk(code, context, ssz)));
                }
            }
        }
    }

    /// Like [`ResponseDecoder::decode`], once the responder has closed the stream:
    /// returns the remaining chunks one per call, then `Ok(None)`.
    ///
    /// An error code followed directly by the end of the stream is read as that error
    /// with an empty message (some clients send no message at all).
    ///
    /// # Errors
    ///
    /// As [`ResponseDecoder::decode`], plus [`CodecError::TruncatedHeader`] or
    /// [`CodecError::Truncated`] for a chunk cut short, and [`CodecError::EmptyResponse`]
    /// when a single-chunk protocol got no chunk.
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<ResponseChunk>, CodecError> {
        if let Some(chunk) = self.decode(buf)? {
            return Ok(Some(chunk));
        }
        match self.state {
            State::ResultByte if self.chunks == 0 && !self.protocol.allows_empty_response() => {
                Err(CodecError::EmptyResponse {
                    protocol: self.protocol,
                })
            }
            State::ResultByte | State::Finished => Ok(None),
            State::Context => Err(CodecError::TruncatedHeader),
            State::Payload { code, context } => {
                if !code.is_success() && self.payload.is_idle() && buf.is_empty() {
                    Ok(Some(self.finish_chunk(code, context, Vec::new())))
                } else {
                    Err(self.payload.eof_error())
                }
            }
        }
    }

    fn start_payload(
        &mut self,
        code: ResultCode,
        context: Option<ForkDigest>,
        bounds: SszBounds,
    ) -> State {
        self.payload.reset(bounds);
        State::Payload { code, context }
    }

    fn finish_chunk(
        &mut self,
        code: ResultCode,
        context: Option<ForkDigest>,
        ssz: Vec<u8>,
    ) -> ResponseChunk {
        self.chunks = self.chunks.saturating_add(1);
        let single = matches!(self.protocol.response_kind(), ResponseKind::Single);
        if code.is_success() {
            self.state = if single {
                State::Finished
            } else {
                State::ResultByte
            };
            ResponseChunk::Success(SuccessChunk { context, ssz })
        } else {
            self.state = State::Finished;
            ResponseChunk::Error(ErrorChunk {
                code,
                message: ErrorMessage::new(ssz),
            })
        }
    }
}
