//! Property tests: encoding round-trips, incremental decoding in any split, chunk
//! boundaries, the frame rules of the encoder, and decoding arbitrary bytes.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

mod common;

use bytes::BytesMut;
use common::{decode_response_in_pieces, frame_headers};
use consensus::primitives::ForkDigest;
use net::codec::{
    CodecError, ErrorMessage, MAX_FRAME_UNCOMPRESSED_LEN, Protocol, RequestDecoder, ResponseChunk,
    ResponseDecoder, ResponseKind, ResultCode, SuccessChunk, decode_request, decode_response,
    encode_error_chunk, encode_request, encode_success_chunk, max_compressed_len, read_varint,
};
use proptest::prelude::*;

/// The longest payload generated (blocks may be 10 MiB; a few frames are enough here).
const MAX_GENERATED_LEN: usize = 200_000;

/// Deterministic bytes: random (incompressible) or a short repeated pattern.
fn payload(len: usize, seed: u64, compressible: bool) -> Vec<u8> {
    let mut state = seed;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)).to_le_bytes()[0]
    };
    if compressible {
        let pattern: Vec<u8> = (0..7).map(|_| next()).collect();
        pattern.iter().copied().cycle().take(len).collect()
    } else {
        (0..len).map(|_| next()).collect()
    }
}

/// A length within `min..=max` (capped), a multiple of `step`, picked by `pick`.
fn length_in(min: usize, max: usize, step: usize, pick: u64) -> usize {
    let max = max.min(MAX_GENERATED_LEN.max(min));
    let steps = (max - min) / step;
    min + usize::try_from(pick % (steps as u64 + 1)).unwrap() * step
}

/// A success chunk of `protocol` with generated content.
fn success_chunk(protocol: Protocol, pick: u64, seed: u64, compressible: bool) -> SuccessChunk {
    let bounds = protocol.response_bounds();
    let len = length_in(bounds.min, bounds.max, bounds.multiple_of, pick);
    let context = protocol
        .has_context_bytes()
        .then(|| ForkDigest::from(seed.to_le_bytes()[..4].try_into().unwrap_or([0; 4])));
    SuccessChunk {
        context,
        ssz: payload(len, seed, compressible),
    }
}

fn encode(protocol: Protocol, chunk: &SuccessChunk) -> Vec<u8> {
    let mut wire = Vec::new();
    encode_success_chunk(protocol, chunk.context, &chunk.ssz, &mut wire).unwrap();
    wire
}

/// Checks the frames after a length prefix: the stream identifier first, then data
/// frames only, none empty, none over 64 KiB uncompressed, all within the budget.
fn assert_frames_follow_the_rules(framed: &[u8], declared: usize) {
    assert!(framed.len() <= max_compressed_len(declared));
    let frames = frame_headers(framed);
    assert_eq!(frames.first(), Some(&(0xff, 6)));
    let mut offset = 4 + 6;
    let mut total = 0;
    for &(kind, len) in &frames[1..] {
        let body = &framed[offset + 4..offset + 4 + len];
        let uncompressed = match kind {
            0x00 => snap::raw::decompress_len(&body[4..]).unwrap(),
            0x01 => len - 4,
            other => panic!("frame type {other:#04x} emitted"),
        };
        assert!(uncompressed > 0 && uncompressed <= MAX_FRAME_UNCOMPRESSED_LEN);
        total += uncompressed;
        offset += 4 + len;
    }
    assert_eq!(total, declared);
}

