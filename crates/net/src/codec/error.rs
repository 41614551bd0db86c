//! The codec's error type: one variant per way a message can be malformed, each with a
//! one-line message and a blame classification for peer scoring.

use consensus::primitives::ForkDigest;
use consensus::{BlockDecodeError, Fork};

use super::protocol::Protocol;

/// Why bytes could not be decoded (or a message could not be encoded).
///
/// Decoding errors are the remote peer's fault ([`CodecError::is_peer_fault`]); the
/// `Unencodable*`/`Encode*` variants report a misuse of the encoder by our own code.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The varint length prefix has a continuation bit on its 10th byte.
    #[error("length prefix longer than 10 bytes")]
    VarintTooLong,
    /// The 10-byte varint length prefix does not fit in a `u64`.
    #[error("length prefix overflows u64 (10th byte {last_byte:#04x})")]
    VarintOverflow {
        /// The 10th byte (only its lowest bit may be set).
        last_byte: u8,
    },
    /// The varint length prefix ends in a zero byte (a longer encoding than needed).
    #[error("length prefix is not minimally encoded ({len} bytes)")]
    VarintNotMinimal {
        /// The length of the prefix in bytes.
        len: usize,
    },
    /// The declared SSZ length is zero (Nimbus rejects it, so it is never valid).
    #[error("length prefix is zero")]
    ZeroLength,
    /// The declared SSZ length is outside the bounds of the expected type.
    #[error("declared length {got} outside [{min}, {max}] (multiple of {multiple_of})")]
    LengthOutOfBounds {
        /// The declared (uncompressed) length.
        got: u64,
        /// The smallest valid length.
        min: usize,
        /// The largest valid length.
        max: usize,
        /// Valid lengths are multiples of this (list item size; 1 otherwise).
        multiple_of: usize,
    },
    /// More framed bytes than `max_compressed_len(declared)` were sent.
    #[error("framed data for a {declared}-byte payload exceeds max_compressed_len = {limit}")]
    CompressedTooLong {
        /// The declared (uncompressed) length.
        declared: usize,
        /// `max_compressed_len(declared)`.
        limit: usize,
    },
    /// The first snappy frame of a payload is not the stream identifier.
    #[error("snappy stream does not start with the stream identifier (chunk type {found:#04x})")]
    MissingStreamIdentifier {
        /// The chunk type found instead of `0xff`.
        found: u8,
    },
    /// A snappy frame's masked CRC-32C does not match its uncompressed data.
    #[error("snappy frame CRC mismatch: frame says {expected:#010x}, data gives {got:#010x}")]
    BadCrc {
        /// The masked CRC stored in the frame.
        expected: u32,
        /// The masked CRC of the data.
        got: u32,
    },
    /// A reserved unskippable snappy chunk type (`0x02..=0x7f`).
    #[error("reserved unskippable snappy chunk type {chunk_type:#04x}")]
    UnskippableChunk {
        /// The chunk type.
        chunk_type: u8,
    },
    /// A snappy frame longer than any valid frame.
    #[error("snappy frame of {len} bytes exceeds the {max}-byte maximum")]
    FrameTooLong {
        /// The frame's body length from its header.
        len: usize,
        /// The longest valid body.
        max: usize,
    },
    /// The snappy data is corrupt (bad block, bad stream identifier body...).
    #[error("corrupt snappy data: {source}")]
    Snappy {
        /// What the snappy decoder found.
        #[source]
        source: snap::Error,
    },
    /// The frames hold more uncompressed bytes than the length prefix declared.
    #[error("snappy frames hold more than the {declared} declared bytes")]
    PayloadOverrun {
        /// The declared length.
        declared: usize,
    },
    /// The stream ended inside a chunk header (result byte, context bytes or prefix).
    #[error("stream ended inside a chunk header")]
    TruncatedHeader,
    /// The stream ended before the declared number of bytes was decompressed.
    #[error("stream ended after {got} of {declared} payload bytes")]
    Truncated {
        /// The declared length.
        declared: usize,
        /// The bytes decompressed before the end.
        got: usize,
    },
    /// Bytes follow a message that must be the last one (a request, the one chunk of a
    /// single-chunk response, an error chunk).
    #[error("{count} unexpected bytes after the end of the message")]
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },
    /// A single-chunk protocol's response stream ended without a chunk.
    #[error("empty response on {protocol}, which must answer with one chunk")]
    EmptyResponse {
        /// The protocol.
        protocol: Protocol,
    },
    /// A response carried more chunks than the caller allowed.
    #[error("more than {max} response chunks")]
    TooManyChunks {
        /// The limit.
        max: u64,
    },
    /// A success chunk of a protocol with context bytes has none (only possible for a
    /// hand-made chunk: the decoder always reads them).
    #[error("success chunk without context bytes")]
    MissingContext,
    /// The context bytes are not a fork digest of the configured chain.
    #[error("unknown context bytes {digest}")]
    UnknownContext {
        /// The context bytes.
        digest: ForkDigest,
    },
    /// The context bytes are a digest of this chain, but not the one of the item's epoch.
    #[error("wrong context bytes {got} for slot {slot}: expected {expected}")]
    WrongContext {
        /// The context bytes.
        got: ForkDigest,
        /// The digest of the item's epoch.
        expected: ForkDigest,
        /// The item's slot.
        slot: u64,
    },
    /// A sidecar's slot falls in a fork without that kind of sidecar.
    #[error("{what} at slot {slot} in fork {fork}, which has none")]
    SidecarForkMismatch {
        /// The kind of sidecar (`blob sidecar`, `data column sidecar`).
        what: &'static str,
        /// The fork of the sidecar's slot.
        fork: Fork,
        /// The sidecar's slot.
        slot: u64,
    },
    /// The block bytes are not a valid `SignedBeaconBlock` of the context's fork.
    #[error("{source}")]
    InvalidBlock {
        /// What the block decoder found.
        #[source]
        source: BlockDecodeError,
    },
    /// The payload is not valid SSZ of the expected type.
    #[error("invalid {type_name} SSZ ({len} bytes): {detail:?}")]
    InvalidSsz {
        /// The expected type.
        type_name: &'static str,
        /// The payload length.
        len: usize,
        /// What the SSZ decoder found.
        detail: ssz::DecodeError,
    },
    /// Our own code asked to encode a payload whose length the protocol does not allow.
    #[error(
        "cannot encode a {len}-byte payload: allowed [{min}, {max}] (multiple of {multiple_of})"
    )]
    UnencodableLength {
        /// The payload length.
        len: usize,
        /// The smallest valid length.
        min: usize,
        /// The largest valid length.
        max: usize,
        /// Valid lengths are multiples of this.
        multiple_of: usize,
    },
    /// Our own code gave context bytes to a protocol without them, or none to one with.
    #[error("{protocol} {} context bytes", if *.needed { "needs" } else { "takes no" })]
    EncodeContextMismatch {
        /// The protocol.
        protocol: Protocol,
        /// Whether the protocol's success chunks carry context bytes.
        needed: bool,
    },
    /// Our own code asked to send an error chunk with the success code.
    #[error("an error chunk cannot carry result code 0 (success)")]
    EncodeSuccessAsError,
}

impl CodecError {
    /// Whether the error is the remote peer's fault (bad bytes it sent), as opposed to a
    /// misuse of the encoder by our own code. Scoring penalises only the former.
    ///
    /// [`CodecError::UnknownContext`] counts as the peer's fault even though a peer on a
    /// fork we do not know yet would also trigger it: either way it cannot serve us.
    pub const fn is_peer_fault(&self) -> bool {
        !matches!(
            self,
            CodecError::UnencodableLength { .. }
                | CodecError::EncodeContextMismatch { .. }
                | CodecError::EncodeSuccessAsError
        )
    }

    /// Maps an error of the snappy frame decoder to the matching variant.
    pub(crate) fn from_snappy(error: snap::Error) -> CodecError {
        match error {
            snap::Error::Checksum { expected, got } => CodecError::BadCrc { expected, got },
            snap::Error::UnsupportedChunkType { byte } => {
                CodecError::UnskippableChunk { chunk_type: byte }
            }
            snap::Error::StreamHeader { byte } => {
                CodecError::MissingStreamIdentifier { found: byte }
            }
            source => CodecError::Snappy { source },
        }
    }
}
