//! `kubegate import` as users call it: the kubegate file on stdout (or `--output`), notes on
//! stderr with file and line; the file it writes is one `kubegate check` accepts; with an
//! error nothing is written and the exit status is 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kubegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(args)
        .current_dir(fixtures())
        .output()
        .unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kubegate-import/tests/fixtures")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("kubegate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const STACKED: [&str; 4] = [
    "keepalived/stacked/k8s-master-1.conf",
    "keepalived/stacked/k8s-master-2.conf",
    "keepalived/stacked/k8s-master-3.conf",
    "haproxy/on-masters-9443.cfg",
];

#[test]
fn stacked_masters_become_one_file_that_check_accepts() {
    let out = kubegate(&[&["import"], &STACKED[..]].concat());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("- frontend: kubernetes-apiserver"),
        "{stdout}"
    );
    assert!(stdout.contains("weight: 11"), "{stdout}");
    assert!(
        stdout.contains("priority: { k8s-master-1: 100, k8s-master-2: 90, k8s-master-3: 80 }"),
        "{stdout}"
    );
    // Notes name their file and line, in the order the files were given.
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("keepalived/stacked/k8s-master-1.conf:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("haproxy/on-masters-9443.cfg:39: assumed: idle timeout 1m"),
        "{stderr}"
    );

    let dir = TempDir::new("import-stacked");
    let file = dir.0.join("kubegate.yaml");
    std::fs::write(&file, &stdout).unwrap();
    let check = kubegate(&[
        "check",
        "--config",
        file.to_str().unwrap(),
        "--node",
        "k8s-master-2",
    ]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    let plan = text(&check.stdout);
    assert!(plan.contains("k8s-master-2"), "{plan}");
}

#[test]
fn output_file_is_written_once_and_never_replaced() {
    let dir = TempDir::new("import-output");
    let file = dir.0.join("kubegate.yaml");
    let path = file.to_str().unwrap();
    let out = kubegate(&[&["import", "--output", path], &STACKED[..]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "the file goes to --output only");
    assert!(text(&out.stderr).contains(&format!("next: kubegate check --config {path}")));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("vrid: 50"), "{written}");

    std::fs::write(&file, "kept\n").unwrap();
    let again = kubegate(&[&["import", "--output", path], &STACKED[..]].concat());
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("an existing file is not replaced"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept\n");
}

#[test]
fn errors_write_nothing_and_exit_one() {
    let out = kubegate(&[
        "import",
        "keepalived/errors/node-a.conf",
        "keepalived/errors/node-b.conf",
        "haproxy/placeholder-addresses.cfg",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("keepalived/errors/node-a.conf:9: error: priority 255"),
        "{stderr}"
    );
    assert!(
        stderr.contains("haproxy/placeholder-addresses.cfg:13: error: server k8s-master-1"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
}

#[test]
fn node_addresses_come_from_the_command_line() {
    let files = [
        "keepalived/lb-pair/lb1.conf",
        "keepalived/lb-pair/lb2.conf",
        "haproxy/lb-pair-with-stats.cfg",
    ];
    let without = kubegate(&[&["import"], &files[..]].concat());
    assert_eq!(without.status.code(), Some(1));
    assert!(
        text(&without.stderr).contains("pass --node proxy-master=ADDRESS"),
        "{}",
        text(&without.stderr)
    );

    let with = kubegate(
        &[
            &[
                "import",
                "--node",
                "proxy-master=10.0.0.41",
                "--node",
                "proxy-backup=10.0.0.42",
            ],
            &files[..],
        ]
        .concat(),
    );
    let stdout = text(&with.stdout);
    assert!(with.status.success(), "{}", text(&with.stderr));
    assert!(
        stdout.contains("{ name: proxy-master, address: 10.0.0.41 }"),
        "{stdout}"
    );
    assert!(
        stdout.contains("admin:\n  bind: 127.0.0.1:8888"),
        "{stdout}"
    );

    let bad = kubegate(&["import", "--node", "proxy-master", files[0]]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("write NAME=ADDRESS"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn a_file_of_another_kind_is_named() {
    let dir = TempDir::new("import-unknown");
    let file = dir.0.join("notes.txt");
    std::fs::write(&file, "just some text\n").unwrap();
    let out = kubegate(&["import", file.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("notes.txt:1: error: cannot tell what this file is"),
        "{stderr}"
    );
}
