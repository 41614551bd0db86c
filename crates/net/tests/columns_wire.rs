//! The pyspec Fulu chain's data columns over the wire: our server serves them from a
//! `MemorySource`, our client learns the server's custody from its MetaData v3 and
//! fetches them by range and by root; every column arrives byte for byte, groups with its
//! block and verifies. The serve window and the request checks of
//! `data_column_sidecars_by_range`.

mod common;
mod support;

use std::sync::Arc;

use common::{read_bytes, read_json, root, str_field};
use consensus::config::ChainConfig;
use consensus::containers::{DataColumnSidecarsByRangeRequest, DataColumnsByRootIdentifier};
use consensus::{Block, Column, Fork};
use libp2p::identity::Keypair;
use net::server::{ServePlan, plan};
use net::{ChainInfo, ManualClock, MemorySource, NetConfig, RpcRequest};
use sync_types::{BlockView, ColumnSet, Slot, SyncPeer, SyncRange, group_columns};

use support::{connect, start_node, start_node_with_key};

struct Pyspec {
    config: ChainConfig,
    genesis: Block,
    blocks: Vec<Block>,
    columns: Vec<Vec<Column>>,
}

fn pyspec_fulu() -> Pyspec {
    let expected = read_json("pyspec/fulu/expected.json");
    // The genesis time only moves the wall clock, which the tests set by slot.
    let config = ChainConfig::devnet(
        Fork::Fulu,
        0,
        root(str_field(&expected, "genesis_validators_root")),
    );
    assert_eq!(
        format!("{}", config.fork_digest_at_epoch(0)),
        str_field(&expected, "fork_digest"),
        "the config's digest is the vectors'"
    );
    let genesis = Block::from_ssz_bytes(&read_bytes("pyspec/fulu/genesis_block.ssz"), Fork::Fulu)
        .expect("genesis");
    let (mut blocks, mut columns) = (Vec::new(), Vec::new());
    for entry in expected["slots"].as_array().expect("slots") {
        if entry["empty"].as_bool() == Some(true) {
            continue;
        }
        let file = format!("pyspec/fulu/{}", str_field(entry, "file"));
        blocks.push(Block::from_ssz_bytes(&read_bytes(&file), Fork::Fulu).expect("block"));
        let of_block = entry["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let file = format!("pyspec/fulu/{}", str_field(c, "file"));
                Column::from_ssz_bytes(&read_bytes(&file)).expect("column")
            })
            .collect();
        columns.push(of_block);
    }
    Pyspec {
        config,
        genesis,
        blocks,
        columns,
    }
}

fn source(chain: &Pyspec) -> MemorySource {
    let source = MemorySource::new(&chain.genesis);
    for (block, columns) in chain.blocks.iter().zip(&chain.columns) {
        source.insert_block(block);
        source.insert_columns(columns);
    }
    source
}

