//! An interrupted `kubegate lab` (Ctrl-C, SIGTERM, SIGHUP) removes what it built before it
//! exits: the network namespaces this process made, every process in them (daemons, routers,
//! probes) and, unless `--keep`, the lab's files. Without this, the next lab would remove the
//! namespaces as stale, but the daemons would run until then.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The exit status of a lab stopped by a signal (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: i32 = 130;

/// Set once a stop signal came: the lab's own steps then fail (their namespaces vanish),
/// and what they say is noise.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Runs a lab command so that a stop signal cleans up and exits with [`INTERRUPTED`].
pub fn run(keep: bool, lab: impl FnOnce() -> Result<ExitCode>) -> Result<ExitCode> {
    clean_up_on_signal(keep)?;
    let result = lab();
    if STOPPING.load(Ordering::SeqCst) {
        // The signal thread ends the process once it has cleaned up.
        loop {
            std::thread::park();
        }
    }
    result
}

/// Starts the thread that cleans up and exits when a stop signal comes.
fn clean_up_on_signal(keep: bool) -> Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("installing the lab's signal handlers")?;
    std::thread::Builder::new()
        .name("lab-interrupt".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                STOPPING.store(true, Ordering::SeqCst);
                eprintln!(
                    "\nkubegate lab: signal {signal}: removing the lab's namespaces and \
                     processes{}",
                    if keep { "" } else { " and its files" }
                );
                clean_up(keep);
                std::process::exit(INTERRUPTED);
            }
        })
        .context("starting the lab's signal thread")?;
    Ok(())
}

fn clean_up(keep: bool) {
    let removed = kubegate_lab::netns::remove_owned_by(std::process::id()).unwrap_or_else(|e| {
        eprintln!("kubegate lab: listing the namespaces: {e}");
        Vec::new()
    });
    let mut dirs: Vec<PathBuf> = removed
        .iter()
        .filter_map(|n| kubegate_lab::netns::tag_of(n))
        .map(|tag| std::env::temp_dir().join(format!("kubegate-lab-{tag}")))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs.iter().filter(|d| d.exists()) {
        if keep {
            eprintln!("kubegate lab: its files are kept in {}", dir.display());
        } else if let Err(e) = std::fs::remove_dir_all(dir) {
            eprintln!("kubegate lab: removing {}: {e}", dir.display());
        }
    }
}
