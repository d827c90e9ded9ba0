//! What the packaging tests share: where `dist/` is and what it must hold, running the tools
//! that inspect it (failing with what to install when one is missing), temporary directories
//! removed on drop, and running a packaged binary of either architecture.
#![allow(dead_code)] // each test crate uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const ARCHES: [&str; 2] = ["x86_64", "aarch64"];
/// The size the issue allows a static binary.
pub const MAX_BINARY_BYTES: u64 = 10 * 1024 * 1024;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of `dist/`; fails, saying how to make it, when it is missing.
pub fn dist_file(name: &str) -> PathBuf {
    let path = workspace().join("dist").join(name);
    assert!(
        path.is_file(),
        "dist/{name} is missing: run ./scripts/package.sh first (./scripts/test.sh runs it \
         before the tests)"
    );
    path
}

pub fn tarball(arch: &str) -> PathBuf {
    dist_file(&format!("kubegate-{VERSION}-{arch}-linux-musl.tar.gz"))
}

pub fn deb_arch(arch: &str) -> &'static str {
    match arch {
        "x86_64" => "amd64",
        _ => "arm64",
    }
}

pub fn deb(arch: &str) -> PathBuf {
    dist_file(&format!("kubegate_{VERSION}_{}.deb", deb_arch(arch)))
}

pub fn rpm(arch: &str) -> PathBuf {
    dist_file(&format!("kubegate-{VERSION}-1.{arch}.rpm"))
}

pub fn oci_archive() -> PathBuf {
    dist_file(&format!("kubegate-{VERSION}-oci.tar"))
}

/// Runs `program args…`; fails with what to install when it is missing.
pub fn run(program: &str, args: &[&str], package: &str) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install the Debian package {package} (./scripts/test.sh does)")
        })
}

/// Runs and expects success; its stdout.
pub fn run_ok(program: &str, args: &[&str], package: &str) -> String {
    let out = run(program, args, package);
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A packaged binary of `arch`, run here: directly on its own architecture, under
/// qemu-user otherwise.
pub fn run_binary(arch: &str, binary: &Path, args: &[&str]) -> Output {
    let binary = binary.to_str().unwrap();
    if arch == std::env::consts::ARCH {
        run(binary, args, "-")
    } else {
        let mut all = vec![binary];
        all.extend_from_slice(args);
        run(&format!("qemu-{arch}-static"), &all, "qemu-user-static")
    }
}

/// A temporary directory, removed on drop (also when the test fails).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "kubegate-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Unpacks a tar (any compression GNU tar knows) into `dir`, keeping file capabilities.
pub fn untar(archive: &Path, dir: &Path) {
    run_ok(
        "tar",
        &[
            "--xattrs",
            "--xattrs-include=security.capability",
            "-xf",
            archive.to_str().unwrap(),
            "-C",
            dir.to_str().unwrap(),
        ],
        "tar",
    );
}

/// The commit `kubegate --version` should name: this tree's HEAD, when git knows it.
pub fn head_commit() -> Option<String> {
    let out = Command::new("git")
        .current_dir(workspace())
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
