//! Helpers of the chain-configuration tests (`config*.rs`): reading the vectors and the
//! `config.yaml` fixtures.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use consensus::Fork;
use consensus::config::{ChainConfig, ConfigError};
use consensus::primitives::{ForkDigest, Hash256, Version};
use serde_json::Value;

pub const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/");
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

pub fn json(relative: &str) -> Value {
    let path = PathBuf::from(VECTORS).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("vector files are valid JSON")
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(FIXTURES).join(name)).expect("fixture exists")
}

#[track_caller]
pub fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

#[track_caller]
pub fn num(value: &Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[track_caller]
pub fn root(value: &Value) -> Hash256 {
    text(value).parse().expect("a 32-byte hex root")
}

#[track_caller]
pub fn digest(value: &Value) -> ForkDigest {
    text(value).parse().expect("a 4-byte hex digest")
}

#[track_caller]
pub fn version(value: &Value) -> Version {
    text(value).parse().expect("a 4-byte hex version")
}

#[track_caller]
pub fn fork(name: &str) -> Fork {
    Fork::from_name(name).unwrap_or_else(|| panic!("unknown fork {name}"))
}

/// The digest the config lists for `fork` in its table.
#[track_caller]
pub fn table_digest(config: &ChainConfig, fork: Fork) -> ForkDigest {
    let epoch = config.fork_epoch(fork).expect("fork is scheduled");
    config
        .all_fork_digests()
        .into_iter()
        .find(|(_, f, e)| *f == fork && *e == epoch)
        .map(|(d, ..)| d)
        .expect("every scheduled fork has a digest")
}

#[track_caller]
pub fn parse_err(text: &str) -> ConfigError {
    match ChainConfig::from_config_yaml(text) {
        Ok(config) => panic!("parsed: {config:?}"),
        Err(e) => e,
    }
}

/// The mainnet fixture with one line replaced (the line must exist).
#[track_caller]
pub fn mainnet_yaml_with(old: &str, new: &str) -> String {
    let yaml = fixture("mainnet_config.yaml");
    assert!(yaml.contains(old), "fixture has no {old:?}");
    yaml.replacen(old, new, 1)
}
