//! A devnet that crosses forks and blob-schedule (BPO) epochs: Electra at genesis, Fulu at
//! epoch 2, BPO forks at epochs 3 and 4. Each block is of its epoch's fork and signed with
//! that fork's version; blob data travels as sidecars before Fulu and as columns after; the
//! blob limit follows the schedule; the verifier accepts the whole chain in both
//! directions across every boundary; and bad schedules are typed errors.

mod support;

use consensus::bls::verify_single;
use consensus::config::{BlobScheduleEntry, DOMAIN_BEACON_PROPOSER, compute_signing_root};
use consensus::containers::NUMBER_OF_COLUMNS;
use consensus::devnet::{Devnet, DevnetError, DevnetParams, SlotPlan, seed_from_u64};
use consensus::verify::Anchor;
use consensus::{ChainVerifier, Fork};
use support::assert_all_ok;

const FULU_EPOCH: u64 = 2;
const BPO1: BlobScheduleEntry = BlobScheduleEntry {
    epoch: 3,
    max_blobs_per_block: 12,
};
const BPO2: BlobScheduleEntry = BlobScheduleEntry {
    epoch: 4,
    max_blobs_per_block: 15,
};

fn params(plan: Vec<SlotPlan>) -> DevnetParams {
    DevnetParams {
        seed: seed_from_u64(11),
        genesis_fork: Fork::Electra,
        later_forks: vec![(Fork::Fulu, FULU_EPOCH)],
        blob_schedule: Some(vec![BPO1, BPO2]),
        blob_pool: 4,
        slot_plan: Some(plan),
        ..DevnetParams::default()
    }
}

/// Five epochs and a bit: a block with 2 blobs in most slots, the blob limit of each epoch
/// at the first slot of Electra's last epoch, of BPO1 and of BPO2.
fn plan() -> Vec<SlotPlan> {
    (1..=5 * 32 + 8)
        .map(|slot| match slot {
            32 => SlotPlan::Block { blobs: 9 },
            96 => SlotPlan::Block { blobs: 12 },
            128 => SlotPlan::Block { blobs: 15 },
            s if s % 7 == 0 => SlotPlan::Empty,
            _ => SlotPlan::Block { blobs: 2 },
        })
        .collect()
}

fn devnet() -> Devnet {
    Devnet::generate(params(plan())).expect("a valid schedule")
}

#[test]
fn each_block_is_of_its_epochs_fork_with_sidecars_before_fulu_and_columns_after() {
    let devnet = devnet();
    let config = devnet.config();
    assert_eq!(devnet.fork(), Fork::Electra);
    for (index, block) in devnet.blocks().iter().enumerate() {
        let slot = block.signed().slot();
        let fulu = slot >= FULU_EPOCH * 32;
        let expected = if fulu { Fork::Fulu } else { Fork::Electra };
        assert_eq!(block.signed().fork(), expected, "slot {slot}");
        let data = devnet.block_and_sidecars(index).expect("a block");
        let blobs = devnet.blob_count(index);
        if fulu {
            assert!(data.sidecars.is_none(), "slot {slot}");
            let columns = data.columns.expect("Fulu blocks have columns");
            let want = if blobs > 0 { NUMBER_OF_COLUMNS } else { 0 };
            assert_eq!(columns.len() as u64, want, "slot {slot}");
        } else {
            assert!(data.columns.is_none(), "slot {slot}");
            assert_eq!(data.sidecars.map(|s| s.len()), Some(blobs), "slot {slot}");
        }
    }
    // The blob counts of the plan, at the limit of each epoch.
    for (slot, blobs) in [(32, 9), (96, 12), (128, 15)] {
        let index = devnet.index_of_slot(slot).expect("a planned block");
        assert_eq!(devnet.blob_count(index), blobs, "slot {slot}");
        assert_eq!(
            config.max_blobs_per_block_at_epoch(slot / 32),
            blobs as u64,
            "slot {slot}"
        );
    }
    // A digest per fork and per BPO fork, each distinct.
    let digests: Vec<_> = config
        .all_fork_digests()
        .into_iter()
        .filter(|(_, _, epoch)| *epoch > 0)
        .map(|(digest, fork, epoch)| (fork, epoch, digest))
        .collect();
    assert_eq!(
        digests.iter().map(|(f, e, _)| (*f, *e)).collect::<Vec<_>>(),
        vec![(Fork::Fulu, 2), (Fork::Fulu, 3), (Fork::Fulu, 4)]
    );
    let mut distinct: Vec<_> = config.all_fork_digests().iter().map(|d| d.0).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), config.all_fork_digests().len());
    for epoch in 0..6 {
        let fork = config.fork_for_digest(config.fork_digest_at_epoch(epoch));
        assert_eq!(fork, Some(config.fork_at_epoch(epoch)), "epoch {epoch}");
    }
}

