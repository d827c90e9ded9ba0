//! The layering of docs/ARCHITECTURE.md, checked on the workspace itself: `unsafe` only in
//! kubegate-sys (every other crate root forbids it), no tokio and no I/O adapter under the
//! protocol and config crates, and a daemon built without the `lab` feature carries none of the
//! lab. The crate graph makes most forbidden edges impossible (a cycle does not compile); these
//! tests keep the ones a new dependency line could quietly add.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every package in the normal (non-dev) dependency tree of `package`, by name.
fn dependencies(package: &str, extra: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace())
        .args(["tree", "--offline", "--quiet", "--edges", "normal"])
        .args(["--prefix", "none", "--format", "{p}", "--package", package])
        .args(extra)
        .output()
        .expect("running cargo tree");
    assert!(
        out.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn assert_none_of(package: &str, extra: &[&str], forbidden: &[&str], why: &str) {
    let deps = dependencies(package, extra);
    let found: Vec<&&str> = forbidden
        .iter()
        .filter(|f| deps.iter().any(|d| d == *f))
        .collect();
    assert!(
        found.is_empty(),
        "{package} {extra:?} depends on {found:?}: {why}\nits whole tree: {deps:?}"
    );
}

const IO: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "libc",
    "kubegate-sys",
    "rustls",
    "kubegate-balancer",
    "kubegate-lab",
];

#[test]
fn the_vrrp_core_depends_on_nothing() {
    let deps = dependencies("vrrp", &[]);
    assert_eq!(
        deps,
        vec!["vrrp".to_string()],
        "the sans-IO VRRP crate must stay free of dependencies"
    );
}

#[test]
fn the_bgp_core_depends_on_nothing() {
    let deps = dependencies("bgp", &[]);
    assert_eq!(
        deps,
        vec!["bgp".to_string()],
        "the sans-IO BGP crate must stay free of dependencies"
    );
}

#[test]
fn the_bfd_core_depends_on_nothing() {
    let deps = dependencies("bfd", &[]);
    assert_eq!(
        deps,
        vec!["bfd".to_string()],
        "the sans-IO BFD crate must stay free of dependencies"
    );
}

#[test]
fn config_and_import_are_pure() {
    let why = "config and import are pure: file text and local addresses are passed in";
    assert_none_of("kubegate-config", &[], IO, why);
    assert_none_of("kubegate-import", &[], IO, why);
    assert_none_of(
        "kubegate-http",
        &[],
        IO,
        "HTTP heads are parsed from bytes handed in",
    );
}

#[test]
fn the_balancer_and_sys_reach_no_lab_and_no_daemon() {
    let forbidden = &["kubegate", "kubegate-lab", "rcgen"];
    let why = "the balancer and the Linux adapters are below the daemon and never test-only";
    assert_none_of("kubegate-balancer", &[], forbidden, why);
    assert_none_of("kubegate-sys", &[], forbidden, why);
}

#[test]
fn a_daemon_without_the_lab_feature_carries_no_lab() {
    assert_none_of(
        "kubegate",
        &["--no-default-features"],
        &["kubegate-lab", "rcgen"],
        "packages and the image are built without the lab",
    );
    let with_lab = dependencies("kubegate", &[]);
    assert!(
        with_lab.iter().any(|d| d == "kubegate-lab"),
        "the default build keeps `kubegate lab`; its tree: {with_lab:?}"
    );
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The keyword looked for, spelled so that this file does not contain it.
const UNSAFE: &str = concat!("un", "safe");

#[test]
fn unsafe_appears_only_in_the_sys_crate() {
    let crates = workspace().join("crates");
    let mut offenders = Vec::new();
    let mut roots_without_forbid = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let krate = entry.unwrap().path();
        let name = krate.file_name().unwrap().to_string_lossy().into_owned();
        if name == "kubegate-sys" || !krate.join("Cargo.toml").exists() {
            continue;
        }
        let mut files = Vec::new();
        for sub in ["src", "tests", "benches", "fuzz"] {
            if krate.join(sub).is_dir() {
                rust_files(&krate.join(sub), &mut files);
            }
        }
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            checked += 1;
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let words = code.split(|c: char| !(c.is_alphanumeric() || c == '_'));
                if words.into_iter().any(|w| w == UNSAFE) {
                    offenders.push(format!("{}:{}: {line}", file.display(), n + 1));
                }
            }
        }
        for root in ["src/lib.rs", "src/main.rs"] {
            let path = krate.join(root);
            if path.exists()
                && !std::fs::read_to_string(&path)
                    .unwrap()
                    .contains("#![forbid(unsafe_code)]")
            {
                roots_without_forbid.push(path.display().to_string());
            }
        }
    }
    assert!(
        checked > 100,
        "found only {checked} Rust files under {crates:?}"
    );
    assert!(
        offenders.is_empty(),
        "{UNSAFE} outside kubegate-sys:\n{}",
        offenders.join("\n")
    );
    assert!(
        roots_without_forbid.is_empty(),
        "crate roots without #![forbid(unsafe_code)]: {roots_without_forbid:?}"
    );
}
