//! Chain configuration read from a network's `config.yaml`: real fixtures, and a typed
//! error naming the key for each kind of bad input.

mod config_support;

use consensus::Fork;
use consensus::config::{ChainConfig, ConfigError, MAX_CONFIG_YAML_BYTES};
use consensus::primitives::{Hash256, Version};

use config_support::*;

// ---------------------------------------------------------------- config.yaml

#[test]
fn mainnet_config_yaml_fixture_parses_to_the_built_in_mainnet() {
    let parsed = ChainConfig::from_config_yaml(&fixture("mainnet_config.yaml")).unwrap();
    // Genesis identity is not part of config.yaml.
    assert_eq!(parsed.genesis_time(), 0);
    assert_eq!(parsed.genesis_validators_root(), Hash256::ZERO);
    // SLOT_DURATION_MS and the derived MIN_EPOCHS_FOR_BLOCK_REQUESTS of the newer format.
    assert_eq!(parsed.seconds_per_slot(), 12);
    assert_eq!(parsed.min_epochs_for_block_requests(), 33_024);
    let mainnet = ChainConfig::mainnet();
    let parsed = parsed.with_genesis(mainnet.genesis_time(), mainnet.genesis_validators_root());
    for f in Fork::ALL {
        assert_eq!(parsed.fork_params(f), mainnet.fork_params(f), "{f}");
    }
    assert_eq!(parsed.all_fork_digests(), mainnet.all_fork_digests());
    assert_eq!(parsed, mainnet);
}

#[test]
fn holesky_and_hoodi_config_yaml_fixtures_parse_to_the_built_in_networks() {
    for (file, built_in) in [
        ("holesky_config.yaml", ChainConfig::holesky()),
        ("hoodi_config.yaml", ChainConfig::hoodi()),
    ] {
        let parsed = ChainConfig::from_config_yaml(&fixture(file))
            .unwrap()
            .with_genesis(built_in.genesis_time(), built_in.genesis_validators_root());
        assert_eq!(parsed, built_in, "{file}");
    }
}