fn protocol_strategy() -> impl Strategy<Value = Protocol> {
    prop::sample::select(Protocol::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn success_chunks_round_trip_in_any_split(
        protocol in protocol_strategy(),
        pick in any::<u64>(),
        seed in any::<u64>(),
        compressible in any::<bool>(),
        splits in prop::collection::vec(1usize..70_000, 1..6),
    ) {
        let chunk = success_chunk(protocol, pick, seed, compressible);
        let wire = encode(protocol, &chunk);
        let expected = vec![ResponseChunk::Success(chunk.clone())];
        prop_assert_eq!(&decode_response(protocol, &wire).unwrap(), &expected);
        prop_assert_eq!(&decode_response_in_pieces(protocol, &wire, &splits).unwrap(), &expected);

        // Result byte, then context bytes if any, then prefix and frames by the rules.
        prop_assert_eq!(wire[0], 0);
        let header = 1 + if chunk.context.is_some() { 4 } else { 0 };
        if let Some(context) = chunk.context {
            prop_assert_eq!(&wire[1..5], context.as_slice());
        }
        let (declared, prefix) = read_varint(&wire[header..]).unwrap().unwrap();
        prop_assert_eq!(declared, chunk.ssz.len() as u64);
        assert_frames_follow_the_rules(&wire[header + prefix..], chunk.ssz.len());
    }

    #[test]
    fn byte_by_byte_feeding_matches_whole_decoding(
        protocol in protocol_strategy(),
        pick in any::<u64>(),
        seed in any::<u64>(),
    ) {
        // Small items only: one call per byte.
        let bounds = protocol.response_bounds();
        let len = length_in(bounds.min, bounds.max.min(bounds.min + 3000), bounds.multiple_of, pick);
        let chunk = SuccessChunk {
            context: protocol.has_context_bytes().then(|| ForkDigest::from([1, 2, 3, 4])),
            ssz: payload(len, seed, seed % 2 == 0),
        };
        let wire = encode(protocol, &chunk);
        prop_assert_eq!(
            decode_response_in_pieces(protocol, &wire, &[1]).unwrap(),
            vec![ResponseChunk::Success(chunk)]
        );
    }

    #[test]
    fn back_to_back_chunks_decode_as_two(
        protocol in protocol_strategy(),
        picks in (any::<u64>(), any::<u64>()),
        seed in any::<u64>(),
        splits in prop::collection::vec(1usize..5_000, 1..4),
    ) {
        let first = success_chunk(protocol, picks.0, seed, true);
        let second = success_chunk(protocol, picks.1, seed.wrapping_add(1), false);
        let wire = [encode(protocol, &first), encode(protocol, &second)].concat();
        let decoded = decode_response_in_pieces(protocol, &wire, &splits);
        match protocol.response_kind() {
            ResponseKind::List => prop_assert_eq!(
                decoded.unwrap(),
                vec![ResponseChunk::Success(first), ResponseChunk::Success(second)]
            ),
            ResponseKind::Single => {
                let trailing = matches!(decoded, Err(CodecError::TrailingBytes { .. }));
                prop_assert!(trailing, "{:?}", decoded);
            }
        }
    }

    #[test]
    fn an_error_chunk_ends_a_list_response(
        protocol in protocol_strategy(),
        pick in any::<u64>(),
        code in 1u8..=255,
        message in prop::collection::vec(any::<u8>(), 1..=256),
    ) {
        let item = success_chunk(protocol, pick, 7, true);
        let mut wire = encode(protocol, &item);
        let message = ErrorMessage::new(message);
        encode_error_chunk(ResultCode::from_u8(code), &message, &mut wire).unwrap();
        let decoded = decode_response_in_pieces(protocol, &wire, &[97]);
        let error = ResponseChunk::Error(net::codec::ErrorChunk {
            code: ResultCode::from_u8(code),
            message,
        });
        match protocol.response_kind() {
            ResponseKind::List => {
                prop_assert_eq!(decoded.unwrap(), vec![ResponseChunk::Success(item), error.clone()]);
            }
            ResponseKind::Single => {
                let trailing = matches!(decoded, Err(CodecError::TrailingBytes { .. }));
                prop_assert!(trailing, "{:?}", decoded);
            }
        }
        // Alone, on any protocol, the error chunk decodes and carries no context bytes.
        let mut alone = Vec::new();
        if let ResponseChunk::Error(chunk) = &error {
            encode_error_chunk(chunk.code, &chunk.message, &mut alone).unwrap();
        }
        prop_assert_eq!(decode_response(protocol, &alone).unwrap(), vec![error]);
    }

    #[test]
    fn requests_round_trip(protocol in protocol_strategy(), pick in any::<u64>(), seed in any::<u64>()) {
        let mut wire = Vec::new();
        let ssz = match protocol.request_bounds() {
            Some(bounds) => payload(length_in(bounds.min, bounds.max, bounds.multiple_of, pick), seed, seed % 3 == 0),
            None => Vec::new(),
        };
        encode_request(protocol, &ssz, &mut wire).unwrap();
        prop_assert_eq!(wire.is_empty(), protocol.request_bounds().is_none());
        prop_assert_eq!(decode_request(protocol, &wire).unwrap(), ssz);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        protocol in protocol_strategy(),
        bytes in prop::collection::vec(any::<u8>(), 0..2_000),
        splits in prop::collection::vec(1usize..300, 1..4),
    ) {
        // Whole or in pieces, the same chunks and the same kind of error.
        let whole = decode_response(protocol, &bytes);
        let pieces = decode_response_in_pieces(protocol, &bytes, &splits);
        match (&whole, &pieces) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => {
                prop_assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b));
            }
            _ => prop_assert!(false, "{:?} vs {:?}", whole, pieces),
        }
        let _ = decode_request(protocol, &bytes);
        let mut decoder = RequestDecoder::new(protocol);
        let mut buf = BytesMut::from(&bytes[..]);
        let _ = decoder.decode(&mut buf);
        let _ = decoder.decode_eof(&mut buf);
    }

    #[test]
    fn corrupted_encodings_never_panic(
        protocol in protocol_strategy(),
        pick in any::<u64>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut wire = encode(protocol, &success_chunk(protocol, pick % 5_000, pick, pick % 2 == 0));
        for (index, value) in flips {
            let at = index.index(wire.len());
            wire[at] = value;
        }
        let mut decoder = ResponseDecoder::new(protocol);
        let mut buf = BytesMut::from(&wire[..]);
        while let Ok(Some(_)) = decoder.decode_eof(&mut buf) {}
    }
}

