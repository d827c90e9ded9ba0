//! The .deb and .rpm of `dist/` as a distribution sees them: lintian finds no error in the
//! .deb; dpkg installs it into a throwaway root (maintainer scripts included, honouring
//! DPKG_ROOT) with the binary, the unit and the kubegate user in place, keeps an edited
//! config on reinstall (a conffile), and removes and purges it; the .rpm lists the same files
//! (the unit under /usr/lib) with the config as `%config(noreplace)`; both stop the daemon with
//! `systemctl` (SIGTERM: a handover), never by killing it; `systemd-analyze verify` accepts
//! the unit, which runs as the user kubegate with exactly the granted capabilities. Fails
//! (never skips) when dist/ is missing: ./scripts/test.sh builds it first.

mod packaging_support;

use std::collections::BTreeSet;
use std::path::Path;

use packaging_support::*;

/// What both packages install for the product, unit paths written as /usr/lib (the same
/// directory on merged-/usr systems; Debian bookworm's lintian wants /lib).
const PRODUCT: [&str; 4] = [
    "/etc/kubegate/kubegate.yaml",
    "/usr/bin/kubegate",
    "/usr/lib/systemd/system/kubegate.service",
    "/usr/lib/sysusers.d/kubegate.conf",
];

fn product_files(listing: &str) -> BTreeSet<String> {
    listing
        .lines()
        .map(|l| l.trim().trim_start_matches('.').to_string())
        .map(|p| match p.strip_prefix("/lib/systemd/") {
            Some(rest) => format!("/usr/lib/systemd/{rest}"),
            None => p,
        })
        .filter(|p| PRODUCT.contains(&p.as_str()))
        .collect()
}

#[test]
fn lintian_finds_no_error_in_the_debs() {
    // lintian leaves files of its own in TMPDIR: give it a directory the test removes.
    let tmp = TempDir::new("lintian-tmp");
    for arch in ARCHES {
        let deb = deb(arch);
        let out = std::process::Command::new("lintian")
            .args(["--fail-on", "error", "--display-info"])
            .arg(&deb)
            .env("TMPDIR", &tmp.0)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run lintian ({e}): install the Debian package lintian (./scripts/test.sh does)")
            });
        let text = String::from_utf8_lossy(&out.stdout);
        eprintln!("lintian {arch}:\n{text}");
        assert!(
            out.status.success() && !text.lines().any(|l| l.starts_with("E:")),
            "lintian on {}: {}\n{text}{}",
            deb.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn dpkg(root: &Path, args: &[&str]) -> String {
    let root_arg = format!("--root={}", root.display());
    let mut all = vec![
        root_arg.as_str(),
        "--force-script-chrootless",
        "--force-depends",
        "--force-architecture",
    ];
    all.extend_from_slice(args);
    let out = run("dpkg", &all, "dpkg");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "dpkg {args:?}: {}\n{text}",
        out.status
    );
    text
}

#[test]
fn the_deb_installs_into_a_throwaway_root_and_keeps_an_edited_config() {
    let deb = deb("x86_64");
    let deb = deb.to_str().unwrap();
    let root = TempDir::new("dpkg-root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for f in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
        std::fs::write(root.join(f), "").unwrap();
    }
    let first = dpkg(root.path(), &["--install", deb]);
    assert!(
        first.contains("kubegate check --config /etc/kubegate/kubegate.yaml"),
        "the post-install note: {first}"
    );
    for f in PRODUCT {
        let on_disk = f.replace("/usr/lib/systemd/", "/lib/systemd/");
        assert!(
            root.join(&on_disk[1..]).is_file(),
            "{on_disk} not installed"
        );
    }
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap_or_default();
    assert!(
        passwd
            .lines()
            .any(|l| l.starts_with("kubegate:") && !l.starts_with("kubegate:x:0:")),
        "the kubegate system user was not created: {passwd}"
    );

    // An edited config survives a reinstall (dpkg keeps a changed conffile).
    let config = root.join("etc/kubegate/kubegate.yaml");
    let edited = format!(
        "{}\n# edited on this node\n",
        std::fs::read_to_string(&config).unwrap()
    );
    std::fs::write(&config, &edited).unwrap();
    let again = dpkg(root.path(), &["--install", deb]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited, "{again}");
    assert!(
        !again.contains("kubegate is installed; the service is not started"),
        "{again}"
    );

    // Remove keeps the config, purge takes it.
    dpkg(root.path(), &["--remove", "kubegate"]);
    assert!(!root.join("usr/bin/kubegate").exists());
    assert!(config.exists(), "remove must keep the edited config");
    dpkg(root.path(), &["--purge", "kubegate"]);
    assert!(!config.exists(), "purge removes the config");
}

