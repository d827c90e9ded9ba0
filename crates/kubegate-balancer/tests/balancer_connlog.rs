//! The connection log's two formats: the exact text line, and JSON that a real JSON parser
//! reads back to the same values (escaping included).

use std::net::SocketAddr;
use std::time::{Duration, UNIX_EPOCH};

use kubegate_balancer::connlog::{ConnRecord, Termination};
use proptest::prelude::*;
use serde_json::Value;

fn record() -> ConnRecord {
    ConnRecord {
        client: "198.18.0.100:51234".parse().unwrap(),
        frontend: "api".into(),
        backend: Some("10.0.0.51:6443".parse().unwrap()),
        // 2026-11-22T03:04:05.123Z
        accepted: UNIX_EPOCH + Duration::from_millis(1_795_316_645_123),
        connect: Some(Duration::from_micros(1_400)),
        total: Duration::from_millis(5_230),
        bytes_from_client: 1234,
        bytes_from_backend: 56789,
        retries: 0,
        end: Termination::ClientClosed,
    }
}

#[test]
fn text_line() {
    assert_eq!(
        record().text(),
        "198.18.0.100:51234 [22/Nov/2026:03:04:05.123] api 10.0.0.51:6443 connect=1ms \
         total=5230ms bytes=1234/56789 retries=0 end=client-closed"
    );
}

#[test]
fn text_line_when_refused_without_a_backend() {
    let r = ConnRecord {
        client: "[2001:db8::7]:40000".parse().unwrap(),
        backend: None,
        connect: None,
        total: Duration::ZERO,
        bytes_from_client: 0,
        bytes_from_backend: 0,
        end: Termination::NoBackend,
        ..record()
    };
    assert_eq!(
        r.text(),
        "[2001:db8::7]:40000 [22/Nov/2026:03:04:05.123] api - connect=- total=0ms \
         bytes=0/0 retries=0 end=no-backend"
    );
}

#[test]
fn text_line_is_one_line_whatever_the_frontend_name() {
    let r = ConnRecord {
        frontend: "evil\nname here".into(),
        ..record()
    };
    let line = r.text();
    assert!(!line.contains('\n'));
    assert_eq!(line.split(' ').nth(2), Some("evil\\u{a}name\\u{20}here"));
}

#[test]
fn json_object() {
    let r = ConnRecord {
        retries: 2,
        end: Termination::BackendDown,
        ..record()
    };
    assert_eq!(
        r.json(),
        r#"{"time":"2026-11-22T03:04:05.123Z","client":"198.18.0.100:51234","frontend":"api","backend":"10.0.0.51:6443","connect_ms":1,"total_ms":5230,"bytes_from_client":1234,"bytes_from_backend":56789,"retries":2,"end":"backend-down"}"#
    );
}

#[test]
fn json_nulls_and_every_termination_name() {
    let names = [
        (Termination::ClientClosed, "client-closed"),
        (Termination::BackendClosed, "backend-closed"),
        (Termination::IdleTimeout, "idle-timeout"),
        (Termination::ConnectFailed, "connect-failed"),
        (Termination::NoBackend, "no-backend"),
        (Termination::ConnectionLimit, "conn-limit"),
        (Termination::Shutdown, "shutdown"),
        (Termination::BackendDown, "backend-down"),
        (Termination::BackendRemoved, "backend-removed"),
    ];
    for (end, name) in names {
        let r = ConnRecord {
            backend: None,
            connect: None,
            end,
            ..record()
        };
        let v: Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(v["backend"], Value::Null);
        assert_eq!(v["connect_ms"], Value::Null);
        assert_eq!(v["end"], name);
        assert!(r.text().ends_with(&format!(" end={name}")));
    }
}

#[test]
fn json_escapes_quotes_backslashes_and_controls() {
    let r = ConnRecord {
        frontend: "a\"b\\c\n\t\u{0}\u{1b}é😀".into(),
        ..record()
    };
    let line = r.json();
    assert!(!line.contains('\n'));
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["frontend"], "a\"b\\c\n\t\u{0}\u{1b}é😀");
}

proptest! {
    #[test]
    fn json_reads_back_for_any_values(
        frontend in ".*", client in any::<SocketAddr>(), backend in any::<Option<SocketAddr>>(),
        ms in any::<u32>(), up in any::<u64>(), down in any::<u64>(), retries in any::<u32>(),
    ) {
        let r = ConnRecord {
            client, frontend: frontend.clone(), backend,
            total: Duration::from_millis(u64::from(ms)),
            bytes_from_client: up, bytes_from_backend: down, retries,
            ..record()
        };
        let line = r.json();
        prop_assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        prop_assert_eq!(v["frontend"].as_str(), Some(frontend.as_str()));
        prop_assert_eq!(v["client"].as_str().map(str::to_string), Some(client.to_string()));
        prop_assert_eq!(v["backend"].as_str().map(str::to_string), backend.map(|b| b.to_string()));
        prop_assert_eq!(v["total_ms"].as_u64(), Some(u64::from(ms)));
        prop_assert_eq!(v["bytes_from_client"].as_u64(), Some(up));
        prop_assert_eq!(v["bytes_from_backend"].as_u64(), Some(down));
        prop_assert_eq!(v["retries"].as_u64(), Some(u64::from(retries)));
        // The text line is one line of nine non-empty space-separated fields.
        let text = r.text();
        prop_assert!(!text.contains('\n'));
        prop_assert_eq!(text.split(' ').count(), 9);
        prop_assert!(text.split(' ').all(|f| !f.is_empty()));
    }
}
