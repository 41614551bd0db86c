//! Chain configuration: the fork schedule's arithmetic (fork at slot, blob limits, the
//! sync spec) and the builders that change it.

use consensus::Fork;
use consensus::config::{ChainConfig, ConfigError, FAR_FUTURE_EPOCH};
use consensus::primitives::Hash256;
use proptest::prelude::*;

// ---------------------------------------------------------------- schedule arithmetic

#[test]
fn fork_at_slot_switches_exactly_at_each_mainnet_fork_boundary() {
    let mainnet = ChainConfig::mainnet();
    for pair in Fork::ALL.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let first_slot = mainnet.epoch_start_slot(mainnet.fork_epoch(after).unwrap());
        assert_eq!(mainnet.fork_at_slot(first_slot - 1), before, "{after}");
        assert_eq!(mainnet.fork_at_slot(first_slot), after, "{after}");
    }
    // Altair: last phase0 slot 2375679, first Altair slot 2375680 (epoch 74240).
    assert_eq!(mainnet.fork_at_slot(2_375_679), Fork::Phase0);
    assert_eq!(mainnet.fork_at_slot(2_375_680), Fork::Altair);
    assert_eq!(mainnet.slot_to_epoch(2_375_679), 74_239);
}

#[test]
fn far_future_epochs_and_slots_stay_in_the_last_scheduled_fork() {
    let mainnet = ChainConfig::mainnet();
    assert_eq!(mainnet.fork_at_epoch(FAR_FUTURE_EPOCH), Fork::Fulu);
    assert_eq!(mainnet.fork_at_slot(u64::MAX), Fork::Fulu);
    assert_eq!(mainnet.epoch_start_slot(FAR_FUTURE_EPOCH), u64::MAX);
    assert_eq!(mainnet.max_blobs_per_block_at_epoch(FAR_FUTURE_EPOCH), 21);
    let electra = ChainConfig::devnet(Fork::Electra, 0, Hash256::ZERO);
    assert_eq!(electra.fork_epoch(Fork::Fulu), None);
    assert_eq!(electra.fork_at_slot(u64::MAX), Fork::Electra);
    // The BPO entries do nothing while Fulu is unscheduled.
    assert_eq!(electra.max_blobs_per_block_at_epoch(419_072), 9);
    assert_eq!(electra.all_fork_digests().len(), 6);
}

#[test]
fn blob_limits_follow_deneb_electra_and_the_bpo_forks() {
    let mainnet = ChainConfig::mainnet();
    for (epoch, max) in [
        (0, 0),
        (269_567, 0),
        (269_568, 6),
        (364_031, 6),
        (364_032, 9),
        (411_392, 9),
        (412_671, 9),
        (412_672, 15),
        (419_071, 15),
        (419_072, 21),
    ] {
        assert_eq!(
            mainnet.max_blobs_per_block_at_epoch(epoch),
            max,
            "epoch {epoch}"
        );
    }
    assert_eq!(mainnet.blob_parameters(411_392), (364_032, 9));
    assert_eq!(mainnet.blob_parameters(412_671), (364_032, 9));
    assert_eq!(mainnet.blob_parameters(412_672), (412_672, 15));
    assert_eq!(mainnet.blob_parameters(500_000), (419_072, 21));
    assert_eq!(mainnet.max_request_blocks_at_epoch(269_567), 1024);
    assert_eq!(mainnet.max_request_blocks_at_epoch(269_568), 128);
}

#[test]
fn sync_spec_of_mainnet_equals_the_sync_types_mainnet_spec() {
    let mainnet = ChainConfig::mainnet();
    assert_eq!(mainnet.to_sync_spec(), sync_types::ChainSpec::mainnet());
}

