//! Runs the `own_types` adopter example and checks the figures of its summary.

use std::process::Command;

/// The example's chain: slots 1 to 2,000 after genesis, without one slot in seven.
fn chain_blocks() -> usize {
    (1..=2_000u64).filter(|s| s % 7 != 3).count()
}

/// The line of stdout that starts with `prefix`.
fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"))
}

/// The integer after `name ` in `line` (`score -1900,` gives -1900).
fn figure(line: &str, name: &str) -> i64 {
    let (_, rest) = line
        .split_once(&format!("{name} "))
        .unwrap_or_else(|| panic!("no {name:?} in {line:?}"));
    let digits = rest.split(|c: char| c != '-' && !c.is_ascii_digit()).next();
    digits
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no number after {name:?} in {line:?}"))
}

#[test]
fn own_types_imports_every_block_and_blames_only_the_liar() {
    let out = Command::new(env!("CARGO_BIN_EXE_own_types"))
        .output()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );

    let blocks = chain_blocks();
    assert_eq!(blocks, 1_714);
    let summary = line(&stdout, "synced at slot 2000 after ");
    assert!(
        summary.ends_with(&format!("imported {blocks} of {blocks} blocks")),
        "{summary}"
    );

    for id in 1..=4 {
        let honest = line(&stdout, &format!("honest peer {id}: "));
        assert!(figure(honest, "score") > 0, "{honest}");
        assert_eq!(figure(honest, "penalties"), 0, "{honest}");
        assert!(honest.ends_with(", in the pool"), "{honest}");
    }
    let liar = line(&stdout, "liar peer 666: ");
    assert!(
        figure(liar, "penalties") < 0,
        "the liar was never caught: {liar}"
    );
    assert!(
        figure(liar, "score") < 0 || liar.ends_with(", removed"),
        "{liar}"
    );
}
