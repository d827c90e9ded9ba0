//! Turns the field's balancer checks into `frontend:` trackers. keepalived files check haproxy
//! or nginx with a script (`killall -0 haproxy`, `check_haproxy.sh`, `netstat -nlp | grep 9443`):
//! a process or port check of the old balancer. Once the balancer is kubegate's own frontend,
//! the honest check is whether that frontend has a ready backend, which is what `frontend:`
//! tracks; the script's weight keeps its meaning.

use super::draft::{Draft, DraftFrontend, DraftTrackKind, Note};

/// Programs whose name in a script marks a check of the old balancer.
const BALANCERS: [&str; 2] = ["haproxy", "nginx"];
/// Words of a script that looks for a listening port (a number alone could be anything).
const PORT_CHECKS: [&str; 6] = ["netstat", "ss ", "lsof", "nc ", "curl", "/dev/tcp"];

/// Replaces balancer-checking scripts of every VIP by a tracker of the frontend they checked.
pub fn link_balancer_checks(draft: &mut Draft, notes: &mut Vec<Note>) {
    let frontends = draft.frontends.clone();
    for vip in &mut draft.vips {
        for t in &mut vip.track {
            let DraftTrackKind::Script(command) = &t.kind else {
                continue;
            };
            let text = format!("{} {command}", t.source_name.as_deref().unwrap_or(""));
            let Some(f) = checked_frontend(&text, &vip.address, &frontends) else {
                continue;
            };
            // keepalived's weight 0 is left out: the frontend tracker then steps aside
            // instead of FAULT, so the VIP never leaves the whole cluster.
            let weight = if t.weight == 0 {
                "weight 0 left out (a node without a ready backend steps aside for one that has \
                 one; when none has, one node keeps the VIP and refuses connections at once)"
                    .to_string()
            } else {
                format!("weight {} kept", t.weight)
            };
            notes.push(Note::assumed(
                t.origin.clone(),
                format!(
                    "the script {command:?} checks the old balancer; kubegate tracks its own \
                     frontend {} instead (the VIP goes where a ready backend is), {weight}",
                    f.name
                ),
            ));
            t.kind = DraftTrackKind::Frontend(f.name.clone());
            (t.interval, t.timeout, t.rise, t.fall) = (None, None, None, None);
        }
        // Two scripts that checked the same balancer become one tracker.
        let mut seen = Vec::new();
        vip.track.retain(|t| match &t.kind {
            DraftTrackKind::Frontend(name) if seen.contains(name) => false,
            DraftTrackKind::Frontend(name) => {
                seen.push(name.clone());
                true
            }
            _ => true,
        });
    }
}

/// The frontend a script checks. A script that looks for a port checks the frontends on that
/// port; one that names haproxy or nginx checks any. Among those: the one bound to the VIP's
/// address, else one on every address, else (for a port) the first or (for a name) the only one.
fn checked_frontend<'a>(
    text: &str,
    vip_address: &str,
    frontends: &'a [DraftFrontend],
) -> Option<&'a DraftFrontend> {
    let lower = text.to_ascii_lowercase();
    let names_balancer = BALANCERS.iter().any(|b| lower.contains(b));
    let mut on_port = Vec::new();
    if names_balancer || PORT_CHECKS.iter().any(|w| lower.contains(w)) {
        let numbers: Vec<&str> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() >= 2)
            .collect();
        on_port = frontends
            .iter()
            .filter(|f| port_of(&f.bind).is_some_and(|p| numbers.contains(&p)))
            .collect();
    }
    let by_port = !on_port.is_empty();
    let pool: Vec<&DraftFrontend> = match (by_port, names_balancer) {
        (true, _) => on_port,
        (false, true) => frontends.iter().collect(),
        (false, false) => return None,
    };
    let vip_ip = vip_address.split('/').next().unwrap_or(vip_address);
    let on_vip = pool.iter().find(|f| host_of(&f.bind) == vip_ip);
    let wildcard = pool.iter().find(|f| is_wildcard(host_of(&f.bind)));
    let fallback = match pool.as_slice() {
        [only] => Some(only),
        [first, ..] if by_port => Some(first),
        _ => None,
    };
    on_vip.or(wildcard).or(fallback).copied()
}

fn port_of(bind: &str) -> Option<&str> {
    bind.rsplit_once(':').map(|(_, p)| p)
}

