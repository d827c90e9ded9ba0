//! The faults a chaos campaign applies, their repairs, and the one-line text each is printed as
//! (a schedule is a list of these lines, so a printed schedule loads back unchanged). Pure.

use std::fmt;

/// What a reload writes: the full file, or one without an apiserver among the backends, with
/// the priorities as configured or reversed; or a file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    File {
        without: Option<String>,
        swapped: bool,
    },
    Broken,
}

/// One fault, or the repair of one. Hosts by their lab name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The host's link loses its carrier / gets it back.
    LinkDown(String),
    LinkUp(String),
    /// The link goes down and up again, each phase lasting the next of these milliseconds
    /// (down, up, down, up …); it ends up.
    Flap(String, Vec<u64>),
    /// SIGKILL to the balancer stack (a crash: nothing is cleaned up).
    Kill(String),
    /// SIGTERM: a planned stop.
    Term(String),
    /// SIGTERM to two balancers this many milliseconds apart.
    TermTwo(String, String, u64),
    /// The balancer stack starts again (after a kill or a stop).
    Start(String),
    /// The host is cut off from the other balancer hosts (not from the client or apiservers).
    Isolate(String),
    Rejoin(String),
    /// The balancer host is cut off from every apiserver host (not from its peers or the
    /// client): its checks fail while VRRP goes on.
    CutApis(String),
    MendApis(String),
    /// `/readyz` of the host's apiserver turns 500 / 200.
    NotReady(String),
    Ready(String),
    /// The host's apiserver stops (its connections close) / starts again.
    ApiStop(String),
    ApiStart(String),
    /// The switch drops this percentage of the host's frames, both ways / no more.
    Loss(String, u8),
    LossEnd(String),
    /// Every running balancer reloads (SIGHUP) the file written.
    Reload(Reload),
    /// The operator drains the host's apiserver on every running balancer / makes it ready.
    Drain(String),
    Undrain(String),
    /// The operator hands the VIPs of this balancer over / releases them.
    Handover(String),
    Release(String),
}

impl Fault {
    /// The name of its kind, as the report's table lists it.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::LinkDown(_) => "link-down",
            Fault::LinkUp(_) => "link-up",
            Fault::Flap(..) => "flap",
            Fault::Kill(_) => "kill",
            Fault::Term(_) => "term",
            Fault::TermTwo(..) => "term-two",
            Fault::Start(_) => "start",
            Fault::Isolate(_) => "isolate",
            Fault::Rejoin(_) => "rejoin",
            Fault::CutApis(_) => "cut-apis",
            Fault::MendApis(_) => "mend-apis",
            Fault::NotReady(_) => "not-ready",
            Fault::Ready(_) => "ready",
            Fault::ApiStop(_) => "api-stop",
            Fault::ApiStart(_) => "api-start",
            Fault::Loss(..) => "loss",
            Fault::LossEnd(_) => "loss-end",
            Fault::Reload(Reload::Broken) => "reload-invalid",
            Fault::Reload(_) => "reload",
            Fault::Drain(_) => "drain",
            Fault::Undrain(_) => "undrain",
            Fault::Handover(_) => "handover",
            Fault::Release(_) => "release",
        }
    }

    /// A planned event must fail no request (a retried GET is not a failure, as client-go
    /// retries them): stops, handovers, drains, reloads valid or not, an apiserver going not
    /// ready (the balancers drain it) and every return to service. The others are outages of
    /// their own, allowed a gap within their bound.
    pub fn planned(&self) -> bool {
        !matches!(
            self,
            Fault::LinkDown(_)
                | Fault::Flap(..)
                | Fault::Kill(_)
                | Fault::Isolate(_)
                | Fault::Rejoin(_)
                | Fault::CutApis(_)
                | Fault::MendApis(_)
                | Fault::ApiStop(_)
                | Fault::Loss(..)
        )
    }
}

impl Fault {
    /// The one host of a fault that names exactly one and nothing else.
    fn only_host(&self) -> Option<&String> {
        match self {
            Fault::LinkDown(h)
            | Fault::LinkUp(h)
            | Fault::Kill(h)
            | Fault::Term(h)
            | Fault::Start(h)
            | Fault::Isolate(h)
            | Fault::Rejoin(h)
            | Fault::CutApis(h)
            | Fault::MendApis(h)
            | Fault::NotReady(h)
            | Fault::Ready(h)
            | Fault::ApiStop(h)
            | Fault::ApiStart(h)
            | Fault::LossEnd(h)
            | Fault::Drain(h)
            | Fault::Undrain(h)
            | Fault::Handover(h)
            | Fault::Release(h) => Some(h),
            _ => None,
        }
    }

