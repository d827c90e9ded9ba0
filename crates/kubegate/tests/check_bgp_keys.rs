//! `kubegate check` reads each BGP peer's TCP-MD5 key file as the BGP driver does: a file
//! other users may access is refused with the fix, one that cannot be read is a warning that
//! names the peers using it, a private one passes silently; the key never appears in the
//! output.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY: &str = "kg-md5-3c9a7e1f";

/// A directory of the test's own, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let path = std::env::temp_dir().join(format!("kg-check-bgp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(dir: &Path) -> PathBuf {
    let key = dir.join("leaf.key");
    let text = format!(
        "nodes:
  - {{ name: kg1, address: 198.18.0.11 }}
bgp:
  asn: 64512
  peers:
    - {{ address: 198.18.0.1, asn: 64500, password_file: {key} }}
    - {{ address: 198.18.0.2, asn: 64500, password_file: {key} }}
vips:
  - {{ name: api, address: 198.18.10.50/32, bgp: {{}} }}
",
        key = key.display()
    );
    let path = dir.join("kubegate.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn check(config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["check", "--node", "kg1", "--config"])
        .arg(config)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_key_file_others_may_read_is_refused_a_missing_one_warned_about() {
    let dir = Dir::new("keys");
    let cfg = config(&dir.0);
    let key = dir.0.join("leaf.key");

    let out = check(&cfg);
    let all = text(&out);
    assert!(out.status.success(), "a missing key is a warning: {all}");
    assert!(
        all.contains(&format!(
            "warning: bgp password_file {}: cannot read it: No such file or directory (os \
             error 2); the BGP session with 198.18.0.1, 198.18.0.2 needs it",
            key.display()
        )),
        "{all}"
    );

    std::fs::write(&key, format!("{KEY}\n")).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = check(&cfg);
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(
        all.contains(&format!(
            "bgp password_file {} is accessible by other users (mode 0644)",
            key.display()
        )) && all.contains(&format!("run `chmod 600 {}`", key.display())),
        "{all}"
    );
    assert!(!all.contains(KEY), "{all}");

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = check(&cfg);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        !all.contains("password_file") || !all.contains("warning: bgp"),
        "{all}"
    );
    assert!(!all.contains(KEY), "{all}");
}
