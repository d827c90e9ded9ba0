//! The `notify` hook, as keepalived calls it: `PROGRAM INSTANCE NAME STATE PRIORITY`, with
//! STATE one of MASTER, BACKUP, FAULT, STOP; and the per-state programs (`notify_master`,
//! `notify_backup`, `notify_fault`) without arguments, as keepalived runs them. Both run
//! detached; a slow hook never delays VRRP.

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;

use vrrp::State;

/// keepalived's word for a state, as notify scripts expect it.
pub fn state_word(state: State) -> &'static str {
    match state {
        State::Master | State::Stopping => "MASTER",
        State::Backup | State::Initialize => "BACKUP",
        State::Fault => "FAULT",
        State::Stopped => "STOP",
    }
}

/// Start the hook and reap it on a separate thread. Failures to start are logged.
pub fn run(program: &Path, instance: &str, state: State, priority: u8) {
    let mut cmd = Command::new(program);
    cmd.args([
        "INSTANCE",
        instance,
        state_word(state),
        &priority.to_string(),
    ]);
    spawn(cmd, program);
}

/// Start a per-state program without arguments, reaped on a separate thread.
pub fn run_bare(program: &Path) {
    spawn(Command::new(program), program);
}

fn spawn(mut cmd: Command, program: &Path) {
    cmd.stdin(Stdio::null());
    match cmd.spawn() {
        Ok(mut child) => {
            thread::spawn(move || {
                let _ = child.wait();
            });
        }
        Err(e) => eprintln!(
            "kubegate: notify hook {} could not start: {e}",
            program.display()
        ),
    }
}