    /// The hosts it names.
    pub fn hosts(&self) -> Vec<&str> {
        match self {
            Fault::TermTwo(a, b, _) => vec![a, b],
            Fault::Flap(h, _) | Fault::Loss(h, _) => vec![h],
            Fault::Reload(Reload::File {
                without: Some(a), ..
            }) => vec![a],
            other => other.only_host().map(String::as_str).into_iter().collect(),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.kind();
        match self {
            Fault::Flap(h, phases) => {
                let ms: Vec<String> = phases.iter().map(u64::to_string).collect();
                write!(f, "{k} {h} {}", ms.join(" "))
            }
            Fault::TermTwo(a, b, gap) => write!(f, "{k} {a} {b} {gap}"),
            Fault::Loss(h, pct) => write!(f, "{k} {h} {pct}"),
            Fault::Reload(Reload::Broken) => write!(f, "{k}"),
            Fault::Reload(Reload::File { without, swapped }) => {
                write!(f, "{k}")?;
                if *swapped {
                    write!(f, " swapped")?;
                }
                match without {
                    Some(api) => write!(f, " without {api}"),
                    None => write!(f, " full"),
                }
            }
            other => match other.only_host() {
                Some(h) => write!(f, "{k} {h}"),
                None => write!(f, "{k}"),
            },
        }
    }
}

/// Reads one fault as [`Fault`]'s `Display` writes it.
pub fn parse(text: &str) -> Result<Fault, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let host = |i: usize| -> Result<String, String> {
        words
            .get(i)
            .map(|s| s.to_string())
            .ok_or_else(|| format!("{text:?}: a host name is missing"))
    };
    let number = |i: usize| -> Result<u64, String> {
        words
            .get(i)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{text:?}: expected a number in place {}", i + 1))
    };
    let kind = *words.first().ok_or("an empty fault")?;
    let fault = match kind {
        "link-down" => Fault::LinkDown(host(1)?),
        "link-up" => Fault::LinkUp(host(1)?),
        "flap" => {
            let phases = (2..words.len())
                .map(number)
                .collect::<Result<Vec<_>, _>>()?;
            if phases.is_empty() || phases.len() % 2 != 0 {
                return Err(format!(
                    "{text:?}: a flap lists down and up phases in pairs"
                ));
            }
            Fault::Flap(host(1)?, phases)
        }
        "kill" => Fault::Kill(host(1)?),
        "term" => Fault::Term(host(1)?),
        "term-two" => Fault::TermTwo(host(1)?, host(2)?, number(3)?),
        "start" => Fault::Start(host(1)?),
        "isolate" => Fault::Isolate(host(1)?),
        "rejoin" => Fault::Rejoin(host(1)?),
        "cut-apis" => Fault::CutApis(host(1)?),
        "mend-apis" => Fault::MendApis(host(1)?),
        "not-ready" => Fault::NotReady(host(1)?),
        "ready" => Fault::Ready(host(1)?),
        "api-stop" => Fault::ApiStop(host(1)?),
        "api-start" => Fault::ApiStart(host(1)?),
        "loss" => Fault::Loss(
            host(1)?,
            u8::try_from(number(2)?)
                .ok()
                .filter(|p| *p <= 100)
                .ok_or_else(|| format!("{text:?}: a loss is a percentage, 0 to 100"))?,
        ),
        "loss-end" => Fault::LossEnd(host(1)?),
        "reload-invalid" => Fault::Reload(Reload::Broken),
        "reload" => {
            let swapped = words.get(1) == Some(&"swapped");
            let rest = &words[1 + usize::from(swapped)..];
            let without = match rest {
                ["full"] => None,
                ["without", api] => Some(api.to_string()),
                _ => {
                    return Err(format!(
                        "{text:?}: write `reload [swapped] full` or `reload [swapped] without HOST`"
                    ))
                }
            };
            Fault::Reload(Reload::File { without, swapped })
        }
        "drain" => Fault::Drain(host(1)?),
        "undrain" => Fault::Undrain(host(1)?),
        "handover" => Fault::Handover(host(1)?),
        "release" => Fault::Release(host(1)?),
        other => return Err(format!("{text:?}: unknown fault {other:?}")),
    };
    Ok(fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_reads_back_as_printed() {
        let h = || "lb1".to_string();
        let all = [
            Fault::LinkDown(h()),
            Fault::LinkUp(h()),
            Fault::Flap(h(), vec![120, 80, 40, 300]),
            Fault::Kill(h()),
            Fault::Term(h()),
            Fault::TermTwo(h(), "lb2".into(), 15),
            Fault::Start(h()),
            Fault::Isolate(h()),
            Fault::Rejoin(h()),
            Fault::CutApis(h()),
            Fault::MendApis(h()),
            Fault::NotReady(h()),
            Fault::Ready(h()),
            Fault::ApiStop(h()),
            Fault::ApiStart(h()),
            Fault::Loss(h(), 10),
            Fault::LossEnd(h()),
            Fault::Reload(Reload::Broken),
            Fault::Reload(Reload::File {
                without: Some("api2".into()),
                swapped: true,
            }),
            Fault::Reload(Reload::File {
                without: None,
                swapped: false,
            }),
            Fault::Drain(h()),
            Fault::Undrain(h()),
            Fault::Handover(h()),
            Fault::Release(h()),
        ];
        for f in all {
            assert_eq!(parse(&f.to_string()), Ok(f.clone()), "{f}");
        }
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        assert!(parse("flap lb1 10").unwrap_err().contains("pairs"));
        assert!(parse("loss lb1 300").unwrap_err().contains("percentage"));
        assert!(parse("explode lb1").unwrap_err().contains("unknown fault"));
        assert!(parse("kill").unwrap_err().contains("host name is missing"));
        assert!(parse("reload sideways")
            .unwrap_err()
            .contains("reload [swapped]"));
    }
}
