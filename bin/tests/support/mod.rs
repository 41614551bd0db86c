//! A `beacon-sync` child process for tests that must never hang: its log is read on a
//! thread and kept, every wait has a deadline, and the child is killed when the handle is
//! dropped (a failed assertion leaves no orphan behind). A failure prints the log's tail.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many log lines a failure message shows.
const TAIL: usize = 60;

/// A running `beacon-sync` whose stderr is read line by line.
pub(crate) struct Running {
    child: Child,
    lines: Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Running {
    /// Starts `cmd` with stderr piped (stdout to null).
    pub(crate) fn spawn(mut cmd: Command) -> Self {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the binary starts");
        let stderr = child.stderr.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                kept.lock().expect("log lock").push(line.clone());
                // The test may have stopped listening; the log is still kept.
                let _ = tx.send(line);
            }
        });
        Self { child, lines, log }
    }

    /// The next log line holding `needle`, read within `within`; panics with the log's
    /// tail if the child exits or the time runs out first.
    pub(crate) fn wait_for_line(&self, needle: &str, within: Duration) -> String {
        self.wait_for(within, &format!("a line with `{needle}`"), |l| {
            l.contains(needle)
        })
    }

    /// The next log line for which `found` holds, read within `within`.
    pub(crate) fn wait_for(
        &self,
        within: Duration,
        what: &str,
        mut found: impl FnMut(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if found(&line) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no {what} within {within:?}"));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("the log ended before {what}"));
                }
            }
        }
    }

    /// Waits for the child to exit on its own within `within` (its log closes first).
    pub(crate) fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(_) => {}
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("the node did not exit within {within:?}"));
                }
            }
        }
        self.child.wait().expect("reaped")
    }

    /// The child's process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Every log line read so far.
    pub(crate) fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }

    /// Kills the child with SIGKILL and reaps it.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Panics with `why` and the last lines of the log.
    pub(crate) fn fail(&self, why: &str) -> ! {
        let log = self.log.lock().expect("log lock");
        let tail = log[log.len().saturating_sub(TAIL)..].join("\n");
        panic!("{why}; the node's last {TAIL} log lines:\n{tail}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The value of ` key=` in a log line (a whole field name; ANSI colour codes removed).
pub(crate) fn field(line: &str, key: &str) -> Option<u64> {
    let plain: String = line
        .split('\u{1b}')
        .map(|part| part.split_once('m').map_or(part, |(_, rest)| rest))
        .collect();
    let at = plain.find(&format!(" {key}="))? + key.len() + 2;
    plain[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}