#[test]
fn the_rpm_lists_the_same_files_and_keeps_the_config() {
    for arch in ARCHES {
        let deb_files = run_ok(
            "sh",
            &[
                "-c",
                &format!("dpkg-deb --fsys-tarfile '{}' | tar -t", deb(arch).display()),
            ],
            "dpkg",
        );
        let rpm = rpm(arch);
        let rpm = rpm.to_str().unwrap();
        let rpm_files = run_ok("rpm", &["-qpl", rpm], "rpm");
        assert_eq!(
            product_files(&deb_files),
            product_files(&rpm_files),
            "{arch}"
        );
        assert_eq!(
            product_files(&rpm_files).len(),
            PRODUCT.len(),
            "{arch}: {rpm_files}"
        );
        let configs = run_ok("rpm", &["-qp", "--configfiles", rpm], "rpm");
        assert_eq!(configs.trim(), "/etc/kubegate/kubegate.yaml", "{arch}");
        // CentOS 7's rpm (4.11) reads gzip and xz payloads, not zstd.
        let payload = run_ok(
            "rpm",
            &["-qp", "--queryformat", "%{PAYLOADCOMPRESSOR}", rpm],
            "rpm",
        );
        assert!(
            payload == "gzip" || payload == "xz",
            "{arch}: payload {payload}"
        );
        let requires = run_ok("rpm", &["-qp", "--requires", rpm], "rpm");
        assert!(!requires.contains("PayloadIsZstd"), "{arch}: {requires}");
        let rpm_arch = run_ok("rpm", &["-qp", "--queryformat", "%{ARCH}", rpm], "rpm");
        assert_eq!(rpm_arch, arch);
        let info = run_ok(
            "rpm",
            &["-qp", "--queryformat", "%{DESCRIPTION}", rpm],
            "rpm",
        );
        assert_names_the_granted_capabilities(&info);
        let scripts = run_ok("rpm", &["-qp", "--scripts", rpm], "rpm");
        assert_stops_with_sigterm(&scripts);
    }
}

/// Maintainer scripts stop the daemon with `systemctl` (SIGTERM), never kill it.
fn assert_stops_with_sigterm(scripts: &str) {
    assert!(
        scripts.contains("systemctl disable --now kubegate.service")
            || scripts.contains("systemctl --system disable --now kubegate.service"),
        "removal must stop the service: {scripts}"
    );
    assert!(
        scripts.contains("try-restart kubegate.service"),
        "{scripts}"
    );
    for word in ["kill ", "SIGKILL", "pkill", "killall"] {
        assert!(
            !scripts.contains(word),
            "a maintainer script kills ({word}): {scripts}"
        );
    }
}

#[test]
fn the_debs_scripts_and_conffiles() {
    let deb = deb("x86_64");
    let deb = deb.to_str().unwrap();
    let conffiles = run_ok("dpkg-deb", &["--info", deb, "conffiles"], "dpkg");
    assert_eq!(conffiles.trim(), "/etc/kubegate/kubegate.yaml");
    let scripts: String = ["postinst", "prerm", "postrm"]
        .iter()
        .map(|s| run_ok("dpkg-deb", &["--info", deb, s], "dpkg"))
        .collect();
    assert_stops_with_sigterm(&scripts);
    let control = run_ok("dpkg-deb", &["--field", deb, "Description"], "dpkg");
    assert_names_the_granted_capabilities(&control);
}

/// The packages' descriptions name the capabilities the unit grants, all of them.
fn assert_names_the_granted_capabilities(description: &str) {
    for cap in kubegate::capabilities::GRANTED {
        assert!(
            description.contains(cap.pod_name()),
            "the description does not name {}: {description}",
            cap.pod_name()
        );
    }
    let named = description.matches("NET_").count() + description.matches("SYS_").count();
    assert_eq!(
        named,
        kubegate::capabilities::GRANTED.len(),
        "{description}"
    );
}

#[test]
fn systemd_accepts_the_unit_which_runs_unprivileged() {
    let dir = TempDir::new("unit");
    let deb = deb("x86_64");
    run_ok(
        "dpkg-deb",
        &[
            "--extract",
            deb.to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ],
        "dpkg",
    );
    let unit = std::fs::read_to_string(dir.join("lib/systemd/system/kubegate.service")).unwrap();
    let caps = kubegate::capabilities::systemd_list();
    for line in [
        "User=kubegate".to_string(),
        "Group=kubegate".to_string(),
        format!("AmbientCapabilities={caps}"),
        format!("CapabilityBoundingSet={caps}"),
        "NoNewPrivileges=yes".to_string(),
        "ExecStart=/usr/bin/kubegate run --config /etc/kubegate/kubegate.yaml".to_string(),
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "the unit lacks {line}:\n{unit}"
        );
    }
    assert!(
        !unit.contains("User=root") && !unit.contains("KillSignal="),
        "{unit}"
    );
    // systemd-analyze wants ExecStart's program to exist: point it at the unpacked binary.
    let binary = dir.join("usr/bin/kubegate");
    let checked = dir.join("kubegate.service");
    std::fs::write(
        &checked,
        unit.replace("/usr/bin/kubegate", binary.to_str().unwrap()),
    )
    .unwrap();
    let out = run(
        "systemd-analyze",
        &["verify", "--man=no", checked.to_str().unwrap()],
        "systemd",
    );
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
