//! A node started from a standard network directory (`config.yaml` and `genesis.ssz`
//! only, as every network publishes them) syncs the chain over TCP on 127.0.0.1: the
//! config, the validators and the genesis block all come from those two files.

use e2e::{GUARD, assert_same_chain, serve, small_chain, source};
use node::launch::{self, CONFIG_FILE, GENESIS_STATE_FILE, LaunchError};
use node::{BeaconNode, NodeSettings, StartFrom};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_syncs_from_genesis_with_only_config_yaml_and_genesis_ssz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(dir.path()));
    let servers = serve(&source, 2, 0).await;

    // A directory with the two standard files and nothing of the devnet's own.
    let network_dir = dir.path().join("network");
    std::fs::create_dir(&network_dir).expect("mkdir");
    for file in [CONFIG_FILE, GENESIS_STATE_FILE] {
        std::fs::copy(source.dir.join(file), network_dir.join(file)).expect("copy");
    }
    let network = launch::load_testnet_dir(&network_dir).expect("a network directory");
    assert!(network.recipe.is_none());
    assert_eq!(network.config, source.config);
    assert_eq!(network.genesis.root(), source.genesis.root());

    let mut settings = NodeSettings::new(
        dir.path().join("node"),
        network.config,
        network.proposers,
        StartFrom::Genesis(Box::new(network.genesis)),
    );
    settings.peers = servers.addrs();
    let node = BeaconNode::start(settings).await.expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_head(source.anchors.head.slot))
        .await
        .expect("reaches the head");
    assert_eq!(node.chain().anchors().head, source.anchors.head);
    assert_same_chain(node.store(), &source.store, 0);
    node.shutdown().await;

    // Without its genesis state the directory is refused, naming what is missing.
    std::fs::remove_file(network_dir.join(GENESIS_STATE_FILE)).expect("rm");
    let error = launch::load_testnet_dir(&network_dir).expect_err("no genesis state");
    assert!(
        matches!(error, LaunchError::NoGenesisState { .. }),
        "{error}"
    );
}
