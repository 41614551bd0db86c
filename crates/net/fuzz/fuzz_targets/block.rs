//! Consensus block decoding from arbitrary bytes, for every fork, through the codec's
//! typed decoder.
//!
//! Input: byte 0 picks the fork, the rest is the block's SSZ. Checks: no panic; a block
//! that decodes re-encodes to the same bytes; the codec's context check accepts it with
//! its fork's digest on a chain where that fork starts at genesis.

#![no_main]

use consensus::config::ChainConfig;
use consensus::primitives::Hash256;
use consensus::{Fork, SignedBeaconBlock};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [select, ssz @ ..] = data else {
        return;
    };
    let fork = Fork::ALL[usize::from(*select) % Fork::ALL.len()];
    let Ok(block) = SignedBeaconBlock::from_ssz_bytes(ssz, fork) else {
        return;
    };
    assert_eq!(block.as_ssz_bytes(), ssz, "SSZ decoding is not canonical");
    let config = ChainConfig::devnet(fork, 0, Hash256::ZERO);
    let context = config.fork_digest_at_epoch(config.slot_to_epoch(block.slot()));
    let (decoded_fork, decoded) =
        net::codec::decode_block(&config, context, ssz).expect("a valid block decodes");
    assert_eq!(decoded_fork, fork);
    assert_eq!(decoded.signed(), &block);
});