#[test]
fn a_written_config_yaml_reads_back_as_the_same_config() {
    let devnet_root = Hash256::from([7; 32]);
    for config in [
        ChainConfig::mainnet(),
        ChainConfig::sepolia(),
        ChainConfig::holesky(),
        ChainConfig::hoodi(),
        ChainConfig::devnet(Fork::Electra, 1_700_000_000, devnet_root),
        ChainConfig::devnet(Fork::Deneb, 1_700_000_000, devnet_root),
    ] {
        let text = config.to_config_yaml();
        let parsed = ChainConfig::from_config_yaml(&text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", config.name()))
            .with_genesis(config.genesis_time(), config.genesis_validators_root());
        assert_eq!(parsed, config, "{text}");
    }
}

#[test]
fn a_written_config_yaml_has_the_published_keys_and_values() {
    // The lines of the published mainnet file that the writer also writes, as written
    // there (its fork versions, epochs and limits).
    let text = ChainConfig::mainnet().to_config_yaml();
    for line in [
        "PRESET_BASE: 'mainnet'",
        "CONFIG_NAME: 'mainnet'",
        "GENESIS_FORK_VERSION: 0x00000000",
        "ALTAIR_FORK_EPOCH: 74240",
        "ELECTRA_FORK_VERSION: 0x05000000",
        "ELECTRA_FORK_EPOCH: 364032",
        "MAX_REQUEST_BLOCKS_DENEB: 128",
        "MAX_BLOBS_PER_BLOCK_ELECTRA: 9",
    ] {
        assert!(fixture("mainnet_config.yaml").contains(line), "{line}");
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    // An unscheduled fork is written as FAR_FUTURE_EPOCH, as the published files do.
    let devnet = ChainConfig::devnet(Fork::Deneb, 0, Hash256::ZERO).to_config_yaml();
    assert!(
        devnet.contains("ELECTRA_FORK_EPOCH: 18446744073709551615"),
        "{devnet}"
    );
}

#[test]
fn quoted_values_parse_like_plain_ones() {
    let yaml = mainnet_yaml_with("DENEB_FORK_EPOCH: 269568", "DENEB_FORK_EPOCH: \"269568\"")
        .replacen(
            "DENEB_FORK_VERSION: 0x04000000",
            "DENEB_FORK_VERSION: '0x04000000'",
            1,
        );
    let parsed = ChainConfig::from_config_yaml(&yaml).unwrap();
    assert_eq!(parsed.fork_epoch(Fork::Deneb), Some(269_568));
    assert_eq!(
        parsed.fork_version(Fork::Deneb),
        "0x04000000".parse::<Version>().unwrap()
    );
}

#[test]
fn far_future_fulu_epoch_leaves_fulu_unscheduled() {
    let yaml = mainnet_yaml_with(
        "FULU_FORK_EPOCH: 411392",
        "FULU_FORK_EPOCH: 18446744073709551615",
    );
    let parsed = ChainConfig::from_config_yaml(&yaml).unwrap();
    assert_eq!(parsed.fork_epoch(Fork::Fulu), None);
    assert_eq!(parsed.fork_at_epoch(500_000), Fork::Electra);
    assert_eq!(parsed.all_fork_digests().len(), 6);
}

#[test]
fn minimal_preset_is_rejected_with_a_clear_message() {
    let err = parse_err(&mainnet_yaml_with(
        "PRESET_BASE: 'mainnet'",
        "PRESET_BASE: 'minimal'",
    ));
    assert!(
        matches!(&err, ConfigError::UnsupportedPreset { preset } if preset == "minimal"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("only the 'mainnet' preset is supported")
    );
}

#[test]
fn missing_keys_are_named() {
    let err = parse_err(&mainnet_yaml_with("ELECTRA_FORK_EPOCH: 364032", "#"));
    assert!(
        matches!(&err, ConfigError::MissingKey { key } if key == "ELECTRA_FORK_EPOCH"),
        "{err}"
    );
    let err = parse_err(&mainnet_yaml_with("PRESET_BASE: 'mainnet'", "#"));
    assert!(matches!(&err, ConfigError::MissingKey { key } if key == "PRESET_BASE"));
    let err = parse_err(&mainnet_yaml_with("MAX_BLOBS_PER_BLOCK_ELECTRA: 9", "#"));
    assert!(
        matches!(&err, ConfigError::MissingKey { key } if key == "MAX_BLOBS_PER_BLOCK_ELECTRA")
    );
    let err = parse_err(&mainnet_yaml_with("SLOT_DURATION_MS: 12000", "#"));
    assert!(matches!(&err, ConfigError::MissingKey { key } if key == "SECONDS_PER_SLOT"));
    let err = parse_err(&mainnet_yaml_with(
        "    MAX_BLOBS_PER_BLOCK: 21",
        "    MAX_BLOBS: 21",
    ));
    assert!(
        matches!(&err, ConfigError::MissingKey { key } if key == "BLOB_SCHEDULE[1].MAX_BLOBS_PER_BLOCK"),
        "{err}"
    );
}

#[test]
fn lodestar_1_5_config_spec_json_reads_as_its_capella_chain() {
    // JSON is YAML. Lodestar 1.5.1 named Deneb "EIP4844", so there are no Deneb keys
    // (Deneb reads as not scheduled), and its /eth/v1/config/spec has no
    // MAX_REQUEST_BLOCKS (a p2p constant until Deneb: 1,024).
    let dir = std::path::PathBuf::from(VECTORS).join("lodestar-dev");
    let text = std::fs::read_to_string(dir.join("config_spec.json")).unwrap();
    let genesis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("genesis.json")).unwrap()).unwrap();
    let root: Hash256 = genesis["genesis"]["genesis_validators_root"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let config = ChainConfig::from_config_yaml(&text)
        .unwrap()
        .with_genesis(0, root);
    assert_eq!(config.seconds_per_slot(), 2);
    assert_eq!(config.max_request_blocks(), 1024);
    assert_eq!(config.fork_at_epoch(0), Fork::Capella);
    assert_eq!(config.fork_epoch(Fork::Deneb), None);
    // The digest Lodestar put on the wire and in its REST answers.
    let capella = genesis["fork_digests"]["CAPELLA_FORK_VERSION"]
        .as_str()
        .unwrap();
    assert_eq!(config.fork_digest_at_epoch(0).to_string(), capella);

    // The same chain with Deneb scheduled at epoch 10 needs the Deneb keys.
    let far = "\"EIP4844_FORK_EPOCH\": \"18446744073709551615\"";
    assert!(text.contains(far));
    let with_deneb = text
        .replace("\"EIP4844_FORK_VERSION\"", "\"DENEB_FORK_VERSION\"")
        .replace(far, "\"DENEB_FORK_EPOCH\": \"10\"");
    let err = parse_err(&with_deneb);
    assert!(
        matches!(&err, ConfigError::MissingKey { key } if key == "MAX_REQUEST_BLOCKS_DENEB"),
        "{err}"
    );
}

#[test]
fn a_file_written_before_a_fork_leaves_that_fork_unscheduled() {
    // The published mainnet file of the vectors predates Fulu: no FULU_* keys at all.
    let published = std::fs::read_to_string(
        std::path::PathBuf::from(VECTORS).join("networks/mainnet/config.yaml"),
    )
    .unwrap();
    assert!(!published.contains("FULU_FORK"));
    let parsed = ChainConfig::from_config_yaml(&published).unwrap();
    assert_eq!(parsed.fork_epoch(Fork::Fulu), None);
    assert_eq!(
        parsed.fork_epoch(Fork::Electra),
        ChainConfig::mainnet().fork_epoch(Fork::Electra)
    );
    // One key of a pair without the other is still an error that names the missing one.
    let err = parse_err(&mainnet_yaml_with("FULU_FORK_EPOCH: 411392", "#"));
    assert!(
        matches!(&err, ConfigError::MissingKey { key } if key == "FULU_FORK_EPOCH"),
        "{err}"
    );
}

#[test]
fn bad_hex_and_bad_numbers_are_named() {
    for bad in [
        "0x0400000g",
        "0x040000",
        "04000000",
        "0x0400000000",
        "0x+1000000",
        "0x04 0000",
    ] {
        let err = parse_err(&mainnet_yaml_with(
            "DENEB_FORK_VERSION: 0x04000000",
            &format!("DENEB_FORK_VERSION: {bad}"),
        ));
        assert!(
            matches!(&err, ConfigError::InvalidHex { key, value, expected_bytes: 4 }
                if key == "DENEB_FORK_VERSION" && value == bad),
            "{bad}: {err}"
        );
    }
    for bad in ["74240x", "-1", "18446744073709551616", "7.5", "0x10"] {
        let err = parse_err(&mainnet_yaml_with(
            "ALTAIR_FORK_EPOCH: 74240",
            &format!("ALTAIR_FORK_EPOCH: {bad}"),
        ));
        assert!(
            matches!(&err, ConfigError::InvalidNumber { key, value } if key == "ALTAIR_FORK_EPOCH" && value == bad),
            "{bad}: {err}"
        );
    }
    let err = parse_err(&mainnet_yaml_with("  - EPOCH: 412672", "  - EPOCH: soon"));
    assert!(
        matches!(&err, ConfigError::InvalidNumber { key, .. } if key == "BLOB_SCHEDULE[0].EPOCH")
    );
}

#[test]
fn inconsistent_or_unusable_values_are_rejected() {
    let err = parse_err(&mainnet_yaml_with(
        "ALTAIR_FORK_EPOCH: 74240",
        "ALTAIR_FORK_EPOCH: 150000",
    ));
    assert!(
        matches!(
            err,
            ConfigError::ForkOrder {
                fork: Fork::Bellatrix,
                epoch: 144_896,
                previous: Fork::Altair,
                previous_epoch: Some(150_000)
            }
        ),
        "{err}"
    );
    let err = parse_err(&mainnet_yaml_with(
        "SLOT_DURATION_MS: 12000",
        "SLOT_DURATION_MS: 12000\nSECONDS_PER_SLOT: 6",
    ));
    assert!(matches!(
        err,
        ConfigError::InconsistentSlotDuration {
            seconds: 6,
            millis: 12_000
        }
    ));
    let err = parse_err(&mainnet_yaml_with(
        "SLOT_DURATION_MS: 12000",
        "SLOT_DURATION_MS: 1500",
    ));
    assert!(matches!(
        err,
        ConfigError::InvalidSlotDuration {
            key: "SLOT_DURATION_MS",
            value: 1500
        }
    ));
    let err = parse_err(&mainnet_yaml_with("  - EPOCH: 419072", "  - EPOCH: 412672"));
    assert!(matches!(
        err,
        ConfigError::DuplicateBlobScheduleEpoch { epoch: 412_672 }
    ));
    let err = parse_err(&mainnet_yaml_with(
        "GAS_LIMIT_SCHEDULE: []",
        "MAX_REQUEST_BLOCKS: 1",
    ));
    assert!(matches!(&err, ConfigError::DuplicateKey { key } if key == "MAX_REQUEST_BLOCKS"));
    let err = parse_err(&mainnet_yaml_with(
        "MAX_REQUEST_BLOCKS: 1024",
        "MAX_REQUEST_BLOCKS: [1024]",
    ));
    assert!(matches!(&err, ConfigError::WrongType { key, .. } if key == "MAX_REQUEST_BLOCKS"));
    let yaml = mainnet_yaml_with("BLOB_SCHEDULE:\n", "OLD_BLOB_SCHEDULE:\n") + "BLOB_SCHEDULE: 5\n";
    let err = parse_err(&yaml);
    assert!(matches!(&err, ConfigError::WrongType { key, .. } if key == "BLOB_SCHEDULE"));
    let yaml =
        mainnet_yaml_with("BLOB_SCHEDULE:\n", "OLD_BLOB_SCHEDULE:\n") + "BLOB_SCHEDULE: [7]\n";
    let err = parse_err(&yaml);
    assert!(matches!(&err, ConfigError::WrongType { key, .. } if key == "BLOB_SCHEDULE[0]"));
}

#[test]
fn text_that_is_not_a_config_mapping_is_rejected() {
    assert!(matches!(parse_err(""), ConfigError::NotAMapping));
    assert!(matches!(parse_err("- a\n- b\n"), ConfigError::NotAMapping));
    assert!(matches!(parse_err("just text"), ConfigError::NotAMapping));
    assert!(matches!(
        parse_err("PRESET_BASE: [mainnet\n"),
        ConfigError::Syntax { .. }
    ));
    assert!(matches!(
        parse_err("A: &x 1\nB: *x\n"),
        ConfigError::UnsupportedYaml { what: "aliases" }
    ));
    assert!(matches!(
        parse_err("PRESET_BASE: mainnet\n---\nPRESET_BASE: mainnet\n"),
        ConfigError::UnsupportedYaml { .. }
    ));
    assert!(matches!(
        parse_err(&format!("A: {}1{}\n", "[".repeat(50), "]".repeat(50))),
        ConfigError::UnsupportedYaml { .. }
    ));
    assert!(matches!(
        parse_err("? [a, b]\n: c\n"),
        ConfigError::UnsupportedYaml { .. }
    ));
    let huge = format!("# {}\n", "x".repeat(MAX_CONFIG_YAML_BYTES));
    assert!(matches!(
        parse_err(&huge),
        ConfigError::InputTooLarge {
            max: MAX_CONFIG_YAML_BYTES,
            ..
        }
    ));
}

#[test]
fn a_dev_chain_may_run_faster_slots_but_not_zero_length_ones() {
    let config = consensus::config::ChainConfig::devnet(
        consensus::Fork::Capella,
        0,
        consensus::primitives::Hash256::ZERO,
    );
    let fast = config.clone().with_seconds_per_slot(2).expect("2 s slots");
    assert_eq!(fast.seconds_per_slot(), 2);
    assert_eq!(fast.fork_digest_at_epoch(0), config.fork_digest_at_epoch(0));
    assert!(config.with_seconds_per_slot(0).is_err());
}
