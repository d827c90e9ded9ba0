//! `kubegate lab` stopped by Ctrl-C (SIGINT) or SIGTERM removes what it built before it exits:
//! its namespaces, every process in them, and its files; it exits with status 130.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kubegate_lab::netns;

/// The lab namespaces of process `pid` that exist now.
fn namespaces_of(pid: u32) -> Vec<String> {
    netns::list()
        .expect("ip netns list")
        .into_iter()
        .filter(|n| {
            netns::tag_of(n).is_some_and(|tag| {
                u32::from_str_radix(&tag[netns::PREFIX.len()..tag.len() - 2], 36) == Ok(pid)
            })
        })
        .collect()
}

fn interrupted_by(signal: &str) {
    let _turn = kubegate_lab::serial();
    kubegate_lab::require_root().expect("root is needed for the lab's namespaces");
    let lab = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["lab", "--topology", "lb-pair"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubegate lab starts");
    let pid = lab.id();
    // Wait until the lab has built its namespaces and started daemons in them.
    let started = Instant::now();
    let names = loop {
        let names = namespaces_of(pid);
        let busy = names.iter().any(|n| {
            Command::new("ip")
                .args(["netns", "pids", n])
                .output()
                .is_ok_and(|o| !o.stdout.is_empty())
        });
        if busy {
            break names;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the lab should have built its namespaces by now: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let tag = netns::tag_of(&names[0]).expect("a lab name").to_string();
    let dir = std::env::temp_dir().join(format!("kubegate-lab-{tag}"));
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = lab.wait_with_output().expect("the lab exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("removing the lab's namespaces"), "{stderr}");
    assert_eq!(
        namespaces_of(pid),
        Vec::<String>::new(),
        "namespaces left: {stderr}"
    );
    assert!(!Path::new(&dir).exists(), "{} left behind", dir.display());
}

#[test]
fn ctrl_c_removes_the_lab() {
    interrupted_by("INT");
}

#[test]
fn sigterm_removes_the_lab() {
    interrupted_by("TERM");
}
