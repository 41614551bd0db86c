//! One length-prefixed, snappy-framed payload: `varint(len(ssz)) ‖ snappy_frames(ssz)`.
//!
//! # Decoding incrementally
//!
//! [`PayloadDecoder`] is fed a growing buffer and takes bytes out of it only in whole
//! units: first the varint prefix (checked against the type's [`SszBounds`] before any
//! payload byte is looked at), then one complete snappy frame at a time. Frame headers
//! (`type ‖ u24 length`) are read here only to find frame boundaries and to enforce the
//! limits early; the frames themselves (stream identifier, masked CRC-32C, compressed
//! and uncompressed blocks, skippable chunks) are decoded by `snap`'s `FrameDecoder`,
//! which is given exactly one frame at a time through the reader it wraps.
//!
//! Because only whole frames are handed over, the decoder stops exactly at the frame
//! that completes the declared length: it never reads the next chunk's bytes (the
//! Nimbus and Lighthouse rule), and bytes arriving one at a time cost O(1) each. A frame
//! that would produce more than the declared length is an error, as is a payload whose
//! frames (stream identifiers and padding included, as Lighthouse counts them) exceed
//! [`max_compressed_len`].
//!
//! The `FrameDecoder` (with its two 64-76 KiB buffers) is made on first use and kept for
//! the following payloads; each payload must still start with its own stream identifier,
//! which is checked here since `snap` only checks the first of its stream.

use std::io::{self, Read, Write};

use bytes::buf::Reader;
use bytes::{Buf, Bytes, BytesMut};
use snap::read::FrameDecoder;

use super::error::CodecError;
use super::protocol::SszBounds;
use super::varint::{read_varint, write_varint};

/// The most uncompressed bytes a snappy data frame may hold.
pub const MAX_FRAME_UNCOMPRESSED_LEN: usize = 65_536;
/// The longest frame body `snap` accepts: `max_compress_len(65536)`, the worst case of a
/// compressed block of 64 KiB.
pub const MAX_FRAME_BODY_LEN: usize = 76_490;
/// A frame header: one type byte and a 3-byte little-endian body length.
const FRAME_HEADER_LEN: usize = 4;
/// The chunk type of the stream identifier.
const STREAM_IDENTIFIER_TYPE: u8 = 0xff;

/// `max_compressed_len(n) = 32 + n + n / 6`: the most framed bytes a payload of `n`
/// uncompressed bytes may take (saturating).
pub const fn max_compressed_len(n: usize) -> usize {
    32usize.saturating_add(n).saturating_add(n / 6)
}

/// Appends `varint(len(ssz)) ‖ snappy_frames(ssz)` to `out`.
///
/// `snap`'s encoder starts with the stream identifier, cuts the payload into frames of
/// at most 64 KiB, stores a frame uncompressed when compression saves less than 1/8, and
/// emits no padding and no empty frame; an empty payload gets the prefix `0` alone. The
/// output always fits [`max_compressed_len`].
pub fn encode_payload(ssz: &[u8], out: &mut Vec<u8>) {
    write_varint(ssz.len() as u64, out);
    if ssz.is_empty() {
        return;
    }
    let mut encoder = snap::write::FrameEncoder::new(out);
    encoder
        .write_all(ssz)
        .expect("invariant: writing to a Vec never fails");
    encoder
        .flush()
        .expect("invariant: writing to a Vec never fails");
}

/// Decodes a buffer that holds exactly one payload (no result byte) within `bounds`.
///
/// # Errors
///
/// Any decoding [`CodecError`]; [`CodecError::TrailingBytes`] when bytes follow it.
pub fn decode_payload(bounds: SszBounds, wire: &[u8]) -> Result<Vec<u8>, CodecError> {
    let mut buf = BytesMut::from(wire);
    let mut decoder = PayloadDecoder::new(bounds);
    let ssz = match decoder.decode(&mut buf)? {
        Some(ssz) => ssz,
        None => return Err(decoder.eof_error()),
    };
    if buf.is_empty() {
        Ok(ssz)
    } else {
        Err(CodecError::TrailingBytes { count: buf.len() })
    }
}

/// Incremental decoder of one payload after another, all with the same bounds (see the
/// module docs).
pub struct PayloadDecoder {
    bounds: SszBounds,
    state: State,
    /// Kept across payloads for its buffers; its reader is fed one frame at a time.
    snappy: Option<FrameDecoder<Reader<Bytes>>>,
}

/// Where the decoder is.
enum State {
    /// Waiting for a complete length prefix.
    Length,
    /// Reading the frames of a payload.
    Frames(Frames),
    /// An error happened; it is returned again on every call.
    Failed(CodecError),
}

