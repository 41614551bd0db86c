//! beacon-sync's eth2 req/resp networking.
//!
//! Today this crate holds the `ssz_snappy` codec ([`codec`]): the byte format of every
//! request and response chunk of the eth2 req/resp protocols (Status, Goodbye, Ping,
//! MetaData, blocks and blob/data-column sidecars by range and by root), with the
//! protocol ids, the size bounds of each type, result codes, context bytes and typed
//! decoding of blocks and sidecars. The libp2p transport and the client/server protocols
//! are built on top of it.
//!
//! # Where it sits
//!
//! `net` depends on `consensus` (SSZ containers, fork digests) and `sync-types`, and
//! only the binary and the end-to-end tests depend on it. The sync crates (`sync-queue`,
//! `peer-pool`, `sync-manager`) never see it: they reach peers through the `SyncPeer`
//! seam of `sync-types`, which `net` is to implement (the project's DESIGN.md, section
//! "Workspace").
//!
//! # Example
//!
//! ```
//! use bytes::BytesMut;
//! use net::codec::{Protocol, ResponseChunk, ResponseDecoder, encode_success_chunk};
//!
//! let ping = 7u64.to_le_bytes();
//! let mut wire = Vec::new();
//! encode_success_chunk(Protocol::Ping, None, &ping, &mut wire)?;
//!
//! // Bytes arrive in pieces; the decoder waits for a whole chunk.
//! let mut decoder = ResponseDecoder::new(Protocol::Ping);
//! let mut buf = BytesMut::new();
//! let (first, rest) = wire.split_at(3);
//! buf.extend_from_slice(first);
//! assert_eq!(decoder.decode(&mut buf)?, None);
//! buf.extend_from_slice(rest);
//! let Some(ResponseChunk::Success(chunk)) = decoder.decode(&mut buf)? else { panic!() };
//! assert_eq!(chunk.decode_ssz::<u64>()?, 7);
//! assert_eq!(decoder.decode_eof(&mut buf)?, None);
//! # Ok::<(), net::codec::CodecError>(())
//! ```
//!
//! # Features
//!
//! None.

pub mod codec;
