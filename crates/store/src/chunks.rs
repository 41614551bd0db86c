//! Large values split into chunks of [`CHUNK_BYTES`] (why: see [`crate::schema`]), and
//! put back together with every chunk accounted for.

use crate::schema::CHUNK_BYTES;

/// The most bytes reserved up front when reassembling (the stored length is only trusted
/// as far as the chunks bear it out).
const MAX_RESERVE_BYTES: usize = 1 << 24;

/// `bytes` as numbered chunks: every chunk but the last holds [`CHUNK_BYTES`].
pub(crate) fn split(bytes: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    (0u32..).zip(bytes.chunks(CHUNK_BYTES))
}

/// Reassembles a value of a known length from its chunks, read in key order.
#[derive(Debug)]
pub(crate) struct Assembler {
    len: usize,
    next: u32,
    bytes: Vec<u8>,
}

impl Assembler {
    /// Expects `len` bytes.
    pub(crate) fn new(len: u32) -> Assembler {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        Assembler {
            len,
            next: 0,
            bytes: Vec::with_capacity(len.min(MAX_RESERVE_BYTES)),
        }
    }

    /// Appends chunk `number`; it must be the next one, and full unless it is the last.
    pub(crate) fn push(&mut self, number: u32, chunk: &[u8]) -> Result<(), String> {
        if number != self.next {
            return Err(format!("chunk {number} where chunk {} belongs", self.next));
        }
        if !self.bytes.len().is_multiple_of(CHUNK_BYTES) {
            return Err(format!("chunk {} follows a short chunk", self.next));
        }
        if self.bytes.len() + chunk.len() > self.len {
            return Err(format!("chunks exceed the recorded {} bytes", self.len));
        }
        self.bytes.extend_from_slice(chunk);
        self.next = self.next.saturating_add(1);
        Ok(())
    }

    /// The value, if every byte arrived.
    pub(crate) fn finish(self) -> Result<Vec<u8>, String> {
        if self.bytes.len() == self.len {
            Ok(self.bytes)
        } else {
            Err(format!(
                "chunks hold {} of the recorded {} bytes",
                self.bytes.len(),
                self.len
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(len: usize) {
        let value: Vec<u8> = (0..len).map(|i| u8::try_from(i % 251).unwrap()).collect();
        let mut assembler = Assembler::new(u32::try_from(len).unwrap());
        for (number, chunk) in split(&value) {
            assembler.push(number, chunk).unwrap();
        }
        assert_eq!(assembler.finish().unwrap(), value, "{len} bytes");
    }

    #[test]
    fn values_of_every_shape_come_back_whole() {
        for len in [
            0,
            1,
            CHUNK_BYTES - 1,
            CHUNK_BYTES,
            CHUNK_BYTES + 1,
            131_928,
            3 * CHUNK_BYTES,
        ] {
            roundtrip(len);
        }
    }

    #[test]
    fn a_missing_extra_or_misplaced_chunk_is_refused() {
        let value = vec![1u8; 2 * CHUNK_BYTES + 5];
        let chunks: Vec<_> = split(&value).collect();
        let mut missing_last = Assembler::new(u32::try_from(value.len()).unwrap());
        for (number, chunk) in &chunks[..2] {
            missing_last.push(*number, chunk).unwrap();
        }
        assert!(missing_last.finish().is_err());
        let mut gap = Assembler::new(u32::try_from(value.len()).unwrap());
        gap.push(0, chunks[0].1).unwrap();
        assert!(gap.push(2, chunks[2].1).is_err());
        let mut too_long = Assembler::new(10);
        assert!(too_long.push(0, &[0; 11]).is_err());
        let mut short_first = Assembler::new(u32::try_from(value.len()).unwrap());
        short_first.push(0, &[0; 5]).unwrap();
        assert!(short_first.push(1, chunks[1].1).is_err());
    }
}
