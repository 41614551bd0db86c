//! Deterministic draws from the seed: `sha256(seed ‖ tag ‖ le64(word)…)`.

use crate::primitives::Hash256;

/// `sha256(seed ‖ tag ‖ le64(words[0]) ‖ …)`.
pub(super) fn seeded_hash(seed: &[u8], tag: &[u8], words: &[u64]) -> Hash256 {
    let mut input = Vec::with_capacity(seed.len() + tag.len() + 8 * words.len());
    input.extend_from_slice(seed);
    input.extend_from_slice(tag);
    for word in words {
        input.extend_from_slice(&word.to_le_bytes());
    }
    Hash256::from(ethereum_hashing::hash_fixed(&input))
}

/// The first 8 bytes, little-endian, of [`seeded_hash`].
pub(super) fn draw(seed: &[u8], tag: &[u8], words: &[u64]) -> u64 {
    let hash = seeded_hash(seed, tag, words);
    let mut first = [0_u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_le_bytes(first)
}

/// A draw in `0..bound` (0 when `bound` is 0).
pub(super) fn draw_below(seed: &[u8], tag: &[u8], words: &[u64], bound: u64) -> u64 {
    draw(seed, tag, words).checked_rem(bound).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_depend_on_every_input_and_stay_below_the_bound() {
        let seed = [7_u8; 32];
        let base = draw(&seed, b"skip", &[5]);
        assert_eq!(base, draw(&seed, b"skip", &[5]));
        assert_ne!(base, draw(&seed, b"skip", &[6]));
        assert_ne!(base, draw(&seed, b"blobs", &[5]));
        assert_ne!(base, draw(&[8_u8; 32], b"skip", &[5]));
        assert!((0..100).all(|slot| draw_below(&seed, b"x", &[slot], 10) < 10));
        assert_eq!(draw_below(&seed, b"x", &[1], 0), 0);
    }
}
