//! `kubegate manifest` as users call it: the file on stdout, warnings on stderr; an invalid
//! config fails with located errors, as `kubegate check` does.

use std::path::PathBuf;
use std::process::{Command, Output};

fn kubegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(args)
        .output()
        .unwrap()
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn static_pod_on_stdout_warnings_on_stderr() {
    let out = kubegate(&[
        "manifest",
        "static-pod",
        "--config",
        &example("vip-v3-fast.yaml"),
        "--node-path",
        "/etc/kubegate/kubegate.yaml",
        "--image",
        "registry.example/kubegate:1",
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "expected success, got {}: {stderr}",
        out.status
    );
    assert!(stdout.contains("kind: Pod\n"), "{stdout}");
    assert!(
        stdout.contains("image: \"registry.example/kubegate:1\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("args: [\"run\", \"--config\", \"/etc/kubegate/kubegate.yaml\"]"),
        "{stdout}"
    );
    assert!(!stdout.contains("warning"), "{stdout}");
    assert!(
        stderr.contains("kubegate: warning: vip api: track script `/usr/local/bin/extra-check`"),
        "{stderr}"
    );
}

/// Where a test can write a config that a systemd unit may read: the unit hides /tmp, /var/tmp,
/// /home, /root and /run/user (PrivateTmp, ProtectHome), so neither the temporary directory nor
/// a clone of the repository under /tmp or /home will do. /dev/shm is writable by every user.
const UNHIDDEN_PARENT: &str = "/dev/shm";

#[test]
fn the_config_path_defaults_to_the_given_file_made_absolute() {
    assert!(
        std::path::Path::new(UNHIDDEN_PARENT).is_dir(),
        "this test needs {UNHIDDEN_PARENT} for a config directory the systemd unit does not hide"
    );
    let dir = TempDir(
        std::path::Path::new(UNHIDDEN_PARENT)
            .join(format!("kg-manifest-absolute-{}", std::process::id())),
    );
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::copy(example("node-local.yaml"), dir.0.join("node-local.yaml")).unwrap();
    // A relative path, resolved against the working directory.
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["manifest", "systemd", "--config", "node-local.yaml"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "expected success, got {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let absolute = dir.0.join("node-local.yaml");
    assert!(
        stdout.contains(&format!("run --config {}\n", absolute.display())),
        "expected `run --config {}` in the unit:\n{stdout}",
        absolute.display()
    );
}

#[test]
fn an_invalid_config_fails_with_file_line_and_column() {
    let dir = TempDir(std::env::temp_dir().join(format!("kg-manifest-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let path = dir.0.join("bad.yaml");
    std::fs::write(
        &path,
        "frontends:\n  - name: api\n    bind: 127.0.0.1:6443\n    backend: [10.0.0.51:6443]\n",
    )
    .unwrap();
    for kind in ["static-pod", "daemonset", "systemd"] {
        let out = kubegate(&["manifest", kind, "--config", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{kind}: expected a failure for an invalid file, got {}: {stderr}",
            out.status
        );
        assert!(
            out.stdout.is_empty(),
            "{kind}: expected nothing on stdout for an invalid file, got:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            stderr.contains(&format!("{}:4:5", path.display())),
            "{kind}: {stderr}"
        );
        assert!(stderr.contains("backend"), "{stderr}");
    }
}

/// A script tracker with the default image: exit 1, nothing on stdout, and the error names the
/// file, the script and what to do.
#[test]
fn script_tracker_without_an_image_fails() {
    let config = example("three-masters.yaml");
    let out = kubegate(&["manifest", "static-pod", "--config", &config]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "expected exit 1: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing should be written: {:?}",
        out.stdout
    );
    for words in [
        "three-masters.yaml",
        "`killall -0 kube-apiserver`",
        "--image",
    ] {
        assert!(stderr.contains(words), "expected {words:?} in: {stderr}");
    }
}

/// `daemonset --configmap`: a ConfigMap holding the file, then the DaemonSet.
#[test]
fn daemonset_with_configmap() {
    let config = example("lb-pair-with-ingress.yaml");
    let out = kubegate(&["manifest", "daemonset", "--config", &config, "--configmap"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "expected success: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cm = stdout.find("kind: ConfigMap\n").expect("a ConfigMap");
    let ds = stdout.find("kind: DaemonSet\n").expect("a DaemonSet");
    assert!(cm < ds, "the ConfigMap comes first:\n{stdout}");
    assert!(stdout.contains("configMap:\n"), "{stdout}");
    let static_pod = kubegate(&["manifest", "static-pod", "--config", &config, "--configmap"]);
    assert_eq!(static_pod.status.code(), Some(1));
}
