//! The scripted `MockPeer`'s adversarial kinds: each answer is rejected by the check
//! that matches it.

mod mock_common;

use mock_common::*;
use std::{pin::pin, sync::Arc, time::Duration};

use tokio::time::{Instant, timeout};

use sync_types::{
    BlockOutcome, BlockVerifier, ChainSpec, Epoch, RequestError, ResponseError, ScoredPeer, Slot,
    SyncPeer, SyncRange, check_response, group_sidecars,
    test_utils::{
        Behaviour, ChainVerifier, MockPeer, TestBlock, TestChain, TestSidecar, adversaries,
        invalid_root, is_invalid_root, test_root,
    },
};

// ----------------------------------------------------------------------------------------
// Adversarial peers: each answer is rejected by the check that matches it.
// ----------------------------------------------------------------------------------------

/// The minimal preset with Deneb (and Electra's 9 blobs) from genesis.
fn blob_spec() -> ChainSpec {
    ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(0))
}

/// What [`check_response`] says of `blocks` for `r`.
fn check_blocks(r: SyncRange, blocks: &[TestBlock]) -> Result<(), ResponseError> {
    let slots: Vec<Slot> = blocks.iter().map(|b| b.slot).collect();
    check_response(r, &slots)
}

#[track_caller]
fn expect_blocks_rejected(r: SyncRange, blocks: &[TestBlock]) -> ResponseError {
    check_blocks(r, blocks).expect_err("the blocks are rejected")
}

/// What [`group_sidecars`] says of `sidecars` against the honest blocks of `r`.
#[track_caller]
fn expect_sidecars_rejected(r: SyncRange, sidecars: Vec<TestSidecar>) -> ResponseError {
    let honest = chain().blocks_in(r);
    group_sidecars(r, &honest, sidecars, &blob_spec()).expect_err("the sidecars are rejected")
}

#[tokio::test(start_paused = true)]
async fn out_of_range_peer_adds_the_chain_block_after_the_range() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::OutOfRange);
    let r = range(3, 7); // slots 3..=9; slot 10 holds a block with two blobs
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [3, 4, 6, 7, 9, 10]);
    assert_eq!(got.last(), chain().block_at(Slot(10)), "a real block");
    assert_eq!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlockOutsideRange {
            range: r,
            slot: Slot(10)
        }
    );
    assert_eq!(
        expect_sidecars_rejected(r, sidecars(&peer, r).await),
        ResponseError::SidecarOutsideRange {
            range: r,
            slot: Slot(10)
        }
    );
}

#[tokio::test(start_paused = true)]
async fn out_of_range_peer_makes_up_a_block_where_the_chain_has_none() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::OutOfRange);
    for (r, outside) in [(range(5, 3), 8), (range(60, 4), 64)] {
        let got = blocks(&peer, r).await;
        let extra = got.last().expect("the extra block");
        assert_eq!(extra.slot, Slot(outside));
        assert!(
            chain().block_at(extra.slot).is_none(),
            "slot {outside} is empty"
        );
        assert_eq!(
            expect_blocks_rejected(r, &got),
            ResponseError::BlockOutsideRange {
                range: r,
                slot: Slot(outside)
            }
        );
    }
}

#[tokio::test(start_paused = true)]
async fn out_of_range_peer_is_not_merely_too_long_when_the_range_is_full() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::OutOfRange);
    let r = range(0, 2); // blocks at 0 and 1 fill it
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [0, 2]);
    assert!(matches!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlockOutsideRange { slot: Slot(2), .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn unordered_peer_swaps_its_first_two_blocks() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::Unordered);
    let r = range(3, 5);
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [4, 3, 6, 7]);
    assert_eq!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlocksNotIncreasing {
            previous: Slot(4),
            slot: Slot(3)
        }
    );

    let single = range(1, 1);
    assert!(
        matches!(
            expect_blocks_rejected(single, &blocks(&peer, single).await),
            ResponseError::BlockOutsideRange { slot: Slot(2), .. }
        ),
        "one block: out of range instead"
    );
}

