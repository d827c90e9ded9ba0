//! keepalived parity through `kubegate import`: several `virtual_ipaddress` lines,
//! `notify_master` / `notify_backup` / `notify_fault` and a `vrrp_sync_group` become one
//! kubegate file that validates with the same addresses, programs and group.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use kubegate_config::model::StateNotify;
use kubegate_import::draft::Severity;
use kubegate_import::{import, ImportOptions, Source};

fn source(name: &str) -> Source {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keepalived/parity")
        .join(name);
    Source {
        name: name.into(),
        text: std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display())),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn several_addresses_and_per_state_programs_become_a_file_that_validates() {
    let imported = import(
        &[source("lb1.conf"), source("lb2.conf")],
        &ImportOptions::default(),
    )
    .unwrap_or_else(|notes| panic!("the import should succeed, notes: {notes:#?}"));
    let text = &imported.text;
    assert!(
        text.contains("    addresses: [10.0.0.60/24, 10.0.0.61/24, 10.0.0.62/24]\n"),
        "the ingress VIP should keep its three addresses as a list:\n{text}"
    );
    assert!(
        text.contains("    address: 10.0.0.50/24\n"),
        "a VIP with one address keeps `address:`:\n{text}"
    );
    let cfg = kubegate_config::parse_str(text, Path::new("imported.yaml"))
        .unwrap_or_else(|e| panic!("the imported file should validate:\n{e}\n{text}"));
    let api = &cfg.vips[0];
    let ingress = &cfg.vips[1];
    assert_eq!(api.addresses(), [(ip("10.0.0.50"), 24)]);
    assert_eq!(
        ingress.addresses(),
        [
            (ip("10.0.0.60"), 24),
            (ip("10.0.0.61"), 24),
            (ip("10.0.0.62"), 24)
        ]
    );
    assert_eq!(
        api.notify_on,
        StateNotify {
            master: Some(PathBuf::from("/etc/keepalived/to-master.sh")),
            backup: Some(PathBuf::from("/etc/keepalived/to-backup.sh")),
            fault: Some(PathBuf::from("/etc/keepalived/to-fault.sh")),
        }
    );
    assert_eq!(
        ingress.notify_on.master,
        Some(PathBuf::from("/etc/keepalived/to-master.sh"))
    );
    // vrrp_sync_group VG_1 { group { VI_API VI_INGRESS } } on both nodes: kept as `group:`.
    assert_eq!(
        (api.group.as_deref(), ingress.group.as_deref()),
        (Some("VG_1"), Some("VG_1")),
        "both VIPs of the sync group should carry it:\n{text}"
    );
    let dropped: Vec<String> = imported
        .notes
        .iter()
        .filter(|n| n.severity == Severity::Dropped)
        .map(|n| n.to_string())
        .collect();
    assert!(
        dropped.iter().all(|n| !n.contains("notify_")
            && !n.contains("second address")
            && !n.contains("vrrp_sync_group")),
        "nothing about addresses, notify programs or the sync group should be left out: \
         {dropped:#?}"
    );
}

#[test]
fn a_per_state_program_with_arguments_is_an_error_that_says_to_wrap_it() {
    let mut a = source("lb1.conf");
    let mut b = source("lb2.conf");
    for s in [&mut a, &mut b] {
        s.text = s.text.replace(
            "notify_backup /etc/keepalived/to-backup.sh",
            "notify_backup \"/etc/keepalived/notify.sh backup\"",
        );
    }
    let notes = import(&[a, b], &ImportOptions::default())
        .expect_err("a notify_backup with arguments should be refused");
    let errors: Vec<String> = notes
        .iter()
        .filter(|n| n.severity == Severity::Error)
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        errors,
        ["lb1.conf:25: error: notify_backup \"/etc/keepalived/notify.sh backup\": kubegate runs one program by its absolute path (without arguments, as keepalived runs it); put the command into a script and write its path"]
    );
}
