//! The fork digests of the built-in networks equal `shared/vectors/networks/*/
//! fork_digests.json`, computed independently (consensus-specs' `compute_fork_digest`,
//! see the folder's README): every scheduled fork and BPO entry of the published configs,
//! mainnet's Fulu and BPO digests from its supplementary block, and hoodi's Fulu digest,
//! which the published file lists unscheduled but with the blob parameters our schedule
//! gives it.

mod support;

use consensus::config::ChainConfig;
use consensus::{Fork, primitives::ForkDigest};
use serde_json::Value;
use support::{json, root};

fn digest(text: &str) -> ForkDigest {
    text.parse().expect("a 4-byte hex digest")
}

fn built_in(network: &str) -> ChainConfig {
    match network {
        "mainnet" => ChainConfig::mainnet(),
        "sepolia" => ChainConfig::sepolia(),
        "hoodi" => ChainConfig::hoodi(),
        "holesky" => ChainConfig::holesky(),
        other => panic!("no built-in network {other}"),
    }
}

/// Checks one `fork_digests.json` entry against `config`; returns whether it was a
/// scheduled one (checked as such).
#[track_caller]
fn check_entry(network: &str, config: &ChainConfig, entry: &Value) -> bool {
    let name = entry["name"].as_str().expect("name");
    let expected = digest(entry["fork_digest"].as_str().expect("fork_digest"));
    let epoch = entry["epoch"].as_u64().expect("epoch");
    let what = format!("{network} {name}");
    if entry["scheduled"] == false {
        return false;
    }
    let fork = match entry["kind"].as_str() {
        Some("fork") => Fork::from_name(name).expect("a fork name"),
        Some("blob_parameters_only") => Fork::Fulu,
        other => panic!("{what}: unknown kind {other:?}"),
    };
    if entry["kind"] == "fork" {
        assert_eq!(config.fork_epoch(fork), Some(epoch), "{what}: epoch");
    }
    let listed = config
        .all_fork_digests()
        .into_iter()
        .find(|(_, f, e)| *f == fork && *e == epoch)
        .unwrap_or_else(|| panic!("{what}: not in the digest table"));
    assert_eq!(listed.0, expected, "{what}: digest");
    assert_eq!(
        config.fork_for_digest(expected),
        Some(fork),
        "{what}: lookup"
    );
    if entry["superseded_at_same_epoch_by"].is_null() {
        assert_eq!(
            config.fork_digest_at_epoch(epoch),
            expected,
            "{what}: in force"
        );
    }
    true
}

#[test]
fn every_published_digest_of_the_four_networks_is_ours() {
    let mut checked = 0;
    for network in ["mainnet", "sepolia", "hoodi", "holesky"] {
        let vectors = json(&format!("networks/{network}/fork_digests.json"));
        let config = built_in(network);
        assert_eq!(
            config.genesis_validators_root(),
            root(vectors["genesis_validators_root"].as_str().expect("root")),
            "{network}"
        );
        let mut entries: Vec<&Value> = vectors["digests"]
            .as_array()
            .expect("digests")
            .iter()
            .collect();
        if let Some(more) =
            vectors["supplementary_from_consensus_specs_mainnet_config"]["digests"].as_array()
        {
            entries.extend(more);
        }
        for entry in entries {
            checked += usize::from(check_entry(network, &config, entry));
        }
    }
    // mainnet 6 + 3 supplementary, sepolia 6, hoodi 6, holesky 9.
    assert_eq!(checked, 30);
}

#[test]
fn hoodis_unscheduled_fulu_digest_is_the_one_our_schedule_uses_at_its_fulu_epoch() {
    let vectors = json("networks/hoodi/fork_digests.json");
    let fulu = vectors["digests"]
        .as_array()
        .expect("digests")
        .iter()
        .find(|e| e["name"] == "fulu")
        .expect("a fulu entry");
    assert_eq!(fulu["scheduled"], false);
    // Its blob parameters, (ELECTRA_FORK_EPOCH, MAX_BLOBS_PER_BLOCK_ELECTRA), are what
    // `get_blob_parameters` gives at our Fulu epoch, before the first BPO entry.
    let config = ChainConfig::hoodi();
    let epoch = config.fork_epoch(Fork::Fulu).expect("scheduled here");
    let params = &fulu["blob_parameters"];
    assert_eq!(
        config.blob_parameters(epoch),
        (
            params["epoch"].as_u64().expect("epoch"),
            params["max_blobs_per_block"].as_u64().expect("max")
        )
    );
    assert_eq!(
        config.fork_digest_at_epoch(epoch),
        digest(fulu["fork_digest"].as_str().expect("digest"))
    );
}
