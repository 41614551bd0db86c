//! Chain configuration against the shared vectors: mainnet fork digests and domains
//! (chain_constants.json), pyspec Deneb/Electra/Fulu chains, the Lodestar Capella devnet,
//! real mainnet proposer signing roots, and `config.yaml` parsing of real network configs.

use std::path::PathBuf;

use consensus::Fork;
use consensus::config::{
    BlobScheduleEntry, ChainConfig, ConfigError, FAR_FUTURE_EPOCH, MAX_CONFIG_YAML_BYTES,
    compute_fork_data_root, compute_signing_root,
};
use consensus::primitives::{ForkDigest, Hash256, Version};
use proptest::prelude::*;
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn json(relative: &str) -> Value {
    let path = PathBuf::from(VECTORS).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("vector files are valid JSON")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(FIXTURES).join(name)).expect("fixture exists")
}

#[track_caller]
fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

#[track_caller]
fn num(value: &Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[track_caller]
fn root(value: &Value) -> Hash256 {
    text(value).parse().expect("a 32-byte hex root")
}

#[track_caller]
fn digest(value: &Value) -> ForkDigest {
    text(value).parse().expect("a 4-byte hex digest")
}

#[track_caller]
fn version(value: &Value) -> Version {
    text(value).parse().expect("a 4-byte hex version")
}

#[track_caller]
fn fork(name: &str) -> Fork {
    Fork::from_name(name).unwrap_or_else(|| panic!("unknown fork {name}"))
}

/// The digest the config lists for `fork` in its table.
#[track_caller]
fn table_digest(config: &ChainConfig, fork: Fork) -> ForkDigest {
    let epoch = config.fork_epoch(fork).expect("fork is scheduled");
    config
        .all_fork_digests()
        .into_iter()
        .find(|(_, f, e)| *f == fork && *e == epoch)
        .map(|(d, ..)| d)
        .expect("every scheduled fork has a digest")
}

#[track_caller]
fn parse_err(text: &str) -> ConfigError {
    match ChainConfig::from_config_yaml(text) {
        Ok(config) => panic!("parsed: {config:?}"),
        Err(e) => e,
    }
}

/// The mainnet fixture with one line replaced (the line must exist).
#[track_caller]
fn mainnet_yaml_with(old: &str, new: &str) -> String {
    let yaml = fixture("mainnet_config.yaml");
    assert!(yaml.contains(old), "fixture has no {old:?}");
    yaml.replacen(old, new, 1)
}

// ---------------------------------------------------------------- chain_constants.json

#[test]
fn mainnet_fork_roots_digests_and_proposer_domains_match_chain_constants() {
    let constants = json("chain_constants.json");
    let mainnet = ChainConfig::mainnet();
    let forks = constants["mainnet"]["forks"].as_array().unwrap();
    assert_eq!(forks.len(), Fork::ALL.len());
    for entry in forks {
        let f = fork(text(&entry["fork"]));
        let epoch = num(&entry["epoch"]);
        assert_eq!(mainnet.fork_version(f), version(&entry["version"]), "{f}");
        assert_eq!(mainnet.fork_epoch(f), Some(epoch), "{f}");
        assert_eq!(mainnet.epoch_start_slot(epoch), num(&entry["first_slot"]));
        assert_eq!(
            mainnet.compute_fork_data_root(mainnet.fork_version(f)),
            root(&entry["fork_data_root"]),
            "{f}"
        );
        assert_eq!(mainnet.fork_at_epoch(epoch), f);
        assert_eq!(
            mainnet.fork_digest_at_epoch(epoch),
            digest(&entry["fork_digest"]),
            "{f}"
        );
        assert_eq!(
            mainnet.proposer_domain(epoch),
            root(&entry["domain_beacon_proposer"]),
            "{f}"
        );
        assert_eq!(
            mainnet.fork_for_digest(digest(&entry["fork_digest"])),
            Some(f)
        );
    }
}

#[test]
fn mainnet_bpo_digests_match_chain_constants_and_map_to_fulu() {
    let constants = json("chain_constants.json");
    let mainnet = ChainConfig::mainnet();
    let bpos = constants["mainnet"]["fulu_bpo_forks"].as_array().unwrap();
    assert_eq!(bpos.len(), 2);
    for bpo in bpos {
        let epoch = num(&bpo["epoch"]);
        assert_eq!(mainnet.epoch_start_slot(epoch), num(&bpo["first_slot"]));
        assert_eq!(mainnet.fork_at_epoch(epoch), Fork::Fulu);
        assert_eq!(
            mainnet.fork_version_at_epoch(epoch),
            version(&bpo["fork_version_unchanged"])
        );
        assert_eq!(
            mainnet.max_blobs_per_block_at_epoch(epoch),
            num(&bpo["max_blobs_per_block"])
        );
        assert_eq!(
            mainnet.fork_digest_at_epoch(epoch),
            digest(&bpo["fork_digest"])
        );
        assert_eq!(
            mainnet.fork_for_digest(digest(&bpo["fork_digest"])),
            Some(Fork::Fulu)
        );
        // The BPO digest differs from the digest of the epoch before it.
        assert_ne!(
            mainnet.fork_digest_at_epoch(epoch - 1),
            mainnet.fork_digest_at_epoch(epoch)
        );
    }
}

#[test]
fn mainnet_digest_table_has_nine_digests_and_rejects_unknown_ones() {
    let mainnet = ChainConfig::mainnet();
    let all = mainnet.all_fork_digests();
    assert_eq!(all.len(), 9);
    assert!(all.windows(2).all(|w| w[0].2 < w[1].2), "sorted by epoch");
    for (d, f, epoch) in &all {
        assert_eq!(mainnet.fork_for_digest(*d), Some(*f));
        assert_eq!(mainnet.fork_digest_at_epoch(*epoch), *d);
    }
    assert_eq!(mainnet.fork_for_digest("0xdeadbeef".parse().unwrap()), None);
    // Sepolia's genesis digest is not a mainnet digest.
    assert_eq!(mainnet.fork_for_digest("0xa8fee8ee".parse().unwrap()), None);
}

#[test]
fn genesis_identity_of_all_four_networks_matches_chain_constants() {
    let constants = json("chain_constants.json");
    let networks = [
        ("mainnet", ChainConfig::mainnet()),
        ("sepolia", ChainConfig::sepolia()),
        ("holesky", ChainConfig::holesky()),
        ("hoodi", ChainConfig::hoodi()),
    ];
    for (name, config) in &networks {
        assert_eq!(config.name(), *name);
        assert_eq!(
            config.genesis_validators_root(),
            root(&constants[name]["genesis_validators_root"]["value"]),
            "{name}"
        );
    }
    assert_eq!(
        networks[0].1.genesis_time(),
        num(&constants["mainnet"]["genesis_time"]["value"])
    );
    assert_eq!(
        networks[1].1.genesis_time(),
        num(&constants["sepolia"]["genesis_time"])
    );
    assert_eq!(
        networks[3].1.genesis_time(),
        num(&constants["hoodi"]["genesis_time"])
    );
    assert_eq!(
        networks[3].1.fork_version(Fork::Phase0),
        version(&constants["hoodi"]["genesis_fork_version"])
    );
}

#[test]
fn sepolia_and_holesky_fork_digests_match_chain_constants() {
    let constants = json("chain_constants.json");
    for (name, config) in [
        ("sepolia", ChainConfig::sepolia()),
        ("holesky", ChainConfig::holesky()),
    ] {
        for entry in constants[name]["forks"].as_array().unwrap() {
            let f = fork(text(&entry["fork"]));
            assert_eq!(
                config.fork_version(f),
                version(&entry["version"]),
                "{name} {f}"
            );
            assert_eq!(
                config.fork_epoch(f),
                Some(num(&entry["epoch"])),
                "{name} {f}"
            );
            let expected = digest(&entry["fork_digest"]);
            assert_eq!(table_digest(&config, f), expected, "{name} {f}");
            assert_eq!(config.fork_for_digest(expected), Some(f), "{name} {f}");
        }
    }
}

// ---------------------------------------------------------------- pyspec chains

fn pyspec_chain(fork_dir: &str) -> (Value, ChainConfig) {
    let config = json(&format!("pyspec/{fork_dir}/config.json"));
    let chain = ChainConfig::devnet(
        fork(text(&config["fork"])),
        num(&config["genesis_time"]),
        root(&config["genesis_validators_root"]),
    );
    (config, chain)
}

#[test]
fn pyspec_chains_digests_domains_and_blob_limits_match_their_config() {
    for fork_dir in ["deneb", "electra", "fulu"] {
        let (config, chain) = pyspec_chain(fork_dir);
        let genesis_fork = fork(fork_dir);
        assert_eq!(chain.fork_at_epoch(0), genesis_fork);
        assert_eq!(
            chain.fork_digest_at_epoch(0),
            digest(&config["fork_digest"])
        );
        assert_eq!(
            chain.fork_for_digest(digest(&config["fork_digest"])),
            Some(genesis_fork)
        );
        assert_eq!(chain.proposer_domain(0), root(&config["proposer_domain"]));
        assert_eq!(
            chain.max_blobs_per_block_at_epoch(0),
            num(&config["max_blobs_per_block"])
        );
        for (name, value) in config["fork_versions"].as_object().unwrap() {
            assert_eq!(
                chain.fork_version(fork(name)),
                version(value),
                "{fork_dir} {name}"
            );
        }
        for (name, value) in config["fork_epochs"].as_object().unwrap() {
            assert_eq!(
                chain.fork_epoch(fork(name)),
                Some(num(value)),
                "{fork_dir} {name}"
            );
        }
        let digests = config["fork_data_root_digests"].as_object().unwrap();
        assert_eq!(
            digests.len(),
            Fork::ALL.iter().filter(|f| **f <= genesis_fork).count()
        );
        for (name, value) in digests {
            let root = chain.compute_fork_data_root(chain.fork_version(fork(name)));
            assert_eq!(root[..4], digest(value)[..], "{fork_dir} {name}");
        }
        // Forks after the chain's fork are not scheduled.
        for later in Fork::ALL.into_iter().filter(|f| *f > genesis_fork) {
            assert_eq!(chain.fork_epoch(later), None);
        }
        assert_eq!(chain.fork_at_epoch(FAR_FUTURE_EPOCH), genesis_fork);
    }
}

#[test]
fn pyspec_fulu_chain_applies_the_blob_mask_and_has_bpo_digests() {
    let (config, chain) = pyspec_chain("fulu");
    let schedule: Vec<BlobScheduleEntry> = config["BLOB_SCHEDULE"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| BlobScheduleEntry {
            epoch: num(&e["EPOCH"]),
            max_blobs_per_block: num(&e["MAX_BLOBS_PER_BLOCK"]),
        })
        .collect();
    assert_eq!(chain.blob_schedule(), &schedule[..]);
    let bp = &config["blob_parameters_epoch0"];
    assert_eq!(
        chain.blob_parameters(0),
        (num(&bp["epoch"]), num(&bp["max_blobs_per_block"]))
    );
    // The unmasked root differs from the digest on the wire.
    let base = chain.compute_fork_data_root(chain.fork_version(Fork::Fulu));
    assert_eq!(base[..4], digest(&config["fork_digest_base_epoch0"])[..]);
    assert_ne!(base[..4], chain.fork_digest_at_epoch(0)[..]);
    let bpo = config["fork_digests_at_bpo_epochs"].as_object().unwrap();
    assert_eq!(bpo.len(), 2);
    for (epoch, value) in bpo {
        let epoch: u64 = epoch.parse().unwrap();
        assert_eq!(
            chain.fork_digest_at_epoch(epoch),
            digest(value),
            "epoch {epoch}"
        );
        assert_eq!(chain.fork_for_digest(digest(value)), Some(Fork::Fulu));
    }
}

#[test]
fn pyspec_blocks_signing_domains_and_roots_match_expected() {
    for fork_dir in ["deneb", "electra", "fulu"] {
        let (_, chain) = pyspec_chain(fork_dir);
        let expected = json(&format!("pyspec/{fork_dir}/expected.json"));
        let mut checked = 0;
        for slot in expected["slots"].as_array().unwrap() {
            if slot["empty"].as_bool() == Some(true) {
                continue;
            }
            let epoch = chain.slot_to_epoch(num(&slot["slot"]));
            let domain = chain.proposer_domain(epoch);
            assert_eq!(domain, root(&slot["signing_domain"]));
            assert_eq!(
                compute_signing_root(root(&slot["block_root"]), domain),
                root(&slot["signing_root"])
            );
            assert_eq!(
                chain.fork_digest_at_epoch(epoch),
                digest(&slot["fork_digest"])
            );
            checked += 1;
        }
        assert_eq!(checked, 16, "{fork_dir}");
    }
}

// ---------------------------------------------------------------- lodestar dev chain

#[test]
fn lodestar_capella_devnet_digests_match_lodestar() {
    let genesis = json("lodestar-dev/genesis.json");
    let chain = ChainConfig::devnet(
        Fork::Capella,
        num(&genesis["genesis"]["genesis_time"]),
        root(&genesis["genesis"]["genesis_validators_root"]),
    );
    assert_eq!(
        chain.genesis_validators_root(),
        "0x270d43e74ce340de4bca2b1936beca0f4f5408d9e78aec4850920baf659d5b69"
            .parse::<Hash256>()
            .unwrap()
    );
    // The digest on the wire, from the README and the Status captures.
    assert_eq!(
        chain.fork_digest_at_epoch(0),
        "0x88b30898".parse::<ForkDigest>().unwrap()
    );
    let digests = &genesis["fork_digests"];
    for (key, f) in [
        ("GENESIS_FORK_VERSION", Fork::Phase0),
        ("ALTAIR_FORK_VERSION", Fork::Altair),
        ("BELLATRIX_FORK_VERSION", Fork::Bellatrix),
        ("CAPELLA_FORK_VERSION", Fork::Capella),
    ] {
        assert_eq!(table_digest(&chain, f), digest(&digests[key]), "{key}");
        assert_eq!(
            chain.fork_for_digest(digest(&digests[key])),
            Some(f),
            "{key}"
        );
    }
    // Lodestar listed its unscheduled EIP-4844 fork (version 0x04000000 = our Deneb):
    // the root matches, but the chain never uses that digest.
    let eip4844 = digest(&digests["EIP4844_FORK_VERSION"]);
    let deneb_root = chain.compute_fork_data_root(chain.fork_version(Fork::Deneb));
    assert_eq!(deneb_root[..4], eip4844[..]);
    assert_eq!(chain.fork_for_digest(eip4844), None);
    // The REST fork schedule: versions and epochs (FAR_FUTURE = unscheduled).
    for (entry, f) in genesis["fork_schedule"]
        .as_array()
        .unwrap()
        .iter()
        .zip(Fork::ALL)
    {
        assert_eq!(chain.fork_version(f), version(&entry["current_version"]));
        let epoch = Some(num(&entry["epoch"])).filter(|e| *e != FAR_FUTURE_EPOCH);
        assert_eq!(chain.fork_epoch(f), epoch, "{f}");
    }
}

// ---------------------------------------------------------------- mainnet signatures

#[test]
fn mainnet_blocks_signing_domain_and_signing_root_match_published_values() {
    let expected = json("mainnet_blocks_slot1-4_expected.json");
    let mainnet = ChainConfig::mainnet();
    let blocks = expected["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 4);
    for block in blocks {
        let epoch = mainnet.slot_to_epoch(num(&block["slot"]));
        assert_eq!(epoch, 0);
        let domain = mainnet.proposer_domain(epoch);
        assert_eq!(domain, root(&block["signing_domain"]));
        assert_eq!(
            compute_signing_root(root(&block["block_root"]), domain),
            root(&block["signing_root"])
        );
    }
}

#[test]
fn signing_root_is_sha256_of_root_and_domain() {
    let object_root = Hash256::repeat_byte(0x11);
    let domain = ChainConfig::mainnet().proposer_domain(0);
    let expected = ethereum_hashing::hash32_concat(object_root.as_slice(), domain.as_slice());
    assert_eq!(
        compute_signing_root(object_root, domain),
        Hash256::from(expected)
    );
    // And a fork data root is sha256(version ‖ 28 zero bytes ‖ gvr) (wire.md section 8).
    let gvr = Hash256::repeat_byte(0x22);
    let mut padded = [0u8; 32];
    padded[..4].copy_from_slice(&[1, 0, 0, 0]);
    let expected = ethereum_hashing::hash32_concat(&padded, gvr.as_slice());
    assert_eq!(
        compute_fork_data_root("0x01000000".parse().unwrap(), gvr),
        Hash256::from(expected)
    );
}

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
fn lodestar_1_5_config_spec_json_lacks_deneb_keys() {
    // JSON is YAML; Lodestar 1.5.1 named Deneb "EIP4844", so DENEB_FORK_VERSION is missing.
    let text =
        std::fs::read_to_string(PathBuf::from(VECTORS).join("lodestar-dev/config_spec.json"))
            .unwrap();
    let err = parse_err(&text);
    assert!(
        matches!(&err, ConfigError::MissingKey { key } if key == "DENEB_FORK_VERSION"),
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