#[test]
fn sync_spec_blob_limits_agree_with_the_config_at_every_boundary() {
    let configs = [
        ChainConfig::mainnet(),
        ChainConfig::sepolia(),
        ChainConfig::holesky(),
        ChainConfig::hoodi(),
        ChainConfig::devnet(Fork::Deneb, 0, Hash256::ZERO),
        ChainConfig::devnet(Fork::Fulu, 0, Hash256::ZERO),
        ChainConfig::devnet(Fork::Capella, 0, Hash256::ZERO),
    ];
    for config in &configs {
        let spec = config.to_sync_spec();
        // sync-types marks an unscheduled Deneb with FAR_FUTURE_EPOCH itself, so the
        // largest epoch compared is the one before it.
        let mut epochs: Vec<u64> = vec![0, 1, FAR_FUTURE_EPOCH - 1];
        for f in Fork::ALL {
            if let Some(e) = config.fork_epoch(f) {
                epochs.extend([e.saturating_sub(1), e, e + 1]);
            }
        }
        for entry in config.blob_schedule() {
            epochs.extend([entry.epoch - 1, entry.epoch]);
        }
        for epoch in epochs {
            assert_eq!(
                spec.max_blobs_per_block_at(sync_types::Epoch(epoch)),
                config.max_blobs_per_block_at_epoch(epoch),
                "{} epoch {epoch}",
                config.name()
            );
            assert_eq!(
                spec.max_request_blocks_at(sync_types::Epoch(epoch)),
                config.max_request_blocks_at_epoch(epoch)
            );
        }
    }
}

#[test]
fn with_fork_epoch_keeps_forks_in_order() {
    let devnet = ChainConfig::devnet(Fork::Deneb, 0, Hash256::ZERO);
    let electra_at_2 = devnet
        .clone()
        .with_fork_epoch(Fork::Electra, Some(2))
        .unwrap();
    assert_eq!(electra_at_2.fork_at_epoch(1), Fork::Deneb);
    assert_eq!(electra_at_2.fork_at_epoch(2), Fork::Electra);
    assert_eq!(
        electra_at_2.fork_for_digest(electra_at_2.fork_digest_at_epoch(2)),
        Some(Fork::Electra)
    );
    // Fulu without Electra scheduled is out of order.
    let err = devnet
        .clone()
        .with_fork_epoch(Fork::Fulu, Some(4))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::ForkOrder {
                fork: Fork::Fulu,
                previous: Fork::Electra,
                previous_epoch: None,
                ..
            }
        ),
        "{err}"
    );
    let err = devnet.with_fork_epoch(Fork::Phase0, Some(3)).unwrap_err();
    assert!(matches!(
        err,
        ConfigError::GenesisForkNotAtZero { epoch: Some(3) }
    ));
}

#[test]
fn with_genesis_recomputes_the_digest_table() {
    let mainnet = ChainConfig::mainnet();
    let other = mainnet.clone().with_genesis(1, Hash256::repeat_byte(7));
    let mainnet_genesis_digest = mainnet.fork_digest_at_epoch(0);
    assert_ne!(other.fork_digest_at_epoch(0), mainnet_genesis_digest);
    assert_eq!(other.fork_for_digest(mainnet_genesis_digest), None);
    assert_eq!(
        other.fork_for_digest(other.fork_digest_at_epoch(0)),
        Some(Fork::Phase0)
    );
}

proptest! {
    #[test]
    fn every_epoch_digest_maps_back_to_its_fork(epoch in 0u64..600_000) {
        for config in [ChainConfig::mainnet(), ChainConfig::hoodi()] {
            let f = config.fork_at_epoch(epoch);
            prop_assert!(config.fork_epoch(f).is_some_and(|start| start <= epoch));
            if let Some(next) = Fork::ALL.into_iter().find(|n| *n > f) {
                prop_assert!(config.fork_epoch(next).is_none_or(|start| start > epoch));
            }
            prop_assert_eq!(config.fork_for_digest(config.fork_digest_at_epoch(epoch)), Some(f));
        }
    }
}
