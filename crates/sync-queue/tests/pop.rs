//! Handing out ranges (spec A.5.3, A.5.4) in both directions.

mod common;

use common::{Harness, range};
use sync_queue::{NoRequest, QueueConfig};
use sync_types::{
    Cursor, Slot,
    test_utils::{TestChain, TestPeer},
};

fn cfg(chunk: u64) -> QueueConfig {
    QueueConfig::default().with_chunk_size(chunk)
}

#[test]
fn forward_pop_hands_out_chunks_in_order_clipped_to_the_peer_head() {
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 100, cfg(32));
    let p = TestPeer::new(1);
    let t1 = h.pop(40, &p);
    assert_eq!(t1.range, range(0, 32));
    let t2 = h.pop(40, &p);
    assert_eq!(t2.range, range(32, 9), "clipped to the head at 40");
    assert_eq!(
        h.queue.pop(Slot(40), p.clone()).unwrap_err(),
        NoRequest::PeerBehind
    );
    let q = TestPeer::new(2);
    let t3 = h.pop(200, &q);
    assert_eq!(t3.range, range(41, 32));
    let t4 = h.pop(200, &q);
    assert_eq!(t4.range, range(73, 28), "clipped to the final slot 100");
    assert_eq!(h.queue.pop(Slot(200), q).unwrap_err(), NoRequest::Exhausted);
    assert_eq!(h.queue.pending_len(), 101);
}

#[test]
fn forward_pop_from_slot_zero_counts_all_slots() {
    let h = Harness::forward(TestChain::full(Slot(40)), 0, 31, cfg(32));
    assert_eq!(
        (h.queue.len(), h.queue.total(), h.queue.progress()),
        (32, 32, 0)
    );
    let t = h.pop(31, &TestPeer::new(1));
    assert_eq!(t.range, range(0, 32));
    assert_eq!(h.queue.input_slot(), Cursor::At(Slot(32)));
}

#[test]
fn forward_queue_ending_at_the_last_slot_of_the_line_ends_beyond_it() {
    let start = u64::MAX - 40;
    let h = Harness::forward(TestChain::full(Slot(0)), start, u64::MAX, cfg(32));
    assert_eq!(h.queue.total(), 41);
    let p = TestPeer::new(1);
    let t5 = h.pop(u64::MAX, &p);
    assert_eq!(t5.range, range(start, 32));
    let last = h.pop(u64::MAX, &p);
    assert_eq!(last.range, range(start + 32, 9));
    assert_eq!(last.range.last(), Slot::MAX);
    assert_eq!(h.queue.input_slot(), Cursor::Beyond);
    assert_eq!(h.queue.pop(Slot::MAX, p).unwrap_err(), NoRequest::Exhausted);
    assert_eq!(h.queue.pending_len(), 41);
}

#[test]
fn backward_pop_hands_out_whole_ranges_from_the_top_down_and_stops_below_genesis() {
    let h = Harness::backward(TestChain::full(Slot(100)), 100, 0, cfg(32));
    assert_eq!(h.queue.start_slot(), Slot(99));
    assert_eq!((h.queue.len(), h.queue.total()), (100, 100));
    let p = TestPeer::new(1);
    let t6 = h.pop(100, &p);
    assert_eq!(t6.range, range(68, 32));
    let t7 = h.pop(100, &p);
    assert_eq!(t7.range, range(36, 32));
    let t8 = h.pop(100, &p);
    assert_eq!(t8.range, range(4, 32));
    let t9 = h.pop(100, &p);
    assert_eq!(t9.range, range(0, 4));
    // Nimbus wraps the input slot to u64::MAX here (D.23); we say "below genesis".
    assert_eq!(h.queue.input_slot(), Cursor::Beyond);
    assert_eq!(h.queue.pending_len(), 100);
    assert_eq!(h.queue.pop(Slot(100), p).unwrap_err(), NoRequest::Exhausted);
}

#[test]
fn backward_pop_needs_a_peer_that_has_the_whole_range() {
    let h = Harness::backward(TestChain::full(Slot(100)), 100, 0, cfg(32));
    let p = TestPeer::new(1);
    assert_eq!(
        h.queue.pop(Slot(98), p.clone()).unwrap_err(),
        NoRequest::PeerBehind
    );
    let t10 = h.pop(99, &p);
    assert_eq!(t10.range, range(68, 32));
}

#[test]
fn backward_pop_stops_at_a_final_slot_above_genesis() {
    let h = Harness::backward(TestChain::full(Slot(100)), 100, 50, cfg(32));
    let p = TestPeer::new(1);
    let t11 = h.pop(100, &p);
    assert_eq!(t11.range, range(68, 32));
    let t12 = h.pop(100, &p);
    assert_eq!(t12.range, range(50, 18));
    assert_eq!(h.queue.pop(Slot(100), p).unwrap_err(), NoRequest::Exhausted);
}

