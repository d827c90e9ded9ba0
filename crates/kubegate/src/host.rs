//! What the CLI and the daemon read from this host for the pure config crate: the config file's
//! text and this machine's addresses.

use std::path::Path;

use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::model::ClusterConfig;
use kubegate_config::{ConfigError, ConfigErrors};

/// Reads and validates a config file.
pub fn load_config(path: &Path) -> Result<ClusterConfig, ConfigErrors> {
    read_config(path).map(|(cluster, _)| cluster)
}

/// Reads and validates a config file; with the [`fingerprint`] of the text it validated.
pub fn read_config(path: &Path) -> Result<(ClusterConfig, String), ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError::whole_file(
            path,
            format!("cannot read the config file: {e}"),
        )])
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
