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

/// A directory of its own for one test, removed when the test ends (also on failure).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("kg-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `kubegate ARGS` with stdout on a pipe whose reading end is already closed (as after
/// `| head -1` has read its line): every write fails with EPIPE.
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    kubegate()
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap()
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    let dir = TempDir::new("pipe");
    let keepalived = dir.file(
        "keepalived.conf",
        "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  \
         unicast_src_ip 10.0.0.51\n  unicast_peer {\n    10.0.0.52\n  }\n  \
         virtual_ipaddress {\n    10.0.0.50/24\n  }\n}\n",
    );
    let three = example("three-masters.yaml");
    let cases: [&[&str]; 5] = [
        &["check", "--config", &three, "--node", "master2"],
        &["manifest", "systemd", "--config", &three],
        &["import", &keepalived, "--node", "keepalived=10.0.0.51"],
        &["--help"],
        &["--version"],
    ];
    for args in cases {
        let out = with_closed_stdout(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "kubegate {args:?} to a closed pipe: expected no panic and no error, got {}: \
             {stderr}",
            out.status
        );
        assert!(
            out.status.code().is_some(),
            "kubegate {args:?} was killed by a signal: {}",
            out.status
        );
    }
    // check: the exit status it would have had with a reader, and nothing on stderr.
    let out = with_closed_stdout(&["check", "--config", &three, "--node", "master2"]);
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).as_ref()
        ),
        (Some(0), ""),
        "check to a closed pipe"
    );
}

#[test]
fn an_endless_config_file_is_refused_at_the_limit() {
    let out = kubegate()
        .args(["check", "--config", "/dev/zero"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a failure, got {stderr}");
    assert_eq!(
        stderr,
        "kubegate: /dev/zero: cannot read the config file: it is larger than 4 MiB, more than \
         kubegate reads of such a file; is it the right file?\n"
    );
}

#[test]
fn endless_import_inputs_and_token_files_are_refused_at_the_limit() {
    let out = kubegate().args(["import", "/dev/zero"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a failure, got {stderr}");
    assert_eq!(
        stderr,
        "kubegate: /dev/zero: cannot read: it is larger than 4 MiB, more than kubegate reads of \
         such a file; is it the right file?\n"
    );
    // The token is read before anything is asked: no daemon is needed.
    let out = kubegate()
        .args([
            "status",
            "--admin",
            "127.0.0.1:9",
            "--token-file",
            "/dev/zero",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a failure, got {stderr}");
    assert_eq!(
        stderr,
        "kubegate: admin.token_file /dev/zero: cannot read it: it is larger than 64 KiB, more \
         than kubegate reads of such a file; is it the right file?\n"
    );
}

#[test]
fn check_warns_about_a_token_file_that_run_cannot_read() {
    let dir = TempDir::new("token");
    let missing = dir.0.join("admin-token");
    let config = dir.file(
        "cluster.yaml",
        &format!(
            "frontends:\n  - {{ name: api, bind: 127.0.0.1:6443, backends: [10.0.0.51:6443], \
             check: {{ https: /readyz }} }}\n\
             admin: {{ bind: 127.0.0.1:9099, token_file: {} }}\n",
            missing.display()
        ),
    );
    let out = kubegate()
        .args(["check", "--config", &config])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = format!(
        "warning: admin.token_file {}: cannot read it: No such file or directory (os error 2); \
         `kubegate run` refuses to start until it can read the token\n",
        missing.display()
    );
    assert!(
        stdout.ends_with(&expected),
        "expected {expected:?} at the end of:\n{stdout}"
    );
    // Once the file holds a token (readable by its owner only), the warning is gone.
    std::fs::write(&missing, "s3cret\n").unwrap();
    std::fs::set_permissions(
        &missing,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let out = kubegate()
        .args(["check", "--config", &config])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !stdout.contains("warning"),
        "{stdout}"
    );
}

#[test]
fn check_refuses_a_wildcard_bind_on_the_node_s_own_apiserver_port() {
    let dir = TempDir::new("overlap");
    let config = dir.file(
        "cluster.yaml",
        "nodes:\n  - { name: master1, address: 10.0.0.51 }\n  - { name: master2, address: 10.0.0.52 }\n\
         vips:\n  - { name: api, address: 10.0.0.50/24, vrrp: { vrid: 51 } }\n\
         frontends:\n  - { name: api, bind: 0.0.0.0:6443, backends: [10.0.0.51:6443, 10.0.0.52:6443] }\n",
    );
    let out = kubegate()
        .args(["check", "--config", &config, "--node", "master1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a refusal, got {stderr}");
    assert!(
        stderr.contains(
            "cluster.yaml:7:24: frontends[0].bind: 0.0.0.0:6443 takes port 6443 on every \
             address, also node master1's address 10.0.0.51:6443, where its backend at line 7 \
             listens"
        ) && stderr.contains("listen on another port, like 0.0.0.0:9443"),
        "expected the located overlap with what to do, got: {stderr}"
    );
}

#[test]
fn lab_references_that_do_not_fit_are_refused_before_anything_is_built() {
    for (args, says) in [
        (
            &["lab", "--chaos", "--compare", "gobgp"][..],
            "--chaos compares with keepalived-haproxy only",
        ),
        (
            &["lab", "--topology", "lb-pair", "--compare", "gobgp"][..],
            "--compare gobgp does not fit topology lb-pair",
        ),
    ] {
        let out = kubegate().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
