//! The eth2 `ssz_snappy` req/resp codec.
//!
//! # Wire format
//!
//! ```text
//! request  = varint(len(ssz)) ‖ snappy_frames(ssz)              (MetaData: no bytes at all)
//! response = chunk*
//! chunk    = result(1) ‖ context(4, success chunks of block/sidecar protocols only)
//!            ‖ varint(len(ssz)) ‖ snappy_frames(ssz)
//! ```
//!
//! - The varint is the *uncompressed* SSZ length: at most 10 bytes, minimal, checked
//!   against the type's [`SszBounds`] (exact for fixed-size types, at most
//!   [`MAX_PAYLOAD_SIZE`]) before any payload byte is read. Zero is never valid for an
//!   item (Nimbus rejects it).
//! - Each payload is a fresh snappy framing stream (stream identifier first, data frames
//!   of at most 64 KiB with a masked CRC-32C, decoded by the `snap` crate), at most
//!   [`max_compressed_len`] framed bytes long. The payload ends at the frame that
//!   completes the declared length; the next byte is the next chunk's result byte.
//! - A non-zero result code (spec codes 1-3, Lighthouse's 139/140, anything else) makes an
//!   error chunk whose payload is an [`ErrorMessage`]; it ends the response.
//!
//! # Use
//!
//! [`RequestDecoder`] and [`ResponseDecoder`] are incremental: feed them a
//! [`bytes::BytesMut`] as bytes arrive and they return `Ok(None)` until a whole item is
//! there, consuming only what they decoded (so they suit async streams, per-chunk
//! timeouts and fuzzing). `decode_eof` tells them the stream ended. [`decode_request`]
//! and [`decode_response`] decode complete buffers. The `encode_*` functions append to a
//! `Vec<u8>`. [`decode_block`] and friends turn success chunks into typed values,
//! checking their context bytes against a [`consensus::config::ChainConfig`].

mod error;
mod payload;
mod protocol;
mod request;
mod response;
mod result;
mod typed;
mod varint;

pub use self::error::CodecError;
pub use self::payload::{
    MAX_FRAME_BODY_LEN, MAX_FRAME_UNCOMPRESSED_LEN, PayloadDecoder, decode_payload, encode_payload,
    max_compressed_len,
};
pub use self::protocol::*;
pub use self::request::{RequestDecoder, decode_request, encode_request};
pub use self::response::{
    ErrorChunk, ResponseChunk, ResponseDecoder, SuccessChunk, decode_response, encode_error_chunk,
    encode_success_chunk,
};
pub use self::result::{ErrorMessage, ResultCode};
pub use self::typed::{decode_blob_sidecar, decode_block, decode_data_column_sidecar, decode_ssz};
pub use self::varint::{MAX_VARINT_LEN, read_varint, write_varint};