/// Progress through the frames of one payload.
struct Frames {
    /// The declared uncompressed length.
    declared: usize,
    /// `max_compressed_len(declared)`.
    limit: usize,
    /// Framed bytes taken so far (headers included).
    framed: usize,
    /// Decompressed bytes; `out[..filled]` is valid, the rest is scratch.
    out: Vec<u8>,
    /// How many bytes of `out` are decompressed data.
    filled: usize,
    /// Whether the stream identifier was seen.
    started: bool,
}

impl PayloadDecoder {
    /// A decoder for payloads within `bounds`.
    pub fn new(bounds: SszBounds) -> PayloadDecoder {
        PayloadDecoder {
            bounds,
            state: State::Length,
            snappy: None,
        }
    }

    /// The bounds payloads are checked against.
    pub fn bounds(&self) -> SszBounds {
        self.bounds
    }

    /// Forgets any partial payload (and a past error) and expects a new payload within
    /// `bounds`. The snappy buffers are kept.
    pub fn reset(&mut self, bounds: SszBounds) {
        self.bounds = bounds;
        self.state = State::Length;
    }

    /// Whether no payload is in progress (nothing of one was taken from the buffer).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Length)
    }

    /// Takes bytes of the next payload from the front of `buf`: `Ok(Some(ssz))` once the
    /// declared length is decompressed, `Ok(None)` when more bytes are needed. Bytes
    /// after the payload are left in `buf`.
    ///
    /// # Errors
    ///
    /// The [`CodecError`] that names what is wrong with the bytes; the decoder then keeps
    /// returning it until [`PayloadDecoder::reset`].
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<u8>>, CodecError> {
        if let State::Failed(error) = &self.state {
            return Err(error.clone());
        }
        let result = self.step(buf);
        if let Err(error) = &result {
            self.state = State::Failed(error.clone());
            // A failed frame may leave data inside the snappy decoder: drop it.
            self.snappy = None;
        }
        result
    }

    /// The error to report when the stream ends after [`PayloadDecoder::decode`]
    /// returned `Ok(None)`: inside the prefix or inside the frames.
    pub fn eof_error(&self) -> CodecError {
        match &self.state {
            State::Failed(error) => error.clone(),
            State::Frames(frames) => CodecError::Truncated {
                declared: frames.declared,
                got: frames.filled,
            },
            State::Length => CodecError::TruncatedHeader,
        }
    }

    fn step(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<u8>>, CodecError> {
        loop {
            match &mut self.state {
                State::Failed(error) => return Err(error.clone()),
                State::Length => {
                    let Some((declared, prefix_len)) = read_varint(buf)? else {
                        return Ok(None);
                    };
                    let declared = self.check_length(declared)?;
                    buf.advance(prefix_len);
                    if declared == 0 {
                        return Ok(Some(Vec::new()));
                    }
                    self.state = State::Frames(Frames {
                        declared,
                        limit: max_compressed_len(declared),
                        framed: 0,
                        out: Vec::new(),
                        filled: 0,
                        started: false,
                    });
                }
                State::Frames(frames) => {
                    let Some(frame) = take_frame(frames, buf)? else {
                        return Ok(None);
                    };
                    let snappy = self
                        .snappy
                        .get_or_insert_with(|| FrameDecoder::new(Bytes::new().reader()));
                    *snappy.get_mut().get_mut() = frame;
                    drain_frame(snappy, frames)?;
                    if frames.filled == frames.declared {
                        let mut out = std::mem::take(&mut frames.out);
                        out.truncate(frames.filled);
                        self.state = State::Length;
                        return Ok(Some(out));
                    }
                }
            }
        }
    }

    /// Checks a declared length against the bounds, before anything is read or sized.
    fn check_length(&self, declared: u64) -> Result<usize, CodecError> {
        let bounds = self.bounds;
        if declared == 0 && !bounds.contains(0) {
            return Err(CodecError::ZeroLength);
        }
        let out_of_bounds = CodecError::LengthOutOfBounds {
            got: declared,
            min: bounds.min,
            max: bounds.max,
            multiple_of: bounds.multiple_of,
        };
        if !bounds.contains(declared) {
            return Err(out_of_bounds);
        }
        usize::try_from(declared).map_err(|_| out_of_bounds)
    }
}

