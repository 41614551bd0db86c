//! BLS verification and interop keys against real signatures: the proposer signatures of the
//! pyspec Deneb/Electra/Fulu chains (interop validators) and of mainnet blocks 1-4.

#![allow(
    clippy::unwrap_used,
    reason = "the vector-reading helpers outside #[test] fns fail the test on a malformed vector"
)]

mod support;

use std::str::FromStr;

use alloy_primitives::hex;
use consensus::bls::{
    BatchError, BlsError, PointProblem, PublicKey, Signature, SignatureSet, verify_signature_sets,
    verify_signature_sets_with_threads, verify_single,
};
use consensus::keys::{InteropKeys, interop_public_key, interop_secret_key};
use consensus::primitives::{Hash256, PubkeyBytes, SignatureBytes};
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors");
const PYSPEC_FORKS: [&str; 3] = ["deneb", "electra", "fulu"];

/// One published block signature.
struct SignedRoot {
    proposer_index: u64,
    pubkey: PublicKey,
    signing_root: Hash256,
    signature: SignatureBytes,
}

fn read_json(relative: &str) -> Value {
    support::json(relative)
}

fn field<T: FromStr>(entry: &Value, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    entry[name]
        .as_str()
        .unwrap_or_else(|| panic!("missing {name}"))
        .parse()
        .unwrap()
}

fn signed_root(entry: &Value) -> SignedRoot {
    let pubkey_bytes: PubkeyBytes = field(entry, "proposer_pubkey");
    SignedRoot {
        proposer_index: entry["proposer_index"].as_u64().unwrap(),
        pubkey: PublicKey::from_bytes(&pubkey_bytes).unwrap(),
        signing_root: field(entry, "signing_root"),
        signature: field(entry, "signature"),
    }
}

/// The non-empty slots of one pyspec chain, with the signature checked against the block file.
fn pyspec_chain(fork: &str) -> Vec<SignedRoot> {
    let expected = read_json(&format!("pyspec/{fork}/expected.json"));
    let slots = expected["slots"].as_array().unwrap();
    let blocks: Vec<SignedRoot> = slots
        .iter()
        .filter(|slot| !slot["empty"].as_bool().unwrap())
        .map(|slot| {
            let block = signed_root(slot);
            let file = format!("{VECTORS}/pyspec/{fork}/{}", slot["file"].as_str().unwrap());
            let ssz = std::fs::read(&file).unwrap();
            assert_eq!(signature_of_signed_block(&ssz), block.signature, "{file}");
            block
        })
        .collect();
    assert_eq!(blocks.len(), 16, "{fork}: 16 blocks over 20 slots");
    blocks
}

fn all_pyspec_blocks() -> Vec<SignedRoot> {
    PYSPEC_FORKS
        .iter()
        .flat_map(|fork| pyspec_chain(fork))
        .collect()
}

/// `SignedBeaconBlock` SSZ: a 4-byte offset of the message, then the 96-byte signature.
fn signature_of_signed_block(ssz: &[u8]) -> SignatureBytes {
    SignatureBytes::from_slice(&ssz[4..100])
}

fn sets_of(blocks: &[SignedRoot]) -> Vec<SignatureSet<'_>> {
    blocks
        .iter()
        .map(|block| SignatureSet {
            pubkey: &block.pubkey,
            signing_root: block.signing_root,
            signature: &block.signature,
        })
        .collect()
}

#[track_caller]
fn expect_invalid(result: Result<(), BatchError>, expected: &[usize]) {
    match result {
        Err(BatchError::Invalid { indices }) => assert_eq!(indices, expected),
        other => panic!("expected Invalid {{ indices: {expected:?} }}, got {other:?}"),
    }
}

