//! What the CLI and the daemon read from this host for the pure config crate: the config file's
//! text and this machine's addresses.

use std::path::Path;

use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::model::ClusterConfig;
use kubegate_config::{ConfigError, ConfigErrors};

/// Reads and validates a config file.
pub fn load_config(path: &Path) -> Result<ClusterConfig, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError::whole_file(
            path,
            format!("cannot read the config file: {e}"),
        )])
    })?;
    kubegate_config::parse_str(&text, path)
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
