//! Requests: `varint(len(ssz)) ‖ snappy_frames(ssz)`, no result byte, nothing after it.
//!
//! A request is exactly one message: bytes after it are an error (the responder answers
//! `InvalidRequest`), and so is a stream that ends early. MetaData requests have no
//! content at all: the requester opens the stream and half-closes it.

use bytes::BytesMut;

use super::error::CodecError;
use super::payload::{PayloadDecoder, encode_payload};
use super::protocol::Protocol;

/// Appends the request `ssz` of `protocol` to `out` (nothing for MetaData).
///
/// # Errors
///
/// [`CodecError::UnencodableLength`] when the length is outside the protocol's request
/// bounds (zero included; MetaData takes only an empty request). `out` is then unchanged.
pub fn encode_request(protocol: Protocol, ssz: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
    let unencodable = |min, max, multiple_of| CodecError::UnencodableLength {
        len: ssz.len(),
        min,
        max,
        multiple_of,
    };
    match protocol.request_bounds() {
        None if ssz.is_empty() => Ok(()),
        None => Err(unencodable(0, 0, 1)),
        Some(bounds) if bounds.contains(ssz.len() as u64) => {
            encode_payload(ssz, out);
            Ok(())
        }
        Some(bounds) => Err(unencodable(bounds.min, bounds.max, bounds.multiple_of)),
    }
}

/// Decodes a complete request stream (everything the requester sent before it
/// half-closed) into the request's SSZ bytes.
///
/// # Errors
///
/// Any decoding [`CodecError`], notably [`CodecError::TrailingBytes`].
pub fn decode_request(protocol: Protocol, wire: &[u8]) -> Result<Vec<u8>, CodecError> {
    let mut buf = BytesMut::from(wire);
    let mut decoder = RequestDecoder::new(protocol);
    decoder
        .decode_eof(&mut buf)?
        .ok_or(CodecError::TruncatedHeader)
}

/// Incremental decoder of the one request of an inbound stream.
pub struct RequestDecoder {
    protocol: Protocol,
    /// `None` for protocols whose request has no content.
    payload: Option<PayloadDecoder>,
    /// Whether the request was returned.
    done: bool,
}

impl RequestDecoder {
    /// A decoder for a request of `protocol`.
    pub fn new(protocol: Protocol) -> RequestDecoder {
        RequestDecoder {
            protocol,
            payload: protocol.request_bounds().map(PayloadDecoder::new),
            done: false,
        }
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Takes request bytes from `buf`: `Ok(Some(ssz))` once the request is complete,
    /// `Ok(None)` when more bytes are needed (always, for a content-less request: it is
    /// complete only at the end of the stream, see [`RequestDecoder::decode_eof`]).
    ///
    /// # Errors
    ///
    /// Any decoding [`CodecError`]; [`CodecError::TrailingBytes`] for bytes after the
    /// request, whether they came with it or later.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<u8>>, CodecError> {
        let payload = match &mut self.payload {
            Some(payload) if !self.done => payload,
            _ if buf.is_empty() => return Ok(None),
            _ => return Err(CodecError::TrailingBytes { count: buf.len() }),
        };
        let Some(ssz) = payload.decode(buf)? else {
            return Ok(None);
        };
        self.done = true;
        if buf.is_empty() {
            Ok(Some(ssz))
        } else {
            Err(CodecError::TrailingBytes { count: buf.len() })
        }
    }

    /// Like [`RequestDecoder::decode`], once the requester has half-closed: returns the
    /// request if it was not returned yet (the empty request of MetaData included).
    ///
    /// # Errors
    ///
    /// As [`RequestDecoder::decode`], plus [`CodecError::TruncatedHeader`] or
    /// [`CodecError::Truncated`] for a request cut short.
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<u8>>, CodecError> {
        if let Some(ssz) = self.decode(buf)? {
            return Ok(Some(ssz));
        }
        if self.done {
            return Ok(None);
        }
        match &self.payload {
            None => {
                self.done = true;
                Ok(Some(Vec::new()))
            }
            Some(payload) => Err(payload.eof_error()),
        }
    }
}
