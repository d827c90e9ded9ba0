//! What this binary is: version, git commit, target, and the container image name the
//! packaging writes (`scripts/package.sh` reads it from `kubegate --version`), so the
//! manifests' default image and the image archive carry one name.

use std::sync::OnceLock;

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit the binary was built from, or `unknown` (a source tree without git).
pub const COMMIT: &str = env!("KUBEGATE_GIT_COMMIT");
/// The target triple (`x86_64-unknown-linux-musl` for the packages).
pub const TARGET: &str = env!("KUBEGATE_TARGET");
/// The image's repository, without the tag; the tag is `VERSION`.
pub const IMAGE_REPOSITORY: &str = "ghcr.io/kubegate/kubegate";

/// `ghcr.io/kubegate/kubegate:VERSION`: the image the archive of this version carries and
/// the manifests name by default.
pub fn image() -> String {
    format!("{IMAGE_REPOSITORY}:{VERSION}")
}

/// `-V`: `0.1.0 (commit 0123abcd4567, x86_64-unknown-linux-musl)`.
pub fn short_version() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| format!("{VERSION} (commit {COMMIT}, {TARGET})"))
}

/// `--version`: one fact a line, `key: value`, for people and scripts.
pub fn long_version() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{VERSION}\ncommit: {COMMIT}\ntarget: {TARGET}\nimage: {}",
            image()
        )
    })
}
