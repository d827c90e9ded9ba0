//! A reload that brings BGP VIPs and peers into a running `kubegate run` (in-process) that
//! started without them: the file is accepted, and the reload's summary says plainly that BGP
//! mode starts at the next restart instead of listing announcements it does not make. (A
//! reload of a node that runs BGP mode applies the changes: tests/bgp_daemon.rs.)

mod admin_support;

use admin_support::*;
use kubegate::admin::snapshot::EventKind;

const BGP: &str = "nodes:
  - { name: kg1, address: 198.18.0.11 }
bgp:
  asn: 64512
  peers: [ { address: 198.18.0.1, asn: 64500 } ]
vips:
  - { name: api-bgp, address: 198.18.10.50/32, bgp: {} }
";

#[test]
fn a_reload_that_starts_bgp_mode_says_a_restart_applies_it() {
    let a = name_server("a");
    let d = Daemon::start("reload-bgp", &[a], true);
    let admin = d.admin.to_string();
    d.daemon
        .rewrite(&format!("{}{BGP}", config(d.frontend, &[a], &admin, true)));
    assert_eq!(d.reload(), Ok(()));
    let s = d.status();
    let last = s
        .events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Config)
        .unwrap_or_else(|| panic!("no config event: {:?}", s.events));
    assert!(
        last.message.starts_with("accepted: reloaded")
            && last
                .message
                .contains("BGP mode starts or stops: restart kubegate to apply it"),
        "{last:?}"
    );
    assert!(!last.message.contains("bgp vip api-bgp added"), "{last:?}");
    assert_eq!(d.stop(), Ok(()));
}
