//! This process's own sockets, each as a duplicate descriptor: how the balancer's sockets are
//! inspected from inside the process (diagnostics and the tests of its socket options).

use std::os::fd::{OwnedFd, RawFd};

/// A duplicate of every socket this process has open now (from `/proc/self/fd`). A descriptor
/// closed meanwhile is skipped; one reused meanwhile shows whatever socket it now is.
pub fn own_sockets() -> Vec<OwnedFd> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    dir.flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
        })
        .filter_map(|e| e.file_name().to_string_lossy().parse::<RawFd>().ok())
        .filter_map(|fd| crate::ffi::dup_cloexec(fd).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_listening_socket_of_this_process_is_among_them() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let want = listener.local_addr().unwrap();
        let found = own_sockets().into_iter().any(|fd| {
            let s = std::net::TcpListener::from(fd);
            s.local_addr().ok() == Some(want)
        });
        assert!(
            found,
            "{want} (fd {}) not among the duplicates",
            listener.as_raw_fd()
        );
    }
}
