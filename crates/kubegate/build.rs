//! Build facts for `kubegate --version`: the git commit of the source (`unknown` when built
//! from a tree without git, unless `KUBEGATE_GIT_COMMIT` says it) and the target triple.
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Whether git's work tree at `dir` is this workspace's own, not one that happens to
/// enclose an unpacked source tarball.
fn own_repository(dir: &Path) -> bool {
    let top = git(dir, &["rev-parse", "--show-toplevel"]).map(std::path::PathBuf::from);
    let workspace = dir.join("../..").canonicalize().ok();
    matches!((top.and_then(|t| t.canonicalize().ok()), workspace), (Some(t), Some(w)) if t == w)
}

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&dir);
    println!("cargo:rerun-if-env-changed=KUBEGATE_GIT_COMMIT");
    let from_git = || {
        own_repository(dir)
            .then(|| git(dir, &["rev-parse", "--short=12", "HEAD"]))
            .flatten()
    };
    let commit = match std::env::var("KUBEGATE_GIT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => from_git().unwrap_or_else(|| "unknown".into()),
    };
    // A new commit or checkout changes HEAD or the branch it names.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", path],
        ) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(reference) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(
            dir,
            &[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                &reference,
            ],
        ) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=KUBEGATE_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=KUBEGATE_TARGET={target}");
}
