//! Build facts for `kubegate --version`: the git commit of the source (`unknown` when built
//! from a tree without git, unless `KUBEGATE_GIT_COMMIT` says it) and the target triple.

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

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&dir);
    println!("cargo:rerun-if-env-changed=KUBEGATE_GIT_COMMIT");
    let commit = match std::env::var("KUBEGATE_GIT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => git(dir, &["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into()),
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
