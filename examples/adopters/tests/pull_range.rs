//! Runs the `pull_range` example as an adopter would (`cargo run -p adopters --bin
//! pull_range`) and checks that it verified every block and blob sidecar the served chain
//! holds in the range.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the program may take (generating and serving the devnet takes seconds).
const DEADLINE: Duration = Duration::from_secs(120);

/// Runs the binary: its exit status, stdout and stderr, or a panic after [`DEADLINE`] (the
/// child is killed first).
fn run_pull_range() -> (ExitStatus, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pull_range"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pull_range starts");
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            let _ = sender.send(text);
        });
        receiver
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped stderr")));
    // Both pipes close when the program exits: stdout's end is the signal to wait for.
    let Ok(out) = stdout.recv_timeout(DEADLINE) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("pull_range did not finish within {DEADLINE:?}");
    };
    let err = stderr
        .recv_timeout(DEADLINE)
        .expect("stderr closes with the program");
    (child.wait().expect("pull_range is waited for"), out, err)
}

/// The line of `stdout` that starts with `prefix`, without it.
fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{stdout}"))
}

/// The leading number of `text` (`"113 blocks, ..."` gives 113).
fn leading_number(text: &str) -> u64 {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number at the start of {text:?}"))
}

#[test]
fn pull_range_verifies_every_block_and_sidecar_of_the_range() {
    let started = Instant::now();
    let (status, stdout, stderr) = run_pull_range();
    assert!(
        status.success(),
        "pull_range failed ({status}):\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // "expected: N blocks, M blob sidecars in slots 1..=128" is what the devnet holds
    // there; the client must have pulled and verified exactly that.
    let expected = line(&stdout, "expected: ");
    let (counts, slots) = expected.split_once(" in ").expect("counts, then the slots");
    assert_eq!(slots, "slots 1..=128");
    assert!(
        leading_number(counts) > 100,
        "most of 128 slots have a block: {counts}"
    );
    let blobs = counts.split_once(", ").expect("blocks, then sidecars").1;
    assert!(leading_number(blobs) > 0, "the range has blobs: {counts}");
    assert_eq!(line(&stdout, "pulled: "), counts);
    assert!(
        line(&stdout, "verified: ").starts_with(expected),
        "verified what was expected:\n{stdout}"
    );
    let head = line(&stdout, "head: ");
    assert!(
        head.starts_with("slot ") && head.contains("root 0x"),
        "{head}"
    );
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
    eprintln!("pull_range ran in {:?}", started.elapsed());
}
