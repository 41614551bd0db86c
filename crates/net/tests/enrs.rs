//! Every bootnode record of the four networks (`shared/vectors/networks/*/
//! bootstrap_nodes.yaml`) read by `net::discovery`, field by field against `enrs.json`
//! (decoded by three independent implementations): signature, sequence number, node id,
//! addresses and ports, the `eth2` ENRForkID, `attnets` and `syncnets`.

mod common;

use common::{hex, hex_field, read_bytes, read_json, str_field};
use net::discovery::{
    EnrError, EnrForkId, bytes_field, custody_group_count, eth2, parse_bootnodes,
};
use serde_json::Value;

fn optional_u64(value: &Value, field: &str) -> Option<u64> {
    value.get(field).and_then(Value::as_u64)
}

#[test]
fn every_bootnode_record_reads_as_the_independent_decoders_read_it() {
    let mut checked = 0;
    for network in ["mainnet", "sepolia", "hoodi", "holesky"] {
        let yaml = read_bytes(&format!("networks/{network}/bootstrap_nodes.yaml"));
        let records = parse_bootnodes(std::str::from_utf8(&yaml).expect("text")).expect("records");
        let expected = read_json(&format!("networks/{network}/enrs.json"));
        let expected = expected.as_array().expect("a list");
        assert_eq!(
            records.len(),
            expected.len(),
            "{network}: file order, one each"
        );
        for (record, want) in records.iter().zip(expected) {
            let what = format!("{network} {}", str_field(want, "enr"));
            assert_eq!(
                record.to_base64(),
                str_field(want, "enr"),
                "{what}: re-encoded"
            );
            assert_eq!(want["signature_valid"], true, "{what}");
            assert!(record.verify(), "{what}: signature");
            assert_eq!(record.signature(), hex_field(want, "signature"), "{what}");
            assert_eq!(Some(record.seq()), optional_u64(want, "seq"), "{what}");
            assert_eq!(
                record.node_id().raw().to_vec(),
                hex_field(want, "node_id"),
                "{what}"
            );
            let ip = record.ip4().map(|ip| ip.to_string());
            assert_eq!(
                ip.as_deref(),
                want.get("ip").and_then(Value::as_str),
                "{what}"
            );
            let ip6 = record.ip6().map(|ip| ip.to_string());
            assert_eq!(
                ip6.as_deref(),
                want.get("ip6").and_then(Value::as_str),
                "{what}"
            );
            for (got, key) in [
                (record.tcp4(), "tcp"),
                (record.udp4(), "udp"),
                (record.tcp6(), "tcp6"),
                (record.udp6(), "udp6"),
            ] {
                assert_eq!(got.map(u64::from), optional_u64(want, key), "{what}: {key}");
            }
            let fork_id = eth2(record).expect("a valid eth2 field");
            match want.get("eth2") {
                Some(e) => {
                    let fork_id = fork_id.expect("an eth2 field");
                    assert_eq!(fork_id.to_bytes(), hex_field(want, "eth2_raw"), "{what}");
                    assert_eq!(
                        fork_id,
                        EnrForkId {
                            fork_digest: str_field(e, "fork_digest").parse().expect("digest"),
                            next_fork_version: str_field(e, "next_fork_version")
                                .parse()
                                .expect("version"),
                            next_fork_epoch: e["next_fork_epoch"].as_u64().expect("epoch"),
                        },
                        "{what}"
                    );
                }
                None => assert_eq!(fork_id, None, "{what}"),
            }
            for key in ["attnets", "syncnets"] {
                let got = bytes_field(record, key).expect("a byte string");
                let want = want.get(key).and_then(Value::as_str).map(hex);
                assert_eq!(got, want, "{what}: {key}");
            }
            assert_eq!(
                custody_group_count(record),
                Ok(optional_u64(want, "cgc")),
                "{what}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 42, "the README's 42 records");
}

#[test]
fn a_bad_line_is_named_and_an_empty_list_refused() {
    let yaml = read_bytes("networks/hoodi/bootstrap_nodes.yaml");
    let text = std::str::from_utf8(&yaml).expect("text");
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with("- enr:"))
        .expect("a record");
    // One character of the signature changed: the record no longer verifies.
    let mut broken = first.to_owned();
    let at = broken.find("enr:").expect("enr") + 10;
    let flipped = if &broken[at..=at] == "A" { "B" } else { "A" };
    broken.replace_range(at..=at, flipped);
    let list = format!("# a comment\n\n{first}\n{broken}\n");
    match parse_bootnodes(&list) {
        Err(EnrError::Bootnode { line, .. }) => assert_eq!(line, 4),
        other => panic!("a forged record was taken: {other:?}"),
    }
    assert_eq!(parse_bootnodes("# nothing\n\n"), Err(EnrError::NoBootnodes));
    assert_eq!(
        parse_bootnodes(&format!("{first}\n")).map(|r| r.len()),
        Ok(1)
    );
}
