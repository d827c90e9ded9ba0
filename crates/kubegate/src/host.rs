//! What the CLI and the daemon read from this host for the pure config crate: the config file's
//! text and this machine's addresses; every file read whole is read within a size bound
//! (`read_bounded`), so `--config /dev/zero` is an error, not a process that eats the memory.

use std::io::Read as _;
use std::path::Path;

use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::model::ClusterConfig;
use kubegate_config::{ConfigError, ConfigErrors};

/// The largest config file or import input read: real ones are a few kilobytes.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The largest token file read: a token is a few dozen bytes.
pub const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// A file's bytes, at most `limit` of them: a longer file (or an endless one, like /dev/zero)
/// is an error that says the limit.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_within(&std::fs::File::open(path)?, limit)
}

/// The same, with the mode bits of the file that was read (from the open descriptor).
pub fn read_bounded_with_mode(path: &Path, limit: u64) -> std::io::Result<(Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt as _;
    let file = std::fs::File::open(path)?;
    let bytes = read_within(&file, limit)?;
    let mode = file.metadata()?.permissions().mode();
    Ok((bytes, mode))
}

fn read_within(file: &std::fs::File, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "it is larger than {}, more than kubegate reads of such a file; is it the right file?",
            size(limit)
        )));
    }
    Ok(bytes)
}

/// `4 MiB`, `64 KiB`, `1023 bytes`.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads and validates a config file.
pub fn load_config(path: &Path) -> Result<ClusterConfig, ConfigErrors> {
    read_config(path).map(|(cluster, _)| cluster)
}

/// Reads and validates a config file; with the [`fingerprint`] of the text it validated.
pub fn read_config(path: &Path) -> Result<(ClusterConfig, String), ConfigErrors> {
    let cannot = |why: String| {
        ConfigErrors(vec![ConfigError::whole_file(
            path,
            format!("cannot read the config file: {why}"),
        )])
    };
    let bytes = read_bounded(path, MAX_CONFIG_BYTES).map_err(|e| cannot(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        cannot(format!(
            "it is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let cluster = kubegate_config::parse_str(&text, path)?;
    Ok((cluster, fingerprint(text.as_bytes())))
}

/// The first 12 hex digits of the SHA-256 of a config file's content (the same file gives
/// the same value on every node, as Prometheus's config hash does).
pub fn fingerprint(content: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, content);
    digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every IPv4 and IPv6 address configured on this machine (in the current network namespace).
pub fn local_addresses() -> std::io::Result<Vec<LocalAddr>> {
    Ok(kubegate_sys::addresses::interface_addresses()?
        .into_iter()
        .map(|a| LocalAddr {
            interface: a.interface,
            address: a.address,
            prefix_len: a.prefix_len,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_a_prefix_of_the_sha256_of_the_content() {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(fingerprint(b"abc"), "ba7816bf8f01");
        assert_ne!(fingerprint(b"abc\n"), fingerprint(b"abc"));
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = load_config(Path::new("/nonexistent/cluster.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/nonexistent/cluster.yaml: cannot read the config file: "),
            "{e}"
        );
    }

    #[test]
    fn an_endless_file_is_refused_at_the_limit() {
        let e = load_config(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(
            e,
            "/dev/zero: cannot read the config file: it is larger than 4 MiB, more than \
             kubegate reads of such a file; is it the right file?"
        );
    }

    #[test]
    fn a_file_at_the_limit_is_read_whole() {
        let dir = std::env::temp_dir().join(format!("kg-host-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("exact");
        std::fs::write(&path, vec![b'a'; 1024]).unwrap();
        let exact = read_bounded(&path, 1024);
        let over = read_bounded(&path, 1023).map_err(|e| e.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(exact.map(|b| b.len()).ok(), Some(1024));
        assert_eq!(
            over,
            Err(
                "it is larger than 1023 bytes, more than kubegate reads of such a file; is it the \
                 right file?"
                    .to_string()
            )
        );
    }

    #[test]
    fn this_machine_lists_its_loopback_address() {
        let addrs = local_addresses().expect("getifaddrs works on Linux");
        let loopback: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        assert!(
            addrs
                .iter()
                .any(|a| a.interface == "lo" && a.address == loopback && a.prefix_len == 8),
            "no 127.0.0.1/8 on lo in {addrs:?}"
        );
        assert!(addrs.iter().all(|a| !a.interface.is_empty()), "{addrs:?}");
    }
}
