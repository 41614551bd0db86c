//! Chain configuration against the shared vectors: mainnet fork digests and domains
//! (chain_constants.json), pyspec Deneb/Electra/Fulu chains, the Lodestar Capella devnet
//! and real mainnet proposer signing roots.

mod config_support;

use consensus::Fork;
use consensus::config::{
    BlobScheduleEntry, ChainConfig, FAR_FUTURE_EPOCH, compute_fork_data_root, compute_signing_root,
};
use consensus::primitives::{ForkDigest, Hash256};
use serde_json::Value;

use config_support::*;

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
        assert_eq!(
            mainnet.proposer_signing_root(num(&block["slot"]), root(&block["block_root"])),
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

// ---------------------------------------------------------------- Fulu custody

#[test]
fn custody_groups_and_columns_match_the_pyspec_fulu_custody_example() {
    use consensus::custody::{
        compute_columns_for_custody_group, custody_columns, get_custody_groups,
    };
    let config = json("pyspec/fulu/config.json");
    let example = &config["custody_example"];
    let hex = text(&example["node_id_hex"]).trim_start_matches("0x");
    let mut node_id = [0u8; 32];
    for (i, byte) in node_id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    let mut checked = 0;
    for count in [4u64, 8] {
        let expected = &example[format!("custody_group_count_{count}").as_str()];
        let numbers =
            |v: &Value| -> Vec<u64> { v.as_array().expect("a list").iter().map(num).collect() };
        let groups = get_custody_groups(node_id, count).expect("in range");
        assert_eq!(
            groups,
            numbers(&expected["groups"]),
            "groups, count {count}"
        );
        assert_eq!(
            custody_columns(node_id, count).expect("in range"),
            numbers(&expected["columns"]),
            "columns, count {count}"
        );
        for group in groups {
            assert_eq!(
                compute_columns_for_custody_group(group).expect("in range"),
                vec![group],
                "128 columns in 128 groups: one column each"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 2);
}
