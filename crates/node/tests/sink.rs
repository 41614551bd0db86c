//! The pipelined store sink: segments are committed in order on their own thread, the
//! anchors are published only after a commit, and a failed commit refuses every later
//! segment (our fault, never a peer's).

use std::sync::{Arc, OnceLock};

use consensus::containers::Checkpoint;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use consensus::primitives::Hash256;
use consensus::verify::{Anchor, ImportSink};
use net::ManualClock;
use node::{NodeChain, StoreSink};
use store::Store;
use sync_types::VerifierFault;

fn devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| {
        Devnet::generate(DevnetParams {
            seed: seed_from_u64(11),
            validators: 8,
            slots: 64,
            max_blobs: Some(1),
            blob_pool: 1,
            ..DevnetParams::default()
        })
        .expect("builds")
    })
}

fn head_anchor(segment: &[consensus::verify::BlockAndSidecars]) -> Anchor {
    let last = &segment.last().expect("blocks").block;
    Anchor::Head {
        root: last.root(),
        slot: last.signed().slot(),
    }
}

fn setup(dir: &std::path::Path) -> (Arc<Store>, Arc<NodeChain>, StoreSink) {
    let devnet = devnet();
    let store = Arc::new(Store::open(dir.join("chain.redb"), devnet.config()).expect("opens"));
    let anchors = store
        .init_anchor(devnet.genesis_block(), &[])
        .expect("anchor");
    let chain = Arc::new(NodeChain::new(
        devnet.config().clone(),
        Arc::new(ManualClock::at_slot(devnet.config(), 65)),
        anchors,
        Checkpoint {
            epoch: 0,
            root: Hash256::ZERO,
        },
        0,
    ));
    let sink = StoreSink::new(Arc::clone(&store), Arc::clone(&chain)).expect("thread");
    (store, chain, sink)
}

#[test]
fn segments_are_committed_in_order_and_published_after_their_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, chain, sink) = setup(dir.path());
    let devnet = devnet();
    for range in [1..17, 17..33, 33..49, 49..65] {
        let segment = devnet.segment(range);
        sink.import(&segment, head_anchor(&segment))
            .expect("accepted");
    }
    sink.flush().expect("every commit succeeded");
    let head = devnet.head();
    assert_eq!(chain.anchors().head.root, head.root());
    assert_eq!(
        store.anchors().expect("reads").expect("anchored"),
        chain.anchors()
    );
    for block in devnet.blocks() {
        assert_eq!(
            store.block_root_at(block.signed().slot()).expect("reads"),
            Some(block.root())
        );
    }
}

#[test]
fn a_failed_commit_refuses_every_later_segment_and_keeps_the_store_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, chain, sink) = setup(dir.path());
    let devnet = devnet();
    // Slots 33.. do not extend genesis: the store refuses the commit.
    let unlinked = devnet.segment(33..65);
    sink.import(&unlinked, head_anchor(&unlinked))
        .expect("handed over");
    assert_eq!(sink.flush(), Err(VerifierFault::Storage));
    let next = devnet.segment(1..33);
    assert_eq!(
        sink.import(&next, head_anchor(&next)),
        Err(VerifierFault::Storage)
    );
    let anchors = store.anchors().expect("reads").expect("anchored");
    assert_eq!(
        anchors.head.slot, 0,
        "nothing after the failure was written"
    );
    assert_eq!(chain.anchors(), anchors);
}

#[test]
fn closing_commits_what_was_handed_over_and_lets_go_of_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, chain, sink) = setup(dir.path());
    let devnet = devnet();
    let segment = devnet.segment(1..17);
    sink.import(&segment, head_anchor(&segment))
        .expect("accepted");
    let other = sink.clone();
    sink.close().expect("the segment is committed");
    assert_eq!(
        store.anchors().expect("reads").expect("anchored"),
        chain.anchors()
    );
    // The commit thread's reference is gone: ours is the last, so dropping it closes the
    // database cleanly even if the process exits at once.
    assert_eq!(Arc::strong_count(&store), 1);
    // A clone shares the closed thread: later imports are refused as our fault.
    let next = devnet.segment(17..33);
    assert_eq!(
        other.import(&next, head_anchor(&next)),
        Err(sync_types::VerifierFault::Storage)
    );
    drop(store);
    store::Store::open_read_only(dir.path().join("chain.redb")).expect("closed cleanly");
}