/// Checks a batch result with one thread, two threads (the chunks split the bad indices) and
/// all cores.
#[track_caller]
fn expect_invalid_on_any_threads(sets: &[SignatureSet<'_>], expected: &[usize]) {
    expect_invalid(verify_signature_sets_with_threads(sets, 1), expected);
    expect_invalid(verify_signature_sets_with_threads(sets, 2), expected);
    expect_invalid(verify_signature_sets_with_threads(sets, 3), expected);
    expect_invalid(verify_signature_sets(sets), expected);
}

#[test]
fn pyspec_proposer_pubkeys_are_the_interop_keys() {
    for fork in PYSPEC_FORKS {
        for block in pyspec_chain(fork) {
            assert_eq!(
                interop_public_key(block.proposer_index),
                block.pubkey,
                "{fork}: validator {}",
                block.proposer_index
            );
        }
    }
}

#[test]
fn pyspec_proposer_signatures_verify_one_by_one_and_as_one_batch() {
    let blocks = all_pyspec_blocks();
    assert_eq!(blocks.len(), 48);
    for block in &blocks {
        assert!(verify_single(
            &block.pubkey,
            block.signing_root,
            &block.signature
        ));
        // The same signature over another root, or by another key, must fail.
        assert!(!verify_single(
            &block.pubkey,
            Hash256::ZERO,
            &block.signature
        ));
        let other_key = interop_public_key(block.proposer_index + 1);
        assert!(!verify_single(
            &other_key,
            block.signing_root,
            &block.signature
        ));
    }
    let sets = sets_of(&blocks);
    verify_signature_sets(&sets).unwrap();
    verify_signature_sets_with_threads(&sets, 1).unwrap();
    verify_signature_sets_with_threads(&sets, 7).unwrap();
}

#[test]
fn resigning_with_interop_keys_reproduces_the_published_signatures() {
    let keys = InteropKeys::generate(64);
    for block in all_pyspec_blocks() {
        let resigned = keys.sign(block.proposer_index, block.signing_root).unwrap();
        assert_eq!(
            resigned, block.signature,
            "validator {}",
            block.proposer_index
        );
        let direct = interop_secret_key(block.proposer_index).sign(block.signing_root);
        assert_eq!(direct, block.signature);
        assert_eq!(keys.public_key(block.proposer_index), Some(&block.pubkey));
    }
}

#[test]
fn validator_zero_pubkey_is_the_published_one() {
    let hex = interop_public_key(0).to_bytes().to_string();
    assert!(hex.starts_with("0xa99a76ed"), "{hex}");
    assert!(hex.ends_with("38e44c"), "{hex}");
    assert_eq!(
        InteropKeys::generate(1)
            .public_key(0)
            .map(PublicKey::to_bytes),
        Some(interop_public_key(0).to_bytes())
    );
}

#[test]
fn mainnet_blocks_one_to_four_verify_one_by_one_and_as_a_batch() {
    let expected = read_json("mainnet_blocks_slot1-4_expected.json");
    let blocks: Vec<SignedRoot> = expected["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let block = signed_root(entry);
            let ssz = hex::decode(entry["signed_beacon_block_ssz_hex"].as_str().unwrap()).unwrap();
            assert_eq!(signature_of_signed_block(&ssz), block.signature);
            block
        })
        .collect();
    assert_eq!(blocks.len(), 4);
    for block in &blocks {
        assert!(verify_single(
            &block.pubkey,
            block.signing_root,
            &block.signature
        ));
    }
    verify_signature_sets(&sets_of(&blocks)).unwrap();
    verify_signature_sets_with_threads(&sets_of(&blocks), 1).unwrap();
}

/// The 16 Deneb blocks, with some signatures replaced.
fn deneb_with(replacements: &[(usize, SignatureBytes)]) -> Vec<SignedRoot> {
    let mut blocks = pyspec_chain("deneb");
    for (index, signature) in replacements {
        blocks[*index].signature = *signature;
    }
    blocks
}

fn bit_flipped(signature: &SignatureBytes, byte: usize) -> SignatureBytes {
    let mut flipped = *signature;
    flipped[byte] ^= 0x01;
    flipped
}

#[test]
fn one_flipped_bit_names_exactly_that_signature() {
    let original = pyspec_chain("deneb");
    for bad in [0, 5, 9, 15] {
        let blocks = deneb_with(&[(bad, bit_flipped(&original[bad].signature, 50))]);
        expect_invalid_on_any_threads(&sets_of(&blocks), &[bad]);
    }
}