/// Takes the next complete frame off `buf`, after checking its header against the
/// limits; `Ok(None)` when the frame is not complete yet.
fn take_frame(frames: &mut Frames, buf: &mut BytesMut) -> Result<Option<Bytes>, CodecError> {
    let Some(&[chunk_type, l0, l1, l2]) = buf.get(..FRAME_HEADER_LEN) else {
        return Ok(None);
    };
    if !frames.started && chunk_type != STREAM_IDENTIFIER_TYPE {
        return Err(CodecError::MissingStreamIdentifier { found: chunk_type });
    }
    if (0x02..=0x7f).contains(&chunk_type) {
        return Err(CodecError::UnskippableChunk { chunk_type });
    }
    let body_len = usize::from(l0) | usize::from(l1) << 8 | usize::from(l2) << 16;
    if body_len > MAX_FRAME_BODY_LEN {
        return Err(CodecError::FrameTooLong {
            len: body_len,
            max: MAX_FRAME_BODY_LEN,
        });
    }
    let frame_len = FRAME_HEADER_LEN + body_len;
    if frames.framed + frame_len > frames.limit {
        return Err(CodecError::CompressedTooLong {
            declared: frames.declared,
            limit: frames.limit,
        });
    }
    if buf.len() < frame_len {
        return Ok(None);
    }
    frames.framed += frame_len;
    frames.started = true;
    Ok(Some(buf.split_to(frame_len).freeze()))
}

/// Reads everything the frame just fed to `snappy` decompresses to into `frames.out`.
fn drain_frame(
    snappy: &mut FrameDecoder<Reader<Bytes>>,
    frames: &mut Frames,
) -> Result<(), CodecError> {
    loop {
        if frames.filled == frames.declared {
            // The payload is complete: the frame must not hold more.
            let mut probe = [0u8; 1];
            let extra = snappy.read(&mut probe).map_err(|e| from_io(e, frames))?;
            return if extra == 0 {
                Ok(())
            } else {
                Err(CodecError::PayloadOverrun {
                    declared: frames.declared,
                })
            };
        }
        if frames.out.len() == frames.filled {
            // Grow by at most one frame's worth, never past the declared length.
            let grow_to = frames
                .declared
                .min(frames.filled + MAX_FRAME_UNCOMPRESSED_LEN);
            frames.out.resize(grow_to, 0);
        }
        let dst = frames
            .out
            .get_mut(frames.filled..)
            .expect("invariant: filled <= out.len()");
        let read = snappy.read(dst).map_err(|e| from_io(e, frames))?;
        if read == 0 {
            return Ok(());
        }
        frames.filled += read;
    }
}

/// Maps an error of the snappy reader: `snap`'s own errors keep their meaning; anything
/// else can only be a frame cut short, which whole-frame feeding rules out.
fn from_io(error: io::Error, frames: &Frames) -> CodecError {
    match error.into_inner() {
        Some(inner) => match inner.downcast::<snap::Error>() {
            Ok(snappy) => CodecError::from_snappy(*snappy),
            Err(_) => CodecError::Truncated {
                declared: frames.declared,
                got: frames.filled,
            },
        },
        None => CodecError::Truncated {
            declared: frames.declared,
            got: frames.filled,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_body_limit_is_snaps() {
        assert_eq!(
            MAX_FRAME_BODY_LEN,
            snap::raw::max_compress_len(MAX_FRAME_UNCOMPRESSED_LEN)
        );
        assert_eq!(max_compressed_len(84), 130);
        assert_eq!(max_compressed_len(10 * 1024 * 1024), 12_233_418);
    }

    #[test]
    fn stops_at_the_end_of_the_payload() {
        let mut wire = Vec::new();
        encode_payload(b"first payload", &mut wire);
        encode_payload(b"second", &mut wire);
        let mut buf = BytesMut::from(&wire[..]);
        let mut decoder = PayloadDecoder::new(SszBounds::range(1, 100));
        assert_eq!(decoder.decode(&mut buf).unwrap().unwrap(), b"first payload");
        assert_eq!(decoder.decode(&mut buf).unwrap().unwrap(), b"second");
        assert!(buf.is_empty() && decoder.is_idle());
    }

    #[test]
    fn a_frame_longer_than_declared_is_an_overrun() {
        let mut wire = Vec::new();
        encode_payload(b"0123456789", &mut wire);
        wire[0] = 4; // declare 4 of the 10 bytes
        let error = decode_payload(SszBounds::range(1, 100), &wire).unwrap_err();
        assert_eq!(error, CodecError::PayloadOverrun { declared: 4 });
    }

    #[test]
    fn errors_are_sticky_until_reset() {
        let mut decoder = PayloadDecoder::new(SszBounds::exact(8));
        let mut buf = BytesMut::from(&[0x09u8][..]);
        assert!(matches!(
            decoder.decode(&mut buf),
            Err(CodecError::LengthOutOfBounds { .. })
        ));
        let mut good = Vec::new();
        encode_payload(&[7; 8], &mut good);
        let mut buf = BytesMut::from(&good[..]);
        assert!(decoder.decode(&mut buf).is_err());
        decoder.reset(SszBounds::exact(8));
        assert_eq!(decoder.decode(&mut buf).unwrap().unwrap(), [7; 8]);
    }
}
