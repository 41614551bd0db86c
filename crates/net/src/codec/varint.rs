//! The length prefix: an unsigned protobuf varint (LEB128) of the uncompressed SSZ length.
//!
//! At most 10 bytes (enough for a `u64`), minimally encoded. The reader works on a
//! buffer that may end mid-prefix and then says so, so it can be retried as bytes arrive.

use super::error::CodecError;

/// The longest valid prefix.
pub const MAX_VARINT_LEN: usize = 10;

/// Reads a varint from the start of `buf`: `Ok(Some((value, prefix_len)))`, or `Ok(None)`
/// when `buf` ends before the prefix does.
///
/// # Errors
///
/// [`CodecError::VarintTooLong`] when the 10th byte still has its continuation bit,
/// [`CodecError::VarintOverflow`] when the value does not fit a `u64`,
/// [`CodecError::VarintNotMinimal`] when the last byte is zero in a multi-byte prefix.
pub fn read_varint(buf: &[u8]) -> Result<Option<(u64, usize)>, CodecError> {
    let mut value: u64 = 0;
    for (index, &byte) in buf.iter().take(MAX_VARINT_LEN).enumerate() {
        let len = index + 1;
        let bits = u64::from(byte & 0x7f);
        if len == MAX_VARINT_LEN {
            if byte & 0x80 != 0 {
                return Err(CodecError::VarintTooLong);
            }
            // 9 × 7 = 63 bits are taken; only one more fits.
            if bits > 1 {
                return Err(CodecError::VarintOverflow { last_byte: byte });
            }
        }
        value |= bits << (7 * index);
        if byte & 0x80 == 0 {
            if byte == 0 && len > 1 {
                return Err(CodecError::VarintNotMinimal { len });
            }
            return Ok(Some((value, len)));
        }
    }
    Ok(None)
}

/// Appends the minimal varint encoding of `value` to `out`.
pub fn write_varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let low = u8::try_from(value & 0x7f).expect("invariant: masked to 7 bits");
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(value, &mut out);
        out
    }

    #[test]
    fn known_encodings() {
        assert_eq!(encoded(0), [0x00]);
        assert_eq!(encoded(84), [0x54]);
        assert_eq!(encoded(404), [0x94, 0x03]);
        assert_eq!(encoded(131_928), [0xd8, 0x86, 0x08]);
        assert_eq!(encoded(10_485_761), [0x81, 0x80, 0x80, 0x05]);
        assert_eq!(encoded(u64::MAX).len(), MAX_VARINT_LEN);
    }

    #[test]
    fn round_trips_at_the_edges() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let bytes = encoded(value);
            assert_eq!(read_varint(&bytes), Ok(Some((value, bytes.len()))));
            // Every strict prefix is incomplete, not an error.
            for cut in 0..bytes.len() {
                assert_eq!(read_varint(&bytes[..cut]), Ok(None));
            }
        }
    }

    #[test]
    fn rejects_long_overflowing_and_padded_prefixes() {
        assert_eq!(read_varint(&[0xaa; 11]), Err(CodecError::VarintTooLong));
        let mut overflow = vec![0xff; 9];
        overflow.push(0x02);
        assert_eq!(
            read_varint(&overflow),
            Err(CodecError::VarintOverflow { last_byte: 0x02 })
        );
        assert_eq!(
            read_varint(&[0x80, 0x00]),
            Err(CodecError::VarintNotMinimal { len: 2 })
        );
        assert_eq!(
            read_varint(&[0xd4, 0x80, 0x00]),
            Err(CodecError::VarintNotMinimal { len: 3 })
        );
    }
}
