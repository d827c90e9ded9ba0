//! Duration strings in the config.

use std::time::Duration;

use kubegate_config::duration::{format_duration, parse_duration};

#[test]
fn accepted_forms() {
    let ms = Duration::from_millis;
    for (text, want) in [
        ("250ms", ms(250)),
        ("2s", ms(2000)),
        ("1.5s", ms(1500)),
        ("0.1s", ms(100)),
        ("100ms", ms(100)),
        ("1m30s", ms(90_000)),
        ("1h", ms(3_600_000)),
        ("1h0m5s", ms(3_605_000)),
        ("0s", ms(0)),
        (".5s", ms(500)),
        (" 40.95s ", ms(40_950)),
    ] {
        assert_eq!(parse_duration(text), Ok(want), "{text:?}");
    }
}

#[test]
fn refused_forms_say_how_to_write_them() {
    assert_eq!(
        parse_duration("2"),
        Err("\"2\" has no unit; write 2s or 2ms".into())
    );
    assert_eq!(
        parse_duration("1.5"),
        Err("\"1.5\" has no unit; write 1.5s or 1.5ms".into())
    );
    assert_eq!(
        parse_duration("2 seconds"),
        Err("\"2 seconds\" is not a duration (unknown unit \" seconds\"); write it like 250ms, 2s, \
             1.5s, 1m30s or 1h"
            .into())
    );
    assert_eq!(
        parse_duration("1.0005s"),
        Err("\"1.0005s\" is finer than a millisecond; durations have 1 ms steps".into())
    );
    assert_eq!(
        parse_duration("9000h"),
        Err("\"9000h\" is too long; durations go up to a year".into())
    );
    for bad in ["", "s", "ms", "-1s", "1.s", "1..5s", "1d", "2S"] {
        assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn formatting_round_trips() {
    for text in [
        "200ms", "1s", "1.5s", "1m30s", "1h", "1h0m5s", "0s", "40.95s",
    ] {
        let d = parse_duration(text).unwrap();
        assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{text}");
    }
    assert_eq!(format_duration(Duration::from_millis(90_500)), "1m30.5s");
    assert_eq!(format_duration(Duration::from_millis(3_605_000)), "1h5s");
}
