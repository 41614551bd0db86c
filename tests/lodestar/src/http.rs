//! Asking the nodes under test over HTTP (with `curl`, which the Lodestar script needs
//! too), and free ports.

use std::net::TcpListener;
use std::process::Command;

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
