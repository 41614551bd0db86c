//! Waiting for the processes under test by their events, never by sleeping: Lodestar's
//! beacon-API event stream ticks once per head and per finalized checkpoint, and a
//! condition on any process of the test is checked again at each tick.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Lodestar's `/eth/v1/events` stream (`head`, `finalized_checkpoint`), read by `curl`;
/// stopped when dropped.
pub struct Events {
    curl: Child,
    ticks: mpsc::Receiver<String>,
}

impl Events {
    /// Subscribes to the beacon node at `url`.
    pub fn subscribe(url: &str) -> Events {
        let stream = format!("{url}/eth/v1/events?topics=head&topics=finalized_checkpoint");
        let mut curl = Command::new("curl")
            .args(["-sN", &stream])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("curl runs");
        let out = curl.stdout.take().expect("piped");
        let (tx, ticks) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(event) = line.strip_prefix("event:")
                    && tx.send(event.trim().to_owned()).is_err()
                {
                    break;
                }
            }
        });
        Events { curl, ticks }
    }

    /// The next event's name, or `None` after `limit` without one.
    ///
    /// # Panics
    /// When the stream has ended (the beacon node stopped).
    pub fn next(&self, limit: Duration) -> Option<String> {
        match self.ticks.recv_timeout(limit) {
            Ok(event) => Some(event),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the event stream ended"),
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.curl.kill();
        let _ = self.curl.wait();
    }
}

/// Checks `probe` now and again at each of `events`' ticks until it gives a value;
/// fails the test after `limit`.
#[track_caller]
pub fn wait_until<T>(
    what: &str,
    limit: Duration,
    events: &Events,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no {what} within {limit:?}");
        events.next(left);
    }
}
