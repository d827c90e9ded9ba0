//! Signals to other processes by id: the tests and the lab stop what they started (a process
//! group led by a child, or a helper that left the group).

use std::io;

/// SIGKILL to process `pid`.
pub fn kill(pid: u32) -> io::Result<()> {
    crate::ffi::kill(as_pid(pid)?, libc::SIGKILL)
}

/// SIGKILL to every process of the group led by `leader`.
pub fn kill_group(leader: u32) -> io::Result<()> {
    crate::ffi::kill(-as_pid(leader)?, libc::SIGKILL)
}

/// Process ids above `pid_t`'s range (or 0, which means "my own group" to kill(2)) are refused.
fn as_pid(pid: u32) -> io::Result<libc::pid_t> {
    match libc::pid_t::try_from(pid) {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{pid} is not a process id to signal"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_huge_ids_are_refused_before_any_signal() {
        assert!(kill(0).is_err());
        assert!(kill_group(u32::MAX).is_err());
    }

    #[test]
    fn a_child_is_killed() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        kill(child.id()).unwrap();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "sleep should have died of SIGKILL: {status:?}"
        );
    }
}
