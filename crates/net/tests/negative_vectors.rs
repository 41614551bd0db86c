//! Every entry of `reqresp_negative_vectors.json` is rejected with its own error variant
//! (and the one ACCEPT case is accepted).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

mod common;

use bytes::BytesMut;
use common::{hex_field, read_json, str_field};
use net::codec::{
    CodecError, MAX_PAYLOAD_SIZE, MIN_SIGNED_BLOCK_SIZE, Protocol, RequestDecoder, decode_payload,
    decode_request, decode_response,
};

/// What a vector must decode to.
enum Expect {
    Reject(CodecError),
    AcceptPing(u64),
}

/// How to read a vector's bytes.
#[derive(Clone, Copy)]
enum Side {
    /// A request of the protocol (the bytes start at the length prefix).
    Request(Protocol),
    /// A whole response stream of the protocol (the bytes start at the result byte).
    Response(Protocol),
    /// A success payload of a blocks-by-range response (after result and context bytes).
    BlockPayload,
}

fn expectation(id: &str) -> (Side, Expect) {
    use CodecError as E;
    use Protocol::{Ping, StatusV1};
    let status_bounds = |got| E::LengthOutOfBounds {
        got,
        min: 84,
        max: 84,
        multiple_of: 1,
    };
    match id {
        "varint_11_bytes" => (Side::Request(StatusV1), Expect::Reject(E::VarintTooLong)),
        "status_len_82" => (Side::Request(StatusV1), Expect::Reject(status_bounds(82))),
        "status_len_85" => (Side::Request(StatusV1), Expect::Reject(status_bounds(85))),
        "status_body_ascii_4" => (Side::Request(StatusV1), Expect::Reject(status_bounds(52))),
        "status_prefix_then_eof" => (
            Side::Request(StatusV1),
            Expect::Reject(E::Truncated {
                declared: 84,
                got: 0,
            }),
        ),
        "prefix_over_max_payload" => (
            Side::BlockPayload,
            Expect::Reject(E::LengthOutOfBounds {
                got: 10_485_761,
                min: MIN_SIGNED_BLOCK_SIZE,
                max: MAX_PAYLOAD_SIZE,
                multiple_of: 1,
            }),
        ),
        "trailing_bytes_after_request" => (
            Side::Request(StatusV1),
            Expect::Reject(E::TrailingBytes { count: 2 }),
        ),
        "result_byte_then_eof" => (Side::Response(Ping), Expect::Reject(E::TruncatedHeader)),
        "zero_length_prefix" => (Side::Request(Ping), Expect::Reject(E::ZeroLength)),
        "padding_inflated_status" => (
            Side::Request(StatusV1),
            Expect::Reject(E::CompressedTooLong {
                declared: 84,
                limit: 130,
            }),
        ),
        "missing_stream_identifier" => (
            Side::Request(Ping),
            Expect::Reject(E::MissingStreamIdentifier { found: 0x01 }),
        ),
        // The frame stores 0; the masked CRC-32C of 8 zero bytes is 29 03 98 07 (LE).
        "bad_crc" => (
            Side::Request(Ping),
            Expect::Reject(E::BadCrc {
                expected: 0,
                got: 0x0798_0329,
            }),
        ),
        "reserved_unskippable_chunk" => (
            Side::Request(Ping),
            Expect::Reject(E::UnskippableChunk { chunk_type: 0x02 }),
        ),
        "skippable_chunk_ok" => (Side::Request(Ping), Expect::AcceptPing(0)),
        other => panic!("vector {other} has no expectation in this test"),
    }
}

fn decode(side: Side, wire: &[u8]) -> Result<u64, CodecError> {
    let ssz = match side {
        Side::Request(protocol) => decode_request(protocol, wire)?,
        Side::Response(protocol) => {
            decode_response(protocol, wire)?;
            return Ok(0);
        }
        Side::BlockPayload => decode_payload(Protocol::BlocksByRangeV2.response_bounds(), wire)?,
    };
    net::codec::decode_ssz(&ssz)
}

#[test]
fn every_negative_vector_is_rejected_with_its_variant() {
    let file = read_json("reqresp_negative_vectors.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 14);
    let mut rejected = 0;
    for vector in vectors {
        let id = str_field(vector, "id");
        let wire = hex_field(vector, "wire_hex");
        let (side, expect) = expectation(id);
        match (decode(side, &wire), expect) {
            (Err(got), Expect::Reject(want)) => {
                assert_eq!(got, want, "{id}");
                assert!(got.is_peer_fault(), "{id}");
                assert!(!got.to_string().contains('\n'), "{id}: one-line message");
                rejected += 1;
            }
            (Ok(value), Expect::AcceptPing(want)) => assert_eq!(value, want, "{id}"),
            (got, _) => panic!("{id}: unexpected outcome {got:?}"),
        }
    }
    assert_eq!(rejected, 13);
}

#[test]
fn a_bad_length_is_rejected_before_any_payload_byte_arrives() {
    // The prefix alone is enough: the decoder does not wait for (or buffer) the payload.
    for (wire, got) in [(&[0x52u8][..], 82), (&[0x55], 85), (&[0x34], 52)] {
        let mut buf = BytesMut::from(wire);
        let error = RequestDecoder::new(Protocol::StatusV1)
            .decode(&mut buf)
            .unwrap_err();
        assert!(matches!(error, CodecError::LengthOutOfBounds { got: g, .. } if g == got));
    }
    let mut buf = BytesMut::from(&[0xaa; 10][..]);
    assert_eq!(
        RequestDecoder::new(Protocol::StatusV1).decode(&mut buf),
        Err(CodecError::VarintTooLong)
    );
}

#[test]
fn compressed_budget_is_enforced_as_soon_as_a_frame_header_crosses_it() {
    // The padding-inflated Status: the error comes at the header of the frame that
    // crosses max_compressed_len(84) = 130, before that frame's body is buffered.
    let file = read_json("reqresp_negative_vectors.json");
    let vector = file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "padding_inflated_status")
        .unwrap();
    let wire = hex_field(vector, "wire_hex");
    let mut decoder = RequestDecoder::new(Protocol::StatusV1);
    let mut buf = BytesMut::new();
    let mut fed = 0;
    let error = loop {
        buf.extend_from_slice(&wire[fed..=fed]);
        fed += 1;
        match decoder.decode(&mut buf) {
            Ok(None) => continue,
            Ok(Some(_)) => panic!("accepted"),
            Err(error) => break error,
        }
    };
    assert_eq!(
        error,
        CodecError::CompressedTooLong {
            declared: 84,
            limit: 130
        }
    );
    // 1 prefix byte + 130 framed bytes, give or take the header that crossed.
    assert!(fed <= 1 + 130 + 4, "fed {fed} bytes");
}
