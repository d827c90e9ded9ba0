//! The command line as users call it: `check` explains or fails with located errors. (`lab`,
//! the README's main command, is tested in `lab_topologies.rs`.)

use std::process::Command;

fn kubegate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_explains_the_plan_for_the_named_node() {
    let out = kubegate()
        .args([
            "check",
            "--config",
            &example("three-masters.yaml"),
            "--node",
            "master2",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("this node: master2 (10.0.0.52)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("master2 is backup with priority 99"),
        "{stdout}"
    );
    assert!(
        stdout.contains("takes the VIP back from master2 (preempt)"),
        "{stdout}"
    );
}

#[test]
fn check_fails_with_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("kg-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.yaml");
    std::fs::write(
        &path,
        "nodes:\n  - { name: a, address: 10.0.0.1 }\n  - { name: b, address: 10.0.0.2 }\nvips:\n  - name: api\n    address: 10.0.0.50/24\n    vrrp: { vrid: 300 }\n",
    )
    .unwrap();
    let out = kubegate()
        .args(["check", "--config", path.to_str().unwrap(), "--node", "a"])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("bad.yaml:7:19: vips[0].vrrp.vrid"),
        "expected a located vrid error, got: {stderr}"
    );
}

#[test]
fn check_refuses_an_unknown_node() {
    let out = kubegate()
        .args([
            "check",
            "--config",
            &example("three-masters.yaml"),
            "--node",
            "master9",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("master9"));
}