#[test]
fn the_verifier_accepts_the_chain_across_every_boundary_in_both_directions() {
    let devnet = devnet();
    let head = devnet.head().signed().slot();
    // Segments of 48 slots straddle the Fulu and both BPO boundaries.
    let forward = ChainVerifier::new(
        devnet.config().clone(),
        devnet.proposers(),
        devnet.genesis_anchor(),
        (),
    );
    let mut verified = 0;
    for start in (1..=head).step_by(48) {
        let segment = devnet.segment(start..start + 48);
        assert_all_ok(&forward, &segment, &format!("forward from {start}"));
        verified += segment.len();
    }
    assert_eq!(verified, devnet.blocks().len());
    let backward = ChainVerifier::new(
        devnet.config().clone(),
        devnet.proposers(),
        devnet.head_anchor(),
        (),
    );
    let mut end = head + 1;
    while end > 1 {
        let start = end.saturating_sub(40).max(1);
        let mut segment = devnet.segment(start..end);
        segment.reverse();
        assert_all_ok(&backward, &segment, &format!("backward below {end}"));
        end = start;
    }
    assert_eq!(
        backward.anchor(),
        Anchor::Parent {
            root: devnet.genesis_block().root(),
            child_slot: devnet.blocks()[0].signed().slot(),
        }
    );
}

#[test]
fn blocks_are_signed_with_their_epochs_fork_version() {
    let devnet = devnet();
    let config = devnet.config();
    let electra = config.fork_version(Fork::Electra);
    let fulu = config.fork_version(Fork::Fulu);
    assert_ne!(electra, fulu);
    for block in devnet.blocks() {
        let slot = block.signed().slot();
        let proposer = devnet
            .keys()
            .public_key(block.signed().proposer_index())
            .expect("an interop key");
        let signed_with = |version| {
            let domain = config.compute_domain(DOMAIN_BEACON_PROPOSER, version);
            verify_single(
                proposer,
                compute_signing_root(block.root(), domain),
                block.signed().signature(),
            )
        };
        let (right, wrong) = if slot >= FULU_EPOCH * 32 {
            (fulu, electra)
        } else {
            (electra, fulu)
        };
        assert!(signed_with(right), "slot {slot}");
        assert!(!signed_with(wrong), "slot {slot}");
    }
}

#[test]
fn blob_counts_above_an_epochs_limit_and_bad_schedules_are_typed_errors() {
    // 12 blobs are allowed from BPO1 on, not in Fulu's first epoch (Electra's limit 9).
    let mut too_early = plan();
    too_early[usize::try_from(FULU_EPOCH * 32).unwrap() - 1] = SlotPlan::Block { blobs: 12 };
    assert_eq!(
        Devnet::generate(params(too_early)).unwrap_err(),
        DevnetError::PlanTooManyBlobs {
            slot: FULU_EPOCH * 32,
            blobs: 12,
            max: 9
        }
    );
    // max_blobs above the highest limit anywhere in the chain.
    let error = Devnet::generate(DevnetParams {
        max_blobs: Some(16),
        ..params(plan())
    })
    .unwrap_err();
    assert!(
        matches!(error, DevnetError::TooManyBlobs { fork_max: 15, .. }),
        "{error}"
    );
    let schedule = |later_forks: Vec<(Fork, u64)>, blob_schedule| DevnetParams {
        later_forks,
        blob_schedule,
        slots: 64,
        ..DevnetParams::default()
    };
    for (bad, what) in [
        (schedule(vec![(Fork::Fulu, 0)], None), "epoch 0"),
        (schedule(vec![(Fork::Electra, 3)], None), "fork order"),
        (schedule(vec![(Fork::Deneb, 3)], None), "fork order"),
        (
            schedule(vec![(Fork::Fulu, 2)], Some(vec![BPO1, BPO1])),
            "BLOB_SCHEDULE",
        ),
    ] {
        let error = Devnet::generate(bad).unwrap_err();
        assert!(matches!(error, DevnetError::Schedule { .. }), "{error}");
        assert!(error.to_string().contains(what), "{error}");
    }
}
