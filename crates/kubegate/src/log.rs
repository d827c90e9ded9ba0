//! The daemon's own log: `tracing` events written one line each on stderr, as text for people
//! (`2026-11-22T02:35:21.123Z master1: message`, with `warning:` / `error:` before the message
//! above info) or as one JSON object per line. Under systemd (`JOURNAL_STREAM` set) a text line
//! starts with its syslog priority (`<4>`) instead of a timestamp, so `journalctl -p warning`
//! filters it. The per-connection log is its own stream (stdout, `kubegate_balancer::logsink`).

use std::fmt::{self, Write as _};
use std::sync::OnceLock;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

static NODE: OnceLock<String> = OnceLock::new();

/// Name printed on every line (the node's name once known).
pub fn set_node(name: &str) {
    let _ = NODE.set(name.to_string());
}

fn node() -> &'static str {
    NODE.get().map(String::as_str).unwrap_or("kubegate")
}

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Text,
    Json,
}

/// Installs the process-wide subscriber: events at `level` and above go to stderr in `style`.
/// A second call (tests running the daemon in-process) keeps the first subscriber.
pub fn init(level: LevelFilter, style: Style) {
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .event_format(Lines { style, journald })
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// `error`, `warn`, `info` (the default), `debug` or `trace`, for `--log-level`.
pub fn parse_level(text: &str) -> Result<LevelFilter, String> {
    text.parse::<LevelFilter>().map_err(|_| {
        format!("{text:?} is not a log level: use error, warn, info, debug, trace or off")
    })
}

/// The event formatter for both styles.
struct Lines {
    style: Style,
    journald: bool,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = *event.metadata().level();
        let line = match self.style {
            Style::Text => text_line(level, &fields, self.journald, SystemTime::now()),
            Style::Json => json_line(level, &fields, SystemTime::now()),
        };
        writeln!(writer, "{line}")
    }
}

/// The message and the other fields of one event, in the order given.
#[derive(Default)]
struct Fields {
    message: String,
    rest: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.rest.push((field.name(), format!("{value:?}")));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.rest.push((field.name(), value.to_string()));
        }
    }
}

fn text_line(level: Level, fields: &Fields, journald: bool, now: SystemTime) -> String {
    let mut line = if journald {
        // sd-daemon(3): `<N>` at the start of a line is its syslog priority.
        format!("<{}>{}: ", syslog_priority(level), node())
    } else {
        format!(
            "{} {}: ",
            kubegate_balancer::connlog::rfc3339_millis(now),
            node()
        )
    };
    match level {
        Level::ERROR => line.push_str("error: "),
        Level::WARN => line.push_str("warning: "),
        Level::DEBUG => line.push_str("debug: "),
        Level::TRACE => line.push_str("trace: "),
        Level::INFO => {}
    }
    line.push_str(&fields.message);
    for (name, value) in &fields.rest {
        let _ = write!(line, " {name}={value}");
    }
    line
}

fn json_line(level: Level, fields: &Fields, now: SystemTime) -> String {
    let mut object = serde_json::Map::new();
    let mut put = |k: &str, v: &str| {
        object.insert(k.to_string(), serde_json::Value::String(v.to_string()));
    };
    put("time", &kubegate_balancer::connlog::rfc3339_millis(now));
    put("level", &level.as_str().to_ascii_lowercase());
    put("node", node());
    put("message", &fields.message);
    for (name, value) in &fields.rest {
        put(name, value);
    }
    serde_json::Value::Object(object).to_string()
}

fn syslog_priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn fields(message: &str) -> Fields {
        Fields {
            message: message.to_string(),
            rest: vec![("vip", "api".to_string())],
        }
    }

    #[test]
    fn text_lines_carry_time_node_level_and_fields() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_833_321_123);
        assert_eq!(
            text_line(Level::INFO, &fields("up"), false, t),
            "2026-11-28T02:35:21.123Z kubegate: up vip=api"
        );
        assert_eq!(
            text_line(Level::WARN, &fields("down"), false, t),
            "2026-11-28T02:35:21.123Z kubegate: warning: down vip=api"
        );
    }

    #[test]
    fn journald_lines_start_with_the_priority_instead_of_a_time() {
        let line = text_line(Level::ERROR, &fields("gone"), true, UNIX_EPOCH);
        assert_eq!(line, "<3>kubegate: error: gone vip=api");
    }

    #[test]
    fn json_lines_are_one_object_with_every_field() {
        let line = json_line(Level::WARN, &fields("a \"quoted\"\nline"), UNIX_EPOCH);
        assert!(!line.contains('\n'), "{line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["time"], "1970-01-01T00:00:00.000Z", "{line}");
        assert_eq!(v["level"], "warn", "{line}");
        assert_eq!(v["node"], "kubegate", "{line}");
        assert_eq!(v["message"], "a \"quoted\"\nline", "{line}");
        assert_eq!(v["vip"], "api", "{line}");
    }

    #[test]
    fn levels_parse_and_nonsense_is_explained() {
        assert_eq!(parse_level("debug").unwrap(), LevelFilter::DEBUG);
        assert_eq!(parse_level("WARN").unwrap(), LevelFilter::WARN);
        let e = parse_level("loud").unwrap_err();
        assert!(e.contains("error, warn, info"), "{e}");
    }
}
