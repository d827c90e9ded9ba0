//! Zero-copy moving of bytes between sockets: a non-blocking pipe and `splice(2)` into and
//! out of it. Safe wrappers only; the system calls are in `ffi`.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::ffi;

/// A non-blocking, close-on-exec pipe used as the kernel-side buffer between two sockets.
#[derive(Debug)]
pub struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    capacity: usize,
}

/// The kernel's default pipe capacity (16 pages).
pub const DEFAULT_PIPE_CAPACITY: usize = 64 * 1024;

impl Pipe {
    /// A new pipe, asked to hold `capacity` bytes (`F_SETPIPE_SZ`). If the kernel refuses the
    /// size (the per-user pipe limit), the pipe keeps its default capacity.
    pub fn new(capacity: usize) -> io::Result<Pipe> {
        let (read, write) = ffi::pipe_nonblocking()?;
        let capacity = if capacity > DEFAULT_PIPE_CAPACITY {
            ffi::set_pipe_size(write.as_fd(), capacity).unwrap_or(DEFAULT_PIPE_CAPACITY)
        } else {
            DEFAULT_PIPE_CAPACITY
        };
        Ok(Pipe {
            read,
            write,
            capacity,
        })
    }

    /// Bytes the pipe can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Moves up to `len` bytes from the socket `from` into the pipe. `Ok(0)`: end of file.
    /// `WouldBlock`: nothing to read now (or the pipe is full).
    pub fn fill_from(&self, from: BorrowedFd<'_>, len: usize) -> io::Result<usize> {
        ffi::splice(from, self.write.as_fd(), len, false)
    }

    /// Moves up to `len` bytes from the pipe to the socket `to`. `WouldBlock`: the socket's
    /// send buffer is full (or the pipe is empty). `more`: more data follows at once
    /// (`SPLICE_F_MORE`, a hint like `MSG_MORE`).
    pub fn drain_to(&self, to: BorrowedFd<'_>, len: usize, more: bool) -> io::Result<usize> {
        ffi::splice(self.read.as_fd(), to, len, more)
    }
}

/// `read(2)` on a non-blocking socket (the copy path, when no pipe can be had).
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    ffi::read(fd, buf)
}

/// `send(2)` without `SIGPIPE` on a non-blocking socket (the copy path).
pub fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    ffi::send_nosignal(fd, buf)
}