#[test]
fn unencodable_input_is_refused_without_writing() {
    let mut out = vec![0xaa];
    assert!(matches!(
        encode_request(Protocol::StatusV1, &[0; 83], &mut out),
        Err(CodecError::UnencodableLength {
            len: 83,
            min: 84,
            max: 84,
            ..
        })
    ));
    assert!(matches!(
        encode_request(Protocol::Ping, &[], &mut out),
        Err(CodecError::UnencodableLength { len: 0, .. })
    ));
    assert!(matches!(
        encode_request(Protocol::MetaDataV2, &[1], &mut out),
        Err(CodecError::UnencodableLength { len: 1, .. })
    ));
    assert_eq!(
        encode_success_chunk(Protocol::BlocksByRangeV2, None, &[0; 404], &mut out),
        Err(CodecError::EncodeContextMismatch {
            protocol: Protocol::BlocksByRangeV2,
            needed: true
        })
    );
    assert_eq!(
        encode_success_chunk(Protocol::Ping, Some(ForkDigest::ZERO), &[0; 8], &mut out),
        Err(CodecError::EncodeContextMismatch {
            protocol: Protocol::Ping,
            needed: false
        })
    );
    assert_eq!(
        encode_error_chunk(ResultCode::Success, &ErrorMessage::from("x"), &mut out),
        Err(CodecError::EncodeSuccessAsError)
    );
    assert!(matches!(
        encode_error_chunk(ResultCode::ServerError, &ErrorMessage::default(), &mut out),
        Err(CodecError::UnencodableLength { len: 0, .. })
    ));
    assert_eq!(out, [0xaa]);
    for error in [
        CodecError::EncodeSuccessAsError,
        CodecError::UnencodableLength {
            len: 0,
            min: 1,
            max: 1,
            multiple_of: 1,
        },
    ] {
        assert!(!error.is_peer_fault());
    }
}

#[test]
fn stream_end_rules() {
    // An error code and nothing else: an error with an empty message.
    let chunks = decode_response(Protocol::Ping, &[139]).unwrap();
    assert_eq!(
        chunks,
        vec![ResponseChunk::Error(net::codec::ErrorChunk {
            code: ResultCode::RateLimited,
            message: ErrorMessage::default(),
        })]
    );
    // An error with a zero length prefix: also an empty message.
    let chunks = decode_response(Protocol::BlocksByRangeV2, &[140, 0]).unwrap();
    assert!(
        matches!(&chunks[..], [ResponseChunk::Error(e)] if e.code == ResultCode::BlobsNotFoundForBlock && e.message.is_empty())
    );
    // Lists may be empty; single-chunk protocols may not (Goodbye excepted).
    assert_eq!(
        decode_response(Protocol::BlocksByRangeV2, &[]).unwrap(),
        vec![]
    );
    assert_eq!(decode_response(Protocol::Goodbye, &[]).unwrap(), vec![]);
    assert_eq!(
        decode_response(Protocol::StatusV1, &[]),
        Err(CodecError::EmptyResponse {
            protocol: Protocol::StatusV1
        })
    );
    // Context bytes cut short.
    assert_eq!(
        decode_response(Protocol::BlocksByRangeV2, &[0, 1, 2]),
        Err(CodecError::TruncatedHeader)
    );
    // A MetaData request is the empty stream, and nothing else.
    assert_eq!(
        decode_request(Protocol::MetaDataV3, &[]).unwrap(),
        Vec::<u8>::new()
    );
    assert_eq!(
        decode_request(Protocol::MetaDataV3, &[0]),
        Err(CodecError::TrailingBytes { count: 1 })
    );
}

#[test]
fn every_chunk_needs_its_own_stream_identifier() {
    // The snappy decoder is reused across the chunks of a stream; the second chunk must
    // still start with the stream identifier.
    let chunk = success_chunk(Protocol::BlobSidecarsByRange, 0, 3, false);
    let one = encode(Protocol::BlobSidecarsByRange, &chunk);
    // result, context, 3-byte varint, then the 10-byte stream identifier.
    assert_eq!(
        one[8..18],
        [0xff, 6, 0, 0, b's', b'N', b'a', b'P', b'p', b'Y']
    );
    let second: Vec<u8> = [&one[..8], &one[18..]].concat();
    let wire = [one, second].concat();
    let mut decoder = ResponseDecoder::new(Protocol::BlobSidecarsByRange);
    let mut buf = BytesMut::from(&wire[..]);
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(ResponseChunk::Success(chunk))
    );
    assert_eq!(
        decoder.decode(&mut buf),
        Err(CodecError::MissingStreamIdentifier { found: 0x01 })
    );
}

#[test]
fn chunk_limit_is_enforced() {
    let chunk = success_chunk(Protocol::BlobSidecarsByRange, 0, 1, false);
    let one = encode(Protocol::BlobSidecarsByRange, &chunk);
    let wire = [one.clone(), one.clone(), one].concat();
    let mut decoder = ResponseDecoder::new(Protocol::BlobSidecarsByRange).with_max_chunks(2);
    let mut buf = BytesMut::from(&wire[..]);
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    assert_eq!(
        decoder.decode(&mut buf),
        Err(CodecError::TooManyChunks { max: 2 })
    );
}
