//! What a probe saw around a deliberate outage (every apiserver down, then one back), pure:
//! how long the slowest failed request took while nothing was ready (a refusal must be
//! immediate, not a timeout), and when service resumed after the first apiserver returned.

use super::events::Event;

/// Times in ms since the probe started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutageOutcome {
    /// The longest failed request sent between `down` and `back` (`None`: none failed).
    pub slowest_refusal_ms: Option<u64>,
    /// From `back` to the end of the first successful request sent after it (`None`: none).
    pub resumed_ms: Option<u64>,
}

/// `down`: when every apiserver stopped; `back`: when the first returned.
pub fn analyse_outage(events: &[Event], down: u64, back: u64) -> OutageOutcome {
    let mut slowest = None;
    let mut resumed: Option<u64> = None;
    for e in events {
        let Event::Request {
            start, end, error, ..
        } = e
        else {
            continue;
        };
        match error {
            Some(_) if (down..back).contains(start) => {
                slowest = Some(slowest.unwrap_or(0).max(end - start));
            }
            None if *start >= back => {
                let after = end - back;
                resumed = Some(resumed.map_or(after, |r| r.min(after)));
            }
            _ => {}
        }
    }
    OutageOutcome {
        slowest_refusal_ms: slowest,
        resumed_ms: resumed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(start: u64, end: u64, ok: bool) -> Event {
        Event::Request {
            start,
            end,
            retries: 0,
            error: (!ok).then(|| "reset".to_string()),
        }
    }

    #[test]
    fn refusals_between_down_and_back_and_the_first_success_after_back() {
        let events = [
            req(0, 5, true),
            // In flight when the apiservers stopped: before `down`, not a refusal.
            req(90, 400, false),
            req(120, 123, false),
            req(140, 180, false),
            req(1000, 1002, false),
            req(1100, 1180, true),
            req(1120, 1150, true),
        ];
        assert_eq!(
            analyse_outage(&events, 100, 1010),
            OutageOutcome {
                slowest_refusal_ms: Some(40),
                resumed_ms: Some(140),
            }
        );
        assert_eq!(
            analyse_outage(&[req(0, 5, true)], 100, 1010),
            OutageOutcome {
                slowest_refusal_ms: None,
                resumed_ms: None,
            }
        );
    }
}