#[tokio::test(start_paused = true)]
async fn duplicate_slots_peer_sends_its_first_block_twice() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::DuplicateSlots);
    let r = range(4, 4);
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [4, 4, 6, 7]);
    assert_eq!(got[0], got[1]);
    assert_eq!(
        expect_blocks_rejected(r, &got),
        ResponseError::BlocksNotIncreasing {
            previous: Slot(4),
            slot: Slot(4)
        }
    );
    assert_eq!(
        expect_sidecars_rejected(r, sidecars(&peer, r).await),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(4),
            expected: 2,
            got: 0
        }
    );

    let full = range(0, 2);
    assert!(
        matches!(
            expect_blocks_rejected(full, &blocks(&peer, full).await),
            ResponseError::BlocksNotIncreasing { .. }
        ),
        "a full range drops its last block rather than grow too long"
    );
}

#[tokio::test(start_paused = true)]
async fn block_garbling_peers_are_rejected_by_check_response_on_every_range() {
    let chain = chain();
    for behaviour in [
        Behaviour::OutOfRange,
        Behaviour::Unordered,
        Behaviour::DuplicateSlots,
    ] {
        let peer = MockPeer::new(1, Arc::clone(&chain)).with_behaviour(behaviour);
        for start in 0..70 {
            for count in 1..=10 {
                let r = range(start, count);
                let honest = chain.blocks_in(r).len();
                let not_increasing = match behaviour {
                    Behaviour::Unordered => honest >= 2,
                    Behaviour::DuplicateSlots => honest >= 1 && count >= 2,
                    _ => false,
                };
                let error = expect_blocks_rejected(r, &blocks(&peer, r).await);
                if not_increasing {
                    assert!(
                        matches!(error, ResponseError::BlocksNotIncreasing { .. }),
                        "{behaviour:?} {r}: {error:?}"
                    );
                } else {
                    assert!(
                        matches!(error, ResponseError::BlockOutsideRange { .. }),
                        "{behaviour:?} {r}: {error:?}"
                    );
                }
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn invalid_blocks_peer_passes_the_checks_and_fails_verification() {
    let chain = chain();
    let peer = MockPeer::new(1, Arc::clone(&chain)).with_behaviour(Behaviour::InvalidBlocks);
    let r = range(1, 6); // blocks 1, 3, 4, 6; block 6 has two blobs
    let got = blocks(&peer, r).await;
    assert_eq!(slots(&got), [1, 3, 4, 6]);
    let truth = chain.block_at(Slot(6)).expect("block 6");
    let invalid = got[3];
    assert_eq!(invalid.root, invalid_root(truth.root));
    assert!(is_invalid_root(&invalid.root));
    assert_eq!(
        (invalid.slot, invalid.parent_root, invalid.blobs),
        (truth.slot, truth.parent_root, truth.blobs)
    );
    assert_eq!(
        got[..3],
        chain.blocks_in(range(1, 5))[..],
        "the rest is honest"
    );

    let got_sidecars = sidecars(&peer, r).await;
    assert_eq!(
        sidecar_keys(&got_sidecars),
        [(4, 0), (4, 1), (6, 0), (6, 1)]
    );
    assert!(
        got_sidecars[2..]
            .iter()
            .all(|s| s.block_root == invalid.root),
        "the invalid block's sidecars name its root"
    );
    let response = TestResponse::with_sidecars(r, got, got_sidecars, &blob_spec())
        .expect("the sidecars group with the invalid block");

    let verifier = ChainVerifier::forward(chain.block_at(Slot(0)).expect("genesis"));
    let outcomes = verifier
        .verify_segment(response.into_blocks(), false)
        .await
        .expect("no fault");
    assert_eq!(
        outcomes,
        [
            BlockOutcome::Ok,
            BlockOutcome::Ok,
            BlockOutcome::Ok,
            BlockOutcome::Invalid
        ]
    );
    assert_eq!(verifier.imported(), [Slot(1), Slot(3), Slot(4)]);
}

#[tokio::test(start_paused = true)]
async fn chain_verifier_finds_invalid_roots_before_parents_and_sidecars() {
    use sync_types::BlockData;

    let chain = chain();
    let genesis = chain.block_at(Slot(0)).expect("genesis");
    let invalid = |slot: u64| {
        let mut b = *chain.block_at(Slot(slot)).expect("a chain block");
        b.root = invalid_root(b.root);
        b
    };
    let alone = |block: TestBlock, sidecars: Option<Vec<TestSidecar>>| {
        vec![BlockData {
            block,
            sidecars,
            columns: None,
        }]
    };
    let forward = ChainVerifier::forward(genesis);
    // Its parent (slot 9) is unknown, and its sidecars are missing: still `Invalid`.
    let outcomes = forward
        .verify_segment(alone(invalid(10), Some(Vec::new())), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, [BlockOutcome::Invalid]);
    // A scripted outcome still wins.
    forward.script(Slot(10), BlockOutcome::UnviableFork);
    let outcomes = forward
        .verify_segment(alone(invalid(10), None), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, [BlockOutcome::UnviableFork]);

    let top = chain.block_at(Slot(63)).expect("the last block");
    let backward = ChainVerifier::backward(top);
    let outcomes = backward
        .verify_segment(alone(invalid(61), None), false)
        .await
        .expect("no fault");
    assert_eq!(outcomes, [BlockOutcome::Invalid], "even the wanted parent");
    assert!(forward.imported().is_empty() && backward.imported().is_empty());

    assert!(chain.blocks().iter().all(|b| !is_invalid_root(&b.root)));
    assert!(!is_invalid_root(&test_root(Slot(7), 0x0bad_f0c4)));
}

#[tokio::test(start_paused = true)]
async fn corrupt_sidecars_peer_sends_honest_blocks_and_a_sidecar_naming_another_block() {
    let honest = MockPeer::new(1, chain());
    let peer = MockPeer::new(2, chain()).with_behaviour(Behaviour::CorruptSidecars);
    let r = range(0, 8);
    assert_eq!(blocks(&peer, r).await, blocks(&honest, r).await);
    let (got, truth) = (sidecars(&peer, r).await, sidecars(&honest, r).await);
    assert_eq!(got[1..], truth[1..], "only the first sidecar is touched");
    let expected = chain().block_at(Slot(0)).expect("genesis").root;
    assert_eq!(
        expect_sidecars_rejected(r, got.clone()),
        ResponseError::SidecarBlockRootMismatch {
            slot: Slot(0),
            index: 0,
            got: got[0].block_root,
            expected,
        }
    );
    assert!(
        !is_invalid_root(&got[0].block_root),
        "corrupt, not marked invalid"
    );
    assert!(matches!(
        TestResponse::with_sidecars(r, blocks(&peer, r).await, got, &blob_spec()),
        Err(ResponseError::SidecarBlockRootMismatch { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn reorder_sidecars_peer_sends_its_sidecars_backwards() {
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::ReorderSidecars);
    let r = range(0, 8);
    assert_eq!(slots(&blocks(&peer, r).await), [0, 1, 3, 4, 6, 7]);
    let got = sidecars(&peer, r).await;
    assert_eq!(
        sidecar_keys(&got),
        [(6, 1), (6, 0), (4, 1), (4, 0), (0, 1), (0, 0)]
    );
    assert_eq!(
        expect_sidecars_rejected(r, got),
        ResponseError::SidecarIndexOutOfSequence {
            slot: Slot(6),
            expected: 0,
            got: 1
        }
    );

    // One blob per block: the reversal shows as slots going down.
    let one_blob = Arc::new(TestChain::build(Slot(15), |_| false, |_| 1));
    let peer = MockPeer::new(2, Arc::clone(&one_blob)).with_behaviour(Behaviour::ReorderSidecars);
    let r = range(4, 3);
    let error = group_sidecars(
        r,
        &one_blob.blocks_in(r),
        sidecars(&peer, r).await,
        &blob_spec(),
    )
    .expect_err("rejected");
    assert_eq!(
        error,
        ResponseError::SidecarsOutOfOrder {
            previous: Slot(6),
            slot: Slot(5)
        }
    );
}

#[tokio::test(start_paused = true)]
async fn disconnecting_peer_fails_mid_request_after_its_virtual_delay() {
    let after = Duration::from_secs(3);
    let peer = MockPeer::new(1, chain()).with_behaviour(Behaviour::DisconnectMidRequest(after));
    let start = Instant::now();
    let mut request = pin!(peer.blocks_by_range(range(0, 8)));
    assert!(
        timeout(after - Duration::from_millis(1), &mut request)
            .await
            .is_err(),
        "still running just before the delay"
    );
    assert!(matches!(request.await, Err(RequestError::Disconnected)));
    assert_eq!(start.elapsed(), after);
    assert!(matches!(
        peer.blob_sidecars_by_range(range(0, 8)).await,
        Err(RequestError::Disconnected)
    ));
    assert_eq!(start.elapsed(), 2 * after);
}

#[tokio::test(start_paused = true)]
async fn head_liar_reports_a_head_it_cannot_serve() {
    let peer = MockPeer::new(1, chain())
        .with_head(Slot(40))
        .with_head_lie(100);
    assert_eq!(peer.head_slot(), Slot(140));
    assert_eq!(
        blocks(&peer, range(32, 16)).await.last().map(|b| b.slot),
        Some(Slot(40)),
        "served up to the true head"
    );
    assert!(blocks(&peer, range(41, 16)).await.is_empty());

    peer.set_head(Slot(50));
    assert_eq!(peer.head_slot(), Slot(140), "reported at the next status");
    peer.refresh_status().await.expect("status refreshed");
    assert_eq!(peer.head_slot(), Slot(150), "the lie follows the true head");
}

#[tokio::test(start_paused = true)]
async fn finality_liar_reports_its_lie_whatever_its_true_finality() {
    let peer = MockPeer::new(1, chain())
        .with_finalized_epoch(Epoch(1))
        .with_finality_lie(Epoch(500));
    assert_eq!(peer.finalized_epoch(), Epoch(500));
    peer.set_finalized_epoch(Epoch(2));
    peer.refresh_status().await.expect("status refreshed");
    assert_eq!(peer.finalized_epoch(), Epoch(500));
    assert_eq!(peer.head_slot(), Slot(63), "its head is the truth");
    assert_eq!(slots(&blocks(&peer, range(0, 5)).await), [0, 1, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn pruned_peer_refuses_ranges_starting_below_its_earliest_slot() {
    let peer = MockPeer::new(1, chain()).with_pruned_history(Slot(32));
    assert_eq!(peer.earliest_available_slot(), Some(Slot(32)));
    for r in [range(0, 8), range(31, 4)] {
        assert!(matches!(
            peer.blocks_by_range(r).await,
            Err(RequestError::ResourceUnavailable)
        ));
        assert!(matches!(
            peer.blob_sidecars_by_range(r).await,
            Err(RequestError::ResourceUnavailable)
        ));
    }
    assert_eq!(slots(&blocks(&peer, range(32, 4)).await), [33, 34]);
    assert_eq!(
        sidecar_keys(&sidecars(&peer, range(32, 4)).await),
        [(34, 0), (34, 1)]
    );

    // Pruning wins over a script, which is still used up by the refused request.
    peer.script(range(16, 8), [Behaviour::Timeout]);
    assert!(matches!(
        peer.blocks_by_range(range(16, 8)).await,
        Err(RequestError::ResourceUnavailable)
    ));
    assert_eq!(peer.requests().len(), 7, "refused requests are recorded");
}

#[test]
fn adversaries_are_one_peer_of_each_kind_with_consecutive_keys() {
    let peers = adversaries(chain(), 100);
    let names: Vec<&str> = peers.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "liar-fork",
            "head-liar",
            "finality-liar",
            "out-of-range",
            "unordered",
            "duplicate-slots",
            "empty",
            "withhold-sidecars",
            "corrupt-sidecars",
            "reorder-sidecars",
            "invalid-blocks",
            "disconnects",
            "timeouts",
            "rate-limits",
            "stalls",
            "pruned",
        ]
    );
    let keys: Vec<u32> = peers.iter().map(|(_, peer)| peer.key()).collect();
    assert_eq!(keys, (100..116).collect::<Vec<u32>>());
    let behaviour = |name: &str| {
        peers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, peer)| peer.behaviour())
    };
    assert_eq!(behaviour("invalid-blocks"), Some(Behaviour::InvalidBlocks));
    assert_eq!(
        behaviour("disconnects"),
        Some(Behaviour::DisconnectMidRequest(
            MockPeer::ADVERSARY_DISCONNECT_AFTER
        ))
    );
    assert_eq!(behaviour("head-liar"), Some(Behaviour::Honest));
}

/// How `peer` gives itself away on range `r` of `chain`: a status lie, an error, a stall,
/// an empty answer, a rejected response or a block the verifier refuses.
async fn symptom(peer: &MockPeer, chain: &TestChain, r: SyncRange) -> String {
    let spec = blob_spec();
    let head = chain.blocks().last().expect("a chain").slot;
    if peer.head_slot() != head {
        return "head lie".into();
    }
    if peer.finalized_epoch().start_slot(spec.slots_per_epoch) > head {
        return "finality lie".into();
    }
    let hour = Duration::from_secs(3600);
    let error_name = |e: RequestError| {
        let debug = format!("{e:?}");
        debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let got_blocks = match timeout(hour, peer.blocks_by_range(r)).await {
        Err(_) => return "stall".into(),
        Ok(Err(e)) => return error_name(e),
        Ok(Ok(b)) => b,
    };
    let got_sidecars = match timeout(hour, peer.blob_sidecars_by_range(r)).await {
        Err(_) => return "stall".into(),
        Ok(Err(e)) => return error_name(e),
        Ok(Ok(s)) => s,
    };
    if got_blocks.is_empty() {
        return "empty".into();
    }
    if check_blocks(r, &got_blocks).is_err() {
        return "blocks rejected".into();
    }
    let Ok(response) = TestResponse::with_sidecars(r, got_blocks, got_sidecars, &spec) else {
        return "sidecars rejected".into();
    };
    let parent = chain
        .block_at(r.start().saturating_sub(1))
        .expect("test ranges follow a block");
    let outcomes = ChainVerifier::forward(parent)
        .verify_segment(response.into_blocks(), false)
        .await
        .expect("no fault");
    outcomes
        .iter()
        .find(|o| **o != BlockOutcome::Ok)
        .map_or_else(|| "honest".into(), |o| format!("{o:?}"))
}

#[tokio::test(start_paused = true)]
async fn every_adversary_gives_itself_away() {
    let chain = chain();
    let r = range(16, 16); // block 15 before it; blocks with blobs at 16, 18, ...
    let mut got = Vec::new();
    for (name, peer) in adversaries(Arc::clone(&chain), 1) {
        got.push((name, symptom(&peer, &chain, r).await));
    }
    let expected = [
        ("liar-fork", "MissingParent"),
        ("head-liar", "head lie"),
        ("finality-liar", "finality lie"),
        ("out-of-range", "blocks rejected"),
        ("unordered", "blocks rejected"),
        ("duplicate-slots", "blocks rejected"),
        ("empty", "empty"),
        ("withhold-sidecars", "sidecars rejected"),
        ("corrupt-sidecars", "sidecars rejected"),
        ("reorder-sidecars", "sidecars rejected"),
        ("invalid-blocks", "Invalid"),
        ("disconnects", "Disconnected"),
        ("timeouts", "Timeout"),
        ("rate-limits", "RateLimited"),
        ("stalls", "stall"),
        ("pruned", "ResourceUnavailable"),
    ];
    let got: Vec<(&str, &str)> = got.iter().map(|(n, s)| (*n, s.as_str())).collect();
    assert_eq!(got, expected);
    let honest = MockPeer::new(0, Arc::clone(&chain));
    assert_eq!(symptom(&honest, &chain, r).await, "honest");
}
