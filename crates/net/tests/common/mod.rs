//! Helpers shared by the vector tests: reading files from `shared/vectors`, hex, and
//! feeding decoders in pieces.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use bytes::BytesMut;
use consensus::primitives::{ForkDigest, Hash256};
use net::codec::{CodecError, Protocol, ResponseChunk, ResponseDecoder};

/// The path of a file under `shared/vectors`.
pub fn vector_path(relative: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors"
    ))
    .join(relative)
}

/// The bytes of a vector file.
#[track_caller]
pub fn read_bytes(relative: &str) -> Vec<u8> {
    let path = vector_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A vector JSON file.
#[track_caller]
pub fn read_json(relative: &str) -> serde_json::Value {
    serde_json::from_slice(&read_bytes(relative)).expect("vector JSON parses")
}

/// The bytes of a hex string, with or without `0x`.
#[track_caller]
pub fn hex(text: &str) -> Vec<u8> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    assert!(text.len().is_multiple_of(2), "odd hex length: {text}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// A JSON string field as hex bytes.
#[track_caller]
pub fn hex_field(value: &serde_json::Value, field: &str) -> Vec<u8> {
    hex(str_field(value, field))
}

/// A JSON string field.
#[track_caller]
pub fn str_field<'a>(value: &'a serde_json::Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("field {field} is a string in {value}"))
}

/// A JSON integer field.
#[track_caller]
pub fn u64_field(value: &serde_json::Value, field: &str) -> u64 {
    value[field]
        .as_u64()
        .unwrap_or_else(|| panic!("field {field} is an integer in {value}"))
}

/// A 32-byte root from hex.
#[track_caller]
pub fn root(text: &str) -> Hash256 {
    Hash256::from_slice(&hex(text))
}

/// A fork digest from hex.
#[track_caller]
pub fn digest(text: &str) -> ForkDigest {
    ForkDigest::from_slice(&hex(text))
}

/// Decodes a whole response stream by feeding the decoder pieces of the given sizes (the
/// last size repeats until the input is used up), then ending the stream.
pub fn decode_response_in_pieces(
    protocol: Protocol,
    wire: &[u8],
    sizes: &[usize],
) -> Result<Vec<ResponseChunk>, CodecError> {
    let mut decoder = ResponseDecoder::new(protocol);
    let mut buf = BytesMut::new();
    let mut chunks = Vec::new();
    let mut rest = wire;
    let mut size_index = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(size_index)
            .or(sizes.last())
            .copied()
            .unwrap_or(1)
            .max(1);
        size_index += 1;
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        buf.extend_from_slice(piece);
        while let Some(chunk) = decoder.decode(&mut buf)? {
            chunks.push(chunk);
        }
    }
    while let Some(chunk) = decoder.decode_eof(&mut buf)? {
        chunks.push(chunk);
    }
    Ok(chunks)
}

/// The frames of a snappy framing stream as `(chunk type, body length)`; panics on a
/// stream that does not split into whole frames.
#[track_caller]
pub fn frame_headers(mut framed: &[u8]) -> Vec<(u8, usize)> {
    let mut frames = Vec::new();
    while !framed.is_empty() {
        let [kind, a, b, c] = framed[..4] else {
            unreachable!()
        };
        let len = usize::from(a) | usize::from(b) << 8 | usize::from(c) << 16;
        frames.push((kind, len));
        framed = &framed[4 + len..];
    }
    frames
}
