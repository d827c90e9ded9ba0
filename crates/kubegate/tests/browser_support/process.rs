//! What a browser session leaves on the machine, each behind a guard: the chromedriver process
//! group (chromedriver and the chromium it starts), the helpers that leave the group, and a
//! fresh temporary directory for the browser profile, its home and the driver's log.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A directory removed, with everything in it, on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A child started as the leader of its own process group; on drop the whole group is killed
/// (SIGKILL) before the child is reaped, so nothing it started outlives the test.
pub struct Group {
    child: Child,
    reaped: bool,
}

impl Group {
    pub fn spawn(mut command: Command) -> std::io::Result<Group> {
        use std::os::unix::process::CommandExt;
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Ok(Group {
            child: command.spawn()?,
            reaped: false,
        })
    }

    /// Whether the leader has exited (the group is still killed on drop).
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Group {
    /// Kills the group and reaps the leader; idempotent.
    pub fn kill(&mut self) {
        if self.reaped {
            return;
        }
        // The group id stays ours while the leader is unreaped or any member lives.
        let _ = kubegate_sys::process::kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.reaped = true;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Kills every process whose command line mentions `path` (a directory unique to one test):
/// helpers that left the process group, such as chromium's crash handler.
pub fn kill_mentioning(path: &Path) {
    for pid in mentioning(path) {
        // The pid was read just now and names a process started for this test (its command
        // line holds the test's own directory).
        let _ = kubegate_sys::process::kill(pid);
    }
}

/// The live processes (not this one) whose command line mentions `path`.
pub fn mentioning(path: &Path) -> Vec<u32> {
    let needle = path.as_os_str().as_encoded_bytes();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        // A zombie's command line reads empty: only running processes match.
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.windows(needle.len()).any(|w| w == needle) {
            found.push(pid);
        }
    }
    found
}
