//! Where connection records go: formatted into a per-worker buffer and written to stdout when
//! it is large or by the worker's periodic flush (at least every 100 ms), so logging costs no
//! system call per connection. An optional hook sees every record (tests, the admin side).

use std::cell::RefCell;
use std::fmt;
use std::io::Write as _;
use std::sync::Arc;

use super::connlog::ConnRecord;

/// Format of the connection log on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// No connection log.
    None,
    /// One tcplog-style text line per connection.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Called with every finished connection's record, on the worker thread that ended it.
#[derive(Clone)]
pub struct RecordHook(pub Arc<dyn Fn(&ConnRecord) + Send + Sync>);

impl fmt::Debug for RecordHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordHook")
    }
}

/// Buffered output is written once it grows past this.
const FLUSH_AT: usize = 32 * 1024;

thread_local! {
    static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// One worker's view of the log settings.
#[derive(Debug, Clone, Default)]
pub struct LogSink {
    pub format: LogFormat,
    pub hook: Option<RecordHook>,
}

impl LogSink {
    /// Record one finished connection.
    pub fn emit(&self, record: &ConnRecord) {
        if let Some(hook) = &self.hook {
            (hook.0)(record);
        }
        let line = match self.format {
            LogFormat::None => return,
            LogFormat::Text => record.text(),
            LogFormat::Json => record.json(),
        };
        let full = BUFFER.with(|b| {
            let mut b = b.borrow_mut();
            b.push_str(&line);
            b.push('\n');
            b.len() >= FLUSH_AT
        });
        if full {
            flush();
        }
    }
}

/// Write this thread's buffered lines to stdout (errors are dropped: the log must never stop
/// the data path).
pub fn flush() {
    let text = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if !text.is_empty() {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
}
