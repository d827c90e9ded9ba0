//! Reading the repository's example files for the config tests (the crate itself reads no files).

use std::path::Path;

use kubegate_config::model::ClusterConfig;
use kubegate_config::ConfigErrors;

/// The file's text through `parse_str`, named by its path.
pub fn load(path: &Path) -> Result<ClusterConfig, ConfigErrors> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    kubegate_config::parse_str(&text, path)
}