#[test]
fn two_bad_signatures_are_both_named_in_input_order() {
    let original = pyspec_chain("deneb");
    let blocks = deneb_with(&[
        (12, bit_flipped(&original[12].signature, 95)),
        (3, original[4].signature),
    ]);
    expect_invalid_on_any_threads(&sets_of(&blocks), &[3, 12]);
}

#[test]
fn signature_bytes_that_are_not_a_point_are_named_without_panicking() {
    let mut not_on_curve = [0_u8; 96];
    not_on_curve[0] = 0x80; // compressed flag, x = (c0 = 1, c1 = 0): x^3 + 4(1 + u) is no square
    not_on_curve[95] = 1;
    let blocks = deneb_with(&[
        (2, SignatureBytes::ZERO),
        (7, SignatureBytes::repeat_byte(0xff)),
        (11, SignatureBytes::from(not_on_curve)),
    ]);
    expect_invalid_on_any_threads(&sets_of(&blocks), &[2, 7, 11]);
    assert!(!verify_single(
        &blocks[2].pubkey,
        blocks[2].signing_root,
        &blocks[2].signature
    ));
}

#[test]
fn signature_parsing_errors_are_typed() {
    let problem = |bytes: SignatureBytes| match Signature::from_bytes(&bytes) {
        Err(BlsError::InvalidSignature { problem }) => problem,
        other => panic!("expected InvalidSignature, got {other:?}"),
    };
    let mut x = [0_u8; 96];
    x[0] = 0x80;
    x[95] = 1; // x = 1: not on the curve
    assert_eq!(problem(SignatureBytes::from(x)), PointProblem::NotOnCurve);
    x[95] = 2; // x = 2: on the twist curve, but (cofactor aside) outside the subgroup
    assert_eq!(
        problem(SignatureBytes::from(x)),
        PointProblem::NotInSubgroup
    );
    assert_eq!(problem(SignatureBytes::ZERO), PointProblem::BadEncoding);
    // The compressed point at infinity parses (it is a group element) but never verifies.
    let mut infinity = [0_u8; 96];
    infinity[0] = 0xc0;
    let infinity = SignatureBytes::from(infinity);
    assert!(Signature::from_bytes(&infinity).is_ok());
    assert!(!verify_single(
        &interop_public_key(0),
        Hash256::ZERO,
        &infinity
    ));
}

#[test]
fn wrong_pubkey_is_named() {
    let mut blocks = pyspec_chain("deneb");
    blocks[6].pubkey = interop_public_key(blocks[6].proposer_index + 1);
    expect_invalid_on_any_threads(&sets_of(&blocks), &[6]);
}

#[test]
fn an_empty_batch_is_valid() {
    verify_signature_sets(&[]).unwrap();
    verify_signature_sets_with_threads(&[], 0).unwrap();
}

#[test]
fn pubkey_at_infinity_or_malformed_is_a_typed_error() {
    let problem = |bytes: [u8; 48]| match PublicKey::from_bytes(&PubkeyBytes::from(bytes)) {
        Err(BlsError::InvalidPublicKey { problem }) => problem,
        other => panic!("expected InvalidPublicKey, got {other:?}"),
    };
    let mut bytes = [0_u8; 48];
    bytes[0] = 0xc0; // compressed point at infinity
    assert_eq!(problem(bytes), PointProblem::Infinity);
    bytes[0] = 0x80;
    bytes[47] = 1; // x = 1: 1 + 4 is no square mod p
    assert_eq!(problem(bytes), PointProblem::NotOnCurve);
    bytes[47] = 4; // x = 4: on the curve, outside the prime-order subgroup
    assert_eq!(problem(bytes), PointProblem::NotInSubgroup);
    assert_eq!(problem([0; 48]), PointProblem::BadEncoding); // no compression flag
    assert_eq!(problem([0xff; 48]), PointProblem::BadEncoding); // x >= p
}