fn set(indices: &[u64]) -> ColumnSet {
    ColumnSet::from_indices(indices.iter().copied()).expect("below 128")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pyspec_columns_cross_the_wire_byte_for_byte_and_verify() {
    let chain = pyspec_fulu();
    let head = chain.blocks.last().expect("blocks").signed().slot();
    let clock = || ManualClock::at_slot(&chain.config, head + 1);
    let server_key = Keypair::generate_secp256k1();
    let server_node_id = net::node_id(&server_key.public()).expect("secp256k1");
    let mut server = start_node_with_key(
        &chain.config,
        Arc::new(source(&chain)),
        clock(),
        NetConfig::default(),
        server_key,
    )
    .await;
    let mut client = start_node(
        &chain.config,
        Arc::new(MemorySource::new(&chain.genesis)),
        clock(),
        NetConfig::default(),
    )
    .await;
    let (peer, _) = connect(&mut client, &mut server).await;

    // Its custody, from its MetaData v3 (4 groups by default) and its node id.
    let custody = peer.learn_custody().await.expect("metadata v3");
    let expected: ColumnSet = consensus::custody::custody_columns(server_node_id, 4)
        .expect("4 groups")
        .into_iter()
        .collect();
    assert_eq!(custody, expected);
    assert_eq!(custody.len(), 4);
    assert_eq!(peer.custody(), Some(custody));

    // The vectors hold columns 0, 35, 60, 65, 94 and 127 of every block with blobs (and
    // all 128 of slot 5): ask for those six over the whole chain.
    let asked = set(&[0, 35, 60, 65, 94, 127]);
    let range = SyncRange::new(Slot(1), head).expect("non-empty");
    let got = peer
        .data_column_sidecars_by_range(range, asked)
        .await
        .expect("columns");
    let want: Vec<&Column> = chain
        .columns
        .iter()
        .flatten()
        .filter(|c| asked.contains(c.sidecar().index))
        .collect();
    assert_eq!(got.len(), want.len());
    for (got, want) in got.iter().zip(&want) {
        assert_eq!(got.as_ssz_bytes(), want.as_ssz_bytes(), "byte for byte");
    }
    let groups = group_columns(range, &chain.blocks, got, asked).expect("they group");
    for (block, group) in chain.blocks.iter().zip(&groups) {
        let expected = if block.blob_commitment_count() > 0 {
            6
        } else {
            0
        };
        assert_eq!(group.len(), expected, "slot {}", block.slot());
    }
    consensus::verify::columns::verify_columns(&chain.blocks, &groups).expect("they verify");

    // Only the columns asked for; a range past the head has none.
    let one = peer
        .data_column_sidecars_by_range(range, set(&[94]))
        .await
        .expect("columns");
    assert!(one.iter().all(|c| c.sidecar().index == 94));
    assert_eq!(one.len(), want.len() / 6);
    let beyond = SyncRange::new(Slot(head + 1), 8).expect("non-empty");
    let none = peer
        .data_column_sidecars_by_range(beyond, asked)
        .await
        .expect("an empty answer");
    assert!(none.is_empty());

    // By root: two blocks' worth, in request order, only what the server holds.
    let with_blobs: Vec<&Block> = chain
        .blocks
        .iter()
        .filter(|b| b.blob_commitment_count() > 0)
        .take(2)
        .collect();
    let ids = vec![
        DataColumnsByRootIdentifier {
            block_root: with_blobs[1].root(),
            columns: vec![127, 0].try_into().expect("two"),
        },
        DataColumnsByRootIdentifier {
            block_root: with_blobs[0].root(),
            // 1 is not in the vectors, so the server does not hold it.
            columns: vec![35, 1].try_into().expect("two"),
        },
    ];
    let got = peer
        .data_column_sidecars_by_root(ids)
        .await
        .expect("columns by root");
    let keys: Vec<(Slot, u64)> = got
        .iter()
        .map(|c| {
            (
                Slot(c.sidecar().signed_block_header.message.slot),
                c.sidecar().index,
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            (Slot(with_blobs[1].slot().as_u64()), 127),
            (Slot(with_blobs[1].slot().as_u64()), 0),
            (Slot(with_blobs[0].slot().as_u64()), 35),
        ]
    );
    assert_eq!(got[0].block_root(), with_blobs[1].root());

    server.node.shutdown().await;
    client.node.shutdown().await;
}

fn request(start_slot: u64, count: u64, columns: &[u64]) -> RpcRequest {
    RpcRequest::ColumnsByRange(DataColumnSidecarsByRangeRequest {
        start_slot,
        count,
        columns: columns.to_vec().try_into().expect("at most 128"),
    })
}

#[test]
fn column_requests_are_served_from_the_column_window_only() {
    let chain = pyspec_fulu();
    let info = ChainInfo {
        finalized: consensus::containers::Checkpoint {
            epoch: 0,
            root: chain.genesis.root(),
        },
        head_root: chain.genesis.root(),
        head_slot: 20,
        earliest_available_slot: 4,
    };
    let config = &chain.config;
    assert_eq!(
        plan(&request(8, 0, &[1]), config, &info, 3),
        Some(ServePlan::Reject {
            code: net::codec::ResultCode::InvalidRequest,
            message: "count is zero"
        })
    );
    assert!(matches!(
        plan(&request(0, 16, &[1]), config, &info, 3),
        Some(ServePlan::Reject {
            code: net::codec::ResultCode::ResourceUnavailable,
            ..
        })
    ));
    assert_eq!(
        plan(&request(8, 1000, &[94, 3]), config, &info, 3),
        Some(ServePlan::ColumnsByRange {
            start_slot: 8,
            // Up to the wall clock's epoch (3, slots up to 127 in the mainnet preset),
            // then capped at MAX_REQUEST_BLOCKS_DENEB.
            count: 120,
            columns: vec![3, 94],
            max: 240,
        })
    );
    // Wholly beyond the wall clock: nothing we may serve, no chunk.
    assert_eq!(
        plan(&request(10_000, 8, &[1]), config, &info, 3),
        Some(ServePlan::Empty)
    );
    // A repeated or out-of-range column index is an invalid request.
    let bytes = request(8, 4, &[5, 5]).to_ssz(net::codec::Protocol::DataColumnSidecarsByRange);
    assert!(RpcRequest::from_ssz(net::codec::Protocol::DataColumnSidecarsByRange, &bytes).is_err());
    let bytes = request(8, 4, &[128]).to_ssz(net::codec::Protocol::DataColumnSidecarsByRange);
    assert!(RpcRequest::from_ssz(net::codec::Protocol::DataColumnSidecarsByRange, &bytes).is_err());
    let bytes = request(8, 4, &[0, 127]).to_ssz(net::codec::Protocol::DataColumnSidecarsByRange);
    assert_eq!(
        RpcRequest::from_ssz(net::codec::Protocol::DataColumnSidecarsByRange, &bytes).ok(),
        Some(request(8, 4, &[0, 127]))
    );
}
