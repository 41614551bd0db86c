//! Node ids of the networks' bootnodes (`shared/vectors/networks/*/enrs.json`, decoded
//! by independent implementations) computed from their secp256k1 keys.

mod common;

use common::{hex_field, read_json, str_field};
use libp2p::identity::{PublicKey, secp256k1};

#[test]
fn bootnode_node_ids_follow_from_their_secp256k1_keys() {
    let mut checked = 0;
    for network in ["mainnet", "sepolia", "hoodi", "holesky"] {
        let enrs = read_json(&format!("networks/{network}/enrs.json"));
        for enr in enrs.as_array().expect("a list") {
            if enr.get("secp256k1").is_none() || enr.get("node_id").is_none() {
                continue;
            }
            let compressed = hex_field(enr, "secp256k1");
            let key = secp256k1::PublicKey::try_from_bytes(&compressed).expect("a valid key");
            let id = net::node_id(&PublicKey::from(key)).expect("a secp256k1 key");
            assert_eq!(
                id.to_vec(),
                hex_field(enr, "node_id"),
                "{network}: {}",
                str_field(enr, "enr")
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} bootnodes checked");
    eprintln!("{checked} bootnode node ids checked");
}

#[test]
fn a_key_that_is_not_secp256k1_has_no_node_id() {
    let ed = libp2p::identity::Keypair::generate_ed25519();
    assert_eq!(net::node_id(&ed.public()), None);
}