#[test]
fn failed_range_is_handed_out_again_before_fresh_ranges() {
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 200, cfg(32));
    let p = TestPeer::new(1);
    let first = h.pop(200, &p);
    let _second = h.pop(200, &p);
    let first_id = first.id;
    h.queue.push_failed(first);
    assert_eq!(h.queue.debt_len(), 32);
    let again = h.pop(200, &p);
    assert_eq!(again.range, range(0, 32));
    assert_ne!(again.id, first_id, "a re-issued range gets a fresh id");
    assert_eq!(h.queue.debt_len(), 0);
    let t13 = h.pop(200, &p);
    assert_eq!(t13.range, range(64, 32));
}

#[test]
fn a_failed_range_beyond_the_peer_head_blocks_the_pop() {
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 200, cfg(32));
    let p = TestPeer::new(1);
    let _a = h.pop(200, &p);
    let b = h.pop(200, &p);
    h.queue.push_failed(b); // 32..63 is owed
    assert_eq!(
        h.queue.pop(Slot(50), p.clone()).unwrap_err(),
        NoRequest::PeerBehind
    );
    let t14 = h.pop(63, &p);
    assert_eq!(t14.range, range(32, 32));
}

#[test]
fn failed_ranges_are_trimmed_past_a_new_safe_slot() {
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 200, cfg(32));
    let p = TestPeer::new(1);
    let a = h.pop(200, &p);
    h.queue.push_failed(a);
    h.set_safe(10);
    let t = h.pop(200, &p);
    assert_eq!(
        t.range,
        range(10, 22),
        "the finalized part is not fetched again"
    );
    assert_eq!(h.queue.output_slot(), Cursor::At(Slot(10)));
    h.queue.push_failed(t);
    h.set_safe(40);
    // The whole failed range is now finalized: it is dropped, and a fresh range follows.
    let t15 = h.pop(200, &p);
    assert_eq!(t15.range, range(40, 32));
}

#[test]
fn backward_failed_ranges_are_trimmed_below_the_safe_slot() {
    let h = Harness::backward(TestChain::full(Slot(100)), 100, 0, cfg(32));
    let p = TestPeer::new(1);
    let a = h.pop(100, &p); // 68..99
    h.queue.push_failed(a);
    h.set_safe(80);
    let t16 = h.pop(100, &p);
    assert_eq!(t16.range, range(68, 13));
}

#[test]
fn too_many_outstanding_requests_hold_back_fresh_ranges_but_not_failed_ones() {
    let config = cfg(8).with_max_outstanding_requests(2);
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 200, config);
    let p = TestPeer::new(1);
    let a = h.pop(200, &p);
    let _b = h.pop(200, &p);
    assert_eq!(
        h.queue.pop(Slot(200), p.clone()).unwrap_err(),
        NoRequest::Backlog
    );
    h.queue.push_failed(a);
    let t17 = h.pop(200, &p);
    assert_eq!(t17.range, range(0, 8), "failed ranges are still handed out");
}

#[test]
fn a_chunk_size_of_zero_is_read_as_one() {
    let h = Harness::forward(TestChain::full(Slot(10)), 0, 10, cfg(0));
    let t18 = h.pop(10, &TestPeer::new(1));
    assert_eq!(t18.range, range(0, 1));
}

#[test]
fn update_last_slot_extends_a_forward_queue() {
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 31, cfg(32));
    let p = TestPeer::new(1);
    let _t = h.pop(200, &p);
    assert_eq!(
        h.queue.pop(Slot(200), p.clone()).unwrap_err(),
        NoRequest::Exhausted
    );
    h.queue.update_last_slot(Slot(63));
    assert_eq!(h.queue.final_slot(), Slot(63));
    let t19 = h.pop(200, &p);
    assert_eq!(t19.range, range(32, 32));
}

#[test]
fn a_released_ticket_goes_back_unused_while_a_dropped_one_counts_as_failed() {
    let h = Harness::forward(TestChain::full(Slot(200)), 0, 200, cfg(32));
    let p = TestPeer::new(1);
    let looked_at = h.pop(200, &p);
    assert_eq!(looked_at.range, range(0, 32));
    looked_at.release();
    assert_eq!(
        h.queue.stats().requests_failed,
        0,
        "a release is no failure"
    );
    assert_eq!(
        h.queue.debt_len(),
        32,
        "its range waits to be handed out again"
    );
    let again = h.pop(200, &p);
    assert_eq!(again.range, range(0, 32));
    drop(again);
    assert_eq!(
        h.queue.stats().requests_failed,
        1,
        "a dropped ticket is a failure"
    );
    assert_eq!(h.pop(200, &p).range, range(0, 32));
}
