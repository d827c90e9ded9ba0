//! The per-worker pool of splice pipes. A connection borrows a pipe only while bytes are
//! moving and gives it back empty, so idle connections hold no pipe (no descriptors, no
//! buffer pages). The pool keeps at most `POOL_CAP` spare pipes; beyond that, returned pipes
//! are closed, and when no pipe can be made (descriptor limit) the relay copies through a
//! small buffer instead.

use std::cell::RefCell;

use kubegate_sys::splice::Pipe;

/// Capacity asked for each pipe. On loopback (iperf3, 1 and 4 streams) 64 KiB, 256 KiB and
/// 1 MiB showed no difference above the run-to-run noise; 256 KiB needs four times fewer
/// splice pairs than the default for bulk transfers, and pipes exist only while bytes move.
pub const PIPE_CAPACITY: usize = 256 * 1024;

/// Spare pipes kept per worker (two descriptors each).
pub const POOL_CAP: usize = 64;

thread_local! {
    static SPARE: RefCell<Vec<Pipe>> = const { RefCell::new(Vec::new()) };
}

/// A pipe for this worker: a spare one, or a new one; `None` when none can be made.
pub fn take() -> Option<Pipe> {
    SPARE
        .with(|s| s.borrow_mut().pop())
        .or_else(|| Pipe::new(PIPE_CAPACITY).ok())
}

/// Give back a pipe that is EMPTY (a pipe still holding bytes must be dropped instead).
pub fn give_back(pipe: Pipe) {
    SPARE.with(|s| {
        let mut spare = s.borrow_mut();
        if spare.len() < POOL_CAP {
            spare.push(pipe);
        }
    });
}

/// Spare pipes held by this thread now.
pub fn spare() -> usize {
    SPARE.with(|s| s.borrow().len())
}

/// Close this thread's spare pipes (a worker that stops).
pub fn clear() {
    SPARE.with(|s| s.borrow_mut().clear());
}
