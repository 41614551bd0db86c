//! Asking the nodes under test over HTTP (with `curl`, which the Lodestar script needs
//! too), free ports, and waiting for an outside process to reach a state.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// `GET url` as JSON; `None` for a failed request, an HTTP error or a body that is not
/// JSON.
pub fn get_json(url: &str) -> Option<Value> {
    let output = Command::new("curl")
        .args(["-sf", "-m", "10", url])
        .output()
        .expect("curl runs");
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

/// `GET url` as text; `None` as for [`get_json`].
pub fn get_text(url: &str) -> Option<String> {
    let output = Command::new("curl")
        .args(["-sf", "-m", "10", url])
        .output()
        .expect("curl runs");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    listener.local_addr().expect("bound").port()
}

/// Asks `probe` every 250 ms until it gives a value; fails the test after `limit`. The
/// processes under test are outside this one: asking again is the only way to see them
/// change.
#[track_caller]
pub fn poll_until<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(started.elapsed() < limit, "no {what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}
