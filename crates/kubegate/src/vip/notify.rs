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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    /// A temporary directory removed on drop (also when the test fails).
    struct Dir(std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Waits up to 10 s for `path` to hold a whole line; its text.
    fn line_of(path: &Path) -> String {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(t) = std::fs::read_to_string(path) {
                if t.ends_with('\n') {
                    return t;
                }
            }
            assert!(
                Instant::now() < end,
                "{} was not written within 10 s",
                path.display()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn per_state_programs_run_without_arguments_and_notify_gets_four() {
        let dir = Dir(std::env::temp_dir().join(format!("kubegate-notify-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let script = dir.0.join("hook.sh");
        let out = dir.0.join("args");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$# $*\" > {}.tmp && mv {0}.tmp {0}\n",
                out.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

        run_bare(&script);
        assert_eq!(
            line_of(&out),
            "0 \n",
            "a per-state program gets no arguments"
        );
        std::fs::remove_file(&out).unwrap();

        run(&script, "api", State::Fault, 100);
        assert_eq!(
            line_of(&out),
            "4 INSTANCE api FAULT 100\n",
            "notify gets INSTANCE NAME STATE PRIORITY"
        );
    }
}
