//! A registry read from an older state than the blocks: with the `Refresh` policy a
//! proposer that could have joined since makes the segment fail as our fault (nobody
//! blamed) and asks for a newer registry; the newer one (an extension of ours) lets the
//! same segment verify; a proposer that could not have joined is still the peer's fault.

use consensus::ChainVerifier;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use consensus::state::ValidatorRegistry;
use consensus::verify::{
    MAX_REGISTRY_GROWTH_PER_SLOT, Proposers, RegistryError, UnknownProposers, VerifyError,
    could_have_joined,
};
use sync_types::VerifierFault;

fn devnet() -> Devnet {
    Devnet::generate(DevnetParams {
        seed: seed_from_u64(11),
        validators: 16,
        slots: 64,
        max_blobs: Some(0),
        ..DevnetParams::default()
    })
    .expect("devnet builds")
}

/// The devnet's registry cut to its first `n` validators.
fn first(devnet: &Devnet, n: usize) -> Proposers {
    let mut keys = ValidatorRegistry::from_state_bytes(devnet.genesis_state_ssz())
        .expect("a state")
        .pubkeys;
    keys.truncate(n);
    Proposers::from_compressed(keys)
}

#[test]
fn growth_is_bounded_by_the_slots_since_the_state() {
    assert!(could_have_joined(100, 100, 11, 10), "one slot: 16 more");
    assert!(!could_have_joined(
        100 + MAX_REGISTRY_GROWTH_PER_SLOT,
        100,
        11,
        10
    ));
    assert!(
        !could_have_joined(100, 100, 10, 10),
        "none at the state's own slot"
    );
    assert!(!could_have_joined(100, 100, 5, 10), "nor before it");
}

#[test]
fn a_proposer_that_joined_since_asks_for_a_newer_registry_and_then_verifies() {
    let devnet = devnet();
    let verifier = ChainVerifier::new(
        devnet.config().clone(),
        first(&devnet, 12),
        devnet.genesis_anchor(),
        (),
    )
    .with_unknown_proposers(UnknownProposers::Refresh { state_slot: 0 });
    let segment = devnet.segment(1..33);
    let fault = verifier.verify_blocking(&segment).expect_err("our fault");
    let VerifierFault::RegistryBehind {
        slot,
        proposer_index,
        validators,
    } = fault
    else {
        panic!("{fault:?}");
    };
    assert!(proposer_index >= 12 && validators == 12, "{fault}");
    assert_eq!(verifier.registry_wanted(), Some(slot.0));

    // A registry that does not start with ours (the same keys in another order) is
    // refused; nothing changes.
    let mut shuffled = ValidatorRegistry::from_state_bytes(devnet.genesis_state_ssz())
        .expect("a state")
        .pubkeys;
    shuffled.reverse();
    assert_eq!(
        verifier.update_registry(Proposers::from_compressed(shuffled), 32),
        Err(RegistryError::NotAnExtension { got: 16, ours: 12 })
    );
    assert_eq!(verifier.registry_len(), 12);

    verifier
        .update_registry(first(&devnet, 16), 32)
        .expect("extends ours");
    assert_eq!(verifier.registry_wanted(), None);
    let report = verifier.verify_blocking(&segment).expect("no fault");
    assert_eq!(report.failure, None);
    assert_eq!(report.outcomes.len(), segment.len());
}

#[test]
fn a_proposer_that_could_not_have_joined_is_the_peers_fault() {
    let devnet = devnet();
    // The registry claims to be of slot 64: no block at or before it can name a newcomer.
    let verifier = ChainVerifier::new(
        devnet.config().clone(),
        first(&devnet, 12),
        devnet.genesis_anchor(),
        (),
    )
    .with_unknown_proposers(UnknownProposers::Refresh { state_slot: 64 });
    let report = verifier
        .verify_blocking(&devnet.segment(1..33))
        .expect("no fault of ours");
    assert!(
        matches!(
            report.failure,
            Some((_, VerifyError::UnknownProposer { .. }))
        ),
        "{:?}",
        report.failure
    );
    assert_eq!(verifier.registry_wanted(), None);
}
