//! The built-in networks' bootnode lists are the published ones (byte for byte the
//! shared vectors) and every record in them verifies; a testnet directory's list is read
//! from `bootstrap_nodes.yaml` or `.txt`, and a bad record is named with its file.

use std::path::PathBuf;

use node::bootnodes::{built_in, built_in_text, of_testnet_dir};

fn vectors() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors"
    ))
}

#[test]
fn the_embedded_lists_are_the_published_ones_and_every_record_verifies() {
    let mut records = 0;
    for network in ["mainnet", "sepolia", "hoodi", "holesky"] {
        let published = std::fs::read_to_string(
            vectors().join(format!("networks/{network}/bootstrap_nodes.yaml")),
        )
        .expect("the vector");
        assert_eq!(
            built_in_text(network),
            Some(published.as_str()),
            "{network}"
        );
        let list = built_in(network)
            .expect("built in")
            .expect("every record verifies");
        assert!(list.iter().all(net::discovery::Enr::verify));
        records += list.len();
    }
    assert_eq!(records, 42);
    assert!(built_in("atlantis").is_none());
}

#[test]
fn a_testnet_directorys_list_is_read_from_yaml_or_txt() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(of_testnet_dir(dir.path()).expect("no list is fine"), None);
    let hoodi = built_in_text("hoodi").expect("hoodi");
    let first = hoodi
        .lines()
        .find_map(|l| l.trim().strip_prefix("- "))
        .expect("a record");
    std::fs::write(dir.path().join("bootstrap_nodes.txt"), format!("{first}\n")).expect("write");
    let list = of_testnet_dir(dir.path()).expect("reads").expect("a list");
    assert_eq!(list.len(), 1);
    std::fs::write(
        dir.path().join("bootstrap_nodes.yaml"),
        "- enr:-notarecord\n",
    )
    .expect("write");
    let error = of_testnet_dir(dir.path()).expect_err("a bad record");
    let line = error.to_string();
    assert!(
        line.contains("bootstrap_nodes.yaml") && line.contains("bootnode 1"),
        "{line}"
    );
}