fn host_of(bind: &str) -> &str {
    let host = bind.rsplit_once(':').map_or(bind, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

fn is_wildcard(host: &str) -> bool {
    host == "0.0.0.0" || host == "::"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::{DraftTrack, DraftTransport, DraftVip, Severity};
    use std::time::Duration;

    fn frontend(name: &str, bind: &str) -> DraftFrontend {
        DraftFrontend::new(name, bind)
    }

    fn script(name: &str, command: &str, weight: i32) -> DraftTrack {
        DraftTrack {
            kind: DraftTrackKind::Script(command.into()),
            interval: Some(Duration::from_secs(2)),
            timeout: None,
            rise: Some(2),
            fall: Some(2),
            weight,
            source_name: Some(name.into()),
            origin: None,
        }
    }

    fn draft(track: Vec<DraftTrack>, frontends: Vec<DraftFrontend>) -> Draft {
        Draft {
            vips: vec![DraftVip {
                name: "VI_1".into(),
                address: "10.0.0.50/24".into(),
                more_addresses: Vec::new(),
                interface: None,
                label: None,
                vrid: 51,
                version: 2,
                advert_interval: Duration::from_secs(1),
                transport: DraftTransport::Unicast,
                preempt: true,
                preempt_delay: Duration::ZERO,
                priority: Vec::new(),
                auth_pass: None,
                track,
                notify: None,
                notify_master: None,
                notify_backup: None,
                notify_fault: None,
                group: None,
                origin: None,
            }],
            frontends,
            ..Draft::default()
        }
    }

    fn kinds(d: &Draft) -> Vec<DraftTrackKind> {
        d.vips[0].track.iter().map(|t| t.kind.clone()).collect()
    }

    #[test]
    fn a_port_check_becomes_the_frontend_on_that_port() {
        let mut d = draft(
            vec![script(
                "chk_haproxy",
                "/bin/bash -c 'if [[ $(netstat -nlp | grep 9443) ]]; then exit 0; else exit 1; fi'",
                11,
            )],
            vec![
                frontend("ingress", "0.0.0.0:443"),
                frontend("api", "0.0.0.0:9443"),
            ],
        );
        let mut notes = Vec::new();
        link_balancer_checks(&mut d, &mut notes);
        assert_eq!(kinds(&d), [DraftTrackKind::Frontend("api".into())]);
        let t = &d.vips[0].track[0];
        assert_eq!((t.weight, t.interval, t.rise), (11, None, None));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].severity, Severity::Assumed);
        assert!(notes[0].text.contains("frontend api"), "{}", notes[0]);
    }

    #[test]
    fn a_process_check_takes_the_frontend_on_the_vip_or_the_only_one() {
        let mut d = draft(
            vec![script("chk_haproxy", "killall -0 haproxy", -20)],
            vec![
                frontend("other", "0.0.0.0:80"),
                frontend("api", "10.0.0.50:6443"),
            ],
        );
        link_balancer_checks(&mut d, &mut Vec::new());
        assert_eq!(kinds(&d), [DraftTrackKind::Frontend("api".into())]);

        let mut d = draft(
            vec![script("check_nginx", "/etc/keepalived/check_nginx.sh", 0)],
            vec![frontend("apiserver", "0.0.0.0:6443")],
        );
        link_balancer_checks(&mut d, &mut Vec::new());
        assert_eq!(kinds(&d), [DraftTrackKind::Frontend("apiserver".into())]);
    }

    #[test]
    fn a_port_shared_by_frontends_on_two_vips_picks_the_one_on_this_vip() {
        let mut d = draft(
            vec![script(
                "chk_haproxy",
                "/bin/sh -c 'ss -ltn | grep -q :6443'",
                0,
            )],
            vec![
                frontend("api-a", "10.0.0.60:6443"),
                frontend("api-b", "10.0.0.50:6443"),
            ],
        );
        link_balancer_checks(&mut d, &mut Vec::new());
        assert_eq!(kinds(&d), [DraftTrackKind::Frontend("api-b".into())]);
    }

    #[test]
    fn other_scripts_stay_and_duplicates_merge() {
        let mut d = draft(
            vec![
                script("chk_disk", "/usr/local/bin/disk-ok --below 6443", -10),
                script("chk_haproxy", "killall -0 haproxy", -20),
                script("chk_haproxy_port", "ss -lnt | grep -q :6443", -20),
            ],
            vec![frontend("api", "0.0.0.0:6443")],
        );
        let mut notes = Vec::new();
        link_balancer_checks(&mut d, &mut notes);
        assert_eq!(
            kinds(&d),
            [
                DraftTrackKind::Script("/usr/local/bin/disk-ok --below 6443".into()),
                DraftTrackKind::Frontend("api".into())
            ]
        );
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn without_frontends_nothing_changes() {
        let mut d = draft(
            vec![script("chk_haproxy", "killall -0 haproxy", -20)],
            vec![],
        );
        let before = d.clone();
        let mut notes = Vec::new();
        link_balancer_checks(&mut d, &mut notes);
        assert_eq!(d, before);
        assert!(notes.is_empty());
    }
}
