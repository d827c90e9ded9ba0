//! The programs the lab runs on this machine (`ip`, `nft`, `sysctl`), installed from the
//! distribution's packages when missing, as `./scripts/test.sh` does for the tests: so
//! `kubegate lab` works on a fresh Debian or Ubuntu machine without a set-up step of its own.

use std::io;
use std::process::{Command, Stdio};

/// Each program the lab needs and the Debian package that has it.
const TOOLS: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("nft", "nftables"),
    ("sysctl", "procps"),
];

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs the packages of the missing programs with apt-get; an error says what to install
/// by hand when that is not possible (no apt-get, or it failed).
pub fn ensure() -> io::Result<()> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(program, _)| !found(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let by_hand = || {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "the lab needs {}: install them (apt-get install {0})",
                missing.join(" ")
            ),
        )
    };
    if !found("apt-get") {
        return Err(by_hand());
    }
    eprintln!("lab: installing {} (apt-get)", missing.join(" "));
    let quiet = |cmd: &mut Command| {
        cmd.env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let installed = quiet(Command::new("apt-get").args(["update", "-qq"]))
        && quiet(
            Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(&missing),
        );
    if installed {
        Ok(())
    } else {
        Err(by_hand())
    }
}
