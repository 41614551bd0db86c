//! The incremental chunk decoders over arbitrary bytes, for every protocol.
//!
//! Input: byte 0 picks the protocol, byte 1 the piece size the stream is fed in, the rest
//! is the stream. Checks: no panic, and feeding in pieces gives the same chunks (and the
//! same kind of error) as feeding the whole stream at once.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use net::codec::{CodecError, Protocol, RequestDecoder, ResponseChunk, ResponseDecoder};

/// The chunks of a response stream fed in `piece`-byte pieces, and how it ended.
fn response(
    protocol: Protocol,
    stream: &[u8],
    piece: usize,
) -> (Vec<ResponseChunk>, Option<CodecError>) {
    let mut decoder = ResponseDecoder::new(protocol);
    let mut buf = BytesMut::new();
    let mut chunks = Vec::new();
    for part in stream.chunks(piece.max(1)) {
        buf.extend_from_slice(part);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(chunk)) => chunks.push(chunk),
                Ok(None) => break,
                Err(error) => return (chunks, Some(error)),
            }
        }
    }
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(chunk)) => chunks.push(chunk),
            Ok(None) => return (chunks, None),
            Err(error) => return (chunks, Some(error)),
        }
    }
}

/// The request of a stream fed in `piece`-byte pieces.
fn request(protocol: Protocol, stream: &[u8], piece: usize) -> Result<Option<Vec<u8>>, CodecError> {
    let mut decoder = RequestDecoder::new(protocol);
    let mut buf = BytesMut::new();
    let mut found = None;
    for part in stream.chunks(piece.max(1)) {
        buf.extend_from_slice(part);
        if let Some(ssz) = decoder.decode(&mut buf)? {
            found = Some(ssz);
        }
    }
    match decoder.decode_eof(&mut buf)? {
        Some(ssz) => Ok(Some(ssz)),
        None => Ok(found),
    }
}

fn same_kind(a: &Option<CodecError>, b: &Option<CodecError>) -> bool {
    a.as_ref().map(std::mem::discriminant) == b.as_ref().map(std::mem::discriminant)
}

fuzz_target!(|data: &[u8]| {
    let [select, piece, stream @ ..] = data else {
        return;
    };
    let protocol = Protocol::ALL[usize::from(*select) % Protocol::ALL.len()];
    let piece = usize::from(*piece).max(1);

    let whole = response(protocol, stream, stream.len());
    let pieces = response(protocol, stream, piece);
    assert_eq!(whole.0, pieces.0, "chunks differ with piece size {piece}");
    assert!(
        same_kind(&whole.1, &pieces.1),
        "{:?} vs {:?}",
        whole.1,
        pieces.1
    );

    let whole = request(protocol, stream, stream.len());
    let pieces = request(protocol, stream, piece);
    match (&whole, &pieces) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b)),
        _ => panic!("request results differ: {whole:?} vs {pieces:?}"),
    }
});
