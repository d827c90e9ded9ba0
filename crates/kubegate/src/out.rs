//! A subcommand's output on stdout. A reader that went away (`kubegate check | head -1`) ends
//! the output quietly, as other Unix tools do, and the command exits with the status it would
//! have had; any other write error (a full disk under `> file`) is reported in one line.

use std::io::{ErrorKind, Write as _};

use anyhow::{anyhow, Result};

/// Writes `text` to stdout and flushes it; a closed stdout is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow!("writing to stdout: {e}")),
    }
}

/// `print` with a newline after `text`.
pub fn println(text: &str) -> Result<()> {
    print(&format!("{text}\n"))
}
