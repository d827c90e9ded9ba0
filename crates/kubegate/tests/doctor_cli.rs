//! `kubegate doctor` on the command line: listed in the help with its options, and a broken
//! file is refused with located errors before anything is probed.

use std::process::Command;

fn kubegate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
}

#[test]
fn help_lists_doctor_and_its_options() {
    let out = kubegate().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let line = help
        .lines()
        .find(|l| l.trim_start().starts_with("doctor"))
        .unwrap_or_else(|| panic!("no doctor in\n{help}"));
    assert!(line.contains("Preflight"), "{line}");

    let out = kubegate().args(["doctor", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{help}");
    for option in [
        "--config",
        "--node",
        "--apiserver <ADDR:PORT>",
        "--listen <DURATION>",
        "--json",
    ] {
        assert!(help.contains(option), "missing {option} in\n{help}");
    }
}

#[test]
fn a_broken_file_is_refused_before_any_check() {
    let dir = std::env::temp_dir().join(format!("kg-doctor-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    struct Cleanup(std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(dir.clone());
    let path = dir.join("bad.yaml");
    std::fs::write(
        &path,
        "frontends:\n  - name: api\n    bind: 127.0.0.1:6443\n    backends: [127.0.0.1:1]\n    balanse: random-two\n",
    )
    .unwrap();
    let out = kubegate()
        .args(["doctor", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no findings for a broken file");
    assert!(stderr.contains("bad.yaml:5:5"), "{stderr}");
    assert!(stderr.contains("balanse"), "{stderr}");

    let out = kubegate()
        .args(["doctor", "--config"])
        .arg(&path)
        .args(["--listen", "soon"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}