/// Lodestar's own dev chain (8 interop validators, Capella): an independent client's
/// signatures, made with its interop keys, must verify against ours and be reproduced by them.
#[test]
fn lodestar_dev_chain_blocks_are_signed_by_our_interop_keys() {
    let genesis = read_json("lodestar-dev/genesis.json");
    let validators_root: Hash256 = field(&genesis["genesis"], "genesis_validators_root");
    let capella_version = [3_u8, 0, 0, 0];
    // fork_data_root = hash_tree_root(ForkData(version, validators_root)): two 32-byte leaves.
    let mut version_leaf = [0_u8; 32];
    version_leaf[..4].copy_from_slice(&capella_version);
    let fork_data_root = ethereum_hashing::hash32_concat(&version_leaf, validators_root.as_slice());
    assert_eq!(
        hex::encode(&fork_data_root[..4]),
        "88b30898",
        "the published fork digest"
    );
    // DOMAIN_BEACON_PROPOSER (0x00000000) followed by the first 28 bytes of the fork data root.
    let mut domain = [0_u8; 32];
    domain[4..].copy_from_slice(&fork_data_root[..28]);

    let blocks = read_json("lodestar-dev/blocks.json");
    let mut signed = Vec::new();
    for entry in blocks.as_array().unwrap() {
        let slot = entry["slot"].as_u64().unwrap();
        let proposer_index = entry["proposer_index"].as_u64().unwrap();
        let block_root: Hash256 = field(entry, "block_root");
        let ssz = std::fs::read(format!("{VECTORS}/lodestar-dev/block_{slot}.ssz")).unwrap();
        let signing_root = Hash256::from(ethereum_hashing::hash32_concat(
            block_root.as_slice(),
            &domain,
        ));
        let block = SignedRoot {
            proposer_index,
            pubkey: interop_public_key(proposer_index),
            signing_root,
            signature: signature_of_signed_block(&ssz),
        };
        assert!(
            verify_single(&block.pubkey, block.signing_root, &block.signature),
            "slot {slot}"
        );
        let resigned = interop_secret_key(block.proposer_index).sign(block.signing_root);
        assert_eq!(resigned, block.signature, "slot {slot}");
        signed.push(block);
    }
    assert_eq!(signed.len(), 4);
    verify_signature_sets(&sets_of(&signed)).unwrap();
}

/// The pyspec negative blocks whose signature was replaced: a signature by another validator
/// (which that validator's interop key reproduces) and a signature with a flipped byte that
/// is no curve point. Both must be named by a batch made of the rest of their chain.
#[test]
fn pyspec_negative_block_signatures_are_rejected() {
    for fork in PYSPEC_FORKS {
        let expected = read_json(&format!("pyspec/{fork}/expected.json"));
        let blocks = pyspec_chain(fork);
        // Every negative block is a mutation of blocks/4.ssz, the third block of the chain.
        let base_position = 2;
        let base = &blocks[base_position];
        let mut checked = 0;
        for negative in expected["negative"].as_array().unwrap() {
            let file = negative["file"].as_str().unwrap();
            if !file.starts_with("negative/block_") || file.contains("body_altered") {
                continue; // sidecar cases, and a changed body (its signing root changes)
            }
            assert_eq!(negative["base"], "blocks/4.ssz");
            let ssz = std::fs::read(format!("{VECTORS}/pyspec/{fork}/{file}")).unwrap();
            let signature = signature_of_signed_block(&ssz);
            assert!(
                !verify_single(&base.pubkey, base.signing_root, &signature),
                "{fork} {file}"
            );
            let mutation = negative["mutation"].as_str().unwrap();
            if let Some((_, rest)) = mutation.split_once("by validator ") {
                let signer: u64 = rest.split(' ').next().unwrap().parse().unwrap();
                assert_eq!(
                    interop_secret_key(signer).sign(base.signing_root),
                    signature
                );
            } else {
                let parsed = Signature::from_bytes(&signature);
                assert!(
                    matches!(parsed, Err(BlsError::InvalidSignature { .. })),
                    "{parsed:?}"
                );
            }
            let mut mutated = pyspec_chain(fork);
            mutated[base_position].signature = signature;
            expect_invalid_on_any_threads(&sets_of(&mutated), &[base_position]);
            checked += 1;
        }
        assert_eq!(checked, 2, "{fork}: wrong key and flipped byte");
    }
}
